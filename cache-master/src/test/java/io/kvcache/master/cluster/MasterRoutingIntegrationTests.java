package io.kvcache.master.cluster;

import static io.kvcache.master.support.Resp.CROSSSLOT;
import static io.kvcache.master.support.Resp.NIL;
import static io.kvcache.master.support.Resp.OK;
import static io.kvcache.master.support.Resp.array;
import static io.kvcache.master.support.Resp.bulk;
import static io.kvcache.master.support.Resp.bulkOrNil;
import static io.kvcache.master.support.Resp.call;
import static io.kvcache.master.support.Resp.integer;
import static io.kvcache.master.support.Resp.pipeline;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.kvcache.master.support.LocalCluster;
import io.kvcache.master.support.Resp;
import io.kvcache.master.support.SlaveNode;
import io.kvcache.ring.HashRing;
import io.kvcache.slave.compat.RawRedisClient;
import tools.jackson.databind.JsonNode;

/**
 * Routing through the master of 3 shards x 1 replica, checked against the slaves themselves: each key is on
 * exactly the shard {@code /admin/keys/{key}} names, multi-key commands are split and merged, cluster-wide
 * commands cover every shard, and the admin and actuator endpoints describe the cluster.
 */
class MasterRoutingIntegrationTests {

    private static LocalCluster cluster;
    private RawRedisClient client;

    @BeforeAll
    static void startCluster() {
        cluster = LocalCluster.builder().shards(3).replicas(1).start();
    }

    @AfterAll
    static void stopCluster() {
        if (cluster != null) {
            cluster.close();
        }
    }

    @BeforeEach
    void connectAndFlush() throws IOException {
        client = new RawRedisClient(cluster.clientAddress());
        assertThat(call(client, "FLUSHALL")).isEqualTo(OK);
    }

    @AfterEach
    void disconnect() throws IOException {
        client.close();
    }

    // ---- where keys live -----------------------------------------------------------------------------------

    @Test
    void eachKeyIsHeldByExactlyTheShardAdminKeysNamesAndEveryShardGetsKeys() throws IOException {
        Map<String, String> written = writeKeys("user:", 300);
        Map<String, RawRedisClient> direct = directClients();
        try {
            Map<String, Integer> keysPerShard = new TreeMap<>();
            for (Map.Entry<String, String> kv : written.entrySet()) {
                String owner = cluster.shardOf(kv.getKey());
                keysPerShard.merge(owner, 1, Integer::sum);
                for (Map.Entry<String, RawRedisClient> slave : direct.entrySet()) {
                    // A slave serves only its own keys; for the others it names the owner (Redis Cluster's MOVED).
                    String expected = slave.getKey().equals(owner) ? bulk(kv.getValue()) : "-MOVED " + owner + "\r\n";
                    assertThat(call(slave.getValue(), "GET", kv.getKey()))
                            .as("GET %s on %s's data port (owner %s)", kv.getKey(), slave.getKey(), owner)
                            .isEqualTo(expected);
                }
            }
            assertThat(keysPerShard).as("keys per shard").containsOnlyKeys(cluster.shardNames());
            assertThat(keysPerShard.values()).allSatisfy(n -> assertThat(n).isPositive());
        } finally {
            closeAll(direct);
        }
    }

