package io.kvcache.master.security;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;

import io.kvcache.master.support.LocalCluster;
import io.kvcache.master.support.LocalCluster.SlaveMode;
import io.kvcache.master.support.Resp;
import io.kvcache.master.support.ShardReplicas;
import io.kvcache.master.support.SlaveNode;
import io.kvcache.slave.compat.RawRedisClient;

import tools.jackson.databind.JsonNode;

/**
 * Every slave data port of a cluster (a master and 2 shards x 2 replicas; slave1's replicas run as
 * processes of cache-slave's exec jar) refuses everything but AUTH until the client gives the cluster
 * secret, and the cluster serves its clients all the same: the master's links authenticate when they
 * open, also the new ones after a slave was killed and started again, and the commands the master
 * sends to every slave (INFO, CONFIG, DBSIZE, SCAN) or to replicas (READONLY reads) go through them.
 */
@Timeout(value = 240, unit = TimeUnit.SECONDS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class SlaveDataPortAuthIntegrationTests {

    private static final String NOAUTH = "-NOAUTH Authentication required.\r\n";
    private static final String WRONGPASS = "-WRONGPASS invalid username-password pair or user is disabled.\r\n";

    private static LocalCluster cluster;

    @BeforeAll
    static void start() {
        LocalCluster.Builder builder = LocalCluster.builder().shards(2).replicas(2);
        if (LocalCluster.slaveExecJarAvailable()) {
            builder.slaveMode("slave1", "replica1", SlaveMode.PROCESS).slaveMode("slave1", "replica2", SlaveMode.PROCESS);
        }
        cluster = builder.start();
    }

    @AfterAll
    static void stop() {
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    @Order(1)
    void everySlaveDataPortAnswersNoauthWithoutTheClusterSecretAndServesWithIt() throws IOException {
        String guess = "guess-" + UUID.randomUUID();
        for (SlaveNode slave : cluster.slaves()) {
            try (RawRedisClient anonymous = new RawRedisClient(slave.dataAddress())) {
                for (String[] argv : List.of(new String[] {"PING"}, new String[] {"GET", "k"},
                        new String[] {"SET", "intruder", "x"}, new String[] {"FLUSHALL"}, new String[] {"KEYS", "*"},
                        new String[] {"INFO"}, new String[] {"CONFIG", "SET", "maxmemory", "1"},
                        new String[] {"CLIENT", "LIST"})) {
                    assertThat(Resp.call(anonymous, argv)).as("%s %s", slave, String.join(" ", argv)).isEqualTo(NOAUTH);
                }
                assertThat(Resp.call(anonymous, "AUTH", guess)).isEqualTo(WRONGPASS);
                assertThat(Resp.call(anonymous, "AUTH", "default", guess)).isEqualTo(WRONGPASS);
                assertThat(Resp.call(anonymous, "HELLO", "2", "AUTH", "default", guess)).isEqualTo(WRONGPASS);
                assertThat(Resp.call(anonymous, "GET", "k")).isEqualTo(NOAUTH);
                assertThat(Resp.call(anonymous, "AUTH", cluster.secret())).isEqualTo(Resp.OK);
                assertThat(Resp.call(anonymous, "PING")).isEqualTo("+PONG\r\n");
                assertThat(Resp.call(anonymous, "KEYS", "intruder")).as("the refused SET wrote nothing").isEqualTo("*0\r\n");
                assertThat(Resp.call(anonymous, "CONFIG", "GET", "maxmemory")).doesNotContain("\r\n1\r\n");
            }
            try (RawRedisClient hello = new RawRedisClient(slave.dataAddress())) {
                assertThat(Resp.call(hello, "HELLO", "2", "AUTH", "default", cluster.secret())).startsWith("*14\r\n");
                assertThat(Resp.call(hello, "DBSIZE")).startsWith(":");
            }
        }
    }

    @Test
    @Order(2)
    void redisCliNeedsTheSecretAsTheReadmeSays() throws Exception {
        File cli = onPath("redis-cli");
        Assumptions.assumeTrue(cli != null, "redis-cli is not installed");
        String port = Integer.toString(cluster.slave("slave1", "replica1").dataPort());
        assertThat(run(cli, Map.of(), "-p", port, "PING")).isEqualTo("NOAUTH Authentication required.");
        assertThat(run(cli, Map.of("REDISCLI_AUTH", cluster.secret()), "-p", port, "PING")).isEqualTo("PONG");
        assertThat(run(cli, Map.of(), "-p", port, "-a", cluster.secret(), "--no-auth-warning", "PING"))
                .isEqualTo("PONG");
    }

    @Test
    @Order(3)
    void theClusterServesClientsWithEveryDataPortProtected() throws Exception {
        try (RawRedisClient client = new RawRedisClient(cluster.clientAddress())) {
            assertThat(Resp.call(client, "FLUSHALL")).isEqualTo(Resp.OK);
            List<String[]> sets = new ArrayList<>();
            for (int i = 0; i < 200; i++) {
                sets.add(new String[] {"SET", "auth:" + i, "v" + i});
            }
            assertThat(Resp.pipeline(client, sets)).containsOnly(Resp.OK);
            assertThat(shardsHolding(200)).as("keys on both shards").containsOnlyKeys("slave1", "slave2");
            assertThat(Resp.call(client, "MSET", "auth:a", "1", "auth:b", "2", "auth:c", "3")).isEqualTo(Resp.OK);
            assertThat(Resp.call(client, "MGET", "auth:a", "auth:b", "auth:c", "auth:0"))
                    .isEqualTo(Resp.array(List.of(Resp.bulk("1"), Resp.bulk("2"), Resp.bulk("3"), Resp.bulk("v0"))));
            assertThat(Resp.call(client, "DBSIZE")).isEqualTo(Resp.integer(203));
            assertThat(Resp.call(client, "RPUSH", "auth:list", "a", "b")).isEqualTo(Resp.integer(2));
            assertThat(Resp.call(client, "LRANGE", "auth:list", "0", "-1"))
                    .isEqualTo(Resp.array(List.of(Resp.bulk("a"), Resp.bulk("b"))));
            assertThat(Resp.call(client, "INCR", "auth:n")).isEqualTo(Resp.integer(1));
            // Commands the master sends to every slave.
            assertThat(Resp.call(client, "INFO", "keyspace")).contains("db0:keys=205");
            assertThat(Resp.call(client, "CONFIG", "GET", "maxmemory-policy")).startsWith("*2\r\n");
            assertThat(Resp.call(client, "CONFIG", "SET", "maxmemory-samples", "5")).isEqualTo(Resp.OK);
            assertThat(Resp.call(client, "KEYS", "auth:1?")).startsWith("*10\r\n");
            assertThat(Resp.call(client, "DEL", "auth:a", "auth:b", "auth:c")).isEqualTo(Resp.integer(3));
        }
        // Reads from replicas (READONLY) use the master's links to the replicas.
        try (RawRedisClient reader = new RawRedisClient(cluster.clientAddress())) {
            assertThat(Resp.call(reader, "READONLY")).isEqualTo(Resp.OK);
            for (int i = 0; i < 50; i++) {
                assertThat(Resp.call(reader, "GET", "auth:" + i)).isEqualTo(Resp.bulk("v" + i));
            }
        }

        // slave1's primary killed: the other replica is elected, and the master opens new links to it.
        // The writes are on the other replica first: one that is behind when the primary dies (still
        // in its first sync, or dropped for lagging on a loaded machine) lacks them, and electing it
        // is the unclean election of issue 18, not this test's subject.
        new ShardReplicas(cluster).awaitInSync("slave1", 2, Duration.ofSeconds(60));
        String primary = primaryOf("slave1");
        cluster.stopSlave("slave1", primary);
        Awaitility.await("slave1 elects its other replica").atMost(Duration.ofSeconds(60))
                .pollInterval(Duration.ofMillis(200)).ignoreExceptions()
                .until(() -> primaryOf("slave1") != null && !primaryOf("slave1").equals(primary));
        try (RawRedisClient client = new RawRedisClient(cluster.clientAddress())) {
            for (int i = 0; i < 200; i++) {
                assertThat(Resp.call(client, "GET", "auth:" + i)).as("auth:%d after the failover", i)
                        .isEqualTo(Resp.bulk("v" + i));
            }
            assertThat(Resp.call(client, "SET", "auth:after", "failover")).isEqualTo(Resp.OK);
        }
        // Started again, it enrolls, syncs, and is reached over a new link that authenticates.
        cluster.startSlave("slave1", primary);
        cluster.awaitHealthy();
        try (RawRedisClient client = new RawRedisClient(cluster.clientAddress())) {
            assertThat(Resp.call(client, "INFO", "keyspace")).contains("db0:keys=");
            assertThat(Resp.call(client, "CONFIG", "GET", "maxmemory")).startsWith("*2\r\n");
            assertThat(Resp.call(client, "GET", "auth:after")).isEqualTo(Resp.bulk("failover"));
        }
        try (RawRedisClient restarted = cluster.dataClient(cluster.slave("slave1", primary))) {
            Awaitility.await("the restarted replica synced").atMost(Duration.ofSeconds(60))
                    .pollInterval(Duration.ofMillis(200)).ignoreExceptions()
                    .until(() -> Resp.call(restarted, "GET", "auth:after").equals(Resp.bulk("failover")));
        }
        assertThat(cluster.health().path("status").asString()).isEqualTo("UP");
    }

    /** Which shard holds how many of auth:0..n-1, asked from each shard's primary (authenticated). */
    private static Map<String, Long> shardsHolding(int n) throws IOException {
        Map<String, Long> held = new java.util.TreeMap<>();
        for (String shard : cluster.shardNames()) {
            SlaveNode primary = cluster.slave(shard, primaryOf(shard));
            try (RawRedisClient direct = cluster.dataClient(primary)) {
                long count = 0;
                for (int i = 0; i < n; i++) {
                    if (Resp.call(direct, "EXISTS", "auth:" + i).equals(":1\r\n")) {
                        count++;
                    }
                }
                if (count > 0) {
                    held.put(shard, count);
                }
            }
        }
        return held;
    }

    private static String primaryOf(String shard) {
        for (JsonNode s : cluster.getJson("/admin/slaves").path("shards")) {
            if (s.path("name").asString().equals(shard) && s.path("up").asBoolean() && s.path("primary").isString()) {
                return s.path("primary").asString();
            }
        }
        return null;
    }

    private static String run(File cli, Map<String, String> env, String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of(cli.getPath(), "-h", "127.0.0.1"));
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        builder.environment().remove("REDISCLI_AUTH");
        builder.environment().putAll(env);
        Process process = builder.start();
        process.getOutputStream().close();
        try {
            assertThat(process.waitFor(30, TimeUnit.SECONDS)).isTrue();
            return new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        } finally {
            process.destroyForcibly();
        }
    }

    private static File onPath(String name) {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            File f = new File(dir, name);
            if (f.canExecute()) {
                return f;
            }
        }
        return null;
    }
}
