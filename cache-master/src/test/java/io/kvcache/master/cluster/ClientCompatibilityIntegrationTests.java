package io.kvcache.master.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.kvcache.master.support.LocalCluster;
import io.kvcache.master.support.Resp;
import io.kvcache.slave.compat.RawRedisClient;
import io.lettuce.core.KeyValue;
import io.lettuce.core.LettuceFutures;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.RedisURI;
import io.lettuce.core.StatefulRedisConnectionImpl;
import io.lettuce.core.protocol.ProtocolVersion;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.async.RedisAsyncCommands;
import io.lettuce.core.api.sync.RedisCommands;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.Pipeline;
import redis.clients.jedis.Response;

/**
 * Real Redis clients against the master of 3 shards: Jedis, Lettuce (which opens with HELLO 3 and
 * speaks RESP3) and redis-cli.
 */
class ClientCompatibilityIntegrationTests {

    private static LocalCluster cluster;

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
    void flush() throws IOException {
        try (RawRedisClient raw = new RawRedisClient(cluster.clientAddress())) {
            assertThat(Resp.call(raw, "FLUSHALL")).isEqualTo(Resp.OK);
        }
    }

    // ---- Jedis ---------------------------------------------------------------------------------------------

    @Test
    void jedisPipelinesAThousandCommandsAcrossShards() {
        try (Jedis jedis = jedis()) {
            Pipeline pipeline = jedis.pipelined();
            List<Response<String>> sets = new ArrayList<>();
            List<Response<String>> gets = new ArrayList<>();
            for (int i = 0; i < 500; i++) {
                sets.add(pipeline.set("jp:" + i, "v" + i));
                gets.add(pipeline.get("jp:" + (i - i % 2))); // every other GET reads a key set just before
            }
            pipeline.sync();

            assertThat(sets).extracting(Response::get).containsOnly("OK");
            for (int i = 0; i < 500; i++) {
                assertThat(gets.get(i).get()).as("GET #%d", i).isEqualTo("v" + (i - i % 2));
            }
            assertThat(jedis.dbSize()).isEqualTo(500);
        }
    }

    @Test
    void jedisMgetAcrossShardsSetexWithTtlListsAndIncr() {
        try (Jedis jedis = jedis()) {
            List<String> keys = IntStream.range(0, 20).mapToObj(i -> "jm:" + i).toList();
            keys.forEach(k -> jedis.set(k, "value of " + k));
            Set<String> shards = new HashSet<>();
            keys.forEach(k -> shards.add(cluster.shardOf(k)));
            assertThat(shards).as("shards of the MGET's keys").hasSize(3);

            List<String> withMissing = new ArrayList<>(keys);
            withMissing.add(5, "jm:missing");
            List<String> expected = new ArrayList<>(keys.stream().map(k -> "value of " + k).toList());
            expected.add(5, null);
            assertThat(jedis.mget(withMissing.toArray(String[]::new))).containsExactlyElementsOf(expected);

            assertThat(jedis.setex("js:session", 100, "token")).isEqualTo("OK");
            assertThat(jedis.ttl("js:session")).isBetween(99L, 100L);
            assertThat(jedis.pttl("js:session")).isBetween(90_000L, 100_000L);
            assertThat(jedis.ttl("jm:0")).isEqualTo(-1);
            assertThat(jedis.ttl("jm:missing")).isEqualTo(-2);

            assertThat(jedis.lpush("jl:queue", "a", "b", "c")).isEqualTo(3);
            assertThat(jedis.rpop("jl:queue")).isEqualTo("a");
            assertThat(jedis.rpop("jl:queue", 5)).containsExactly("b", "c");
            assertThat(jedis.rpop("jl:queue")).isNull();

            assertThat(jedis.incr("ji:counter")).isEqualTo(1);
            assertThat(jedis.incr("ji:counter")).isEqualTo(2);
            assertThat(jedis.incrBy("ji:counter", 40)).isEqualTo(42);
            assertThat(jedis.get("ji:counter")).isEqualTo("42");

            // a session as Spring Session stores it: a hash of attributes
            assertThat(jedis.hset("jh:session", java.util.Map.of("creationTime", "1", "maxInactiveInterval", "1800")))
                    .isEqualTo(2);
            assertThat(jedis.hset("jh:session", "sessionAttr:user", "ada")).isEqualTo(1);
            assertThat(jedis.hget("jh:session", "sessionAttr:user")).isEqualTo("ada");
            assertThat(jedis.hmget("jh:session", "creationTime", "missing")).containsExactly("1", null);
            assertThat(jedis.hincrBy("jh:session", "hits", 2)).isEqualTo(2);
            assertThat(jedis.hgetAll("jh:session")).containsOnlyKeys("creationTime", "maxInactiveInterval",
                    "sessionAttr:user", "hits");
            assertThat(jedis.hdel("jh:session", "sessionAttr:user", "missing")).isEqualTo(1);
            assertThat(jedis.hlen("jh:session")).isEqualTo(3);
            assertThat(jedis.type("jh:session")).isEqualTo("hash");

            // tags as Laravel's cache keeps them: a set per tag, on one shard with {tag}
            assertThat(jedis.sadd("{jt}:tag:users", "k1", "k2", "k3")).isEqualTo(3);
            assertThat(jedis.sadd("{jt}:tag:admins", "k3")).isEqualTo(1);
            assertThat(jedis.smembers("{jt}:tag:users")).containsExactlyInAnyOrder("k1", "k2", "k3");
            assertThat(jedis.sinter("{jt}:tag:users", "{jt}:tag:admins")).containsExactly("k3");
            assertThat(jedis.sismember("{jt}:tag:users", "k2")).isTrue();
            assertThat(jedis.srem("{jt}:tag:users", "k2")).isEqualTo(1);
            assertThat(jedis.scard("{jt}:tag:users")).isEqualTo(2);

            // delayed jobs as Sidekiq and BullMQ keep them: a sorted set by due time
            assertThat(jedis.zadd("jz:schedule", 1_700_000_300, "job-3")).isEqualTo(1);
            assertThat(jedis.zadd("jz:schedule", java.util.Map.of("job-1", 1_700_000_100.0, "job-2", 1_700_000_200.0)))
                    .isEqualTo(2);
            assertThat(jedis.zrangeByScore("jz:schedule", "-inf", "1700000250", 0, 10)).containsExactly("job-1", "job-2");
            assertThat(jedis.zrem("jz:schedule", "job-1")).isEqualTo(1);
            assertThat(jedis.zscore("jz:schedule", "job-2")).isEqualTo(1_700_000_200.0);
            assertThat(jedis.zpopmin("jz:schedule").getElement()).isEqualTo("job-2");
            assertThat(jedis.zcard("jz:schedule")).isEqualTo(1);
            assertThat(jedis.del("jm:0", "jm:1", "jm:2", "jm:missing")).isEqualTo(3);
        }
    }

