package io.kvcache.master.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import io.kvcache.master.support.LocalCluster;
import io.kvcache.slave.compat.RawRedisClient;
import io.lettuce.core.RedisClient;
import io.lettuce.core.TrackingArgs;
import io.lettuce.core.support.caching.CacheAccessor;
import io.lettuce.core.support.caching.CacheFrontend;
import io.lettuce.core.support.caching.ClientSideCaching;

/**
 * Client-side caching through the master of 2 shards x 2 replicas: CLIENT TRACKING in its default
 * mode (RESP3 pushes), in BCAST mode with a prefix, with REDIRECT to a RESP2 subscriber of
 * __redis__:invalidate, invalidation on expiry, the option errors, and Lettuce's ClientSideCaching.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ClientTrackingIntegrationTests {

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

    @Test
    void aTrackedKeyIsInvalidatedOnceWhenAnotherClientWritesIt() throws Exception {
        try (RawRedisClient tracker = new RawRedisClient(cluster.clientAddress());
             RawRedisClient writer = new RawRedisClient(cluster.clientAddress())) {
            tracker.call("HELLO", "3");
            assertThat(text(tracker.call("CLIENT", "TRACKING", "ON"))).isEqualTo("+OK\r\n");
            assertThat(text(tracker.call("CLIENT", "GETREDIR"))).isEqualTo(":0\r\n");
            assertThat(text(tracker.call("GET", "cached:a"))).isEqualTo("_\r\n");
            tracker.call("GET", "cached:b");
            writer.call("SET", "cached:a", "1");
            assertThat(text(tracker.readReply())).isEqualTo(">2\r\n$10\r\ninvalidate\r\n*1\r\n$8\r\ncached:a\r\n");
            writer.call("SET", "cached:a", "2"); // not read again since: no second invalidation
            writer.call("SET", "unread", "x");
            assertThat(text(tracker.call("PING"))).isEqualTo("+PONG\r\n");
            writer.call("DEL", "cached:b");
            assertThat(text(tracker.readReply())).contains("$8\r\ncached:b\r\n");

            writer.call("SET", "short", "v", "PX", "100");
            tracker.call("GET", "short");
            assertThat(text(tracker.readReply())).as("expired on its shard").contains("$5\r\nshort\r\n");
            assertThat(text(tracker.call("CLIENT", "TRACKING", "OFF"))).isEqualTo("+OK\r\n");
            assertThat(text(tracker.call("CLIENT", "GETREDIR"))).isEqualTo(":-1\r\n");
        }
    }

    @Test
    void broadcastModeHearsEveryKeyUnderItsPrefixes() throws Exception {
        try (RawRedisClient tracker = new RawRedisClient(cluster.clientAddress());
             RawRedisClient writer = new RawRedisClient(cluster.clientAddress())) {
            tracker.call("HELLO", "3");
            tracker.call("CLIENT", "TRACKING", "ON", "BCAST", "PREFIX", "user:");
            writer.call("SET", "order:1", "x");
            writer.call("HSET", "user:42", "name", "ada");
            assertThat(text(tracker.readReply())).isEqualTo(">2\r\n$10\r\ninvalidate\r\n*1\r\n$7\r\nuser:42\r\n");
            assertThat(text(tracker.call("PING"))).isEqualTo("+PONG\r\n");
        }
    }

    @Test
    void aResp2ClientRedirectsItsInvalidationsToASubscriber() throws Exception {
        try (RawRedisClient listener = new RawRedisClient(cluster.clientAddress());
             RawRedisClient tracker = new RawRedisClient(cluster.clientAddress());
             RawRedisClient writer = new RawRedisClient(cluster.clientAddress())) {
            long listenerId = Long.parseLong(text(listener.call("CLIENT", "ID")).substring(1).trim());
            listener.call("SUBSCRIBE", "__redis__:invalidate");
            assertThat(text(tracker.call("CLIENT", "TRACKING", "ON", "REDIRECT", Long.toString(listenerId))))
                    .isEqualTo("+OK\r\n");
            tracker.call("GET", "redirected");
            writer.call("SET", "redirected", "v");
            assertThat(text(listener.readReply()))
                    .isEqualTo("*3\r\n$7\r\nmessage\r\n$20\r\n__redis__:invalidate\r\n*1\r\n$10\r\nredirected\r\n");
        }
    }

    @Test
    void optionsAreCheckedAsRedisChecksThem() throws Exception {
        try (RawRedisClient c = new RawRedisClient(cluster.clientAddress())) {
            assertThat(text(c.call("CLIENT", "TRACKING", "ON", "PREFIX", "a")))
                    .isEqualTo("-ERR PREFIX option requires BCAST mode to be enabled\r\n");
            assertThat(text(c.call("CLIENT", "TRACKING", "ON", "OPTIN", "OPTOUT")))
                    .isEqualTo("-ERR You can't use both OPTIN and OPTOUT\r\n");
            assertThat(text(c.call("CLIENT", "TRACKING", "ON", "BCAST", "OPTIN")))
                    .isEqualTo("-ERR OPTIN and OPTOUT are not compatible with BCAST\r\n");
            assertThat(text(c.call("CLIENT", "TRACKING", "ON", "REDIRECT", "999999")))
                    .isEqualTo("-ERR The client ID you want redirect to does not exist\r\n");
            assertThat(text(c.call("CLIENT", "TRACKING", "MAYBE"))).isEqualTo("-ERR syntax error\r\n");
            assertThat(text(c.call("CLIENT", "CACHING", "YES")))
                    .startsWith("-ERR CLIENT CACHING can be called only when the client is in tracking mode");
        }
    }

    @Test
    void lettuceClientSideCachingDropsAnEntryWhenItsKeyChanges() throws Exception {
        RedisClient client = RedisClient.create("redis://127.0.0.1:" + cluster.clientPort());
        try (var connection = client.connect(); var other = client.connect()) {
            other.sync().set("frontend:key", "v1");
            Map<String, String> local = new ConcurrentHashMap<>();
            CacheFrontend<String, String> frontend = ClientSideCaching.enable(CacheAccessor.forMap(local), connection,
                    TrackingArgs.Builder.enabled());
            assertThat(frontend.get("frontend:key")).isEqualTo("v1");
            assertThat(local).containsEntry("frontend:key", "v1");
            other.sync().set("frontend:key", "v2");
            await().atMost(Duration.ofSeconds(30)).until(() -> !local.containsKey("frontend:key"));
            assertThat(frontend.get("frontend:key")).isEqualTo("v2");
            frontend.close();
        } finally {
            client.shutdown();
        }
    }

    private static String text(byte[] b) {
        return new String(b, StandardCharsets.ISO_8859_1);
    }
}
