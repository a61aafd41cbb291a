package io.kvcache.master.replication;

import static io.kvcache.master.support.Resp.argv;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.stream.IntStream;

import org.junit.jupiter.api.Test;

import io.kvcache.master.support.LocalCluster;
import io.kvcache.master.support.ShardReplicas;
import io.kvcache.master.support.SlaveNode;
import io.kvcache.slave.compat.RawRedisClient;

/**
 * maxmemory for a cluster: CONFIG SET through the master reaches every slave, replicas included,
 * and slaves that enroll later; primaries evict keys of every type and their replicas stay identical
 * (they take the evictions as DELs and never evict on their own); INFO on the master sums the shards'
 * memory.
 */
class EvictionIntegrationTests {

    private static final String MAXMEMORY_2MB = "*2\r\n$9\r\nmaxmemory\r\n$7\r\n2097152\r\n";
    private static final int KEYS = 20_000;
    /** What key:i is, by i % 6, and what TYPE says of it (a HyperLogLog is a string). */
    private static final String[] KINDS = {"string", "list", "hash", "set", "sorted set", "HyperLogLog"};
    private static final String[] TYPES = {"string", "list", "hash", "set", "zset", "string"};
    /** Elements of each HyperLogLog: sparse, about 1,000 bytes, as much as the other keys' values. */
    private static final int HLL_ELEMENTS = 500;

