package io.kvcache.master.replication;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

import io.kvcache.master.support.LocalCluster;
import io.kvcache.master.support.ShardReplicas;
import io.kvcache.master.support.SlaveNode;
import io.kvcache.slave.compat.RawRedisClient;

/**
 * Replicas seen from clients and operators: reads from replicas for clients that sent READONLY
 * (as Redis Cluster offers them), decommissioning a replica through the admin API, and
 * min-replicas-to-write.
 */
class ReplicasIntegrationTests {

    @Test
    void readonlyClientsReadFromReplicasAndWritesStillGoToThePrimary() throws Exception {
        try (LocalCluster cluster = LocalCluster.builder().shards(1).replicas(2).start()) {
            ShardReplicas replicas = new ShardReplicas(cluster);
            replicas.awaitInSync("slave1", 2, Duration.ofSeconds(60));
            String replica = replicas.aReplica("slave1");
            SlaveNode replicaData = cluster.slave("slave1", replica);
            try (RawRedisClient writer = new RawRedisClient(cluster.clientAddress())) {
                assertThat(text(writer.call("SET", "greeting", "hello"))).isEqualTo("+OK\r\n");
                for (int i = 0; i < 8; i++) {
                    assertThat(text(writer.call("GET", "greeting"))).isEqualTo("$5\r\nhello\r\n");
                }
            }
            assertThat(getCalls(cluster, replicaData)).as("GETs of clients without READONLY reach the replica").isZero();

            List<RawRedisClient> readers = new ArrayList<>();
            try {
                for (int i = 0; i < 4; i++) {
                    RawRedisClient reader = new RawRedisClient(cluster.clientAddress());
                    readers.add(reader);
                    assertThat(text(reader.call("READONLY"))).isEqualTo("+OK\r\n");
                    assertThat(text(reader.call("GET", "greeting"))).isEqualTo("$5\r\nhello\r\n");
                }
                assertThat(getCalls(cluster, replicaData)).as("GETs of READONLY clients served by the replica").isPositive();
                assertThat(text(readers.getFirst().call("SET", "greeting", "again"))).isEqualTo("+OK\r\n");
                for (RawRedisClient reader : readers) {
                    // replicas mode: the write was answered once the replica applied it
                    assertThat(text(reader.call("GET", "greeting"))).isEqualTo("$5\r\nagain\r\n");
                }
            } finally {
                for (RawRedisClient reader : readers) {
                    reader.close();
                }
            }
            try (RawRedisClient direct = cluster.dataClient(replicaData)) {
                assertThat(text(direct.call("SET", "x", "y")))
                        .isEqualTo("-READONLY You can't write against a read only replica.\r\n");
            }
        }
    }

    @Test
    void decommissioningReplicasKeepsTheShardServingUntilItsLastReplica() throws Exception {
        try (LocalCluster cluster = LocalCluster.builder().shards(1).replicas(3).start();
             RawRedisClient client = new RawRedisClient(cluster.clientAddress())) {
            ShardReplicas replicas = new ShardReplicas(cluster);
            replicas.awaitInSync("slave1", 3, Duration.ofSeconds(60));
            assertThat(text(client.call("SET", "kept", "1"))).isEqualTo("+OK\r\n");
            String primary = replicas.primary("slave1");
            String replica = replicas.aReplica("slave1");

            assertThat(delete(cluster, "/admin/slaves/slave1/" + replica)).isEqualTo(204);
            assertThat(replicas.replicaIds("slave1")).doesNotContain(replica).hasSize(2);
            assertThat(text(client.call("INCR", "kept"))).as("writes are acknowledged without it").isEqualTo(":2\r\n");

            assertThat(delete(cluster, "/admin/slaves/slave1/" + primary)).isEqualTo(204);
            String next = replicas.awaitNewPrimary("slave1", primary, Duration.ofSeconds(30));
            assertThat(next).isNotIn(primary, replica);
            assertThat(text(client.call("GET", "kept"))).as("the new primary has every write").isEqualTo("$1\r\n2\r\n");

            assertThat(delete(cluster, "/admin/slaves/slave1/" + next)).as("the last live replica").isEqualTo(409);
            assertThat(delete(cluster, "/admin/slaves/slave1/nobody")).isEqualTo(404);
            assertThat(text(client.call("GET", "kept"))).isEqualTo("$1\r\n2\r\n");
        }
    }

    /**
     * min-replicas-to-write 1: once a shard's only replica is gone, its primary refuses writes with
     * Redis's NOREPLICAS (through the master, byte for byte) and still serves reads; with the replica
     * back in sync, writes are taken again. No write is acknowledged by the primary alone.
     */
    @Test
    void withMinReplicasToWriteAShardWithoutAReplicaInSyncRefusesWritesAndServesReads() throws Exception {
        String noReplicas = "-NOREPLICAS Not enough good replicas to write.\r\n";
        try (LocalCluster cluster = LocalCluster.builder().shards(1).replicas(2)
                .slaveArg("--kvcache.replication.min-replicas-to-write=1").start();
             RawRedisClient client = new RawRedisClient(cluster.clientAddress())) {
            ShardReplicas replicas = new ShardReplicas(cluster);
            replicas.awaitInSync("slave1", 2, Duration.ofSeconds(60));
            assertThat(text(client.call("SET", "kept", "1"))).isEqualTo("+OK\r\n");
            String replica = replicas.aReplica("slave1");

            cluster.stopSlave("slave1", replica);
            Awaitility.await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100))
                    .until(() -> text(client.call("SET", "probe", "x")), noReplicas::equals);
            assertThat(text(client.call("INCR", "kept"))).isEqualTo(noReplicas);
            assertThat(text(client.call("GET", "kept"))).as("reads are served").isEqualTo("$1\r\n1\r\n");
            assertThat(text(client.call("INFO", "errorstats"))).contains("errorstat_NOREPLICAS:count=");

            cluster.startSlave("slave1", replica);
            replicas.awaitInSync("slave1", 2, Duration.ofSeconds(60));
            assertThat(text(client.call("INCR", "kept"))).isEqualTo(":2\r\n");
        }
    }

    private static int delete(LocalCluster cluster, String path) {
        return cluster.delete(path).statusCode();
    }

    private static long getCalls(LocalCluster cluster, SlaveNode slave) throws Exception {
        try (RawRedisClient client = cluster.dataClient(slave)) {
            String info = new String(io.kvcache.protocol.Replies.bulk(client.call("INFO", "commandstats")),
                    StandardCharsets.US_ASCII);
            for (String line : info.split("\r\n")) {
                if (line.startsWith("cmdstat_get:calls=")) {
                    return Long.parseLong(line.substring("cmdstat_get:calls=".length(), line.indexOf(',')));
                }
            }
            return 0;
        }
    }

    private static String text(byte[] reply) {
        return new String(reply, StandardCharsets.ISO_8859_1);
    }
}
