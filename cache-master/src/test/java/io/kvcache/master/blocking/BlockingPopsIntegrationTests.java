package io.kvcache.master.blocking;

import static io.kvcache.master.support.Resp.OK;
import static io.kvcache.master.support.Resp.call;
import static io.kvcache.master.support.Resp.text;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.kvcache.master.support.LocalCluster;
import io.kvcache.master.support.ShardReplicas;
import io.kvcache.protocol.Replies;
import io.kvcache.slave.compat.RawRedisClient;

/**
 * Blocking pops through the master: each blocked client waits on a connection of its own to its
 * keys' shard, where the first blocked is the first served, and nobody else waits with it.
 */
class BlockingPopsIntegrationTests {

    private static LocalCluster cluster;
    private static String queue;
    private static String elsewhere;
    private final List<RawRedisClient> clients = new ArrayList<>();
    private RawRedisClient producer;

    @BeforeAll
    static void startCluster() {
        cluster = LocalCluster.builder().shards(2).replicas(1).start();
        queue = "queue:0";
        for (int i = 1; elsewhere == null; i++) {
            if (!cluster.shardOf("queue:" + i).equals(cluster.shardOf(queue))) {
                elsewhere = "queue:" + i;
            }
        }
    }

    @AfterAll
    static void stopCluster() {
        if (cluster != null) {
            cluster.close();
        }
    }

    @BeforeEach
    void flush() throws IOException {
        producer = client();
        assertThat(call(producer, "FLUSHALL")).isEqualTo(OK);
    }

    @AfterEach
    void disconnect() throws IOException {
        for (RawRedisClient c : clients) {
            c.close();
        }
        clients.clear();
        awaitBlocked(queue, 0);
        awaitBlocked(elsewhere, 0);
    }