    @Test
    void configSetThroughTheMasterReachesEverySlaveWhoseEvictionsKeepReplicasIdentical() throws Exception {
        try (LocalCluster cluster = LocalCluster.builder().shards(2).replicas(2).start();
             RawRedisClient client = new RawRedisClient(cluster.clientAddress())) {
            ShardReplicas replicas = new ShardReplicas(cluster);
            for (String shard : cluster.shardNames()) {
                replicas.awaitInSync(shard, 2, Duration.ofSeconds(60));
            }
            assertThat(text(client.call("CONFIG", "SET", "maxmemory", "abc")))
                    .isEqualTo("-ERR CONFIG SET failed (possibly related to argument 'maxmemory') - argument must be a "
                            + "memory value\r\n");
            assertThat(text(client.call("CONFIG", "SET", "foo", "1")))
                    .isEqualTo("-ERR Unknown option or number of arguments for CONFIG SET - 'foo'\r\n");
            assertThat(text(client.call("CONFIG", "SET", "maxmemory", "2mb", "maxmemory-policy", "allkeys-lru")))
                    .isEqualTo("+OK\r\n");
            for (SlaveNode slave : cluster.slaves()) {
                try (RawRedisClient direct = cluster.dataClient(slave)) {
                    assertThat(text(direct.call("CONFIG", "GET", "maxmemory"))).as("%s", slave).isEqualTo(MAXMEMORY_2MB);
                    assertThat(text(direct.call("CONFIG", "GET", "maxmemory-policy"))).as("%s", slave)
                            .isEqualTo("*2\r\n$16\r\nmaxmemory-policy\r\n$11\r\nallkeys-lru\r\n");
                }
            }
            assertThat(text(client.call("CONFIG", "GET", "maxmemory"))).isEqualTo(MAXMEMORY_2MB);

            String value = "v".repeat(1000);
            for (int from = 0; from < KEYS; from += 500) {
                List<byte[][]> writes = new ArrayList<>();
                for (int i = from; i < from + 500; i++) {
                    writes.add(write(i, value));
                }
                List<byte[]> replies = client.pipeline(writes);
                for (int i = from; i < from + 500; i++) {
                    assertThat(text(replies.get(i - from))).as("writing key:%d, a %s", i, KINDS[i % 6])
                            .isEqualTo(i % 6 == 0 ? "+OK\r\n" : ":1\r\n");
                }
            }
            String memory = text(client.call("INFO", "memory"));
            assertThat(field(memory, "maxmemory")).as("the cluster's capacity: 2 primaries x 2mb").isEqualTo(4L << 20);
            assertThat(field(memory, "used_memory")).isPositive().isLessThanOrEqualTo(4L << 20);
            assertThat(memory).contains("maxmemory_policy:allkeys-lru\r\n");
            long evicted = field(text(client.call("INFO", "stats")), "evicted_keys");
            long held = Long.parseLong(text(client.call("DBSIZE")).substring(1).trim());
            assertThat(evicted).isPositive().isEqualTo(KEYS - held);
            // key:19999, 19999 % 6 == 1: a list
            assertThat(text(client.call("LRANGE", "key:" + (KEYS - 1), "0", "-1"))).as("the last key written, a list")
                    .isEqualTo("*1\r\n$1000\r\n" + value + "\r\n");

            // Every type was both kept and evicted, and what was kept still has its type: TYPE of every
            // key written (TYPE leaves the LRU clock alone), then the survivors of a HyperLogLog still one.
            int[] kept = new int[KINDS.length];
            int[] gone = new int[KINDS.length];
            List<String> keptHyperLogLogs = new ArrayList<>();
            for (int from = 0; from < KEYS; from += 2_000) {
                List<byte[][]> types = new ArrayList<>();
                for (int i = from; i < from + 2_000; i++) {
                    types.add(argv("TYPE", "key:" + i));
                }
                List<byte[]> replies = client.pipeline(types);
                for (int i = from; i < from + 2_000; i++) {
                    String type = text(replies.get(i - from));
                    if (type.equals("+none\r\n")) {
                        gone[i % 6]++;
                    } else {
                        assertThat(type).as("TYPE key:%d, a %s", i, KINDS[i % 6]).isEqualTo("+" + TYPES[i % 6] + "\r\n");
                        kept[i % 6]++;
                        if (KINDS[i % 6].equals("HyperLogLog")) {
                            keptHyperLogLogs.add("key:" + i);
                        }
                    }
                }
            }
            for (int k = 0; k < KINDS.length; k++) {
                assertThat(kept[k]).as("%ss kept", KINDS[k]).isPositive();
                assertThat(gone[k]).as("%ss evicted", KINDS[k]).isPositive();
            }
            assertThat(IntStream.of(kept).sum()).as("keys kept, as DBSIZE counted them").isEqualTo(held);
            List<byte[][]> magic = keptHyperLogLogs.stream().map(k -> argv("GETRANGE", k, "0", "3")).toList();
            for (byte[] reply : client.pipeline(magic)) {
                assertThat(text(reply)).as("a HyperLogLog kept").isEqualTo("$4\r\nHYLL\r\n");
            }

            for (String shard : cluster.shardNames()) {
                await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
                        assertThat(new HashSet<>(replicas.digests(shard).values())).as(shard).hasSize(1));
                for (SlaveNode slave : cluster.replicasOf(shard)) {
                    try (RawRedisClient direct = cluster.dataClient(slave)) {
                        String stats = text(direct.call("INFO", "stats"));
                        if (slave.replicaId().equals(replicas.primary(shard))) {
                            assertThat(field(stats, "evicted_keys")).as("%s evicted", slave).isPositive();
                        } else {
                            assertThat(field(stats, "evicted_keys")).as("%s, a replica, evicted", slave).isZero();
                        }
                    }
                }
            }

            // A slave that enrolls again starts with its own settings (maxmemory 0) and gets the cluster's.
            String shard = cluster.shardNames().getFirst();
            String replica = replicas.replicaIds(shard).stream().filter(id -> !id.equals(replicas.primary(shard)))
                    .findFirst().orElseThrow();
            cluster.stopSlave(shard, replica);
            cluster.startSlave(shard, replica);
            SlaveNode restarted = cluster.slave(shard, replica);
            await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
                try (RawRedisClient direct = cluster.dataClient(restarted)) {
                    assertThat(text(direct.call("CONFIG", "GET", "maxmemory"))).isEqualTo(MAXMEMORY_2MB);
                }
            });
            replicas.awaitInSync(shard, 2, Duration.ofSeconds(60));
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
                    assertThat(new HashSet<>(replicas.digests(shard).values())).hasSize(1));
        }
    }

    private static long field(String info, String name) {
        for (String line : info.split("\r\n")) {
            if (line.startsWith(name + ":")) {
                return Long.parseLong(line.substring(name.length() + 1));
            }
        }
        throw new AssertionError(name + " not in " + info);
    }

    /** Writes key:i as a KINDS[i % 6], of one 1000-byte value or a sparse HyperLogLog of about as many bytes. */
    private static byte[][] write(int i, String value) {
        String key = "key:" + i;
        return switch (i % 6) {
            case 0 -> argv("SET", key, value);
            case 1 -> argv("RPUSH", key, value);
            case 2 -> argv("HSET", key, "f", value);
            case 3 -> argv("SADD", key, value);
            case 4 -> argv("ZADD", key, Integer.toString(i), value);
            default -> {
                String[] pfadd = new String[2 + HLL_ELEMENTS];
                pfadd[0] = "PFADD";
                pfadd[1] = key;
                for (int e = 0; e < HLL_ELEMENTS; e++) {
                    pfadd[2 + e] = i + "-" + e;
                }
                yield argv(pfadd);
            }
        };
    }

    private static String text(byte[] reply) {
        return new String(reply, StandardCharsets.ISO_8859_1);
    }
}