    // ---- Lettuce -------------------------------------------------------------------------------------------

    @Test
    void lettuceNegotiatesResp3AndWorksSynchronously() {
        RedisClient client = lettuce();
        try (StatefulRedisConnection<String, String> connection = client.connect()) {
            RedisCommands<String, String> sync = connection.sync();

            // Lettuce's default handshake is HELLO 3, which the master takes
            assertThat(((StatefulRedisConnectionImpl<String, String>) connection).getConnectionState()
                    .getNegotiatedProtocolVersion()).isEqualTo(ProtocolVersion.RESP3);
            assertThat(sync.ping()).isEqualTo("PONG");
            assertThat(sync.set("lt:a", "1")).isEqualTo("OK");
            assertThat(sync.get("lt:a")).isEqualTo("1");
            assertThat(sync.incr("lt:a")).isEqualTo(2);
            assertThat(sync.mset(java.util.Map.of("lt:b", "b", "lt:c", "c", "lt:d", "d"))).isEqualTo("OK");
            assertThat(sync.mget("lt:a", "lt:b", "lt:missing", "lt:c", "lt:d"))
                    .extracting(kv -> kv.hasValue() ? kv.getValue() : null)
                    .containsExactly("2", "b", null, "c", "d");
            assertThat(sync.lpush("lt:list", "x", "y")).isEqualTo(2);
            assertThat(sync.lrange("lt:list", 0, -1)).containsExactly("y", "x");
            assertThat(sync.hset("lt:hash", java.util.Map.of("f", "1"))).isEqualTo(1);
            assertThat(sync.hincrbyfloat("lt:hash", "f", 0.5)).isEqualTo(1.5);
            assertThat(sync.hgetall("lt:hash")).containsExactly(java.util.Map.entry("f", "1.5"));
            assertThat(sync.dbsize()).isEqualTo(6);
        } finally {
            client.shutdown(Duration.ZERO, Duration.ofSeconds(5));
        }
    }

