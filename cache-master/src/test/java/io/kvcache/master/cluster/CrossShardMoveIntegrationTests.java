package io.kvcache.master.cluster;

import static io.kvcache.master.support.Resp.NIL;
import static io.kvcache.master.support.Resp.OK;
import static io.kvcache.master.support.Resp.WRONGTYPE;
import static io.kvcache.master.support.Resp.array;
import static io.kvcache.master.support.Resp.bulk;
import static io.kvcache.master.support.Resp.call;
import static io.kvcache.master.support.Resp.integer;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.kvcache.master.support.LocalCluster;
import io.kvcache.master.support.Resp;
import io.kvcache.slave.compat.RawRedisClient;

/**
 * RPOPLPUSH and LMOVE between two shards, which the master carries out as pop-then-push: nothing may be lost
 * or duplicated while other clients push to the source, and the type checks and nil reply are Redis's.
 */
class CrossShardMoveIntegrationTests {

    private static final int PRODUCERS = 4;
    private static final int ELEMENTS_PER_PRODUCER = 400;

    private static LocalCluster cluster;
    private static String source;
    private static String destination;
    private RawRedisClient client;

    @BeforeAll
    static void startCluster() {
        cluster = LocalCluster.builder().shards(2).replicas(1).start();
        source = "queue:0";
        String sourceShard = cluster.shardOf(source);
        for (int i = 1; destination == null; i++) {
            if (!cluster.shardOf("queue:" + i).equals(sourceShard)) {
                destination = "queue:" + i;
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
    void connectAndFlush() throws IOException {
        client = new RawRedisClient(cluster.clientAddress());
        assertThat(call(client, "FLUSHALL")).isEqualTo(OK);
    }

    @AfterEach
    void disconnect() throws IOException {
        client.close();
    }

    @Test
    void keysOfTheseTestsAreOnDifferentShards() {
        assertThat(cluster.shardOf(source)).isNotEqualTo(cluster.shardOf(destination));
    }

    /**
     * Producers LPUSH unique elements to the source while two movers move source → destination with
     * RPOPLPUSH and every LMOVE direction; afterwards the two lists together hold each pushed element
     * exactly once, and every element a mover was answered with is in the destination.
     */
    @Test
    void movesUnderConcurrentPushesLoseAndDuplicateNothing() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(PRODUCERS + 2);
        CountDownLatch go = new CountDownLatch(1);
        AtomicBoolean producing = new AtomicBoolean(true);
        try {
            List<Future<List<String>>> producers = new ArrayList<>();
            for (int p = 0; p < PRODUCERS; p++) {
                int producer = p;
                producers.add(pool.submit(() -> produce(producer, go)));
            }
            List<Future<List<String>>> movers = List.of(
                    pool.submit(mover(go, producing, List.of(
                            new String[] {"RPOPLPUSH", source, destination},
                            new String[] {"LMOVE", source, destination, "RIGHT", "LEFT"}))),
                    pool.submit(mover(go, producing, List.of(
                            new String[] {"LMOVE", source, destination, "LEFT", "RIGHT"},
                            new String[] {"LMOVE", source, destination, "LEFT", "LEFT"},
                            new String[] {"lmove", source, destination, "right", "right"}))));
            go.countDown();

            Set<String> pushed = new HashSet<>();
            for (Future<List<String>> producer : producers) {
                pushed.addAll(producer.get(60, TimeUnit.SECONDS));
            }
            producing.set(false);
            List<String> moved = new ArrayList<>();
            for (Future<List<String>> mover : movers) {
                moved.addAll(mover.get(60, TimeUnit.SECONDS));
            }

            List<String> left = Resp.strings(call(client, "LRANGE", source, "0", "-1"));
            List<String> arrived = Resp.strings(call(client, "LRANGE", destination, "0", "-1"));
            List<String> all = new ArrayList<>(left);
            all.addAll(arrived);

            assertThat(pushed).hasSize(PRODUCERS * ELEMENTS_PER_PRODUCER);
            assertThat(moved).as("elements the movers were answered with").doesNotHaveDuplicates()
                    .hasSizeGreaterThan(PRODUCERS * ELEMENTS_PER_PRODUCER / 2);
            assertThat(all).as("source + destination").doesNotHaveDuplicates()
                    .containsExactlyInAnyOrderElementsOf(pushed);
            assertThat(arrived).containsExactlyInAnyOrderElementsOf(moved);
        } finally {
            producing.set(false);
            pool.shutdownNow();
            assertThat(pool.awaitTermination(30, TimeUnit.SECONDS)).isTrue();
        }
    }

    /** LPUSHes this producer's elements to the source, one to three per command. */
    private List<String> produce(int producer, CountDownLatch go) throws Exception {
        List<String> pushed = new ArrayList<>();
        try (RawRedisClient c = new RawRedisClient(cluster.clientAddress())) {
            go.await();
            int i = 0;
            while (i < ELEMENTS_PER_PRODUCER) {
                List<String> argv = new ArrayList<>(List.of("LPUSH", source));
                for (int n = 0; n < 1 + i % 3 && i < ELEMENTS_PER_PRODUCER; n++, i++) {
                    String element = "p" + producer + "-" + i;
                    argv.add(element);
                    pushed.add(element);
                }
                String reply = call(c, argv.toArray(String[]::new));
                assertThat(reply).startsWith(":");
            }
        }
        return pushed;
    }

    /** Moves until the producers are done and the source is empty; returns the elements it was answered with. */
    private Callable<List<String>> mover(CountDownLatch go, AtomicBoolean producing, List<String[]> commands) {
        return () -> {
            List<String> moved = new ArrayList<>();
            try (RawRedisClient c = new RawRedisClient(cluster.clientAddress())) {
                go.await();
                for (int i = 0; ; i++) {
                    boolean stillProducing = producing.get();
                    String reply = call(c, commands.get(i % commands.size()));
                    if (reply.equals(NIL)) {
                        if (!stillProducing) {
                            return moved;
                        }
                        LockSupport.parkNanos(1_000_000); // the source is empty for now: let producers run
                        continue;
                    }
                    assertThat(reply).as("reply to %s", String.join(" ", commands.get(i % commands.size())))
                            .startsWith("$");
                    moved.add(Resp.string(reply));
                }
            }
        };
    }

    /** In one pipelined batch, the commands after a cross-shard move see it done, and those before it too. */
    @Test
    void aMoveInsideAPipelinedBatchIsOrderedWithTheCommandsAroundIt() {
        List<String> replies = Resp.pipeline(client, List.of(
                new String[] {"RPUSH", source, "a", "b"},
                new String[] {"RPOPLPUSH", source, destination},
                new String[] {"LRANGE", destination, "0", "-1"},
                new String[] {"LRANGE", source, "0", "-1"},
                new String[] {"LMOVE", destination, source, "LEFT", "LEFT"},
                new String[] {"LLEN", destination},
                new String[] {"LRANGE", source, "0", "-1"}));

        assertThat(replies).containsExactly(integer(2), bulk("b"), array(List.of(bulk("b"))),
                array(List.of(bulk("a"))), bulk("b"), integer(0), array(List.of(bulk("b"), bulk("a"))));
    }

    @Test
    void moveToAStringDestinationIsWrongtypeAndTheSourceKeepsItsElement() {
        call(client, "RPUSH", source, "e1", "e2");
        call(client, "SET", destination, "a string");

        assertThat(call(client, "RPOPLPUSH", source, destination)).isEqualTo(WRONGTYPE);
        assertThat(call(client, "LMOVE", source, destination, "LEFT", "RIGHT")).isEqualTo(WRONGTYPE);

        assertThat(call(client, "LRANGE", source, "0", "-1")).isEqualTo(array(List.of(bulk("e1"), bulk("e2"))));
        assertThat(call(client, "GET", destination)).isEqualTo(bulk("a string"));
    }

    @Test
    void moveFromAStringSourceIsWrongtype() {
        call(client, "SET", source, "a string");

        assertThat(call(client, "RPOPLPUSH", source, destination)).isEqualTo(WRONGTYPE);
        assertThat(call(client, "EXISTS", destination)).isEqualTo(integer(0));
    }

    @Test
    void moveFromAMissingSourceIsNilAndCreatesNothingEvenWhenTheDestinationIsAString() {
        assertThat(call(client, "RPOPLPUSH", source, destination)).isEqualTo(NIL);
        assertThat(call(client, "LMOVE", source, destination, "RIGHT", "LEFT")).isEqualTo(NIL);
        assertThat(call(client, "EXISTS", source, destination)).isEqualTo(integer(0));

        call(client, "SET", destination, "a string");
        assertThat(call(client, "RPOPLPUSH", source, destination)).isEqualTo(NIL);
    }

    @Test
    void movingTheLastElementRemovesTheSourceAndLmoveHonoursBothSides() {
        call(client, "RPUSH", source, "a", "b", "c");
        call(client, "RPUSH", destination, "x");

        assertThat(call(client, "LMOVE", source, destination, "LEFT", "LEFT")).isEqualTo(bulk("a"));
        assertThat(call(client, "LMOVE", source, destination, "RIGHT", "RIGHT")).isEqualTo(bulk("c"));
        assertThat(call(client, "RPOPLPUSH", source, destination)).isEqualTo(bulk("b"));

        assertThat(call(client, "EXISTS", source)).isEqualTo(integer(0));
        assertThat(call(client, "LRANGE", destination, "0", "-1"))
                .isEqualTo(array(List.of(bulk("b"), bulk("a"), bulk("x"), bulk("c"))));
        assertThat(call(client, "LMOVE", source, destination, "UP", "LEFT")).isEqualTo("-ERR syntax error\r\n");
    }
}
