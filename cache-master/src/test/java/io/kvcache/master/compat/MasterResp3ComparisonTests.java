package io.kvcache.master.compat;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

import io.kvcache.master.support.LocalCluster;
import io.kvcache.slave.compat.RawRedisClient;
import io.kvcache.slave.compat.RedisServerProcess;
import io.lettuce.core.RedisClient;
import io.lettuce.core.ScoredValue;
import io.lettuce.core.pubsub.RedisPubSubAdapter;

/**
 * RESP3 through the master of 2 shards x 1 replica: a HELLO 3 session's replies beside
 * redis-server's, as bytes (the shards answer the master in RESP2; the master converts each reply,
 * merged ones included), and Lettuce, which speaks RESP3 when the server offers it.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class MasterResp3ComparisonTests {

    @RegisterExtension
    static final RedisServerProcess REDIS = new RedisServerProcess();

    private static LocalCluster cluster;

    @BeforeAll
    static void startCluster() {
        cluster = LocalCluster.builder().shards(2).replicas(1).start();
    }

    @AfterAll
    static void stopCluster() {
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    void aHello3SessionThroughTheMasterAnswersAsRedis() throws Exception {
        try (RawRedisClient kv = new RawRedisClient(cluster.clientAddress());
             RawRedisClient rs = new RawRedisClient(REDIS.address())) {
            kv.call("FLUSHALL");
            rs.call("FLUSHALL");
            assertThat(text(kv.call("HELLO", "3"))).startsWith("%7\r\n");
            rs.call("HELLO", "3");
            for (String[] command : List.of(
                    a("MSET", "a", "1", "b", "2", "c", "3"), a("MGET", "a", "nope", "c"), a("GET", "nope"),
                    a("HSET", "h", "f", "v"), a("HGETALL", "h"), a("HGETALL", "nope"), a("SADD", "s", "1"),
                    a("SMEMBERS", "s"), a("ZADD", "z", "1.5", "m"), a("ZSCORE", "z", "m"),
                    a("ZRANGE", "z", "0", "-1", "WITHSCORES"), a("ZPOPMIN", "z"), a("DEL", "a", "b", "nope"),
                    a("EXISTS", "a", "c"), a("BLPOP", "nope", "0.01"), a("BZPOPMIN", "nope", "0.01"),
                    a("LPOP", "nope"), a("CONFIG", "GET", "maxmemory-policy"), a("EVAL", "return nil", "0"),
                    a("MULTI"), a("GET", "nope"), a("HGETALL", "h"), a("EXEC"), a("PING"), a("ECHO", "x"))) {
                assertThat(text(kv.call(command))).as(String.join(" ", command)).isEqualTo(text(rs.call(command)));
            }
            assertThat(text(kv.call("INFO", "keyspace"))).startsWith("=").contains("txt:# Keyspace");
        }
    }

    @Test
    void lettuceSpeaksResp3WithTheMaster() throws Exception {
        RedisClient client = RedisClient.create("redis://127.0.0.1:" + cluster.clientPort());
        try (var connection = client.connect(); var pubsub = client.connectPubSub()) {
            var sync = connection.sync();
            assertThat(((io.lettuce.core.StatefulRedisConnectionImpl<String, String>) connection).getConnectionState()
                    .getNegotiatedProtocolVersion()).isEqualTo(io.lettuce.core.protocol.ProtocolVersion.RESP3);
            sync.hset("profile", Map.of("name", "ada", "lang", "en"));
            assertThat(sync.hgetall("profile")).containsEntry("name", "ada").containsEntry("lang", "en");
            sync.zadd("scores", 2.5, "ada");
            assertThat(sync.zscore("scores", "ada")).isEqualTo(2.5);
            assertThat(sync.zrangeWithScores("scores", 0, -1)).containsExactly(ScoredValue.just(2.5, "ada"));
            sync.sadd("tags", "x");
            assertThat(sync.smembers("tags")).containsExactly("x");
            assertThat(sync.get("absent")).isNull();
            BlockingQueue<String> received = new LinkedBlockingQueue<>();
            pubsub.addListener(new RedisPubSubAdapter<>() {
                @Override
                public void message(String channel, String message) {
                    received.add(channel + "=" + message);
                }
            });
            pubsub.sync().subscribe("resp3-news");
            assertThat(pubsub.sync().ping()).isEqualTo("PONG"); // any command runs beside messages in RESP3
            assertThat(sync.publish("resp3-news", "pushed")).isEqualTo(1);
            assertThat(received.poll(30, TimeUnit.SECONDS)).isEqualTo("resp3-news=pushed");
        } finally {
            client.shutdown();
        }
    }

    private static String[] a(String... argv) {
        return argv;
    }

    private static String text(byte[] b) {
        return new String(b, StandardCharsets.ISO_8859_1);
    }
}
