package io.kvcache.master.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.kvcache.master.support.LocalCluster;
import io.kvcache.master.support.Resp;
import io.kvcache.master.support.SlaveNode;
import io.kvcache.slave.compat.RawRedisClient;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import redis.clients.jedis.Jedis;

/**
 * Scripts through the master of 2 shards x 2 replicas: EVAL runs on the shard of its declared
 * keys (CROSSSLOT when they span two), SCRIPT LOAD reaches every shard so that EVALSHA works for
 * any key, SCRIPT EXISTS and FLUSH answer for all of them, a script's writes land on both nodes
 * of its shard, and the script itself is known to the replicas (EVALSHA finds it after a
 * failover). Jedis and Lettuce as applications use them.
 */
class ScriptingIntegrationTests {

    private static final String INCR_BOTH = "redis.call('incrby', KEYS[1], ARGV[1]) "
            + "return redis.call('incrby', KEYS[2], ARGV[1])";

    private static LocalCluster cluster;

    @BeforeAll
    static void startCluster() {
        cluster = LocalCluster.builder().shards(2).replicas(2).start();
    }

    @AfterAll
    static void stopCluster() {
        if (cluster != null) {
            cluster.close();
        }
    }

    @BeforeEach
    void flush() throws IOException {
        try (RawRedisClient raw = new RawRedisClient(cluster.clientAddress())) {
            assertThat(Resp.call(raw, "FLUSHALL")).isEqualTo(Resp.OK);
            assertThat(Resp.call(raw, "SCRIPT", "FLUSH")).isEqualTo(Resp.OK);
            assertThat(Resp.call(raw, "FUNCTION", "FLUSH")).isEqualTo(Resp.OK);
        }
    }

    private static final String LIBRARY = "#!lua name=counters\n"
            + "redis.register_function('bump', function(keys, args) redis.call('incrby', keys[1], args[1]) "
            + "return redis.call('incrby', keys[2], args[1]) end)\n"
            + "redis.register_function{function_name='peek', callback=function(keys) return redis.call('get', keys[1]) end, "
            + "flags={'no-writes'}}";

