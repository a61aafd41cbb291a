package io.kvcache.master.replication;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;

import org.junit.jupiter.api.Test;

import io.kvcache.master.support.LocalCluster;
import io.kvcache.master.support.ShardReplicas;
import io.kvcache.master.support.SlaveNode;
import io.kvcache.slave.compat.RawRedisClient;

/**
 * maxmemory for a cluster: CONFIG SET through the master reaches every slave, replicas included,
 * and slaves that enroll later; primaries evict and their replicas stay identical (they take the
 * evictions as DELs and never evict on their own); INFO on the master sums the shards' memory.
 */
class EvictionIntegrationTests {

    private static final String MAXMEMORY_2MB = "*2\r\n$9\r\nmaxmemory\r\n$7\r\n2097152\r\n";

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
            for (int from = 0; from < 20_000; from += 500) {
                List<byte[][]> sets = new ArrayList<>();
                for (int i = from; i < from + 500; i++) {
                    sets.add(new byte[][] {bytes("SET"), bytes("key:" + i), bytes(value)});
                }
                for (byte[] reply : client.pipeline(sets)) {
                    assertThat(text(reply)).isEqualTo("+OK\r\n");
                }
            }
            String memory = text(client.call("INFO", "memory"));
            assertThat(field(memory, "maxmemory")).as("the cluster's capacity: 2 primaries x 2mb").isEqualTo(4L << 20);
            assertThat(field(memory, "used_memory")).isPositive().isLessThanOrEqualTo(4L << 20);
            assertThat(memory).contains("maxmemory_policy:allkeys-lru\r\n");
            long evicted = field(text(client.call("INFO", "stats")), "evicted_keys");
            long held = Long.parseLong(text(client.call("DBSIZE")).substring(1).trim());
            assertThat(evicted).isPositive().isEqualTo(20_000 - held);
            assertThat(text(client.call("GET", "key:19999"))).as("the last key written").startsWith("$1000\r\n");

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

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    private static String text(byte[] reply) {
        return new String(reply, StandardCharsets.ISO_8859_1);
    }
}
