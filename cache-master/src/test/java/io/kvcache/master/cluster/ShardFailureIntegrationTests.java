package io.kvcache.master.cluster;

import static io.kvcache.master.support.Resp.NIL;
import static io.kvcache.master.support.Resp.OK;
import static io.kvcache.master.support.Resp.SLOT_NOT_SERVED;
import static io.kvcache.master.support.Resp.array;
import static io.kvcache.master.support.Resp.bulk;
import static io.kvcache.master.support.Resp.call;
import static io.kvcache.master.support.Resp.integer;
import static io.kvcache.master.support.Resp.pipeline;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import io.kvcache.master.support.LocalCluster;
import io.kvcache.master.support.LocalCluster.SlaveMode;
import io.kvcache.master.support.SlaveNode;
import io.kvcache.slave.compat.RawRedisClient;
import tools.jackson.databind.JsonNode;

/**
 * What clients see when slaves or the master go away and come back: a shard without a live replica answers
 * CLUSTERDOWN for its keys only; a shard with a second replica keeps serving everything; a restarted master
 * gets its whole topology back from the slaves re-enrolling and serves every key as before.
 */
class ShardFailureIntegrationTests {

    private static final Duration DOWN_TIMEOUT = Duration.ofSeconds(30);

    @Test
    void aShardWithoutLiveReplicaAnswersClusterdownForItsKeysOnlyUntilItsRestartedSlaveIsForcedPrimary()
            throws IOException {
        try (LocalCluster cluster = LocalCluster.builder().shards(3).replicas(1).start();
             RawRedisClient client = new RawRedisClient(cluster.clientAddress())) {
            Map<String, String> shardOfKey = writeKeys(cluster, client, "k", 60);
            SlaveNode victim = cluster.slave("slave2", "replica1");
            int port = victim.dataPort();

            cluster.stopSlave("slave2", "replica1");
            cluster.awaitHealth("DOWN", DOWN_TIMEOUT);

            for (Map.Entry<String, String> e : shardOfKey.entrySet()) {
                String key = e.getKey();
                if (e.getValue().equals("slave2")) {
                    assertThat(call(client, "GET", key)).as("GET %s", key).isEqualTo(SLOT_NOT_SERVED);
                    assertThat(call(client, "SET", key, "new")).as("SET %s", key).isEqualTo(SLOT_NOT_SERVED);
                } else {
                    assertThat(call(client, "GET", key)).as("GET %s", key).isEqualTo(bulk("value-" + key));
                    assertThat(call(client, "APPEND", key, "!")).as("APPEND %s", key).startsWith(":");
                }
            }
            String downKey = keyOn(shardOfKey, "slave2");
            String upKey = keyOn(shardOfKey, "slave1");
            assertThat(call(client, "MGET", upKey, downKey)).isEqualTo(SLOT_NOT_SERVED);
            assertThat(call(client, "DBSIZE")).startsWith("-CLUSTERDOWN");

            var health = cluster.get("/actuator/health");
            assertThat(health.statusCode()).isEqualTo(503);
            JsonNode shards = LocalCluster.json(health.body()).path("components").path("cluster").path("details")
                    .path("shards");
            assertThat(shards.path("slave2").path("up").asBoolean()).isFalse();
            assertThat(shards.path("slave2").path("liveReplicas").asInt()).isZero();
            assertThat(shards.path("slave1").path("up").asBoolean()).isTrue();
            assertThat(shards.path("slave3").path("up").asBoolean()).isTrue();
            JsonNode where = cluster.getJson("/admin/keys/" + downKey);
            assertThat(where.path("shard").asString()).isEqualTo("slave2");
            assertThat(where.path("primary").isNull()).isTrue();
            assertThat(where.path("replicas").size()).isZero();

            // Its slave comes back empty (it held its data in memory only): no unclean election, so the
            // shard stays down, keys and all, until an operator forces it and is told what was lost.
            cluster.startSlave("slave2", "replica1");
            awaitLiveReplicas(cluster, "slave2", 1);
            assertThat(victim.dataPort()).isEqualTo(port);
            assertThat(cluster.getJson("/admin/keys/" + downKey).path("primary").isNull()).isTrue();
            assertThat(call(client, "GET", downKey)).isEqualTo(SLOT_NOT_SERVED);
            assertThat(call(client, "SET", downKey, "lost?")).isEqualTo(SLOT_NOT_SERVED);
            assertThat(cluster.post("/admin/shards/slave1/force-primary").statusCode())
                    .as("a shard with a live primary is not forced").isEqualTo(409);
            assertThat(cluster.post("/admin/shards/nosuch/force-primary").statusCode()).isEqualTo(404);

            var forced = cluster.post("/admin/shards/slave2/force-primary");
            assertThat(forced.statusCode()).as(forced.body()).isEqualTo(200);
            JsonNode report = LocalCluster.json(forced.body());
            assertThat(report.path("primary").asString()).isEqualTo("replica1");
            assertThat(report.path("heldTheData").asBoolean()).isFalse();
            assertThat(report.path("mayHaveLost").asString()).startsWith("every key of the shard");
            cluster.awaitHealthy();

            assertThat(call(client, "GET", downKey)).as("the restarted slave held its data in memory only")
                    .isEqualTo(NIL);
            assertThat(call(client, "SET", downKey, "again")).isEqualTo(OK);
            assertThat(call(client, "GET", downKey)).isEqualTo(bulk("again"));
            assertThat(call(client, "GET", upKey)).isEqualTo(bulk("value-" + upKey + "!"));
            assertThat(call(client, "DBSIZE")).isEqualTo(integer(shardOfKey.values().stream()
                    .filter(s -> !s.equals("slave2")).count() + 1));
            try (RawRedisClient direct = cluster.dataClient(victim)) {
                assertThat(call(direct, "GET", downKey)).isEqualTo(bulk("again"));
            }
        }
    }

