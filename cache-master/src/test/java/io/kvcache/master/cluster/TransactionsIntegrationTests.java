package io.kvcache.master.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
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
import io.lettuce.core.TransactionResult;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.Response;
import redis.clients.jedis.Transaction;

/**
 * MULTI/EXEC/DISCARD through the master of 2 shards x 2 replicas: raw replies as Redis Cluster
 * gives them (QUEUED, errors in their slot, EXECABORT after a refusal, CROSSSLOT for keys on two
 * shards), Jedis and Lettuce transactions, and a transaction's writes on both replicas of its shard.
 */
class TransactionsIntegrationTests {

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
        }
    }

    @Test
    void aTransactionRunsOnItsShardWithErrorsInTheirSlotsAndLocalRepliesInPlace() throws IOException {
        try (RawRedisClient raw = new RawRedisClient(cluster.clientAddress())) {
            assertThat(Resp.call(raw, "SET", "{t}n", "10")).isEqualTo(Resp.OK);
            assertThat(Resp.call(raw, "MULTI")).isEqualTo(Resp.OK);
            assertThat(Resp.call(raw, "INCR", "{t}n")).isEqualTo("+QUEUED\r\n");
            assertThat(Resp.call(raw, "LPUSH", "{t}n", "x")).isEqualTo("+QUEUED\r\n");
            assertThat(Resp.call(raw, "PING")).isEqualTo("+QUEUED\r\n");
            assertThat(Resp.call(raw, "MSET", "{t}a", "1", "{t}b", "2")).isEqualTo("+QUEUED\r\n");
            assertThat(Resp.call(raw, "ECHO", "hi")).isEqualTo("+QUEUED\r\n");
            assertThat(Resp.call(raw, "MGET", "{t}a", "{t}b", "{t}n")).isEqualTo("+QUEUED\r\n");
            assertThat(Resp.call(raw, "EXEC")).isEqualTo("*6\r\n:11\r\n"
                    + "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n+PONG\r\n+OK\r\n"
                    + "$2\r\nhi\r\n*3\r\n$1\r\n1\r\n$1\r\n2\r\n$2\r\n11\r\n");
            assertThat(Resp.call(raw, "EXEC")).isEqualTo("-ERR EXEC without MULTI\r\n");
            assertThat(Resp.call(raw, "DISCARD")).isEqualTo("-ERR DISCARD without MULTI\r\n");
            // Counted as Redis counts them: each command EXEC ran, its errors too (no other test sends LPUSH).
            assertThat(Resp.call(raw, "INFO", "commandstats")).contains("cmdstat_lpush:calls=1,")
                    .containsPattern("cmdstat_lpush:[^\r]*,failed_calls=1");
        }
    }

    @Test
    void keysOnTwoShardsAndClusterWideCommandsAbortTheTransaction() throws IOException {
        String other = keyOnAnotherShardThan("k0");
        try (RawRedisClient raw = new RawRedisClient(cluster.clientAddress())) {
            assertThat(Resp.call(raw, "MULTI")).isEqualTo(Resp.OK);
            assertThat(Resp.call(raw, "SET", "k0", "1")).isEqualTo("+QUEUED\r\n");
            assertThat(Resp.call(raw, "SET", other, "1"))
                    .isEqualTo("-CROSSSLOT Keys in request don't hash to the same slot\r\n");
            assertThat(Resp.call(raw, "EXEC"))
                    .isEqualTo("-EXECABORT Transaction discarded because of previous errors.\r\n");
            assertThat(Resp.call(raw, "EXISTS", "k0")).isEqualTo(":0\r\n");

            assertThat(Resp.call(raw, "MULTI")).isEqualTo(Resp.OK);
            assertThat(Resp.call(raw, "DBSIZE")).isEqualTo("-ERR Command not allowed inside a transaction\r\n");
            assertThat(Resp.call(raw, "NOSUCH")).startsWith("-ERR unknown command 'NOSUCH'");
            assertThat(Resp.call(raw, "EXEC")).startsWith("-EXECABORT");

            assertThat(Resp.call(raw, "MULTI")).isEqualTo(Resp.OK);
            assertThat(Resp.call(raw, "MULTI")).isEqualTo("-ERR MULTI calls can not be nested\r\n");
            assertThat(Resp.call(raw, "SET", "k0", "1")).isEqualTo("+QUEUED\r\n");
            assertThat(Resp.call(raw, "DISCARD")).isEqualTo(Resp.OK);
            assertThat(Resp.call(raw, "EXISTS", "k0")).isEqualTo(":0\r\n");

            assertThat(Resp.call(raw, "MULTI")).isEqualTo(Resp.OK);
            assertThat(Resp.call(raw, "SET", "k0", "1")).isEqualTo("+QUEUED\r\n");
            assertThat(Resp.call(raw, "EXEC", "x")).isEqualTo(
                    "-EXECABORT Transaction discarded because of: wrong number of arguments for 'exec' command\r\n");
            assertThat(Resp.call(raw, "EXISTS", "k0")).isEqualTo(":0\r\n");
        }
    }

    @Test
    void jedisAndLettuceTransactionsAndTheWritesOnEveryReplicaOfTheShard() throws IOException {
        try (Jedis jedis = new Jedis("127.0.0.1", cluster.clientPort(), 10_000)) {
            Transaction t = jedis.multi();
            Response<String> set = t.set("{j}x", "1");
            Response<Long> incr = t.incrBy("{j}x", 41);
            Response<Long> push = t.rpush("{j}list", "a", "b");
            List<Object> results = t.exec();
            assertThat(results).hasSize(3);
            assertThat(set.get()).isEqualTo("OK");
            assertThat(incr.get()).isEqualTo(42L);
            assertThat(push.get()).isEqualTo(2L);
        }
        RedisClient client = RedisClient.create(RedisURI.builder().withHost("127.0.0.1")
                .withPort(cluster.clientPort()).withTimeout(Duration.ofSeconds(10)).build());
        try (StatefulRedisConnection<String, String> connection = client.connect()) {
            RedisCommands<String, String> sync = connection.sync();
            assertThat(sync.multi()).isEqualTo("OK");
            sync.incr("{j}x");
            sync.lpop("{j}list");
            TransactionResult result = sync.exec();
            assertThat(result.wasDiscarded()).isFalse();
            assertThat(result.<Long>get(0)).isEqualTo(43L);
            assertThat(result.<String>get(1)).isEqualTo("a");
        } finally {
            client.shutdown(Duration.ZERO, Duration.ofSeconds(5));
        }
        String shard = shardOf("{j}x");
        for (SlaveNode replica : cluster.replicasOf(shard)) {
            try (RawRedisClient data = cluster.dataClient(replica)) {
                Awaitility.await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
                    assertThat(Resp.call(data, "GET", "{j}x")).isEqualTo("$2\r\n43\r\n");
                    assertThat(Resp.call(data, "LRANGE", "{j}list", "0", "-1")).isEqualTo("*1\r\n$1\r\nb\r\n");
                });
            }
        }
    }

    @Test
    void watchAbortsExecAfterAnotherClientsWriteAndHoldsItsShard() throws IOException {
        String other = keyOnAnotherShardThan("w0");
        try (RawRedisClient raw = new RawRedisClient(cluster.clientAddress());
             RawRedisClient rival = new RawRedisClient(cluster.clientAddress())) {
            assertThat(Resp.call(raw, "SET", "w0", "100")).isEqualTo(Resp.OK);
            assertThat(Resp.call(raw, "WATCH", "w0")).isEqualTo(Resp.OK);
            assertThat(Resp.call(raw, "GET", "w0")).isEqualTo("$3\r\n100\r\n");
            assertThat(Resp.call(rival, "INCRBY", "w0", "5")).isEqualTo(":105\r\n");
            assertThat(Resp.call(raw, "MULTI")).isEqualTo(Resp.OK);
            assertThat(Resp.call(raw, "DECRBY", "w0", "10")).isEqualTo("+QUEUED\r\n");
            assertThat(Resp.call(raw, "EXEC")).isEqualTo("*-1\r\n");
            assertThat(Resp.call(raw, "GET", "w0")).isEqualTo("$3\r\n105\r\n");

            // Unchanged: the transaction runs, and the watch is gone with it.
            assertThat(Resp.call(raw, "WATCH", "w0")).isEqualTo(Resp.OK);
            assertThat(Resp.call(rival, "GET", "w0")).isEqualTo("$3\r\n105\r\n");
            assertThat(Resp.call(raw, "MULTI")).isEqualTo(Resp.OK);
            assertThat(Resp.call(raw, "DECRBY", "w0", "10")).isEqualTo("+QUEUED\r\n");
            assertThat(Resp.call(raw, "PING")).isEqualTo("+QUEUED\r\n");
            assertThat(Resp.call(raw, "EXEC")).isEqualTo("*2\r\n:95\r\n+PONG\r\n");

            // UNWATCH: a change no longer matters.
            assertThat(Resp.call(raw, "WATCH", "w0")).isEqualTo(Resp.OK);
            assertThat(Resp.call(raw, "UNWATCH")).isEqualTo(Resp.OK);
            assertThat(Resp.call(rival, "SET", "w0", "1")).isEqualTo(Resp.OK);
            assertThat(Resp.call(raw, "MULTI")).isEqualTo(Resp.OK);
            assertThat(Resp.call(raw, "INCR", "w0")).isEqualTo("+QUEUED\r\n");
            assertThat(Resp.call(raw, "EXEC")).isEqualTo("*1\r\n:2\r\n");

            // Watched keys and queued keys: one shard.
            assertThat(Resp.call(raw, "WATCH", "w0", other))
                    .isEqualTo("-CROSSSLOT Keys in request don't hash to the same slot\r\n");
            assertThat(Resp.call(raw, "WATCH", "w0")).isEqualTo(Resp.OK);
            assertThat(Resp.call(raw, "MULTI")).isEqualTo(Resp.OK);
            assertThat(Resp.call(raw, "SET", other, "x"))
                    .isEqualTo("-CROSSSLOT Keys in request don't hash to the same slot\r\n");
            assertThat(Resp.call(raw, "EXEC")).startsWith("-EXECABORT");
            assertThat(Resp.call(raw, "WATCH", "w0")).isEqualTo(Resp.OK);
            assertThat(Resp.call(raw, "DISCARD")).isEqualTo("-ERR DISCARD without MULTI\r\n");
            assertThat(Resp.call(raw, "MULTI")).isEqualTo(Resp.OK);
            assertThat(Resp.call(raw, "WATCH", "w0")).isEqualTo("-ERR WATCH inside MULTI is not allowed\r\n");
            assertThat(Resp.call(raw, "DISCARD")).isEqualTo(Resp.OK);
        }
    }

    @Test
    void lettuceOptimisticLockingRetriesUntilItWins() {
        RedisClient client = RedisClient.create(RedisURI.builder().withHost("127.0.0.1")
                .withPort(cluster.clientPort()).withTimeout(Duration.ofSeconds(10)).build());
        try (StatefulRedisConnection<String, String> first = client.connect();
             StatefulRedisConnection<String, String> second = client.connect()) {
            RedisCommands<String, String> a = first.sync();
            RedisCommands<String, String> b = second.sync();
            a.set("{l}stock", "10");
            a.watch("{l}stock");
            int seen = Integer.parseInt(a.get("{l}stock"));
            b.decr("{l}stock"); // another buyer first
            a.multi();
            a.set("{l}stock", Integer.toString(seen - 1));
            assertThat(a.exec().wasDiscarded()).isTrue();
            a.watch("{l}stock");
            seen = Integer.parseInt(a.get("{l}stock"));
            a.multi();
            a.set("{l}stock", Integer.toString(seen - 1));
            assertThat(a.exec().wasDiscarded()).isFalse();
            assertThat(b.get("{l}stock")).isEqualTo("8");
        } finally {
            client.shutdown(Duration.ZERO, Duration.ofSeconds(5));
        }
    }

    /** A key the ring puts on another shard than key's (the ring is fixed by the shard names). */
    private static String keyOnAnotherShardThan(String key) throws IOException {
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
                .shardFor(key.getBytes(java.nio.charset.StandardCharsets.UTF_8)).name();
    }
}