    @Test
    void theFirstClientBlockedIsTheFirstServed() throws IOException {
        List<RawRedisClient> waiting = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            RawRedisClient c = client();
            c.sendRaw(RawRedisClient.encode(List.<byte[][]>of(argv("BLPOP", queue, "0"))));
            awaitBlocked(queue, i + 1); // in this order
            waiting.add(c);
        }
        for (String element : List.of("a", "b", "c")) {
            assertThat(call(producer, "RPUSH", queue, element)).isEqualTo(":1\r\n");
            RawRedisClient served = waiting.removeFirst();
            assertThat(text(served.readReply())).isEqualTo(pair(queue, element));
        }
        assertThat(call(producer, "EXISTS", queue)).isEqualTo(":0\r\n");
    }

    @Test
    void aTimeoutAnswersANullArrayOnceItPassed() throws IOException {
        RawRedisClient c = client();
        long start = System.nanoTime();
        assertThat(text(c.call("BRPOP", queue, "0.2"))).isEqualTo("*-1\r\n");
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(Duration.ofMillis(200));
        assertThat(text(c.call("BLMOVE", queue, queue, "LEFT", "RIGHT", "0.05"))).isEqualTo("*-1\r\n");
        assertThat(text(c.call("BLPOP", queue, "-1"))).isEqualTo("-ERR timeout is negative\r\n");
    }

    @Test
    void aBlockedClientHoldsUpNobodyElseOnItsShard() throws IOException {
        RawRedisClient blocked = client();
        blocked.sendRaw(RawRedisClient.encode(List.<byte[][]>of(argv("BLPOP", queue, "0"))));
        awaitBlocked(queue, 1);
        String sameShardKey = queue + ":counter"; // any key; several requests of it go the queue's shard's way
        for (int i = 1; i <= 200; i++) {
            assertThat(call(producer, "INCR", sameShardKey)).isEqualTo(":" + i + "\r\n");
        }
        call(producer, "LPUSH", queue, "x");
        assertThat(text(blocked.readReply())).isEqualTo(pair(queue, "x"));
    }

    @Test
    void aClientThatDisconnectsWhileBlockedLosesNoElement() throws IOException {
        RawRedisClient leaving = client();
        leaving.sendRaw(RawRedisClient.encode(List.<byte[][]>of(argv("BRPOP", queue, elsewhereOnQueueShard(), "0"))));
        awaitBlocked(queue, 1);
        leaving.close();
        clients.remove(leaving);
        awaitBlocked(queue, 0);
        assertThat(call(producer, "RPUSH", queue, "kept")).isEqualTo(":1\r\n");
        assertThat(call(producer, "LRANGE", queue, "0", "-1")).isEqualTo("*1\r\n$4\r\nkept\r\n");
    }

    @Test
    void commandsPipelinedAfterABlockedOneRunOnceItIsServed() throws IOException {
        RawRedisClient c = client();
        c.sendRaw(RawRedisClient.encode(List.of(argv("BZPOPMIN", queue, "0"), argv("ZCARD", queue))));
        awaitBlocked(queue, 1);
        assertThat(call(producer, "ZADD", queue, "2", "b", "1", "a")).isEqualTo(":2\r\n");
        assertThat(text(c.readReply())).isEqualTo("*3\r\n" + bulk(queue) + "$1\r\na\r\n$1\r\n1\r\n");
        assertThat(text(c.readReply())).isEqualTo(":1\r\n");
    }

    @Test
    void blmoveBetweenTwoShardsMovesTheElementExactlyOnce() throws IOException {
        RawRedisClient mover = client();
        mover.sendRaw(RawRedisClient.encode(List.<byte[][]>of(argv("BLMOVE", queue, elsewhere, "RIGHT", "LEFT", "0"))));
        awaitBlocked(queue, 1);
        assertThat(call(producer, "RPUSH", queue, "first", "second")).isEqualTo(":2\r\n");
        assertThat(text(mover.readReply())).isEqualTo("$6\r\nsecond\r\n");
        assertThat(call(producer, "LRANGE", queue, "0", "-1")).isEqualTo("*1\r\n$5\r\nfirst\r\n");
        assertThat(call(producer, "LRANGE", elsewhere, "0", "-1")).isEqualTo("*1\r\n$6\r\nsecond\r\n");
        // A destination of another type: the element stays in the source, the client hears WRONGTYPE.
        call(producer, "SET", elsewhere, "not a list");
        assertThat(call(mover, "BLMOVE", queue, elsewhere, "LEFT", "LEFT", "0"))
                .isEqualTo("-WRONGTYPE Operation against a key holding the wrong kind of value\r\n");
        assertThat(call(producer, "LRANGE", queue, "0", "-1")).isEqualTo("*1\r\n$5\r\nfirst\r\n");
    }

    @Test
    void clientUnblockAnswersAsATimeoutOrWithUnblockedAndNothingIsPopped() throws IOException {
        RawRedisClient c = client();
        String id = call(c, "CLIENT", "ID").substring(1).trim();
        c.sendRaw(RawRedisClient.encode(List.of(argv("BLPOP", queue, "0"), argv("PING"))));
        awaitBlocked(queue, 1);
        assertThat(call(producer, "CLIENT", "UNBLOCK", id)).isEqualTo(":1\r\n");
        assertThat(text(c.readReply())).isEqualTo("*-1\r\n");
        assertThat(text(c.readReply())).as("the command pipelined behind it").isEqualTo("+PONG\r\n");
        awaitBlocked(queue, 0);

        // Between two shards, BLMOVE waits as a BLMPOP on the source's: unblocked there.
        c.sendRaw(RawRedisClient.encode(List.<byte[][]>of(argv("BLMOVE", queue, elsewhere, "LEFT", "RIGHT", "0"))));
        awaitBlocked(queue, 1);
        assertThat(call(producer, "CLIENT", "UNBLOCK", id, "ERROR")).isEqualTo(":1\r\n");
        assertThat(text(c.readReply())).isEqualTo("-UNBLOCKED client unblocked via CLIENT UNBLOCK\r\n");
        awaitBlocked(queue, 0);

        assertThat(call(producer, "CLIENT", "UNBLOCK", id)).as("not blocked").isEqualTo(":0\r\n");
        assertThat(call(producer, "CLIENT", "UNBLOCK", id, "LATER"))
                .isEqualTo("-ERR CLIENT UNBLOCK reason should be TIMEOUT or ERROR\r\n");
        assertThat(call(producer, "RPUSH", queue, "kept")).isEqualTo(":1\r\n");
        assertThat(call(producer, "LRANGE", queue, "0", "-1")).isEqualTo("*1\r\n$4\r\nkept\r\n");
        assertThat(call(producer, "EXISTS", elsewhere)).isEqualTo(":0\r\n");
        assertThat(call(c, "PING")).isEqualTo("+PONG\r\n");
    }

    @Test
    void keysOnTwoShardsAreCrossSlot() throws IOException {
        assertThat(call(producer, "BLPOP", queue, elsewhere, "0"))
                .isEqualTo("-CROSSSLOT Keys in request don't hash to the same slot\r\n");
    }

    /** A key on the queue's shard other than the queue. */
    private static String elsewhereOnQueueShard() {
        for (int i = 0; ; i++) {
            String key = "other:" + i;
            if (cluster.shardOf(key).equals(cluster.shardOf(queue))) {
                return key;
            }
        }
    }

    /** Waits until the primary of key's shard has n clients blocked. */
    private static void awaitBlocked(String key, int n) {
        String shard = cluster.shardOf(key);
        String primary = new ShardReplicas(cluster).primary(shard);
        Awaitility.await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(20))
                .until(() -> blockedClients(cluster, shard, primary), b -> b == n);
    }

    static int blockedClients(LocalCluster cluster, String shard, String replicaId) throws IOException {
        try (RawRedisClient slave = cluster.dataClient(cluster.slave(shard, replicaId))) {
            String info = new String(Replies.bulk(slave.call("INFO", "clients")), StandardCharsets.US_ASCII);
            for (String line : info.split("\r\n")) {
                if (line.startsWith("blocked_clients:")) {
                    return Integer.parseInt(line.substring("blocked_clients:".length()));
                }
            }
            throw new AssertionError("INFO clients has no blocked_clients: " + info);
        }
    }

    private RawRedisClient client() throws IOException {
        RawRedisClient c = new RawRedisClient(cluster.clientAddress());
        clients.add(c);
        return c;
    }

    private static String pair(String key, String value) {
        return "*2\r\n" + bulk(key) + bulk(value);
    }

    private static String bulk(String s) {
        return "$" + s.length() + "\r\n" + s + "\r\n";
    }

    private static byte[][] argv(String... args) {
        byte[][] argv = new byte[args.length][];
        for (int i = 0; i < args.length; i++) {
            argv[i] = args[i].getBytes(StandardCharsets.UTF_8);
        }
        return argv;
    }
}