    @Test
    void adminKeysNamesTheShardItsPrimaryAndLiveReplicas() {
        JsonNode view = cluster.getJson("/admin/keys/user:1");

        assertThat(view.path("key").asString()).isEqualTo("user:1");
        assertThat(view.path("shard").asString()).isIn(cluster.shardNames());
        assertThat(view.path("primary").asString()).isEqualTo("replica1");
        assertThat(view.path("replicas").values()).extracting(JsonNode::asString).containsExactly("replica1");
        assertThat(Long.parseUnsignedLong(view.path("hash").asString()))
                .isEqualTo(ring().keyHash("user:1".getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void keysSharingAHashTagLandOnOneShardAndDifferentTagsSpreadOverShards() throws IOException {
        Map<String, String> shardOfTag = new TreeMap<>();
        for (int t = 0; t < 12; t++) {
            String tag = "{order" + t + "}";
            Set<String> shards = new TreeSet<>();
            for (String suffix : List.of("", "items", "total", "status", "x{y}")) {
                String key = tag + suffix;
                assertThat(call(client, "SET", key, suffix)).isEqualTo(OK);
                shards.add(cluster.shardOf(key));
            }
            assertThat(shards).as("shards of the keys tagged %s", tag).hasSize(1);
            shardOfTag.put(tag, shards.iterator().next());
            // and the slave of that shard really holds all five
            try (RawRedisClient slave = cluster.dataClient(primaryOf(shards.iterator().next()))) {
                assertThat(call(slave, "EXISTS", tag, tag + "items", tag + "total", tag + "status", tag + "x{y}"))
                        .isEqualTo(integer(5));
            }
        }
        assertThat(new HashSet<>(shardOfTag.values())).as("shards holding the 12 tags").hasSizeGreaterThan(1);
    }

    // ---- multi-key commands ------------------------------------------------------------------------------

    /**
     * 1,000 commands in one write: SETs, MGETs and DELs over keys of all three shards and GETs, answered in
     * request order with the values a single Redis would give.
     */
    @Test
    void pipelinedMgetAndDelAcrossShardsAnswerInOrderWithCorrectValues() {
        Random random = new Random(7);
        HashRing ring = ring();
        List<String> keys = new ArrayList<>();
        for (int i = 0; i < 60; i++) {
            keys.add("p" + i);
        }
        Map<String, String> model = new HashMap<>();
        List<String[]> commands = new ArrayList<>();
        List<String> expected = new ArrayList<>();
        int mgetsOverThreeShards = 0;
        int delsOverSeveralShards = 0;
        for (int i = 0; i < 1000; i++) {
            switch (i % 4) {
                case 0 -> {
                    String key = keys.get(random.nextInt(keys.size()));
                    String value = "v" + i;
                    commands.add(new String[] {"SET", key, value});
                    expected.add(OK);
                    model.put(key, value);
                }
                case 1 -> {
                    List<String> mget = new ArrayList<>(List.of("MGET"));
                    List<String> values = new ArrayList<>();
                    Set<String> shards = new HashSet<>();
                    for (int k = 0; k < 1 + random.nextInt(8); k++) {
                        String key = random.nextInt(10) == 0 ? "missing" + k : keys.get(random.nextInt(keys.size()));
                        mget.add(key);
                        values.add(bulkOrNil(model.get(key)));
                        shards.add(ring.shardFor(key.getBytes(StandardCharsets.UTF_8)));
                    }
                    mgetsOverThreeShards += shards.size() == 3 ? 1 : 0;
                    commands.add(mget.toArray(String[]::new));
                    expected.add(array(values));
                }
                case 2 -> {
                    List<String> del = new ArrayList<>(List.of("DEL"));
                    Set<String> shards = new HashSet<>();
                    long removed = 0;
                    for (int k = 0; k < 1 + random.nextInt(3); k++) {
                        String key = keys.get(random.nextInt(keys.size()));
                        del.add(key);
                        shards.add(ring.shardFor(key.getBytes(StandardCharsets.UTF_8)));
                        removed += model.remove(key) != null ? 1 : 0;
                    }
                    delsOverSeveralShards += shards.size() > 1 ? 1 : 0;
                    commands.add(del.toArray(String[]::new));
                    expected.add(integer(removed));
                }
                default -> {
                    String key = keys.get(random.nextInt(keys.size()));
                    commands.add(new String[] {"GET", key});
                    expected.add(bulkOrNil(model.get(key)));
                }
            }
        }
        assertThat(mgetsOverThreeShards).as("MGETs touching all three shards").isGreaterThan(20);
        assertThat(delsOverSeveralShards).as("DELs touching several shards").isGreaterThan(20);

        List<String> replies = pipeline(client, commands);

        assertThat(replies).hasSize(1000);
        for (int i = 0; i < 1000; i++) {
            assertThat(replies.get(i)).as("reply #%d to %s", i, String.join(" ", commands.get(i)))
                    .isEqualTo(expected.get(i));
        }
    }

    @Test
    void msetnxAcrossShardsIsCrossslotAndWritesNothingWhileWithinOneTagItWorks() {
        String[] pair = keysOnDifferentShards();

        assertThat(call(client, "MSETNX", pair[0], "1", pair[1], "2")).isEqualTo(CROSSSLOT);
        assertThat(call(client, "EXISTS", pair[0], pair[1])).isEqualTo(integer(0));

        assertThat(call(client, "MSETNX", "{t}a", "1", "{t}b", "2")).isEqualTo(integer(1));
        assertThat(call(client, "MSETNX", "{t}b", "3", "{t}c", "4")).isEqualTo(integer(0));
        assertThat(call(client, "MGET", "{t}a", "{t}b", "{t}c")).isEqualTo(array(List.of(bulk("1"), bulk("2"), NIL)));
    }

    @Test
    void renameAcrossShardsIsCrossslotAndLeavesBothKeysWhileWithinOneTagItRenames() {
        String[] pair = keysOnDifferentShards();
        call(client, "SET", pair[0], "a");
        call(client, "SET", pair[1], "b");

        assertThat(call(client, "RENAME", pair[0], pair[1])).isEqualTo(CROSSSLOT);
        assertThat(call(client, "RENAMENX", pair[0], pair[1])).isEqualTo(CROSSSLOT);
        assertThat(call(client, "MGET", pair[0], pair[1])).isEqualTo(array(List.of(bulk("a"), bulk("b"))));

        call(client, "SET", "{r}old", "value");
        assertThat(call(client, "RENAME", "{r}old", "{r}new")).isEqualTo(OK);
        assertThat(call(client, "RENAMENX", "{r}new", "{r}other")).isEqualTo(integer(1));
        assertThat(call(client, "MGET", "{r}old", "{r}new", "{r}other"))
                .isEqualTo(array(List.of(NIL, NIL, bulk("value"))));
    }

    @Test
    void sortStoresOnlyWithinOneShardAndRefusesPatternsAsRedisClusterDoes() {
        String[] pair = keysOnDifferentShards();
        call(client, "RPUSH", pair[0], "3", "1", "2");

        assertThat(call(client, "SORT", pair[0], "STORE", pair[1])).isEqualTo(CROSSSLOT);
        assertThat(call(client, "EXISTS", pair[1])).isEqualTo(integer(0));
        assertThat(call(client, "SORT", pair[0], "BY", "weight_*"))
                .isEqualTo("-ERR BY option of SORT denied in Cluster mode.\r\n");
        assertThat(call(client, "SORT", pair[0], "GET", "#"))
                .isEqualTo("-ERR GET option of SORT denied in Cluster mode.\r\n");
        assertThat(call(client, "SORT", pair[0], "DESC")).isEqualTo(array(List.of(bulk("3"), bulk("2"), bulk("1"))));

        call(client, "RPUSH", "{s}list", "b", "a");
        assertThat(call(client, "SORT", "{s}list", "ALPHA", "STORE", "{s}sorted")).isEqualTo(integer(2));
        assertThat(call(client, "LRANGE", "{s}sorted", "0", "-1")).isEqualTo(array(List.of(bulk("a"), bulk("b"))));
        assertThat(call(client, "SORT_RO", "{s}list", "BY", "nosort")).isEqualTo(array(List.of(bulk("b"), bulk("a"))));
    }

    @Test
    void msetAndExistsAcrossShardsSplitAndMerge() {
        String[] pair = keysOnDifferentShards();

        assertThat(call(client, "MSET", pair[0], "x", pair[1], "y", pair[0], "z")).isEqualTo(OK);

        assertThat(call(client, "MGET", pair[1], pair[0], "nope")).isEqualTo(array(List.of(bulk("y"), bulk("z"), NIL)));
        assertThat(call(client, "EXISTS", pair[0], pair[1], pair[0], "nope")).isEqualTo(integer(3));
        assertThat(call(client, "UNLINK", pair[0], pair[1], "nope")).isEqualTo(integer(2));
    }

    // ---- cluster-wide commands ---------------------------------------------------------------------------

    @Test
    void dbsizeKeysAndAFullScanCoverEveryShard() {
        Map<String, String> written = writeKeys("scan:", 300);

        assertThat(call(client, "DBSIZE")).isEqualTo(integer(300));
        assertThat(Resp.strings(call(client, "KEYS", "*"))).containsExactlyInAnyOrderElementsOf(written.keySet());
        assertThat(fullScan("COUNT", "7")).isEqualTo(new TreeSet<>(written.keySet()));
        assertThat(fullScan("MATCH", "scan:1*")).isEqualTo(new TreeSet<>(
                written.keySet().stream().filter(k -> k.startsWith("scan:1")).toList()));
        assertThat(fullScan("TYPE", "list")).isEmpty();
    }

    @Test
    void flushallEmptiesEveryShard() throws IOException {
        writeKeys("flush:", 100);

        assertThat(call(client, "FLUSHALL")).isEqualTo(OK);

        assertThat(call(client, "DBSIZE")).isEqualTo(integer(0));
        for (SlaveNode slave : cluster.slaves()) {
            try (RawRedisClient direct = cluster.dataClient(slave)) {
                assertThat(call(direct, "DBSIZE")).as("DBSIZE on %s", slave).isEqualTo(integer(0));
            }
        }
    }

    @Test
    void infoHasTheRedisVersionAndTheKeyspaceSummedOverShards() {
        writeKeys("info:", 300);
        call(client, "SET", "info:ttl", "v", "EX", "1000");

        String info = Resp.string(call(client, "INFO"));

        assertThat(info).contains("redis_version:").contains("\r\ndb0:keys=301,expires=1,");
        String keyspace = Resp.string(call(client, "INFO", "keyspace"));
        assertThat(keyspace).startsWith("# Keyspace\r\ndb0:keys=301,expires=1,").doesNotContain("redis_version");
    }

    /**
     * Redis 7.0 accepts any unsigned 64-bit SCAN cursor (parseScanCursorOrReply only rejects what is not a
     * number) and answers a [cursor, keys] pair; a client may resume with a cursor from anywhere.
     */
    @Test
    void scanAcceptsAnyNumericCursorAsRedisDoes() {
        writeKeys("cursor:", 10);

        for (String cursor : List.of("7", "12345", "18446744073709551615", "-1")) {
            String reply = call(client, "SCAN", cursor);
            assertThat(reply).as("SCAN %s", cursor).startsWith("*2\r\n$");
        }
    }

    // ---- admin and actuator --------------------------------------------------------------------------------

    @Test
    void adminSlavesListsEveryShardWithItsReplicaAddressAndKeyCount() throws IOException {
        writeKeys("admin:", 90);

        JsonNode view = cluster.getJson("/admin/slaves");

        assertThat(view.path("allShardsUp").asBoolean()).isTrue();
        assertThat(view.path("shards").values()).extracting(s -> s.path("name").asString())
                .containsExactlyElementsOf(cluster.shardNames());
        long total = 0;
        for (JsonNode shard : view.path("shards").values()) {
            SlaveNode slave = primaryOf(shard.path("name").asString());
            assertThat(shard.path("up").asBoolean()).isTrue();
            assertThat(shard.path("primary").asString()).isEqualTo("replica1");
            assertThat(shard.path("replicas").values()).singleElement().satisfies(r -> {
                assertThat(r.path("id").asString()).isEqualTo("replica1");
                assertThat(r.path("role").asString()).isEqualTo("primary");
                assertThat(r.path("state").asString()).isEqualTo("UP");
                assertThat(r.path("dataAddress").asString()).isEqualTo("127.0.0.1:" + slave.dataPort());
                assertThat(r.path("lastHeartbeat").asString()).isNotEmpty();
            });
            long keys = shard.path("replicas").get(0).path("keys").asLong();
            try (RawRedisClient direct = cluster.dataClient(slave)) {
                assertThat(call(direct, "DBSIZE")).isEqualTo(integer(keys));
            }
            total += keys;
        }
        assertThat(total).isEqualTo(90);
    }

    @Test
    void adminRingHasTheVirtualPointsOfEveryShardAndSharesSummingToOne() {
        JsonNode ring = cluster.getJson("/admin/ring");

        assertThat(ring.path("virtualPointsPerShard").asInt()).isEqualTo(HashRing.DEFAULT_VIRTUAL_NODES);
        assertThat(ring.path("points").asInt()).isEqualTo(3 * HashRing.DEFAULT_VIRTUAL_NODES);
        assertThat(ring.path("ring").size()).isEqualTo(3 * HashRing.DEFAULT_VIRTUAL_NODES);
        Map<String, Double> shares = new LinkedHashMap<>();
        ring.path("shareOfHashSpace").properties().forEach(e -> shares.put(e.getKey(), e.getValue().asDouble()));
        assertThat(shares).containsOnlyKeys(cluster.shardNames());
        assertThat(shares.values().stream().mapToDouble(Double::doubleValue).sum()).isCloseTo(1.0,
                org.assertj.core.data.Offset.offset(1e-9));
        assertThat(shares.values()).allSatisfy(share -> assertThat(share).isBetween(0.2, 0.5));
    }

    @Test
    void healthIsUpWithAClusterComponentListingEveryShard() {
        JsonNode health = cluster.health();

        assertThat(health.path("status").asString()).isEqualTo("UP");
        JsonNode component = health.path("components").path("cluster");
        assertThat(component.path("status").asString()).isEqualTo("UP");
        JsonNode shards = component.path("details").path("shards");
        assertThat(shards.propertyNames()).containsExactlyInAnyOrderElementsOf(cluster.shardNames());
        for (String shard : cluster.shardNames()) {
            assertThat(shards.path(shard).path("up").asBoolean()).isTrue();
            assertThat(shards.path(shard).path("liveReplicas").asInt()).isEqualTo(1);
            assertThat(shards.path(shard).path("replicas").asInt()).isEqualTo(1);
        }
    }

    @Test
    void topologyEndpointShowsShardsReplicasAndRoles() {
        JsonNode topology = cluster.getJson("/actuator/topology");

        assertThat(topology.path("version").asLong()).isPositive();
        assertThat(topology.path("allShardsUp").asBoolean()).isTrue();
        assertThat(topology.path("shards").values()).extracting(s -> s.path("name").asString())
                .containsExactlyElementsOf(cluster.shardNames());
        assertThat(topology.path("shards").values()).allSatisfy(s -> {
            assertThat(s.path("primary").asString()).isEqualTo("replica1");
            assertThat(s.path("replicas").get(0).path("role").asString()).isEqualTo("primary");
        });
    }

    // ---- helpers -----------------------------------------------------------------------------------------

    /** SETs prefix0..prefix(n-1) through the master in one pipeline; returns key → value. */
    private Map<String, String> writeKeys(String prefix, int n) {
        Map<String, String> written = new LinkedHashMap<>();
        List<String[]> sets = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            written.put(prefix + i, "value-" + i);
            sets.add(new String[] {"SET", prefix + i, "value-" + i});
        }
        assertThat(pipeline(client, sets)).containsOnly(OK);
        return written;
    }

    private static Map<String, RawRedisClient> directClients() throws IOException {
        Map<String, RawRedisClient> clients = new TreeMap<>();
        for (String shard : cluster.shardNames()) {
            clients.put(shard, cluster.dataClient(primaryOf(shard)));
        }
        return clients;
    }

    private static void closeAll(Map<String, RawRedisClient> clients) throws IOException {
        for (RawRedisClient c : clients.values()) {
            c.close();
        }
    }

    private static SlaveNode primaryOf(String shard) {
        return cluster.slave(shard, "replica1");
    }

    private static HashRing ring() {
        return HashRing.of(cluster.shardNames());
    }

    /** Two keys the master routes to different shards (asked from /admin/keys). */
    private static String[] keysOnDifferentShards() {
        String first = "pair:0";
        String firstShard = cluster.shardOf(first);
        for (int i = 1; ; i++) {
            String other = "pair:" + i;
            if (!cluster.shardOf(other).equals(firstShard)) {
                return new String[] {first, other};
            }
        }
    }

    private Set<String> fullScan(String... options) {
        Set<String> keys = new TreeSet<>();
        String cursor = "0";
        for (int calls = 0; calls < 10_000; calls++) {
            List<String> argv = new ArrayList<>(List.of("SCAN", cursor));
            argv.addAll(List.of(options));
            List<?> pair = (List<?>) Resp.decode(call(client, argv.toArray(String[]::new)));
            ((List<?>) pair.get(1)).forEach(key -> keys.add((String) key));
            cursor = (String) pair.get(0);
            if (cursor.equals("0")) {
                return keys;
            }
        }
        throw new AssertionError("SCAN did not return to cursor 0");
    }
}
