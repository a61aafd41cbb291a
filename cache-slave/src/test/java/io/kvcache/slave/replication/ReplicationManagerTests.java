package io.kvcache.slave.replication;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.util.unit.DataSize;

import com.sun.net.httpserver.HttpServer;

import io.kvcache.protocol.ProtocolLimits;
import io.kvcache.protocol.Request;
import io.kvcache.protocol.RespWriter;
import io.kvcache.slave.dispatch.StoreFixture;

/**
 * A primary's side of pull replication without HTTP: client batches through the asynchronous
 * {@code execute}, replicas' polls through {@code poll}, as the data port and the controller call
 * them. The acknowledgement rule under test: in {@code replicas} mode a batch is answered only once
 * every in-sync replica has polled beyond its writes, never twice, and never as OK once this slave
 * stopped being primary.
 */
class ReplicationManagerTests {

    private static final String TRYAGAIN = "-" + ReplicationManager.NOT_ACKNOWLEDGED + "\r\n";

    private final StoreFixture store = new StoreFixture();
    private final ReplicationBacklog backlog = new ReplicationBacklog(64 << 20);
    private final int dead = unusedPort();
    private final List<ReplicationManager> managers = new ArrayList<>();
    private ReplicationManager manager;

    @AfterEach
    void stop() {
        managers.forEach(ReplicationManager::stop);
    }

    // ---------------------------------------------------------------- the asynchronous data port API

    @Test
    void aBatchWithoutWritesIsAnsweredAtOnceOnTheCallersThread() {
        primary(AckMode.REPLICAS, "replica2");
        inSync("replica2");
        Call get = write("GET", "k");
        assertThat(get.done.get()).isOne();
        assertThat(get.thread.get()).isSameAs(Thread.currentThread());
        assertThat(get.replies()).isEqualTo(StoreFixture.NIL);
    }

    @Test
    void inAsyncModeAWriteIsAnsweredAtOnceWhileItsReplicaIsInSync() {
        primary(AckMode.ASYNC, "replica2");
        inSync("replica2");
        Call set = write("SET", "k", "v");
        assertThat(set.done.get()).isOne();
        assertThat(set.replies()).isEqualTo(StoreFixture.OK);
    }

    @Test
    void aWriteIsAnsweredOnlyOnceEveryInSyncReplicaPolledBeyondIt() throws Exception {
        primary(AckMode.REPLICAS, "replica2", "replica3");
        Polled held2 = inSync("replica2");
        Polled held3 = inSync("replica3");

        Call set = write("SET", "k", "v");
        assertThat(set.done.get()).as("nobody has applied it").isZero();
        // The held polls were answered with the write at once, by the writer's thread: no linger.
        assertThat(held2.await().body()).isEqualTo(Request.of("SET", "k", "v").encode());
        assertThat(held2.thread.get()).isSameAs(Thread.currentThread());
        assertThat(held3.await().body()).isEqualTo(Request.of("SET", "k", "v").encode());

        long end = backlog.end();
        Polled next2 = poll("replica2", 1, replid(), end);
        assertThat(set.done.get()).as("replica3 has not applied it yet").isZero();
        poll("replica3", 1, replid(), end);
        assertThat(set.done.get()).isOne();
        assertThat(set.thread.get()).as("answered by the thread that took the last acknowledgement")
                .isSameAs(Thread.currentThread());
        assertThat(set.replies()).isEqualTo(StoreFixture.OK);
        assertThat(next2.calls.get()).as("nothing new: held").isZero();

        poll("replica2", 1, replid(), end);
        assertThat(set.done.get()).as("done runs exactly once").isOne();
    }

    @Test
    void aReplicaNotYetInSyncDoesNotHoldWritesBack() {
        primary(AckMode.REPLICAS, "replica2");
        Call set = write("SET", "k", "v");
        assertThat(set.done.get()).isOne();
        assertThat(set.replies()).isEqualTo(StoreFixture.OK);
        assertThat(manager.links().get("replica2").get("state")).isEqualTo("connecting");
    }

