package io.kvcache.master.blocking;

import static io.kvcache.master.support.Resp.call;
import static io.kvcache.master.support.Resp.text;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

import io.kvcache.master.support.LocalCluster;
import io.kvcache.master.support.ShardReplicas;
import io.kvcache.slave.compat.RawRedisClient;

/**
 * Clients blocked on a shard whose primary fails keep waiting, on the new primary: a BLPOP and a
 * BLMOVE to another shard are served by pushes made after the failover, each element once.
 */
class BlockingFailoverIntegrationTests {

    @Test
    void blockedClientsWaitOnTheNewPrimaryAfterAFailover() throws Exception {
        try (LocalCluster cluster = LocalCluster.builder().shards(2).replicas(2).start();
             RawRedisClient producer = new RawRedisClient(cluster.clientAddress());
             RawRedisClient popper = new RawRedisClient(cluster.clientAddress(), Duration.ofSeconds(60));
             RawRedisClient mover = new RawRedisClient(cluster.clientAddress(), Duration.ofSeconds(60))) {
            String queue = "jobs:0";
            String shard = cluster.shardOf(queue);
            String otherQueue = keyOn(cluster, shard, "jobs:");
            String destination = keyOff(cluster, shard, "done:");
            ShardReplicas replicas = new ShardReplicas(cluster);
            replicas.awaitInSync(shard, 2, Duration.ofSeconds(60));
            String primary = replicas.primary(shard);

            popper.sendRaw(RawRedisClient.encode(List.<byte[][]>of(argv("BLPOP", otherQueue, "0"))));
            mover.sendRaw(RawRedisClient.encode(List.<byte[][]>of(argv("BLMOVE", queue, destination, "LEFT", "RIGHT", "0"))));
            Awaitility.await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(20))
                    .until(() -> BlockingPopsIntegrationTests.blockedClients(cluster, shard, primary), n -> n == 2);

            cluster.stopSlave(shard, primary);
            String newPrimary = replicas.awaitNewPrimary(shard, primary, Duration.ofSeconds(60));
            Awaitility.await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(50))
                    .until(() -> BlockingPopsIntegrationTests.blockedClients(cluster, shard, newPrimary), n -> n == 2);