    @Test
    void functionLibrariesLoadOnEveryShardAndReachTheReplicas() throws IOException {
        String other = keyOnAnotherShardThan("f0");
        try (RawRedisClient raw = new RawRedisClient(cluster.clientAddress())) {
            assertThat(Resp.call(raw, "FUNCTION", "LOAD", LIBRARY)).isEqualTo("$8\r\ncounters\r\n");
            assertThat(Resp.call(raw, "FUNCTION", "LOAD", LIBRARY)).isEqualTo("-ERR Library 'counters' already exists\r\n");
            assertThat(Resp.call(raw, "FCALL", "bump", "2", "f0", "{f0}b", "3")).isEqualTo(":3\r\n");
            assertThat(Resp.call(raw, "FCALL", "bump", "2", other, "{" + other + "}b", "4")).isEqualTo(":4\r\n");
            assertThat(Resp.call(raw, "FCALL", "bump", "2", "f0", other, "1"))
                    .isEqualTo("-CROSSSLOT Keys in request don't hash to the same slot\r\n");
            assertThat(Resp.call(raw, "FCALL_RO", "peek", "1", "f0")).isEqualTo("$1\r\n3\r\n");
            assertThat(Resp.call(raw, "FCALL_RO", "bump", "2", "f0", "{f0}b", "1"))
                    .isEqualTo("-ERR Can not execute a script with write flag using *_ro command.\r\n");
            assertThat(Resp.call(raw, "FUNCTION", "LIST", "LIBRARYNAME", "count*")).contains("library_name", "counters",
                    "bump", "peek", "no-writes");
            assertThat(Resp.call(raw, "FUNCTION", "STATS")).contains("libraries_count", ":1\r\n");
            assertThat(Resp.call(raw, "FUNCTION", "KILL")).isEqualTo("-NOTBUSY No scripts in execution right now.\r\n");
        }
        for (String shard : cluster.shardNames()) {
            for (SlaveNode node : cluster.replicasOf(shard)) {
                try (RawRedisClient data = cluster.dataClient(node)) {
                    Awaitility.await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
                            assertThat(Resp.call(data, "FUNCTION", "LIST")).contains("counters"));
                }
            }
        }
        try (RawRedisClient raw = new RawRedisClient(cluster.clientAddress())) {
            assertThat(Resp.call(raw, "FUNCTION", "DELETE", "counters")).isEqualTo(Resp.OK);
            assertThat(Resp.call(raw, "FCALL", "bump", "2", "f0", "{f0}b", "1")).isEqualTo("-ERR Function not found\r\n");
        }
    }

    @Test
    void evalRunsOnTheShardOfItsKeysAndScriptCommandsSpanEveryShard() throws IOException {
        String other = keyOnAnotherShardThan("s0");
        try (RawRedisClient raw = new RawRedisClient(cluster.clientAddress())) {
            assertThat(Resp.call(raw, "EVAL", INCR_BOTH, "2", "{s}a", "{s}b", "5")).isEqualTo(":5\r\n");
            assertThat(Resp.call(raw, "MGET", "{s}a", "{s}b")).isEqualTo("*2\r\n$1\r\n5\r\n$1\r\n5\r\n");
            assertThat(Resp.call(raw, "EVAL", INCR_BOTH, "2", "s0", other, "1"))
                    .isEqualTo("-CROSSSLOT Keys in request don't hash to the same slot\r\n");
            assertThat(Resp.call(raw, "EVAL", "return ARGV[1]", "0", "keyless")).isEqualTo("$7\r\nkeyless\r\n");
            assertThat(Resp.call(raw, "EVAL", "return redis.call('get', KEYS[1])", "1", "missing"))
                    .isEqualTo("$-1\r\n");

            String sha = sha1(INCR_BOTH);
            assertThat(Resp.call(raw, "SCRIPT", "LOAD", INCR_BOTH)).isEqualTo("$40\r\n" + sha + "\r\n");
            // Loaded on every shard: EVALSHA works whichever shard the keys live on.
            assertThat(Resp.call(raw, "EVALSHA", sha, "2", "s0", "{s0}x", "2")).isEqualTo(":2\r\n");
            assertThat(Resp.call(raw, "EVALSHA", sha, "2", other, "{" + other + "}x", "3")).isEqualTo(":3\r\n");
            assertThat(Resp.call(raw, "SCRIPT", "EXISTS", sha, "0000000000000000000000000000000000000000"))
                    .isEqualTo("*2\r\n:1\r\n:0\r\n");
            assertThat(Resp.call(raw, "SCRIPT", "KILL")).isEqualTo("-NOTBUSY No scripts in execution right now.\r\n");
            assertThat(Resp.call(raw, "SCRIPT", "FLUSH")).isEqualTo(Resp.OK);
            assertThat(Resp.call(raw, "SCRIPT", "EXISTS", sha)).isEqualTo("*1\r\n:0\r\n");
            assertThat(Resp.call(raw, "EVALSHA", sha, "2", "s0", "{s0}x", "2"))
                    .isEqualTo("-NOSCRIPT No matching script. Please use EVAL.\r\n");
            assertThat(Resp.call(raw, "EVAL", "error('boom')", "0")).startsWith("-ERR user_script:1: boom script: ");
        }
    }

    @Test
    void aScriptsWritesAndTheScriptItselfReachBothNodesOfItsShard() throws IOException {
        String sha = sha1(INCR_BOTH);
        try (RawRedisClient raw = new RawRedisClient(cluster.clientAddress())) {
            assertThat(Resp.call(raw, "EVAL", INCR_BOTH, "2", "{r}a", "{r}b", "7")).isEqualTo(":7\r\n");
        }
        for (SlaveNode node : cluster.replicasOf(shardOf("{r}a"))) {
            try (RawRedisClient data = cluster.dataClient(node)) {
                Awaitility.await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
                    assertThat(Resp.call(data, "MGET", "{r}a", "{r}b")).isEqualTo("*2\r\n$1\r\n7\r\n$1\r\n7\r\n");
                    assertThat(Resp.call(data, "SCRIPT", "EXISTS", sha)).isEqualTo("*1\r\n:1\r\n");
                });
            }
        }
    }

    @Test
    void jedisAndLettuceRunScriptsAsApplicationsDo() {
        try (Jedis jedis = new Jedis("127.0.0.1", cluster.clientPort(), 10_000)) {
            String sha = jedis.scriptLoad(INCR_BOTH);
            assertThat(jedis.evalsha(sha, List.of("{j}a", "{j}b"), List.of("4"))).isEqualTo(4L);
            assertThat(jedis.eval("return {KEYS[1], ARGV[1]}", List.of("{j}a"), List.of("v")))
                    .isEqualTo(List.of("{j}a", "v"));
            assertThat(jedis.scriptExists(sha)).isTrue();
        }
        RedisClient client = RedisClient.create(RedisURI.builder().withHost("127.0.0.1")
                .withPort(cluster.clientPort()).withTimeout(Duration.ofSeconds(10)).build());
        try (StatefulRedisConnection<String, String> connection = client.connect()) {
            RedisCommands<String, String> sync = connection.sync();
            Long after = sync.eval(INCR_BOTH, ScriptOutputType.INTEGER, new String[] {"{j}a", "{j}b"}, "6");
            assertThat(after).isEqualTo(10L);
            String digest = sync.scriptLoad("return redis.call('get', KEYS[1])");
            assertThat(sync.<String>evalsha(digest, ScriptOutputType.VALUE, "{j}b")).isEqualTo("10");
            assertThat(sync.<String>evalReadOnly("return redis.call('get', KEYS[1])", ScriptOutputType.VALUE,
                    new String[] {"{j}a"})).isEqualTo("10");
        } finally {
            client.shutdown(Duration.ZERO, Duration.ofSeconds(5));
        }
    }

    private static String sha1(String script) {
        try {
            return java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-1")
                    .digest(script.getBytes(StandardCharsets.UTF_8)));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String keyOnAnotherShardThan(String key) {
        String shard = shardOf(key);
        for (int i = 1; i < 1000; i++) {
            if (!shardOf("k" + i).equals(shard)) {
                return "k" + i;
            }
        }
        throw new AssertionError("every key on one shard");
    }

    private static String shardOf(String key) {
        return cluster.masterBean(io.kvcache.master.topology.TopologyRegistry.class).current()
                .shardFor(key.getBytes(StandardCharsets.UTF_8)).name();
    }
}