    @Test
    void aReplicaBehindJoinsTheInSyncSetOnceItAppliedAllItWasSentEvenIfTheStreamMovedOn() throws Exception {
        primary(AckMode.REPLICAS, "replica2");
        write("SET", "a", "1");
        write("SET", "b", "2");
        PollAnswerAssert first = answered(poll("replica2", 1, replid(), 0));
        assertThat(first.answer.body()).hasSize((int) backlog.end());
        assertThat(state("replica2")).as("it has not applied them yet").isEqualTo("connecting");

        Call c = write("SET", "c", "3");
        assertThat(c.done.get()).as("written while it was behind").isOne();

        // It applied everything it was sent, which was the whole stream then: in sync, although
        // SET c landed since (under steady writes it would never stand exactly at the end).
        PollAnswerAssert second = answered(poll("replica2", 1, replid(), first.answer.body().length));
        assertThat(state("replica2")).isEqualTo("streaming");
        assertThat(second.answer.body()).isEqualTo(Request.of("SET", "c", "3").encode());

        Call d = write("SET", "d", "4");
        assertThat(d.done.get()).isZero();
        poll("replica2", 1, replid(), backlog.end());
        assertThat(d.done.get()).isOne();
    }

    @Test
    void aDemotionAnswersEveryWaitingBatchNotAcknowledgedAndKeepsWhatCameBeforeIt() throws Exception {
        primary(AckMode.REPLICAS, "replica2", "replica3");
        inSync("replica2");
        inSync("replica3");
        Call set = new Call();
        set.out.simple("EARLIER"); // a reply of the same connection already waiting to be sent
        manager.execute(List.of(Request.of("SET", "k", "v"), Request.of("INCR", "n")), store.session, set.out, set);
        Polled refused = poll("replica2", 1, replid(), backlog.end()); // replica3 has not applied it
        assertThat(set.done.get()).isZero();
        assertThat(refused.calls.get()).as("held").isZero();

        manager.assign(Assignment.parse("2 replica replica2 127.0.0.1:" + dead + " -"));

        assertThat(set.done.get()).isOne();
        assertThat(set.replies()).isEqualTo("+EARLIER\r\n" + TRYAGAIN + TRYAGAIN);
        assertThat(refused.await().reason()).isEqualTo("not-primary");
        Call after = write("SET", "k", "w");
        assertThat(after.replies()).startsWith("-READONLY");
    }

