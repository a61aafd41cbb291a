package io.kvcache.master.rebalance;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

import io.kvcache.master.support.LocalCluster;
import io.kvcache.master.support.ShardReplicas;
import io.kvcache.slave.compat.RawRedisClient;

/**
 * The operator's side of scaling (docs/rebalancing.md): with auto-join off a shard that enrolls waits
 * for {@code POST /admin/shards/{shard}}; {@code DELETE /admin/shards/{shard}} refuses to drain the
 * only shard, an unknown one, or while keys move; a drained shard's slaves are released, and a slave
 * of that shard enrolling again is turned away until the name is admitted again.
 */
class ShardAdminIntegrationTests {

    private final HttpClient http = HttpClient.newHttpClient();

    @Test
    void joinsWaitForTheOperatorWhenAutoJoinIsOffAndDrainsAreRefusedWhenTheyCannotBeDone() throws Exception {
        try (LocalCluster cluster = LocalCluster.builder().shards(1).replicas(1)
                .masterArg("--kvcache.rebalance.auto-join=false").start();
             RawRedisClient client = new RawRedisClient(cluster.clientAddress())) {
            for (int i = 0; i < 2_000; i++) {
                client.call("SET", "key:" + i, "v" + i);
            }
            HttpResponse<String> only = cluster.delete("/admin/shards/slave1");
            assertThat(only.statusCode()).isEqualTo(409);
            assertThat(only.body()).contains("slave1 is the only shard");
            assertThat(cluster.delete("/admin/shards/nosuchshard").statusCode()).isEqualTo(404);

            cluster.addSlave("slave2", "replica1");
            Awaitility.await("slave2 enrolled with a primary").atMost(Duration.ofSeconds(60)).ignoreExceptions()
                    .until(() -> cluster.health().path("components").path("cluster").path("details").path("shards")
                            .path("slave2").path("up").asBoolean());
            assertThat(ring(cluster)).as("not placed until admitted").containsExactly("slave1");
            assertThat(cluster.getJson("/admin/rebalance").path("state").asString()).isEqualTo("idle");

            assertThat(post(cluster, "/admin/shards/slave2").statusCode()).isEqualTo(202);
            Awaitility.await("slave2 on the ring").atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofMillis(100))
                    .ignoreExceptions().until(() -> ring(cluster).equals(List.of("slave1", "slave2"))
                            && cluster.getJson("/admin/ring").path("movingTo").isEmpty());
            for (int i = 0; i < 2_000; i++) {
                assertThat(new String(client.call("GET", "key:" + i))).isEqualTo("$" + ("v" + i).length() + "\r\nv" + i + "\r\n");
            }

            // Drain slave1 and, while it drains, a second drain is refused.
            HttpResponse<String> drain = cluster.delete("/admin/shards/slave1");
            assertThat(drain.statusCode()).isEqualTo(202);
            HttpResponse<String> second = cluster.delete("/admin/shards/slave2");
            assertThat(second.statusCode()).isEqualTo(409);
            // keys still moving, or (the drain already done) slave2 the only shard left
            assertThat(second.body()).containsAnyOf("keys are moving", "only shard");
            Awaitility.await("slave1 drained").atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofMillis(100))
                    .ignoreExceptions().until(() -> ring(cluster).equals(List.of("slave2"))
                            && cluster.getJson("/admin/ring").path("movingTo").isEmpty());
            Awaitility.await("slave1 left the topology").atMost(Duration.ofSeconds(30)).ignoreExceptions()
                    .until(() -> !cluster.getJson("/admin/slaves").path("shards").findValuesAsString("name")
                            .contains("slave1"));
            assertThat(new String(client.call("DBSIZE"))).isEqualTo(":2000\r\n");

            // A slave of the drained shard coming back is turned away: the shard stays out of the topology.
            cluster.stopSlave("slave1", "replica1");
            cluster.startSlave("slave1", "replica1");
            Awaitility.await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(10))
                    .until(() -> !cluster.getJson("/admin/slaves").path("shards").findValuesAsString("name")
                            .contains("slave1"));
        }
    }

    /**
     * Issue 18: with min-replicas-to-write 1 a new shard whose primary has no replica in sync does
     * not join (the keys moved to it would live on one process, or be refused with NOREPLICAS); it
     * joins by itself once its second replica is in sync, and every key is still there.
     */
    @Test
    void aShardJoinsOnlyOnceItHasItsMinReplicasToWriteInSync() throws Exception {
        try (LocalCluster cluster = LocalCluster.builder().shards(1).replicas(2)
                .slaveArg("--kvcache.replication.min-replicas-to-write=1").start();
             RawRedisClient client = new RawRedisClient(cluster.clientAddress())) {
            ShardReplicas replicas = new ShardReplicas(cluster);
            replicas.awaitInSync("slave1", 2, Duration.ofSeconds(60));
            for (int i = 0; i < 2_000; i++) {
                assertThat(new String(client.call("SET", "key:" + i, "v" + i))).isEqualTo("+OK\r\n");
            }
            try (RawRedisClient slave = cluster.dataClient(cluster.replicasOf("slave1").getFirst())) {
                assertThat(new String(slave.call("CONFIG", "GET", "min-replicas-to-write")))
                        .isEqualTo("*2\r\n$21\r\nmin-replicas-to-write\r\n$1\r\n1\r\n");
            }

            cluster.addSlave("slave2", "replica1");
            Awaitility.await("slave2's primary reported its min-replicas-to-write").atMost(Duration.ofSeconds(60))
                    .ignoreExceptions().until(() -> replicas.shard("slave2").path("minReplicasToWrite").asInt() == 1
                            && replicas.shard("slave2").path("up").asBoolean());
            cluster.masterBean(Rebalancer.class).tick();
            assertThat(ring(cluster)).as("no replica in sync: not placed").containsExactly("slave1");
            assertThat(cluster.getJson("/admin/rebalance").path("state").asString()).isEqualTo("idle");

            cluster.addSlave("slave2", "replica2");
            Awaitility.await("slave2 on the ring").atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofMillis(100))
                    .ignoreExceptions().until(() -> ring(cluster).equals(List.of("slave1", "slave2"))
                            && cluster.getJson("/admin/ring").path("movingTo").isEmpty());
            assertThat(replicas.inSync("slave2")).hasSize(1);
            for (int i = 0; i < 2_000; i++) {
                assertThat(new String(client.call("GET", "key:" + i))).isEqualTo("$" + ("v" + i).length() + "\r\nv" + i + "\r\n");
            }
        }
    }

    private static List<String> ring(LocalCluster cluster) {
        List<String> names = new ArrayList<>();
        cluster.getJson("/admin/ring").path("shards").forEach(n -> names.add(n.asString()));
        return names;
    }

    private HttpResponse<String> post(LocalCluster cluster, String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + cluster.httpPort() + path))
                .header("Authorization", "Bearer " + cluster.adminToken())
                .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
    }
}