    @Test
    void withTwoReplicasPerShardKillingOneKeepsEveryKeyReadableAndWritable() throws IOException {
        try (LocalCluster cluster = LocalCluster.builder().shards(2).replicas(2).start();
             RawRedisClient client = new RawRedisClient(cluster.clientAddress())) {
            Map<String, String> shardOfKey = writeKeys(cluster, client, "r", 60);
            // every write reached both replicas of its shard
            for (String shard : cluster.shardNames()) {
                for (SlaveNode replica : cluster.replicasOf(shard)) {
                    try (RawRedisClient direct = cluster.dataClient(replica)) {
                        assertThat(call(direct, "DBSIZE")).as("keys on %s", replica)
                                .isEqualTo(integer(shardOfKey.values().stream().filter(shard::equals).count()));
                    }
                }
            }
            String key = keyOn(shardOfKey, "slave1");
            assertThat(cluster.getJson("/admin/keys/" + key).path("primary").asString()).isEqualTo("replica1");

            cluster.stopSlave("slave1", "replica1");
            awaitLiveReplicas(cluster, "slave1", 1);

            assertThat(cluster.health().path("status").asString()).isEqualTo("UP");
            assertThat(cluster.getJson("/admin/keys/" + key).path("primary").asString()).isEqualTo("replica2");
            for (String k : shardOfKey.keySet()) {
                assertThat(call(client, "GET", k)).as("GET %s", k).isEqualTo(bulk("value-" + k));
            }
            assertThat(call(client, "SET", key, "while one replica is down")).isEqualTo(OK);

            cluster.startSlave("slave1", "replica1");
            awaitLiveReplicas(cluster, "slave1", 2);

            // The restarted replica is empty and enrolled last: the other one stays primary and serves reads.
            assertThat(cluster.getJson("/admin/keys/" + key).path("primary").asString()).isEqualTo("replica2");
            assertThat(call(client, "GET", key)).isEqualTo(bulk("while one replica is down"));
            for (String k : shardOfKey.keySet()) {
                if (!k.equals(key)) {
                    assertThat(call(client, "GET", k)).as("GET %s", k).isEqualTo(bulk("value-" + k));
                }
            }
            // and new writes reach it again: at once on the primary; on the restarted replica once it has
            // caught up (a write is acknowledged without a replica still taking its full sync).
            assertThat(call(client, "SET", key, "both")).isEqualTo(OK);
            for (SlaveNode replica : cluster.replicasOf("slave1")) {
                org.awaitility.Awaitility.await("GET on " + replica).atMost(Duration.ofSeconds(30))
                        .pollInterval(Duration.ofMillis(50)).untilAsserted(() -> {
                            try (RawRedisClient direct = cluster.dataClient(replica)) {
                                assertThat(call(direct, "GET", key)).as("GET on %s", replica).isEqualTo(bulk("both"));
                            }
                        });
            }
        }
    }

