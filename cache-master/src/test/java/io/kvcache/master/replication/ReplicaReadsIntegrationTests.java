package io.kvcache.master.replication;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

import io.kvcache.master.support.LocalCluster;
import io.kvcache.slave.compat.RawRedisClient;

/**
 * Reads from replicas, as Redis Cluster offers them: a client that sent READONLY may have its
 * key reads served by a synced replica; writes still go to the primary, and other clients read
 * from the primary only.
 */
class ReplicaReadsIntegrationTests {

    @Test
    void readonlyClientsReadFromReplicasAndWritesStillGoToThePrimary() throws Exception {
        try (LocalCluster cluster = LocalCluster.builder().shards(1).replicas(2).start()) {
            ShardReplicas replicas = new ShardReplicas(cluster);
            replicas.awaitInSync("slave1", 2, Duration.ofSeconds(60));
            String primary = replicas.primary("slave1");
            String replica = replicas.replicaIds("slave1").stream().filter(id -> !id.equals(primary)).findFirst()
                    .orElseThrow();
            InetSocketAddress replicaData = new InetSocketAddress("127.0.0.1",
                    cluster.slave("slave1", replica).dataPort());
            try (RawRedisClient writer = new RawRedisClient(cluster.clientAddress())) {
                assertThat(text(writer.call("SET", "greeting", "hello"))).isEqualTo("+OK\r\n");
                for (int i = 0; i < 8; i++) {
                    assertThat(text(writer.call("GET", "greeting"))).isEqualTo("$5\r\nhello\r\n");
                }
            }
            assertThat(getCalls(replicaData)).as("GETs of clients without READONLY reach the replica").isZero();

            List<RawRedisClient> readers = new ArrayList<>();
            try {
                for (int i = 0; i < 4; i++) {
                    RawRedisClient reader = new RawRedisClient(cluster.clientAddress());
                    readers.add(reader);
                    assertThat(text(reader.call("READONLY"))).isEqualTo("+OK\r\n");
                    assertThat(text(reader.call("GET", "greeting"))).isEqualTo("$5\r\nhello\r\n");
                }
                assertThat(getCalls(replicaData)).as("GETs of READONLY clients served by the replica").isPositive();
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
            try (RawRedisClient direct = new RawRedisClient(replicaData)) {
                assertThat(text(direct.call("SET", "x", "y")))
                        .isEqualTo("-READONLY You can't write against a read only replica.\r\n");
            }
        }
    }

    private static long getCalls(InetSocketAddress slave) throws Exception {
        try (RawRedisClient client = new RawRedisClient(slave)) {
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
