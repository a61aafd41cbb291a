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