    @Test
    void aReplicaThatStopsPollingStopsHoldingWritesBackAfterTheTimeout() throws Exception {
        primary(AckMode.REPLICAS, Duration.ofMillis(600), Duration.ofMillis(100), "replica2");
        long polled = System.nanoTime();
        inSync("replica2"); // and never polls again
        Call set = write("SET", "k", "v");
        assertThat(set.done.get()).isZero();

        assertThat(set.latch.await(5, TimeUnit.SECONDS)).isTrue();
        long waited = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - polled);
        assertThat(waited).as("ms from its last poll").isBetween(550L, 3000L);
        assertThat(set.replies()).isEqualTo(StoreFixture.OK);
        assertThat(state("replica2")).isEqualTo("connecting");
        assertThat(write("SET", "k", "w").done.get()).as("writes no longer wait for it").isOne();
    }

    @Test
    void aPrimaryWhoseSilentReplicaFollowsANewerEpochKnowsItWasDeposedAndAcknowledgesNothing() throws Exception {
        HttpServer replica = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        replica.createContext("/replication/state", exchange -> {
            // It was promoted at epoch 2 and polls nobody: the master replaced this primary.
            exchange.getResponseHeaders().add("X-Kvcache-Role", "primary");
            exchange.getResponseHeaders().add("X-Kvcache-Epoch", "2");
            exchange.getResponseHeaders().add("X-Kvcache-Replid", "newer");
            exchange.getResponseHeaders().add("X-Kvcache-Offset", "0");
            exchange.sendResponseHeaders(200, -1);
            exchange.close();
        });
        replica.start();
        try {
            manager = manager(AckMode.REPLICAS, Duration.ofSeconds(2), Duration.ofMillis(100));
            manager.assign(Assignment.parse("1 primary replica1 127.0.0.1:" + dead + " replica2@127.0.0.1:"
                    + replica.getAddress().getPort()));
            long polled = System.nanoTime();
            inSync("replica2");
            Call set = write("SET", "k", "v");

            assertThat(set.latch.await(5, TimeUnit.SECONDS)).isTrue();
            assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - polled))
                    .as("asked from half the timeout on").isGreaterThan(900L);
            assertThat(set.replies()).isEqualTo(TRYAGAIN);
            assertThat(manager.isPrimary()).isFalse();
            assertThat(manager.state().epoch()).isEqualTo(2);
        } finally {
            replica.stop(0);
        }
    }

    @Test
    void aSilentReplicaIsNotDroppedBeforeItWasAskedEvenPastTheTimeout() throws Exception {
        HttpServer replica = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        replica.setExecutor(java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor());
        replica.createContext("/replication/state", exchange -> {
            try {
                Thread.sleep(900); // slow to answer (within the call's timeout), and then: it follows a newer primary
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            exchange.getResponseHeaders().add("X-Kvcache-Role", "replica");
            exchange.getResponseHeaders().add("X-Kvcache-Epoch", "2");
            exchange.getResponseHeaders().add("X-Kvcache-Replid", "newer");
            exchange.getResponseHeaders().add("X-Kvcache-Offset", "0");
            exchange.sendResponseHeaders(200, -1);
            exchange.close();
        });
        replica.start();
        try {
            manager = manager(AckMode.REPLICAS, Duration.ofSeconds(1), Duration.ofMillis(100));
            manager.assign(Assignment.parse("1 primary replica1 127.0.0.1:" + dead + " replica2@127.0.0.1:"
                    + replica.getAddress().getPort()));
            long polled = System.nanoTime();
            inSync("replica2");
            Call set = write("SET", "k", "v");

            assertThat(set.latch.await(6, TimeUnit.SECONDS)).isTrue();
            assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - polled))
                    .as("held past the timeout (1 s) until the answer came").isGreaterThan(1250L);
            assertThat(set.replies()).as("never acknowledged by a deposed primary alone").isEqualTo(TRYAGAIN);
        } finally {
            replica.stop(0);
        }
    }

    @Test
    void theBlockingFormWaitsForTheReplica() throws Exception {
        primary(AckMode.REPLICAS, "replica2");
        inSync("replica2");
        RespWriter out = new RespWriter();
        Thread client = Thread.ofVirtual().start(
                () -> manager.execute(List.of(Request.of("SET", "k", "v")), store.session, out));
        assertThat(client.join(Duration.ofMillis(200))).as("still waiting").isFalse();
        poll("replica2", 1, replid(), backlog.end());
        assertThat(client.join(Duration.ofSeconds(5))).isTrue();
        assertThat(new String(out.toByteArray(), StandardCharsets.ISO_8859_1)).isEqualTo(StoreFixture.OK);
    }

    @Test
    void stoppingAnswersEveryWaitingBatch() {
        primary(AckMode.REPLICAS, "replica2");
        inSync("replica2");
        Call set = write("SET", "k", "v");
        manager.stop();
        assertThat(set.done.get()).isOne();
        assertThat(set.replies()).isEqualTo(TRYAGAIN);
    }

    // ---------------------------------------------------------------- the long poll

    @Test
    void aPollIsAnsweredAtOnceWithTheStreamAfterItsOffset() throws Exception {
        primary(AckMode.REPLICAS, "replica2");
        write("SET", "a", "1");
        write("RPUSH", "l", "x", "y");
        Polled p = poll("replica2", 1, replid(), 0);
        assertThat(p.calls.get()).isOne();
        assertThat(p.thread.get()).isSameAs(Thread.currentThread());
        ReplicationManager.PollAnswer a = p.await();
        assertThat(a.status()).isEqualTo(200);
        assertThat(a.offset()).isZero();
        assertThat(a.epoch()).isOne();
        assertThat(a.replid()).isEqualTo(replid());
        assertThat(a.body()).isEqualTo(backlog.read(0, Integer.MAX_VALUE));
        assertThat(new String(a.body(), StandardCharsets.ISO_8859_1)).contains("RPUSH");
    }

    @Test
    void aPollAnswerCarriesAtMostMaxBytes() throws Exception {
        primary(AckMode.REPLICAS, "replica2");
        write("SET", "a", "1".repeat(100));
        Polled p = new Polled();
        manager.poll("replica2", 1, replid(), 0, 10, p);
        assertThat(p.await().body()).hasSize(10);
    }

    @Test
    void aPollAtTheEndIsHeldUntilAWriteLandsThenAnsweredWithIt() throws Exception {
        primary(AckMode.ASYNC, "replica2");
        Polled p = poll("replica2", 1, replid(), backlog.end());
        assertThat(p.calls.get()).isZero();
        Thread.sleep(50);
        assertThat(p.calls.get()).isZero();
        write("INCR", "n");
        assertThat(p.calls.get()).isOne();
        assertThat(p.await().body()).isEqualTo(Request.of("INCR", "n").encode());
    }

    @Test
    void aHeldPollIsAnsweredEmptyWhenThePollWaitEnds() throws Exception {
        primary(AckMode.REPLICAS, Duration.ofSeconds(2), Duration.ofMillis(200), "replica2");
        long start = System.nanoTime();
        Polled p = poll("replica2", 1, replid(), backlog.end());
        ReplicationManager.PollAnswer a = p.await();
        long waited = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        assertThat(waited).isBetween(180L, 3000L);
        assertThat(a.status()).isEqualTo(200);
        assertThat(a.body()).isEmpty();
        assertThat(a.offset()).isEqualTo(backlog.end());
        assertThat(p.calls.get()).isOne();
    }

    @Test
    void aNewPollFromTheSameReplicaEndsItsHeldOne() throws Exception {
        primary(AckMode.REPLICAS, "replica2");
        Polled first = poll("replica2", 1, replid(), backlog.end());
        Polled second = poll("replica2", 1, replid(), backlog.end());
        assertThat(first.await().body()).isEmpty();
        assertThat(second.calls.get()).isZero();
    }

    @Test
    void pollsFromAnUnlistedReplicaOrAnotherEpochOrToANonPrimaryAreRefused() throws Exception {
        primary(AckMode.REPLICAS, "replica2");
        write("SET", "a", "1");
        assertThat(poll("stranger", 1, replid(), 0).await().reason()).isEqualTo("unknown-replica");
        ReplicationManager.PollAnswer stale = poll("replica2", 0, replid(), 0).await();
        assertThat(stale.status()).isEqualTo(409);
        assertThat(stale.reason()).isEqualTo("stale-epoch");
        assertThat(stale.epoch()).isOne();
        assertThat(poll("replica2", 2, replid(), 0).await().reason()).isEqualTo("epoch-ahead");
        assertThat(manager.isPrimary()).as("a poll alone never deposes a primary").isTrue();
        assertThat(state("replica2")).isEqualTo("connecting");

        ReplicationManager replica = manager(AckMode.REPLICAS, Duration.ofSeconds(2), Duration.ofMillis(250));
        Polled notPrimary = new Polled();
        replica.poll("replica2", 0, null, 0, 1024, notPrimary);
        assertThat(notPrimary.await().reason()).isEqualTo("not-primary");
    }

    @Test
    void aPollWhoseHistoryDoesNotContinueTheStreamIsAnsweredWithAFullSync() throws Exception {
        primary(AckMode.REPLICAS, "replica2");
        write("SET", "a", "1");
        assertThat(poll("replica2", 1, null, 0).await().reason()).as("no copy").isEqualTo("full-sync");
        assertThat(state("replica2")).isEqualTo("syncing");
        assertThat(poll("replica2", 1, "another-stream", 0).await().reason()).isEqualTo("full-sync");
        assertThat(poll("replica2", 1, replid(), backlog.end() + 1).await().reason()).as("ahead of the stream")
                .isEqualTo("full-sync");
        assertThat(write("SET", "b", "2").done.get()).as("writes do not wait for a syncing replica").isOne();
    }

    @Test
    void aSiblingOfTheOldPrimaryContinuesFromTheBacklogUnderThePromotedReplicasNewReplid() throws Exception {
        manager = manager(AckMode.REPLICAS, Duration.ofSeconds(2), Duration.ofMillis(250));
        manager.assign(Assignment.parse("1 replica old 127.0.0.1:" + dead + " -"));
        assertThat(manager.syncBegin(1).status()).isEqualTo(200);
        assertThat(manager.syncEnd(1, "old-stream", 0).status()).isEqualTo(200);
        byte[] set = Request.of("SET", "a", "1").encode();
        ReplicationManager.Position at = manager.position();
        assertThat(manager.applyPolled(manager.upstream(), at,
                new ReplicationManager.PollAnswer(200, 1, "old-stream", 0, set, ""))).isEqualTo(set.length);

        manager.assign(Assignment.parse("2 primary replica1 127.0.0.1:" + dead + " replica2@127.0.0.1:" + dead));
        String promoted = replid();
        assertThat(promoted).isNotEqualTo("old-stream");
        write("SET", "b", "2");

        ReplicationManager.PollAnswer a = poll("replica2", 2, "old-stream", set.length).await();
        assertThat(a.status()).isEqualTo(200);
        assertThat(a.replid()).isEqualTo(promoted);
        assertThat(a.body()).isEqualTo(Request.of("SET", "b", "2").encode());
        assertThat(poll("replica2", 2, "old-stream", set.length + 1).await().reason())
                .as("beyond where the promoted replica left the old stream").isEqualTo("full-sync");
    }

    // ---------------------------------------------------------------- the replica's side

    @Test
    void aReplicaAppliesCompleteCommandsOnceAndAdoptsThePrimarysReplid() {
        manager = manager(AckMode.REPLICAS, Duration.ofSeconds(2), Duration.ofMillis(250));
        manager.assign(Assignment.parse("1 replica p 127.0.0.1:" + dead + " -"));
        manager.syncBegin(1);
        manager.syncEnd(1, "r1", 0);
        byte[] first = Request.of("SET", "a", "1").encode();
        byte[] second = Request.of("RPUSH", "l", "x").encode();
        byte[] body = new byte[first.length + 5];
        System.arraycopy(first, 0, body, 0, first.length);
        System.arraycopy(second, 0, body, first.length, 5); // a command cut by max

        ReplicationManager.Position at = manager.position();
        ReplicationManager.Upstream up = manager.upstream();
        assertThat(manager.applyPolled(up, at, new ReplicationManager.PollAnswer(200, 1, "r2", 0, body, "")))
                .isEqualTo(first.length);
        assertThat(manager.state().offset()).isEqualTo(first.length);
        assertThat(manager.state().replid()).as("the stream continues under the primary's name").isEqualTo("r2");
        assertThat(store.call("GET", "a")).isEqualTo(StoreFixture.bulk("1"));
        assertThat(manager.applyPolled(up, at, new ReplicationManager.PollAnswer(200, 1, "r2", 0, body, "")))
                .as("an answer to an older position").isEqualTo(-1);
        assertThat(store.call("DBSIZE")).isEqualTo(StoreFixture.integer(1));

        manager.assign(Assignment.parse("2 replica q 127.0.0.1:" + dead + " -"));
        ReplicationManager.Position now = manager.position();
        assertThat(manager.applyPolled(up, now, new ReplicationManager.PollAnswer(200, 1, "r2", now.offset(), second,
                ""))).as("an answer from the primary it no longer follows").isEqualTo(-1);
    }

    // ---------------------------------------------------------------- helpers

    private void primary(AckMode ack, String... replicas) {
        primary(ack, Duration.ofSeconds(2), Duration.ofMillis(250), replicas);
    }

    private void primary(AckMode ack, Duration timeout, Duration pollWait, String... replicas) {
        manager = manager(ack, timeout, pollWait);
        StringBuilder list = new StringBuilder();
        for (String r : replicas) {
            list.append(list.isEmpty() ? "" : ",").append(r).append("@127.0.0.1:").append(dead);
        }
        manager.assign(Assignment.parse("1 primary replica1 127.0.0.1:" + dead + " " + list));
        assertThat(manager.isPrimary()).isTrue();
    }

    private ReplicationManager manager(AckMode ack, Duration timeout, Duration pollWait) {
        ReplicationManager m = new ReplicationManager(store.dispatcher, store.keyspace, backlog, "secret", "replica1",
                new ReplicationProperties(ack, DataSize.ofMegabytes(64), DataSize.ofMegabytes(1),
                        DataSize.ofMegabytes(1), timeout, pollWait), ProtocolLimits.REDIS_DEFAULTS);
        managers.add(m);
        return m;
    }

    private String replid() {
        return manager.state().replid();
    }

    private String state(String replica) {
        return (String) manager.links().get(replica).get("state");
    }

    /** A poll at the end of the stream: the replica is caught up, hence in sync; the poll is held. */
    private Polled inSync(String replica) {
        Polled p = poll(replica, 1, replid(), backlog.end());
        assertThat(state(replica)).isEqualTo("streaming");
        return p;
    }

    private Polled poll(String replica, long epoch, String replid, long offset) {
        Polled p = new Polled();
        manager.poll(replica, epoch, replid, offset, 1 << 20, p);
        return p;
    }

    private Call write(String... argv) {
        Call c = new Call();
        manager.execute(List.of(Request.of(argv)), store.session, c.out, c);
        return c;
    }

    private static PollAnswerAssert answered(Polled p) throws InterruptedException {
        return new PollAnswerAssert(p.await());
    }

    private record PollAnswerAssert(ReplicationManager.PollAnswer answer) {
    }

    /** A client batch: its replies and how often (and where) done ran. */
    private static final class Call implements Runnable {
        final RespWriter out = new RespWriter();
        final AtomicInteger done = new AtomicInteger();
        final AtomicReference<Thread> thread = new AtomicReference<>();
        final CountDownLatch latch = new CountDownLatch(1);

        @Override
        public void run() {
            thread.set(Thread.currentThread());
            done.incrementAndGet();
            latch.countDown();
        }

        String replies() {
            return new String(out.toByteArray(), StandardCharsets.ISO_8859_1);
        }
    }

    /** A replica's poll: the answer and how often (and where) it came. */
    private static final class Polled implements Consumer<ReplicationManager.PollAnswer> {
        final AtomicReference<ReplicationManager.PollAnswer> answer = new AtomicReference<>();
        final AtomicInteger calls = new AtomicInteger();
        final AtomicReference<Thread> thread = new AtomicReference<>();
        final CountDownLatch latch = new CountDownLatch(1);

        @Override
        public void accept(ReplicationManager.PollAnswer a) {
            thread.set(Thread.currentThread());
            answer.set(a);
            calls.incrementAndGet();
            latch.countDown();
        }

        ReplicationManager.PollAnswer await() throws InterruptedException {
            assertThat(latch.await(5, TimeUnit.SECONDS)).as("the poll was answered").isTrue();
            return answer.get();
        }
    }

    private static int unusedPort() {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