    @Test
    void clientSetinfoReplyAndKillThroughTheMaster() throws IOException {
        try (RawRedisClient client = new RawRedisClient(cluster.clientAddress());
             RawRedisClient victim = new RawRedisClient(cluster.clientAddress())) {
            assertThat(Resp.call(client, "CLIENT", "SETINFO", "LIB-NAME", "redis-py")).isEqualTo("+OK\r\n");
            assertThat(Resp.call(client, "CLIENT", "SETINFO", "LIB-VER", "5.0.1")).isEqualTo("+OK\r\n");
            assertThat(Resp.call(client, "CLIENT", "SETINFO", "LIB-NAME", "has space"))
                    .isEqualTo("-ERR LIB-NAME cannot contain spaces, newlines or special characters.\r\n");
            assertThat(Resp.call(client, "CLIENT", "SETINFO", "colour", "x"))
                    .isEqualTo("-ERR Unrecognized option 'colour'\r\n");
            assertThat(Resp.call(client, "CLIENT", "NO-TOUCH", "ON")).isEqualTo("+OK\r\n");
            client.sendRaw(RawRedisClient.encode(java.util.List.of(
                    new byte[][] {"CLIENT".getBytes(), "REPLY".getBytes(), "SKIP".getBytes()},
                    new byte[][] {"SET".getBytes(), "reply:m".getBytes(), "1".getBytes()},
                    new byte[][] {"GET".getBytes(), "reply:m".getBytes()})));
            assertThat(new String(client.readReply(), java.nio.charset.StandardCharsets.US_ASCII))
                    .as("SKIP and the SET after it answer nothing").isEqualTo("$1\r\n1\r\n");
            assertThat(Resp.call(client, "ROLE")).isEqualTo("*3\r\n$6\r\nmaster\r\n:0\r\n*0\r\n");
            String inSync = Resp.call(client, "WAIT", "0", "0");
            assertThat(inSync).matches(":\\d+\r\n");
            assertThat(Resp.call(client, "WAIT", "99", "100")).as("fewer than asked: after the timeout")
                    .isEqualTo(inSync);
            assertThat(Resp.call(client, "WAIT", "1", "-1")).isEqualTo("-ERR timeout is negative\r\n");
            String id = Resp.call(victim, "CLIENT", "ID").substring(1).trim();
            assertThat(Resp.call(client, "CLIENT", "KILL", "ID", id)).isEqualTo(":1\r\n");
            org.junit.jupiter.api.Assertions.assertThrows(IOException.class, () -> victim.call("PING"));
        }
    }

