package io.kvcache.slave.replication;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.util.unit.DataSize;

import com.sun.net.httpserver.HttpServer;

import io.kvcache.protocol.ProtocolLimits;
import io.kvcache.protocol.Request;
import io.kvcache.protocol.RespWriter;
import io.kvcache.slave.dispatch.StoreFixture;
import io.kvcache.slave.support.FreePorts;

/**
 * A primary's side of streamed replication without HTTP: client batches through the asynchronous
 * {@code execute}, replicas' streams through {@code openStream}, {@code nextFrame} and
 * {@code acked}, as the data port and the controller call them. The acknowledgement rule under
 * test: in {@code replicas} mode a batch is answered only once every in-sync replica has
 * acknowledged its writes, never twice, and never as OK once this slave stopped being primary.
 */
class ReplicationManagerTests {

    private static final String TRYAGAIN = "-" + ReplicationManager.NOT_ACKNOWLEDGED + "\r\n";

    private final StoreFixture store = new StoreFixture();
    private final ReplicationBacklog backlog = new ReplicationBacklog(64 << 20);
    private final int dead = FreePorts.next();
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

    /**
     * Keys evicted before a read are replicated, but the read does not wait for them: only a
     * batch's own writes do. (A replica's REPLCONF ACK that waited so would wait for the next
     * acknowledgement on its own connection, which is read only after it: found by
     * EvictionIntegrationTests, where the replica was dropped as silent every 2 s.)
     */
    @Test
    void keysEvictedWhileABatchReadsAreReplicatedButTheBatchDoesNotWaitForThem() {
        primary(AckMode.REPLICAS, "replica2");
        StreamSession s = inSync("replica2");
        for (int i = 0; i < 20; i++) {
            write("SET", "k" + i, "v");
        }
        manager.nextFrame(s);
        manager.acked(s, backlog.end());
        assertThat(write("CONFIG", "SET", "maxmemory", "1", "maxmemory-policy", "allkeys-random").replies())
                .isEqualTo(StoreFixture.OK);
        long before = backlog.end();
        Call get = write("GET", "k0");
        assertThat(backlog.end()).as("the evictions are in the stream").isGreaterThan(before);
        assertThat(get.done.get()).as("answered without waiting for the replica").isOne();
    }