    @Test
    void afterAMasterRestartTheSlavesEnrollAgainAndEveryKeyIsServedWithItsValue() throws IOException {
        try (LocalCluster cluster = LocalCluster.builder().shards(3).replicas(1).fixedMasterPorts().start()) {
            Map<String, String> shardOfKey;
            int clientPort = cluster.clientPort();
            int httpPort = cluster.httpPort();
            JsonNode ringBefore = cluster.getJson("/admin/ring").path("shareOfHashSpace");
            try (RawRedisClient client = new RawRedisClient(cluster.clientAddress())) {
                shardOfKey = writeKeys(cluster, client, "m", 300);
                assertThat(call(client, "RPUSH", "m:list", "a", "b", "c")).isEqualTo(integer(3));
                assertThat(call(client, "SET", "m:ttl", "v", "EX", "1000")).isEqualTo(OK);
            }

            cluster.restartMaster();
            cluster.awaitHealthy();

            assertThat(cluster.clientPort()).isEqualTo(clientPort);
            assertThat(cluster.httpPort()).isEqualTo(httpPort);
            assertThat(cluster.getJson("/admin/ring").path("shareOfHashSpace")).isEqualTo(ringBefore);
            try (RawRedisClient client = new RawRedisClient(cluster.clientAddress())) {
                List<String[]> gets = new ArrayList<>();
                shardOfKey.keySet().forEach(k -> gets.add(new String[] {"GET", k}));
                List<String> values = pipeline(client, gets);
                int i = 0;
                for (String k : shardOfKey.keySet()) {
                    assertThat(values.get(i++)).as("GET %s after the master restart", k).isEqualTo(bulk("value-" + k));
                }
                assertThat(call(client, "LRANGE", "m:list", "0", "-1"))
                        .isEqualTo(array(List.of(bulk("a"), bulk("b"), bulk("c"))));
                assertThat(Long.parseLong(call(client, "TTL", "m:ttl").substring(1).trim())).isBetween(900L, 1000L);
                assertThat(call(client, "DBSIZE")).isEqualTo(integer(302));
            }
        }
    }

    /**
     * A restarted master learns every shard name from the first slave that enrolls again (slaves remember
     * them), so the ring is the old one at once: keys of a shard that has not come back answer CLUSTERDOWN
     * rather than being routed to another shard, where they would read as missing.
     */
    @Test
    void afterAMasterRestartKeysOfAShardNotBackYetAnswerClusterdownInsteadOfMovingToAnotherShard()
            throws IOException {
        try (LocalCluster cluster = LocalCluster.builder().shards(3).replicas(1).fixedMasterPorts().start()) {
            Map<String, String> shardOfKey;
            try (RawRedisClient client = new RawRedisClient(cluster.clientAddress())) {
                shardOfKey = writeKeys(cluster, client, "n", 60);
            }
            cluster.stopSlave("slave3", "replica1");

            cluster.restartMaster();
            awaitLiveReplicas(cluster, "slave1", 1);
            awaitLiveReplicas(cluster, "slave2", 1);

            try (RawRedisClient client = new RawRedisClient(cluster.clientAddress())) {
                for (Map.Entry<String, String> e : shardOfKey.entrySet()) {
                    String expected = e.getValue().equals("slave3") ? SLOT_NOT_SERVED : bulk("value-" + e.getKey());
                    assertThat(call(client, "GET", e.getKey())).as("GET %s (on %s before the restart)", e.getKey(),
                            e.getValue()).isEqualTo(expected);
                }
            }
            JsonNode shards = cluster.health().path("components").path("cluster").path("details").path("shards");
            assertThat(shards.propertyNames()).containsExactlyInAnyOrder("slave1", "slave2", "slave3");
            assertThat(shards.path("slave3").path("up").asBoolean()).isFalse();
            assertThat(cluster.health().path("status").asString()).isEqualTo("DOWN");
        }
    }

