package io.kvcache.slave.compat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Pub/sub sessions on a slave's data port beside a real redis-server, over real sockets: a
 * subscriber and a publisher on each side, every reply and every message compared as bytes
 * (confirmations and their counts, messages, pattern messages, shard channels, subscribed mode's
 * refusals and PING, PUBSUB's introspection and errors).
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class PubSubComparisonTests extends AgainstRedisServerAndSlave {

    private RawRedisClient kvSub;
    private RawRedisClient kvPub;
    private RawRedisClient redisSub;
    private RawRedisClient redisPub;

    @BeforeEach
    void connect() throws IOException {
        kvSub = new RawRedisClient(slave.address());
        kvPub = new RawRedisClient(slave.address());
        redisSub = new RawRedisClient(redis.address());
        redisPub = new RawRedisClient(redis.address());
        // The previous test's connections are gone once both servers have dropped their subscriptions.
        for (RawRedisClient c : List.of(kvPub, redisPub)) {
            await().atMost(Duration.ofSeconds(10)).until(() -> text(c.call("PUBSUB", "NUMPAT")).equals(":0\r\n")
                    && text(c.call("PUBSUB", "CHANNELS")).equals("*0\r\n")
                    && text(c.call("PUBSUB", "SHARDCHANNELS")).equals("*0\r\n"));
        }
    }

    @AfterEach
    void disconnect() throws IOException {
        for (RawRedisClient c : List.of(kvSub, kvPub, redisSub, redisPub)) {
            c.close();
        }
    }

    @Test
    void channelSubscribersReceiveWhatIsPublishedUntilTheyLeave() throws Exception {
        assertThat(subAll(2, "SUBSCRIBE", "news", "sport")).startsWith("*3\r\n$9\r\nsubscribe\r\n$4\r\nnews\r\n:1\r\n");
        assertThat(pub("PUBLISH", "news", "hello")).isEqualTo(":1\r\n");
        assertThat(message()).isEqualTo("*3\r\n$7\r\nmessage\r\n$4\r\nnews\r\n$5\r\nhello\r\n");
        pub("PUBLISH", "sport", "goal");
        message();
        pub("PUBLISH", "weather", "rain"); // nobody listens: 0
        sub("SUBSCRIBE", "news"); // again: no change, still confirmed
        sub("UNSUBSCRIBE", "sport");
        pub("PUBLISH", "sport", "missed");
        pub("PUBLISH", "news", "bin\u0000ary\r\n");
        message();
        sub("UNSUBSCRIBE"); // every channel left (one, so the order is Redis's too)
        sub("UNSUBSCRIBE"); // none left: a null channel and 0
        sub("UNSUBSCRIBE", "never");
        pub("PUBLISH", "news", "after");
        assertThat(sub("PING")).isEqualTo("+PONG\r\n"); // out of subscribed mode, nothing arrived meanwhile
    }

    @Test
    void subscribedModeRefusesOtherCommandsAndAnswersPingAsAMessage() throws Exception {
        sub("SUBSCRIBE", "c");
        assertThat(sub("GET", "k")).startsWith("-ERR Can't execute 'get'");
        sub("SET", "k", "v");
        sub("PUBSUB", "NUMSUB", "c");
        sub("PUBLISH", "c", "x");
        assertThat(sub("PING")).isEqualTo("*2\r\n$4\r\npong\r\n$0\r\n\r\n");
        sub("PING", "hi");
        sub("PING", "a", "b");
        sub("NOSUCHCOMMAND");
        sub("SUBSCRIBE"); // arity first
        sub("PSUBSCRIBE", "p*");
        sub("UNSUBSCRIBE", "c");
        sub("GET", "k"); // still subscribed to a pattern
        sub("PUNSUBSCRIBE", "p*");
        sub("GET", "k");
    }

    @Test
    void patternsReceiveMatchingChannelsBesideTheChannelsOwnSubscribers() throws Exception {
        sub("PSUBSCRIBE", "news.*");
        sub("SUBSCRIBE", "news.tech");
        sub("PSUBSCRIBE", "n?ws.[a-t]*");
        assertThat(pub("PUBLISH", "news.tech", "chips")).isEqualTo(":3\r\n");
        message(); // the channel's subscribers first
        // then each matching pattern: their order is Redis's dict's, so each is compared as a set
        assertThat(List.of(messageOf(kvSub), messageOf(kvSub)))
                .containsExactlyInAnyOrderElementsOf(List.of(messageOf(redisSub), messageOf(redisSub)));
        pub("PUBLISH", "news.zoo", "lion");
        message();
        pub("PUBLISH", "old.news", "none");
        pub("PUBSUB", "NUMPAT");
        pub("PUBSUB", "CHANNELS");
        pub("PUBSUB", "CHANNELS", "news*");
        pub("PUBSUB", "NUMSUB", "news.tech", "news.*", "absent");
        sub("PUNSUBSCRIBE", "news.*");
        sub("PUNSUBSCRIBE", "n?ws.[a-t]*");
        sub("PUNSUBSCRIBE"); // none left: its count is the channels'
        pub("PUBSUB", "NUMPAT");
    }

    @Test
    void shardChannelsAreTheirOwnKindWithTheirOwnCount() throws Exception {
        sub("SUBSCRIBE", "plain");
        assertThat(subAll(2, "SSUBSCRIBE", "orders", "stock")).contains(":1\r\n").contains(":2\r\n");
        assertThat(pub("SPUBLISH", "orders", "o1")).isEqualTo(":1\r\n");
        assertThat(message()).startsWith("*3\r\n$8\r\nsmessage\r\n");
        pub("PUBLISH", "orders", "not for shard subscribers");
        pub("PUBSUB", "SHARDCHANNELS", "ord*");
        pub("PUBSUB", "SHARDNUMSUB", "orders", "plain");
        pub("PUBSUB", "NUMSUB", "orders", "plain");
        sub("SUNSUBSCRIBE", "orders");
        sub("SUNSUBSCRIBE", "stock");
        sub("SUNSUBSCRIBE");
        sub("UNSUBSCRIBE");
        pub("SPUBLISH", "orders", "late");
    }

    @Test
    void pubsubIntrospectionErrorsAndHelp() throws Exception {
        pub("PUBSUB", "HELP");
        pub("PUBSUB", "NOPE");
        pub("PUBSUB", "CHANNELS", "a", "b");
        pub("PUBSUB", "NUMPAT", "x");
        pub("PUBSUB", "NUMSUB");
        pub("PUBSUB");
        pub("PUBLISH", "only-channel");
        pub("SUBSCRIBE");
        pub("PUNSUBSCRIBE"); // never subscribed: a null pattern and 0, and no subscribed mode
        pub("PING");
    }

    @Test
    void aPipelinedSubscribeIsConfirmedBeforeTheCommandsAfterIt() throws Exception {
        byte[][] subscribe = {bytes("SUBSCRIBE"), bytes("chan")};
        byte[][] ping = {bytes("PING")};
        byte[][] get = {bytes("GET"), bytes("x")};
        List<byte[]> kv = kvSub.pipeline(List.of(subscribe, ping, get));
        List<byte[]> redisReplies = redisSub.pipeline(List.of(subscribe, ping, get));
        for (int i = 0; i < 3; i++) {
            assertThat(text(kv.get(i))).isEqualTo(text(redisReplies.get(i)));
        }
        pub("PUBLISH", "chan", "m");
        message();
    }

    private String sub(String... argv) throws IOException {
        return compare(kvSub.call(argv), redisSub.call(argv));
    }

    /** A command with several replies (a (un)subscribe of several names), all compared. */
    private String subAll(int replies, String... argv) throws IOException {
        StringBuilder all = new StringBuilder(sub(argv));
        for (int i = 1; i < replies; i++) {
            all.append(message());
        }
        return all.toString();
    }

    private String pub(String... argv) throws IOException {
        return compare(kvPub.call(argv), redisPub.call(argv));
    }

    /** The next message each subscriber receives, compared. */
    private String message() throws IOException {
        return compare(kvSub.readReply(), redisSub.readReply());
    }

    private static String messageOf(RawRedisClient c) throws IOException {
        return text(c.readReply());
    }

    private static String compare(byte[] kvcache, byte[] redisReply) {
        assertThat(text(kvcache)).isEqualTo(text(redisReply));
        return text(kvcache);
    }

    private static String text(byte[] b) {
        return new String(b, StandardCharsets.ISO_8859_1);
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }
}