    @Test
    void clientPauseHoldsWritesUntilUnpauseWhileReadsGoOn() throws Exception {
        try (RawRedisClient admin = new RawRedisClient(cluster.clientAddress());
             RawRedisClient writer = new RawRedisClient(cluster.clientAddress(), Duration.ofMillis(500));
             RawRedisClient reader = new RawRedisClient(cluster.clientAddress())) {
            assertThat(Resp.call(admin, "CLIENT", "PAUSE", "-1")).isEqualTo("-ERR timeout is negative\r\n");
            assertThat(Resp.call(admin, "CLIENT", "PAUSE", "10", "SOMETIMES")).isEqualTo("-ERR syntax error\r\n");
            assertThat(Resp.call(admin, "CLIENT", "PAUSE", "100000", "WRITE")).isEqualTo("+OK\r\n");
            writer.sendRaw("SET paused:key v\r\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            org.assertj.core.api.Assertions.assertThatThrownBy(writer::readReply).as("the write is held")
                    .isInstanceOf(java.net.SocketTimeoutException.class);
            assertThat(Resp.call(reader, "GET", "paused:key")).as("reads run during a WRITE pause").isEqualTo("$-1\r\n");
            assertThat(Resp.call(reader, "PING")).isEqualTo("+PONG\r\n");
            assertThat(Resp.call(admin, "CLIENT", "UNPAUSE")).isEqualTo("+OK\r\n");
            assertThat(new String(writer.readReply(), java.nio.charset.StandardCharsets.US_ASCII))
                    .as("the held write runs once unpaused").isEqualTo("+OK\r\n");
            assertThat(Resp.call(reader, "GET", "paused:key")).isEqualTo("$1\r\nv\r\n");
        }
    }

    @Test
    void masterAnswersHello3WithAMapAndHello2WithAnArray() throws IOException {
        try (RawRedisClient raw = new RawRedisClient(cluster.clientAddress())) {
            assertThat(Resp.call(raw, "HELLO", "4")).isEqualTo("-NOPROTO unsupported protocol version\r\n");
            assertThat(Resp.call(raw, "HELLO", "3")).startsWith("%7\r\n").contains("$5\r\nproto\r\n:3\r\n");
            assertThat(Resp.call(raw, "GET", "hello:missing")).isEqualTo("_\r\n");
            String hello2 = Resp.call(raw, "HELLO", "2");
            assertThat(hello2).startsWith("*14\r\n").contains("$5\r\nproto\r\n:2\r\n");
            assertThat(Resp.call(raw, "GET", "hello:missing")).isEqualTo("$-1\r\n");
        }
    }

    @Test
    void lettuceAsyncPipelineOfAThousandCommandsAndExpiry() throws Exception {
        RedisClient client = lettuce();
        try (StatefulRedisConnection<String, String> connection = client.connect()) {
            RedisAsyncCommands<String, String> async = connection.async();
            connection.setAutoFlushCommands(false);
            List<RedisFuture<String>> sets = new ArrayList<>();
            List<RedisFuture<Long>> incrs = new ArrayList<>();
            for (int i = 0; i < 500; i++) {
                sets.add(async.set("la:" + i, "v" + i));
                incrs.add(async.incr("la:counter" + (i % 7)));
            }
            connection.flushCommands();
            assertThat(LettuceFutures.awaitAll(Duration.ofSeconds(30), sets.toArray(RedisFuture[]::new))).isTrue();
            assertThat(LettuceFutures.awaitAll(Duration.ofSeconds(30), incrs.toArray(RedisFuture[]::new))).isTrue();
            connection.setAutoFlushCommands(true);

            assertThat(sets).allSatisfy(f -> assertThat(f.get()).isEqualTo("OK"));
            for (int i = 0; i < 500; i++) {
                assertThat(incrs.get(i).get()).as("INCR #%d", i).isEqualTo(i / 7 + 1);
            }
            List<KeyValue<String, String>> values = async.mget("la:0", "la:250", "la:499").get(10, TimeUnit.SECONDS);
            assertThat(values).extracting(KeyValue::getValue).containsExactly("v0", "v250", "v499");

            RedisCommands<String, String> sync = connection.sync();
            assertThat(sync.setex("la:expiring", 100, "soon")).isEqualTo("OK");
            assertThat(sync.ttl("la:expiring")).isBetween(99L, 100L);
            assertThat(sync.pexpire("la:expiring", 300)).isTrue();
            Awaitility.await("la:expiring expires").atMost(Duration.ofSeconds(10))
                    .pollInterval(Duration.ofMillis(50))
                    .until(() -> sync.get("la:expiring") == null);
            assertThat(sync.exists("la:expiring")).isZero();
            assertThat(sync.ttl("la:expiring")).isEqualTo(-2);
        } finally {
            client.shutdown(Duration.ZERO, Duration.ofSeconds(5));
        }
    }

    // ---- redis-cli -----------------------------------------------------------------------------------------

    @Test
    void redisCliSetsGetsAndScansThroughTheMaster() throws Exception {
        Path cli = Path.of("/usr/bin/redis-cli");
        if (!Files.isExecutable(cli)) {
            cli = findOnPath("redis-cli");
        }
        Assumptions.assumeTrue(cli != null, "redis-cli is not installed");

        assertThat(redisCli(cli, "SET", "cli:a", "b")).isEqualTo("OK");
        assertThat(redisCli(cli, "GET", "cli:a")).isEqualTo("b");
        try (Jedis jedis = jedis()) {
            IntStream.range(0, 30).forEach(i -> jedis.set("cli:" + i, "v"));
        }
        Set<String> expected = new HashSet<>(IntStream.range(0, 30).mapToObj(i -> "cli:" + i).toList());
        expected.add("cli:a");

        Set<String> scanned = new HashSet<>(redisCli(cli, "--scan").lines().toList());
        assertThat(scanned).isEqualTo(expected);
        assertThat(new HashSet<>(redisCli(cli, "--scan", "--pattern", "cli:1*").lines().toList()))
                .isEqualTo(new HashSet<>(expected.stream().filter(k -> k.startsWith("cli:1")).toList()));
    }

    private static String redisCli(Path cli, String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of(cli.toString(), "-h", "127.0.0.1",
                "-p", Integer.toString(cluster.clientPort())));
        command.addAll(List.of(args));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        process.getOutputStream().close();
        String output;
        try {
            assertThat(process.waitFor(30, TimeUnit.SECONDS)).as("redis-cli %s finished", String.join(" ", args))
                    .isTrue();
            output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        } finally {
            process.destroyForcibly();
        }
        assertThat(process.exitValue()).as("exit code of redis-cli %s (output: %s)", String.join(" ", args), output)
                .isZero();
        return output;
    }

    private static Path findOnPath(String name) {
        String path = System.getenv("PATH");
        if (path == null) {
            return null;
        }
        for (String dir : path.split(java.io.File.pathSeparator)) {
            Path candidate = Path.of(dir, name);
            if (Files.isExecutable(candidate)) {
                return candidate;
            }
        }
        return null;
    }

    private static Jedis jedis() {
        return new Jedis("127.0.0.1", cluster.clientPort(), 10_000);
    }

    private static RedisClient lettuce() {
        RedisClient client = RedisClient.create(RedisURI.builder().withHost("127.0.0.1")
                .withPort(cluster.clientPort()).withTimeout(Duration.ofSeconds(10)).build());
        return client;
    }
}