    /**
     * The same failure with a real process (kill -9 of a slave JVM, then a new one on the same port),
     * under {@code kvcache.master.unclean-election}: the new, empty process becomes primary on its own.
     */
    @Test
    void withUncleanElectionAKilledSlaveProcessMakesItsShardClusterdownUntilANewProcessEnrollsOnTheSamePort()
            throws IOException {
        Assumptions.assumeTrue(LocalCluster.slaveExecJarAvailable(), "cache-slave's exec jar is not built");
        try (LocalCluster cluster = LocalCluster.builder().shards(2).replicas(1)
                .masterArg("--kvcache.master.unclean-election=true")
                .slaveMode("slave1", "replica1", SlaveMode.PROCESS).start();
             RawRedisClient client = new RawRedisClient(cluster.clientAddress())) {
            Map<String, String> shardOfKey = writeKeys(cluster, client, "p", 20);
            String downKey = keyOn(shardOfKey, "slave1");
            String upKey = keyOn(shardOfKey, "slave2");
            int port = cluster.slave("slave1", "replica1").dataPort();

            cluster.stopSlave("slave1", "replica1");
            cluster.awaitHealth("DOWN", DOWN_TIMEOUT);

            assertThat(call(client, "GET", downKey)).isEqualTo(SLOT_NOT_SERVED);
            assertThat(call(client, "GET", upKey)).isEqualTo(bulk("value-" + upKey));

            cluster.startSlave("slave1", "replica1");
            cluster.awaitHealthy();

            assertThat(cluster.slave("slave1", "replica1").dataPort()).isEqualTo(port);
            assertThat(call(client, "GET", downKey)).isEqualTo(NIL);
            assertThat(call(client, "SET", downKey, "back")).isEqualTo(OK);
            assertThat(call(client, "GET", downKey)).isEqualTo(bulk("back"));
        }
    }

    // ---- helpers -----------------------------------------------------------------------------------------

    /** SETs prefix:0..n-1 to "value-<key>" and returns key → shard (from /admin/keys); every shard gets keys. */
    private static Map<String, String> writeKeys(LocalCluster cluster, RawRedisClient client, String prefix, int n) {
        Map<String, String> shardOfKey = new LinkedHashMap<>();
        List<String[]> sets = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            String key = prefix + ":" + i;
            sets.add(new String[] {"SET", key, "value-" + key});
            shardOfKey.put(key, cluster.shardOf(key));
        }
        assertThat(pipeline(client, sets)).containsOnly(OK);
        assertThat(new TreeMap<>(countByShard(shardOfKey))).containsOnlyKeys(cluster.shardNames());
        return shardOfKey;
    }

    private static Map<String, Integer> countByShard(Map<String, String> shardOfKey) {
        Map<String, Integer> counts = new LinkedHashMap<>();
        shardOfKey.values().forEach(s -> counts.merge(s, 1, Integer::sum));
        return counts;
    }

    private static String keyOn(Map<String, String> shardOfKey, String shard) {
        return shardOfKey.entrySet().stream().filter(e -> e.getValue().equals(shard)).map(Map.Entry::getKey)
                .findFirst().orElseThrow();
    }

    private static void awaitLiveReplicas(LocalCluster cluster, String shard, int live) {
        org.awaitility.Awaitility.await(shard + " with " + live + " live replicas").atMost(DOWN_TIMEOUT)
                .pollInterval(Duration.ofMillis(100)).ignoreExceptions()
                .until(() -> cluster.health().path("components").path("cluster").path("details").path("shards")
                        .path(shard).path("liveReplicas").asInt() == live);
    }
}
