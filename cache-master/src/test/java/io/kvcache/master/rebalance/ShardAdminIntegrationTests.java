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