            assertThat(call(producer, "RPUSH", queue, "e1")).isEqualTo(":1\r\n");
            assertThat(text(mover.readReply())).isEqualTo("$2\r\ne1\r\n");
            assertThat(call(producer, "RPUSH", otherQueue, "e2")).isEqualTo(":1\r\n");
            assertThat(text(popper.readReply())).isEqualTo("*2\r\n$" + otherQueue.length() + "\r\n" + otherQueue
                    + "\r\n$2\r\ne2\r\n");
            assertThat(call(producer, "LRANGE", destination, "0", "-1")).isEqualTo("*1\r\n$2\r\ne1\r\n");
            assertThat(call(producer, "EXISTS", queue, otherQueue)).isEqualTo(":0\r\n");
        }
    }

    @Test
    void clientsBlockedOnKeysThatMoveWaitForThemOnTheirNewShard() throws Exception {
        int keys = 24;
        try (LocalCluster cluster = LocalCluster.builder().shards(1).replicas(1).start();
             RawRedisClient producer = new RawRedisClient(cluster.clientAddress())) {
            List<RawRedisClient> waiters = new java.util.ArrayList<>();
            try {
                for (int i = 0; i < keys; i++) {
                    RawRedisClient c = new RawRedisClient(cluster.clientAddress(), Duration.ofSeconds(60));
                    waiters.add(c);
                    c.sendRaw(RawRedisClient.encode(List.<byte[][]>of(argv("BLPOP", "wait:" + i, "0"))));
                }
                String first = new ShardReplicas(cluster).primary("slave1");
                Awaitility.await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(20))
                        .until(() -> BlockingPopsIntegrationTests.blockedClients(cluster, "slave1", first), n -> n == keys);

                cluster.addSlave("slave2", "replica1"); // joins the ring on its own: about half the keys move to it
                Awaitility.await("slave2 on the ring").atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofMillis(100))
                        .ignoreExceptions().until(() -> cluster.getJson("/admin/ring").path("shards").size() == 2
                                && cluster.getJson("/admin/ring").path("movingTo").isEmpty());
                long moved = java.util.stream.IntStream.range(0, keys)
                        .filter(i -> cluster.shardOf("wait:" + i).equals("slave2")).count();
                assertThat(moved).as("keys now on slave2").isPositive();
                String second = new ShardReplicas(cluster).primary("slave2");
                Awaitility.await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(50))
                        .until(() -> BlockingPopsIntegrationTests.blockedClients(cluster, "slave2", second),
                                n -> n == moved);

                for (int i = 0; i < keys; i++) {
                    String key = "wait:" + i;
                    assertThat(call(producer, "RPUSH", key, "v" + i)).isEqualTo(":1\r\n");
                    assertThat(text(waiters.get(i).readReply())).isEqualTo("*2\r\n$" + key.length() + "\r\n" + key
                            + "\r\n$" + ("v" + i).length() + "\r\nv" + i + "\r\n");
                }
            } finally {
                for (RawRedisClient c : waiters) {
                    c.close();
                }
            }
        }
    }

    @Test
    void blmovesBetweenTwoShardsMoveEachElementOnceWhileAJoinMovesTheirKeys() throws Exception {
        int movers = 12;
        try (LocalCluster cluster = LocalCluster.builder().shards(2).replicas(1).start();
             RawRedisClient producer = new RawRedisClient(cluster.clientAddress())) {
            List<RawRedisClient> clients = new java.util.ArrayList<>();
            List<String> sources = new java.util.ArrayList<>();
            List<String> destinations = new java.util.ArrayList<>();
            try {
                for (int i = 0; sources.size() < movers; i++) {
                    String source = "src:" + i;
                    String destination = keyOff(cluster, cluster.shardOf(source), "dst:" + i + ":");
                    RawRedisClient c = new RawRedisClient(cluster.clientAddress(), Duration.ofSeconds(60));
                    clients.add(c);
                    sources.add(source);
                    destinations.add(destination);
                    c.sendRaw(RawRedisClient.encode(List.<byte[][]>of(
                            argv("BLMOVE", source, destination, "LEFT", "RIGHT", "0"))));
                }
                Awaitility.await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(20))
                        .until(() -> blockedOn(cluster, "slave1") + blockedOn(cluster, "slave2"), n -> n == movers);

                cluster.addSlave("slave3", "replica1"); // joins on its own: some sources and destinations move to it
                Awaitility.await("slave3 on the ring").atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofMillis(100))
                        .ignoreExceptions().until(() -> cluster.getJson("/admin/ring").path("shards").size() == 3
                                && cluster.getJson("/admin/ring").path("movingTo").isEmpty());
                assertThat(java.util.stream.Stream.concat(sources.stream(), destinations.stream())
                        .filter(k -> cluster.shardOf(k).equals("slave3")).count()).as("keys moved to slave3").isPositive();
                Awaitility.await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(50))
                        .until(() -> blockedOn(cluster, "slave1") + blockedOn(cluster, "slave2") + blockedOn(cluster, "slave3"),
                                n -> n == movers);

                for (int i = 0; i < movers; i++) {
                    assertThat(call(producer, "RPUSH", sources.get(i), "e" + i, "kept" + i)).isEqualTo(":2\r\n");
                    String element = "e" + i;
                    assertThat(text(clients.get(i).readReply())).isEqualTo("$" + element.length() + "\r\n" + element + "\r\n");
                    assertThat(call(producer, "LRANGE", destinations.get(i), "0", "-1"))
                            .isEqualTo("*1\r\n$" + element.length() + "\r\n" + element + "\r\n");
                    assertThat(call(producer, "LRANGE", sources.get(i), "0", "-1"))
                            .isEqualTo("*1\r\n$" + ("kept" + i).length() + "\r\nkept" + i + "\r\n");
                }
            } finally {
                for (RawRedisClient c : clients) {
                    c.close();
                }
            }
        }
    }

    private static int blockedOn(LocalCluster cluster, String shard) throws java.io.IOException {
        return BlockingPopsIntegrationTests.blockedClients(cluster, shard, new ShardReplicas(cluster).primary(shard));
    }

    private static String keyOn(LocalCluster cluster, String shard, String prefix) {
        for (int i = 1; ; i++) {
            if (cluster.shardOf(prefix + i).equals(shard)) {
                return prefix + i;
            }
        }
    }

    private static String keyOff(LocalCluster cluster, String shard, String prefix) {
        for (int i = 1; ; i++) {
            if (!cluster.shardOf(prefix + i).equals(shard)) {
                return prefix + i;
            }
        }
    }

    private static byte[][] argv(String... args) {
        byte[][] argv = new byte[args.length][];
        for (int i = 0; i < args.length; i++) {
            argv[i] = args[i].getBytes(StandardCharsets.UTF_8);
        }
        return argv;
    }
}