    /**
     * Redis's min-replicas-to-write: a primary with fewer replicas in sync refuses writes with
     * NOREPLICAS (reads are served), takes them once one is in sync, and refuses them again once it
     * left the shard.
     */
    @Test
    void withMinReplicasToWriteAPrimaryWithoutAReplicaInSyncRefusesWrites() {
        String noReplicas = "-NOREPLICAS Not enough good replicas to write.\r\n";
        manager = manager(AckMode.REPLICAS, Duration.ofSeconds(2), Duration.ofMillis(250), 1);
        manager.assign(Assignment.parse("1 primary replica1 127.0.0.1:" + dead + " replica2@127.0.0.1:" + dead));
        assertThat(write("SET", "k", "v").replies()).as("its replica is not in sync yet").isEqualTo(noReplicas);
        assertThat(write("GET", "k").replies()).as("reads are served").isEqualTo(StoreFixture.NIL);
        assertThat(backlog.end()).as("nothing was written").isZero();

        StreamSession s = inSync("replica2");
        Call set = write("SET", "k", "v");
        manager.nextFrame(s);
        manager.acked(s, backlog.end());
        assertThat(set.replies()).isEqualTo(StoreFixture.OK);

        manager.assign(Assignment.parse("1 primary replica1 127.0.0.1:" + dead + " -"));
        assertThat(write("SET", "k", "w").replies()).as("its replica left").isEqualTo(noReplicas);
        assertThat(write("GET", "k").replies()).isEqualTo("$1\r\nv\r\n");
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
    void aWriteIsAnsweredOnlyOnceEveryInSyncReplicaAcknowledgedIt() {
        primary(AckMode.REPLICAS, "replica2", "replica3");
        StreamSession s2 = inSync("replica2");
        StreamSession s3 = inSync("replica3");

        Call set = write("SET", "k", "v");
        assertThat(set.done.get()).as("nobody has applied it").isZero();
        assertThat(manager.nextFrame(s2)).isEqualTo(Request.of("SET", "k", "v").encode());
        assertThat(manager.nextFrame(s3)).isEqualTo(Request.of("SET", "k", "v").encode());

        long end = backlog.end();
        assertThat(manager.acked(s2, end)).isTrue();
        assertThat(set.done.get()).as("replica3 has not applied it yet").isZero();
        assertThat(manager.acked(s3, end)).isTrue();
        assertThat(set.done.get()).isOne();
        assertThat(set.thread.get()).as("answered by the thread that took the last acknowledgement")
                .isSameAs(Thread.currentThread());
        assertThat(set.replies()).isEqualTo(StoreFixture.OK);

        manager.acked(s2, end);
        assertThat(set.done.get()).as("done runs exactly once").isOne();
    }

    @Test
    void anAcknowledgementBeyondWhatTheStreamSentEndsTheSession() {
        primary(AckMode.REPLICAS, "replica2");
        StreamSession s = inSync("replica2");
        Call set = write("SET", "k", "v");
        assertThat(manager.acked(s, backlog.end())).as("not sent yet").isFalse();
        assertThat(set.done.get()).isZero();
        assertThat(s.closed()).isTrue();
        assertThat(manager.nextFrame(s)).as("the stream ends").isNull();
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
    void aReplicaBehindJoinsTheInSyncSetOnceItAppliedAllItWasSentEvenIfTheStreamMovedOn() {
        primary(AckMode.REPLICAS, "replica2");
        write("SET", "a", "1");
        write("SET", "b", "2");
        StreamSession s = open("replica2", 1, replid(), 0);
        byte[] first = manager.nextFrame(s);
        assertThat(first).hasSize((int) backlog.end());
        assertThat(state("replica2")).as("it has not applied them yet").isEqualTo("connecting");

        Call c = write("SET", "c", "3");
        assertThat(c.done.get()).as("written while it was behind").isOne();

        // It applied everything it was sent, which was the whole stream then: in sync, although
        // SET c landed since (under steady writes it would never stand exactly at the end).
        manager.acked(s, first.length);
        assertThat(state("replica2")).isEqualTo("streaming");
        assertThat(manager.nextFrame(s)).isEqualTo(Request.of("SET", "c", "3").encode());

        Call d = write("SET", "d", "4");
        assertThat(d.done.get()).isZero();
        manager.nextFrame(s);
        manager.acked(s, backlog.end());
        assertThat(d.done.get()).isOne();
    }

    @Test
    void aDemotionAnswersEveryWaitingBatchNotAcknowledgedAndKeepsWhatCameBeforeIt() {
        primary(AckMode.REPLICAS, "replica2", "replica3");
        StreamSession s2 = inSync("replica2");
        inSync("replica3");
        Call set = new Call();
        set.out.simple("EARLIER"); // a reply of the same connection already waiting to be sent
        manager.execute(List.of(Request.of("SET", "k", "v"), Request.of("INCR", "n")), store.session, set.out, set);
        manager.nextFrame(s2);
        manager.acked(s2, backlog.end()); // replica3 has not applied it
        assertThat(set.done.get()).isZero();

        manager.assign(Assignment.parse("2 replica replica2 127.0.0.1:" + dead + " -"));

        assertThat(set.done.get()).isOne();
        assertThat(set.replies()).isEqualTo("+EARLIER\r\n" + TRYAGAIN + TRYAGAIN);
        assertThat(manager.nextFrame(s2)).as("its stream ends").isNull();
        assertThat(manager.acked(s2, backlog.end())).isFalse();
        Call after = write("SET", "k", "w");
        assertThat(after.replies()).startsWith("-READONLY");
    }

    @Test
    void aReplicaThatStopsAcknowledgingStopsHoldingWritesBackAfterTheTimeout() throws Exception {
        primary(AckMode.REPLICAS, Duration.ofMillis(600), Duration.ofMillis(100), "replica2");
        long acked = System.nanoTime();
        inSync("replica2"); // and never acknowledges again
        Call set = write("SET", "k", "v");
        assertThat(set.done.get()).isZero();

        assertThat(set.latch.await(5, TimeUnit.SECONDS)).isTrue();
        long waited = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - acked);
        assertThat(waited).as("ms from its last acknowledgement").isBetween(550L, 3000L);
        assertThat(set.replies()).isEqualTo(StoreFixture.OK);
        assertThat(state("replica2")).isEqualTo("connecting");
        assertThat(write("SET", "k", "w").done.get()).as("writes no longer wait for it").isOne();
    }

    @Test
    void aSilentReplicaTheMasterStillCountsInSyncHoldsWritesBackUntilTheMasterTakesItOut() throws Exception {
        primary(AckMode.REPLICAS, Duration.ofMillis(600), Duration.ofMillis(100), "replica2");
        inSync("replica2"); // and never acknowledges again
        assertThat(manager.takeInSyncChanged()).as("joined: the master should hear it").isTrue();
        assertThat(manager.inSyncReport()).isEqualTo("replica2");
        // The master recorded it: an election could pick it, so writes must wait for it.
        String assignment = "1 primary replica1 127.0.0.1:" + dead + " replica2@127.0.0.1:" + dead;
        manager.assign(Assignment.parse(assignment + " replica2"));
        Call set = write("SET", "k", "v");

        Awaitility.await("dropped for its silence").atMost(Duration.ofSeconds(5))
                .until(() -> state("replica2").equals("connecting"));
        assertThat(manager.takeInSyncChanged()).as("left: the master should hear it").isTrue();
        assertThat(manager.inSyncReport()).isEqualTo("-");
        assertThat(set.done.get()).as("the master still counts it in sync").isZero();
        manager.assign(Assignment.parse(assignment + " ?")); // a master that does not know: no word
        assertThat(set.done.get()).isZero();

        manager.assign(Assignment.parse(assignment + " -")); // the master's record left it out
        assertThat(set.done.get()).isOne();
        assertThat(set.replies()).isEqualTo(StoreFixture.OK);
        assertThat(write("SET", "k", "w").done.get()).as("writes no longer wait for it").isOne();
    }

    @Test
    void aPrimaryWhoseSilentReplicaFollowsANewerEpochKnowsItWasDeposedAndAcknowledgesNothing() throws Exception {
        // It was promoted at epoch 2 and streams from nobody: the master replaced this primary.
        HttpServer replica = replicaAnswering("primary", 2, 0);
        try {
            manager = manager(AckMode.REPLICAS, Duration.ofSeconds(2), Duration.ofMillis(100));
            manager.assign(Assignment.parse("1 primary replica1 127.0.0.1:" + dead + " replica2@127.0.0.1:"
                    + replica.getAddress().getPort()));
            long acked = System.nanoTime();
            inSync("replica2");
            Call set = write("SET", "k", "v");

            assertThat(set.latch.await(5, TimeUnit.SECONDS)).isTrue();
            assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - acked))
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
        // Slow to answer (within the call's timeout), and then: it follows a newer primary.
        HttpServer replica = replicaAnswering("replica", 2, 900);
        try {
            manager = manager(AckMode.REPLICAS, Duration.ofSeconds(1), Duration.ofMillis(100));
            manager.assign(Assignment.parse("1 primary replica1 127.0.0.1:" + dead + " replica2@127.0.0.1:"
                    + replica.getAddress().getPort()));
            long acked = System.nanoTime();
            inSync("replica2");
            Call set = write("SET", "k", "v");

            assertThat(set.latch.await(6, TimeUnit.SECONDS)).isTrue();
            assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - acked))
                    .as("held past the timeout (1 s) until the answer came").isGreaterThan(1250L);
            assertThat(set.replies()).as("never acknowledged by a deposed primary alone").isEqualTo(TRYAGAIN);
        } finally {
            replica.stop(0);
        }
    }

    @Test
    void theBlockingFormWaitsForTheReplica() throws Exception {
        primary(AckMode.REPLICAS, "replica2");
        StreamSession s = inSync("replica2");
        RespWriter out = new RespWriter();
        Thread client = Thread.ofVirtual().start(
                () -> manager.execute(List.of(Request.of("SET", "k", "v")), store.session, out));
        assertThat(client.join(Duration.ofMillis(200))).as("still waiting").isFalse();
        manager.nextFrame(s);
        manager.acked(s, backlog.end());
        assertThat(client.join(Duration.ofSeconds(5))).isTrue();
        assertThat(new String(out.toByteArray(), StandardCharsets.ISO_8859_1)).isEqualTo(StoreFixture.OK);
    }

    @Test
    void stoppingAnswersEveryWaitingBatchAndEndsTheStreams() {
        primary(AckMode.REPLICAS, "replica2");
        StreamSession s = inSync("replica2");
        Call set = write("SET", "k", "v");
        manager.stop();
        assertThat(set.done.get()).isOne();
        assertThat(set.replies()).isEqualTo(TRYAGAIN);
        assertThat(manager.nextFrame(s)).isNull();
    }

    // ---------------------------------------------------------------- the stream

    @Test
    void aStreamStartsWithEverythingAfterItsOffset() {
        primary(AckMode.REPLICAS, "replica2");
        write("SET", "a", "1");
        write("RPUSH", "l", "x", "y");
        ReplicationManager.StreamStart start = manager.openStream("replica2", 1, replid(), 0);
        assertThat(start.status()).isEqualTo(200);
        assertThat(start.offset()).isZero();
        assertThat(start.epoch()).isOne();
        assertThat(start.replid()).isEqualTo(replid());
        byte[] frame = manager.nextFrame(start.session());
        assertThat(frame).isEqualTo(backlog.read(0, Integer.MAX_VALUE));
        assertThat(new String(frame, StandardCharsets.ISO_8859_1)).contains("RPUSH");
    }

    @Test
    void aFrameCarriesAtMostTheBatchSize() {
        primary(AckMode.REPLICAS, "replica2");
        write("SET", "a", "1".repeat((1 << 20) + 100));
        StreamSession s = open("replica2", 1, replid(), 0);
        assertThat(manager.nextFrame(s)).hasSize(1 << 20);
        assertThat(manager.nextFrame(s)).hasSize((int) backlog.end() - (1 << 20));
    }

    @Test
    void aStreamAtTheEndWaitsUntilAWriteLandsAndIsWokenByIt() throws Exception {
        primary(AckMode.ASYNC, Duration.ofSeconds(20), Duration.ofSeconds(5), "replica2");
        StreamSession s = open("replica2", 1, replid(), backlog.end());
        AtomicReference<byte[]> frame = new AtomicReference<>();
        Thread streamer = Thread.ofVirtual().start(() -> frame.set(manager.nextFrame(s)));
        assertThat(streamer.join(Duration.ofMillis(100))).as("nothing to send").isFalse();
        long wrote = System.nanoTime();
        write("INCR", "n");
        assertThat(streamer.join(Duration.ofSeconds(3))).as("woken well before the 5 s heartbeat").isTrue();
        assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - wrote)).isLessThan(3000L);
        assertThat(frame.get()).as("a counter goes as its new value").isEqualTo(Request.of("SET", "n", "1").encode());
    }

    @Test
    void anIdleStreamCarriesAHeartbeat() {
        primary(AckMode.REPLICAS, Duration.ofSeconds(2), Duration.ofMillis(200), "replica2");
        StreamSession s = open("replica2", 1, replid(), backlog.end());
        long start = System.nanoTime();
        assertThat(manager.nextFrame(s)).isEmpty();
        assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).isBetween(180L, 3000L);
        assertThat(manager.acked(s, backlog.end())).as("the replica's answer to it").isTrue();
    }

    @Test
    void aNewStreamFromTheSameReplicaEndsItsPreviousOne() {
        primary(AckMode.REPLICAS, "replica2");
        StreamSession first = open("replica2", 1, replid(), backlog.end());
        StreamSession second = open("replica2", 1, replid(), backlog.end());
        assertThat(manager.nextFrame(first)).isNull();
        assertThat(manager.acked(first, backlog.end())).isFalse();
        assertThat(manager.acked(second, backlog.end())).as("the new one is open").isTrue();
    }

    @Test
    void streamsFromAnUnlistedReplicaOrAnotherEpochOrToANonPrimaryAreRefused() {
        primary(AckMode.REPLICAS, "replica2");
        write("SET", "a", "1");
        assertThat(refusal("stranger", 1, replid(), 0)).isEqualTo("unknown-replica");
        ReplicationManager.StreamStart stale = manager.openStream("replica2", 0, replid(), 0);
        assertThat(stale.status()).isEqualTo(409);
        assertThat(stale.reason()).isEqualTo("stale-epoch");
        assertThat(stale.epoch()).isOne();
        assertThat(refusal("replica2", 2, replid(), 0)).isEqualTo("epoch-ahead");
        assertThat(manager.isPrimary()).as("a stream alone never deposes a primary").isTrue();
        assertThat(state("replica2")).isEqualTo("connecting");

        ReplicationManager replica = manager(AckMode.REPLICAS, Duration.ofSeconds(2), Duration.ofMillis(250));
        assertThat(replica.openStream("replica2", 0, null, 0).reason()).isEqualTo("not-primary");
    }

    @Test
    void aStreamWhoseHistoryDoesNotContinueThePrimarysIsAnsweredWithAFullSync() {
        primary(AckMode.REPLICAS, "replica2");
        write("SET", "a", "1");
        assertThat(refusal("replica2", 1, null, 0)).as("no copy").isEqualTo("full-sync");
        assertThat(state("replica2")).isEqualTo("syncing");
        assertThat(refusal("replica2", 1, "another-stream", 0)).isEqualTo("full-sync");
        assertThat(refusal("replica2", 1, replid(), backlog.end() + 1)).as("ahead of the stream")
                .isEqualTo("full-sync");
        assertThat(write("SET", "b", "2").done.get()).as("writes do not wait for a syncing replica").isOne();
    }

    @Test
    void aSiblingOfTheOldPrimaryContinuesFromTheBacklogUnderThePromotedReplicasNewReplid() {
        manager = manager(AckMode.REPLICAS, Duration.ofSeconds(2), Duration.ofMillis(250));
        manager.assign(Assignment.parse("1 replica old 127.0.0.1:" + dead + " -"));
        assertThat(manager.syncBegin(1).status()).isEqualTo(200);
        assertThat(manager.syncEnd(1, "old-stream", 0).status()).isEqualTo(200);
        byte[] set = Request.of("SET", "a", "1").encode();
        ReplicationManager.Position at = manager.position();
        assertThat(manager.beginStream(manager.upstream(), at, started(1, "old-stream", 0))).isTrue();
        assertThat(manager.applyStreamed(manager.upstream(), at, 0, set, set.length, reached -> { })).isEqualTo(set.length);

        manager.assign(Assignment.parse("2 primary replica1 127.0.0.1:" + dead + " replica2@127.0.0.1:" + dead));
        String promoted = replid();
        assertThat(promoted).isNotEqualTo("old-stream");
        write("SET", "b", "2");

        ReplicationManager.StreamStart a = manager.openStream("replica2", 2, "old-stream", set.length);
        assertThat(a.status()).isEqualTo(200);
        assertThat(a.replid()).isEqualTo(promoted);
        assertThat(manager.nextFrame(a.session())).isEqualTo(Request.of("SET", "b", "2").encode());
        assertThat(refusal("replica2", 2, "old-stream", set.length + 1))
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
        System.arraycopy(second, 0, body, first.length, 5); // a command cut by the batch size

        ReplicationManager.Position at = manager.position();
        ReplicationManager.Upstream up = manager.upstream();
        assertThat(manager.beginStream(up, at, started(1, "r2", 0))).isTrue();
        assertThat(manager.state().replid()).as("the stream continues under the primary's name").isEqualTo("r2");
        List<String> receipt = new ArrayList<>();
        assertThat(manager.applyStreamed(up, at, 0, body, body.length,
                reached -> receipt.add(reached + " " + store.keyspace.size()))).isEqualTo(first.length);
        assertThat(receipt).as("the frame's complete commands are acknowledged before they run")
                .containsExactly(first.length + " 0");
        assertThat(manager.state().offset()).isEqualTo(first.length);
        assertThat(store.call("GET", "a")).isEqualTo(StoreFixture.bulk("1"));
        assertThat(manager.applyStreamed(up, at, 0, body, body.length, reached -> { })).as("a frame for an older offset")
                .isEqualTo(-1);
        assertThat(store.call("DBSIZE")).isEqualTo(StoreFixture.integer(1));

        manager.assign(Assignment.parse("2 replica q 127.0.0.1:" + dead + " -"));
        ReplicationManager.Position now = manager.position();
        assertThat(manager.applyStreamed(up, now, now.offset(), second, second.length, reached -> { }))
                .as("a frame from the primary it no longer follows").isEqualTo(-1);
        assertThat(manager.beginStream(up, now, started(1, "r2", now.offset()))).isFalse();
    }

    // ---------------------------------------------------------------- helpers

    private void primary(AckMode ack, String... replicas) {
        primary(ack, Duration.ofSeconds(2), Duration.ofMillis(250), replicas);
    }

    private void primary(AckMode ack, Duration timeout, Duration heartbeat, String... replicas) {
        manager = manager(ack, timeout, heartbeat);
        StringBuilder list = new StringBuilder();
        for (String r : replicas) {
            list.append(list.isEmpty() ? "" : ",").append(r).append("@127.0.0.1:").append(dead);
        }
        manager.assign(Assignment.parse("1 primary replica1 127.0.0.1:" + dead + " " + list));
        assertThat(manager.isPrimary()).isTrue();
    }

    private ReplicationManager manager(AckMode ack, Duration timeout, Duration heartbeat) {
        return manager(ack, timeout, heartbeat, 0);
    }

    private ReplicationManager manager(AckMode ack, Duration timeout, Duration heartbeat, int minReplicasToWrite) {
        ReplicationManager m = new ReplicationManager(store.dispatcher, store.keyspace, backlog, "secret", "replica1",
                new ReplicationProperties(ack, DataSize.ofMegabytes(64), DataSize.ofMegabytes(1),
                        DataSize.ofMegabytes(1), timeout, heartbeat, minReplicasToWrite), ProtocolLimits.REDIS_DEFAULTS);
        managers.add(m);
        return m;
    }

    private String replid() {
        return manager.state().replid();
    }

    private String state(String replica) {
        return (String) manager.links().get(replica).get("state");
    }

    /** A stream opened at the end of the stream: the replica is caught up, hence in sync. */
    private StreamSession inSync(String replica) {
        StreamSession s = open(replica, 1, replid(), backlog.end());
        assertThat(state(replica)).isEqualTo("streaming");
        return s;
    }

    private StreamSession open(String replica, long epoch, String replid, long offset) {
        ReplicationManager.StreamStart start = manager.openStream(replica, epoch, replid, offset);
        assertThat(start.status()).as(start.reason()).isEqualTo(200);
        return start.session();
    }

    private String refusal(String replica, long epoch, String replid, long offset) {
        ReplicationManager.StreamStart start = manager.openStream(replica, epoch, replid, offset);
        assertThat(start.status()).isEqualTo(409);
        assertThat(start.session()).isNull();
        return start.reason();
    }

    private static ReplicationManager.StreamStart started(long epoch, String replid, long offset) {
        return new ReplicationManager.StreamStart(200, epoch, replid, offset, "", null);
    }

    private Call write(String... argv) {
        Call c = new Call();
        manager.execute(List.of(Request.of(argv)), store.session, c.out, c);
        return c;
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

    /** A replica's {@code GET /replication/state}: this role at this epoch, after a delay. */
    private static HttpServer replicaAnswering(String role, long epoch, long delayMillis) throws IOException {
        HttpServer replica = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        replica.setExecutor(java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor());
        replica.createContext("/replication/state", exchange -> {
            try {
                Thread.sleep(delayMillis);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            exchange.getResponseHeaders().add("X-Kvcache-Role", role);
            exchange.getResponseHeaders().add("X-Kvcache-Epoch", Long.toString(epoch));
            exchange.getResponseHeaders().add("X-Kvcache-Replid", "newer");
            exchange.getResponseHeaders().add("X-Kvcache-Offset", "0");
            exchange.sendResponseHeaders(200, -1);
            exchange.close();
        });
        replica.start();
        return replica;
    }
}
