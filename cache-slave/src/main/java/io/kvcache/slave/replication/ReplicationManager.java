package io.kvcache.slave.replication;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.LongConsumer;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.kvcache.cluster.InSyncReplicas;
import io.kvcache.cluster.ReplicationStatus;
import io.kvcache.command.Session;
import io.kvcache.io.IoLoop;
import io.kvcache.protocol.ProtocolLimits;
import io.kvcache.protocol.Request;
import io.kvcache.protocol.RespErrors;
import io.kvcache.protocol.RespWriter;
import io.kvcache.slave.dispatch.CommandDispatcher;
import io.kvcache.slave.replication.ReplicaLink.State;
import io.kvcache.slave.store.ExpiryMode;
import io.kvcache.slave.store.Keyspace;

/**
 * A slave's replication: its role and epoch as the master assigns them, the stream its replicas
 * pull from it as a primary (client writes answered once the in-sync replicas applied them, in
 * {@code replicas} ack mode), and the stream it pulls from its primary as a replica.
 * <p>
 * Replication is pulled over two streaming HTTP exchanges per replica, as a Kubernetes watch
 * streams: the replica opens {@code GET /replication/stream} after its offset and the primary
 * writes the stream to it as it grows, one frame per wake (every write that landed since the
 * previous frame: group commit, without lingering); the replica applies each frame and writes the
 * offset it reached on {@code POST /replication/acks}, a request body that stays open, and each
 * offset acknowledges everything before it. A write costs no HTTP exchange, only the bytes on two
 * open connections. An idle stream carries a heartbeat frame every heartbeat interval, which the
 * replica acknowledges too, so silence means trouble.
 * A replica whose history does not continue the primary's stream gets a full sync, which the
 * primary drives as before ({@link #fullSync}).
 * <p>
 * Histories follow Redis's PSYNC2: a stream is named by a replid; a promoted replica starts a
 * new replid and remembers the old one up to its offset then (replid2, offset2), so siblings
 * that followed the same old primary continue from the backlog instead of a full sync.
 * A poll with an older epoch than the primary's is refused, and a full sync from an older epoch
 * too; a primary that finds a silent replica at a newer epoch learns it has been deposed.
 */
public final class ReplicationManager {

    private static final Logger log = LoggerFactory.getLogger(ReplicationManager.class);
    static final String NOT_ACKNOWLEDGED =
            "TRYAGAIN the shard's primary changed before its replicas acknowledged this write";

    /** The largest frame a data port's I/O loop writes itself (see {@link #shipOrWake}). */
    static final int INLINE_FRAME_MAX = 64 * 1024;
    private static final byte[] EMPTY = new byte[0];

    /**
     * A primary's answer to a replica opening its stream: 200 with the session the stream's frames
     * and acknowledgements belong to, or 409 with the reason it was refused ({@code not-primary},
     * {@code stale-epoch}, {@code epoch-ahead}, {@code unknown-replica}, {@code full-sync}).
     *
     * @param replid the primary's stream, which the replica follows from now on
     * @param offset where the stream's frames start (for a refusal: the primary's offset)
     * @param session the open session (null when refused), only on the primary's side
     */
    record StreamStart(int status, long epoch, String replid, long offset, String reason, StreamSession session) {

        boolean ok() {
            return status == 200;
        }
    }

    /** The primary a replica follows, as its assignment names it. */
    record Upstream(long epoch, String primaryId, URI address) {
    }

    /** Where a replica stands: the stream it holds (null when none), its offset, and its epoch. */
    record Position(String replid, long offset, long epoch) {
    }

    private final CommandDispatcher dispatcher;
    private final Keyspace keyspace;
    private final ReplicationBacklog backlog;
    private final ReplicationClient client;
    private final AckMode ackMode;
    private final int batchBytes;
    private final int snapshotChunkBytes;
    private final long timeoutNanos;
    private final long heartbeatNanos;
    private final long snapshotTimeoutNanos;
    private final ProtocolLimits limits;
    private final Session applySession = new Session(0, "replication", "primary");
    private final RespWriter applyScratch = new RespWriter(256);

    // As a primary: the replicas, their streams and the client batches waiting for them, all
    // under lock. Never take the store's lock or this object's monitor while holding it.
    private final ReentrantLock lock = new ReentrantLock();
    private final Map<String, ReplicaLink> links = new LinkedHashMap<>();
    private final WriteWaiters waiters = new WriteWaiters();
    private long sessions;
    /** Redis's min-replicas-to-write: below this many replicas in sync, writes are refused. */
    private final int minReplicasToWrite;
    /** The replicas, published for the write path, which counts those in sync without the lock. */
    private volatile ReplicaLink[] linkArray = new ReplicaLink[0];
    /**
     * The replicas the master has recorded as in sync (its answer to the replicas this primary
     * reported, see {@link #inSyncReport}): the master may elect any of them if this primary dies,
     * so writes wait for each of them, streaming or not, until the master has taken it out. Under lock.
     */
    private Set<String> confirmedInSync = Set.of();
    /** The replicas in sync changed since the last report: the master should hear it now. */
    private final AtomicBoolean inSyncChanged = new AtomicBoolean();
    /** Told when the replicas in sync change, so that the master hears it at once. */
    private volatile Runnable inSyncListener = () -> { };
    /** The open streams, read without the lock by every write to wake their writers. */
    private volatile StreamSession[] openSessions = new StreamSession[0];
    private final ThreadLocal<TurnWake> turnWake = ThreadLocal.withInitial(TurnWake::new);
    private final ReentrantLock snapshotLock = new ReentrantLock();
    private final ScheduledExecutorService sweeper;
    private final long sweepTickNanos;
    /** When the sweeper last ran (under lock): a long gap means this process was paused. */
    private long lastSweepNanos = System.nanoTime();

    // As a replica.
    private final ReplicaFetcher fetcher;
    private volatile Upstream upstream;
    private volatile boolean syncBegun;
    private volatile long syncActivityNanos;

    private volatile Role role = Role.REPLICA;
    private volatile long epoch;
    private volatile String replid;
    private volatile String replid2;
    private volatile long offset2 = -1;
    private volatile boolean synced;
    private volatile boolean stopped;

    public ReplicationManager(CommandDispatcher dispatcher, Keyspace keyspace, ReplicationBacklog backlog,
                              String secret, String replicaId, ReplicationProperties properties,
                              ProtocolLimits limits) {
        this.dispatcher = dispatcher;
        this.keyspace = keyspace;
        this.backlog = backlog;
        this.ackMode = properties.ack();
        this.batchBytes = (int) Math.min(Integer.MAX_VALUE / 2, properties.batchSize().toBytes());
        this.snapshotChunkBytes = (int) properties.snapshotChunkSize().toBytes();
        this.timeoutNanos = properties.timeout().toNanos();
        // Heartbeats come well within the timeout, or an idle replica would look silent.
        this.heartbeatNanos = Math.min(properties.heartbeat().toNanos(), timeoutNanos / 4);
        this.snapshotTimeoutNanos = timeoutNanos * 10;
        this.limits = limits;
        this.client = new ReplicationClient(secret, properties.timeout());
        // Until the master says otherwise this slave is a replica: it refuses client writes and
        // hides (but keeps) expired keys.
        dispatcher.exclusive(() -> {
            keyspace.expiryMode(ExpiryMode.HIDE);
            return null;
        });
        this.minReplicasToWrite = Math.max(0, properties.minReplicasToWrite());
        dispatcher.propagation(new ReplicationLog(keyspace, backlog, this::writeRefusal, this::wakeStreams));
        dispatcher.replicaAcks(this::ackOnDataPort);
        // An eighth of the timeout: silence is judged finely enough, and each wake of an idle
        // thread costs a busy machine more than the sweep itself (docs/benchmarks.md).
        this.sweepTickNanos = Math.clamp(timeoutNanos / 8, TimeUnit.MILLISECONDS.toNanos(5),
                TimeUnit.MILLISECONDS.toNanos(250));
        this.sweeper = Executors.newSingleThreadScheduledExecutor(
                Thread.ofPlatform().name("replication-sweeper").daemon().factory());
        this.fetcher = new ReplicaFetcher(this, client, replicaId, batchBytes);
        sweeper.scheduleWithFixedDelay(this::sweep, sweepTickNanos, sweepTickNanos, TimeUnit.NANOSECONDS);
        fetcher.start();
    }

    // ---------------------------------------------------------------- the data port

    /**
     * Runs a client's batch, appending one reply per request to out; calls done exactly once, when
     * the replies may be sent: at once when nothing needs waiting, or (replicas ack mode) once every
     * in-sync replica has applied the batch's writes — on whichever thread learns it. Never blocks
     * the caller.
     * <p>
     * The caller must leave out alone until done runs: if this slave stops being primary first,
     * the batch's replies are replaced by {@value #NOT_ACKNOWLEDGED} errors, one per request.
     */
    public void execute(List<Request> requests, Session session, RespWriter out, Runnable done) {
        int mark = out.size();
        dispatcher.execute(requests, session, out, offset -> {
            if (answerOnceReplicated(offset, requests.size(), out, mark, done)) {
                session.awaitingReplicas();
            }
        });
        Runnable after = session.takeAfterBatch();
        if (after != null) {
            after.run(); // a replica's acknowledgement, now that the store's lock is free
        }
    }

    /** @return whether the batch waits for its replicas' acknowledgements (done runs later) */
    private boolean answerOnceReplicated(long offset, int replies, RespWriter out, int mark, Runnable done) {
        if (offset < 0) {
            done.run();
            return false;
        }
        wakeStreamsAfterTurn();
        if (ackMode == AckMode.ASYNC) {
            done.run();
            return false;
        }
        Batch batch = new Batch(offset, out, mark, replies, done);
        boolean waits = false;
        boolean refused = false;
        lock.lock();
        try {
            if (role != Role.PRIMARY) {
                refused = true;
            } else if (offset > frontier()) {
                waiters.add(batch);
                waits = true;
            }
        } finally {
            lock.unlock();
        }
        if (refused) {
            batch.notAcknowledged();
        } else if (!waits) {
            batch.acknowledged();
        }
        return waits;
    }

    /** The blocking form of {@link #execute(List, Session, RespWriter, Runnable)}, for a thread per connection. */
    public void execute(List<Request> requests, Session session, RespWriter out) {
        CountDownLatch answered = new CountDownLatch(1);
        execute(requests, session, out, answered::countDown);
        boolean interrupted = false;
        while (answered.getCount() > 0) {
            try {
                answered.await();
            } catch (InterruptedException e) {
                // The batch is out of the caller's hands (its replies may still be rewritten): wait
                // for its end, which a demotion or stop() brings at the latest.
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    /** A client batch waiting for its writes, which end at offset, to be on every in-sync replica. */
    private record Batch(long offset, RespWriter out, int mark, int replies, Runnable done)
            implements WriteWaiters.Waiter {

        void acknowledged() {
            run(done);
        }

        void notAcknowledged() {
            out.truncate(mark);
            for (int i = 0; i < replies; i++) {
                out.error(NOT_ACKNOWLEDGED);
            }
            run(done);
        }

        private static void run(Runnable done) {
            try {
                done.run();
            } catch (RuntimeException e) {
                log.warn("Answering a client failed: {}", e.toString());
            }
        }
    }

    /**
     * The lowest offset every replica writes wait for has applied; writes up to it are acknowledged.
     * They wait for the replicas streaming in sync, and for those the master still counts in sync
     * (Kafka's ISR: a replica leaves it only once the master recorded it, so that the master never
     * elects one that lacks an acknowledged write). Under lock.
     */
    private long frontier() {
        long min = Long.MAX_VALUE;
        for (ReplicaLink link : links.values()) {
            if (link.state == State.STREAMING || confirmedInSync.contains(link.id)) {
                min = Math.min(min, link.acked);
            }
        }
        return min;
    }

    /** Redis's min-replicas-to-write, as configured: the master holds a shard out of the ring until it is met. */
    public int minReplicasToWrite() {
        return minReplicasToWrite;
    }

    /**
     * The replicas this primary holds in sync, for its heartbeat: comma-separated ids, or {@code -}
     * (also on a replica). The master records them, and takes out of its record those not listed.
     */
    public String inSyncReport() {
        if (role != Role.PRIMARY) {
            return "-";
        }
        List<String> ids = new ArrayList<>();
        lock.lock();
        try {
            for (ReplicaLink link : links.values()) {
                if (link.state == State.STREAMING) {
                    ids.add(link.id);
                }
            }
        } finally {
            lock.unlock();
        }
        return InSyncReplicas.format(ids);
    }

    /** Whether the replicas in sync changed since the last call (the master should hear it at once). */
    public boolean takeInSyncChanged() {
        return inSyncChanged.getAndSet(false);
    }

    /**
     * Runs listener whenever the replicas in sync change (then {@link #takeInSyncChanged()} is
     * true): on the thread that changed them, possibly under this manager's lock, so it must only
     * wake whoever tells the master.
     */
    public void onInSyncChanged(Runnable listener) {
        this.inSyncListener = listener;
    }

    private void inSyncChanged() {
        inSyncChanged.set(true);
        inSyncListener.run();
    }

    /** Takes the batches the replicas' offsets now acknowledge. Under lock; answer them after it. */
    private List<WriteWaiters.Waiter> acknowledgedLocked() {
        return waiters.size() == 0 ? List.of() : waiters.upTo(frontier());
    }

    private static void acknowledge(List<WriteWaiters.Waiter> batches) {
        for (WriteWaiters.Waiter w : batches) {
            ((Batch) w).acknowledged();
        }
    }

    // ---------------------------------------------------------------- the master's assignments

    /**
     * The master's word on this slave's role; older epochs are ignored.
     *
     * @return whether the role or the epoch changed (the master waits to hear it confirmed)
     */
    public synchronized boolean assign(Assignment a) {
        if (a == null || a.epoch() < epoch) {
            return false;
        }
        Role before = role;
        long epochBefore = epoch;
        if (a.role() == Role.PRIMARY) {
            if (role != Role.PRIMARY) {
                promote(a.epoch());
            }
            epoch = a.epoch();
            follow(null);
            reconcileLinks(a);
        } else {
            if (role == Role.PRIMARY) {
                demote("the master made " + a.primaryId() + " primary at epoch " + a.epoch());
            }
            epoch = a.epoch();
            follow(new Upstream(a.epoch(), a.primaryId(), a.primaryHttp()));
        }
        return role != before || epoch != epochBefore;
    }

    private void promote(long newEpoch) {
        if (synced && replid != null) {
            replid2 = replid;
            offset2 = backlog.end();
        } else {
            // The shard's first primary: its (empty) store starts the history.
            replid2 = null;
            offset2 = -1;
            dispatcher.exclusive(() -> {
                backlog.reset(0);
                return null;
            });
        }
        replid = UUID.randomUUID().toString().replace("-", "");
        synced = true;
        lock.lock();
        try {
            confirmedInSync = Set.of(); // a new primary starts alone in sync; its replicas join as they catch up
        } finally {
            lock.unlock();
        }
        dispatcher.exclusive(() -> {
            keyspace.expiryMode(ExpiryMode.DELETE);
            role = Role.PRIMARY;
            return null;
        });
        log.info("Primary of the shard at epoch {} (stream {} from offset {})", newEpoch, replid, backlog.end());
    }

    /** Stops being primary: every waiting client batch is answered NOT_ACKNOWLEDGED, every stream ends. */
    private void demote(String why) {
        dispatcher.exclusive(() -> {
            role = Role.REPLICA;
            keyspace.expiryMode(ExpiryMode.HIDE);
            return null;
        });
        dispatcher.recheckBlocked(); // a blocked client hears the replica's refusal, and its proxy looks for the new primary
        endReplicas(true);
        log.warn("No longer primary: {}", why);
    }

    /**
     * Forgets the replicas (demoted) or stops them (shutting down): their streams end and every
     * waiting client batch is answered {@value #NOT_ACKNOWLEDGED}.
     */
    private void endReplicas(boolean forget) {
        List<WriteWaiters.Waiter> refused;
        List<StreamSession> ended;
        lock.lock();
        try {
            refused = waiters.all();
            ended = endStreamsLocked();
            links.values().forEach(ReplicaLink::stop);
            if (forget) {
                links.clear();
                linkArray = new ReplicaLink[0];
                confirmedInSync = Set.of();
            }
        } finally {
            lock.unlock();
        }
        ended.forEach(StreamSession::close);
        for (WriteWaiters.Waiter w : refused) {
            ((Batch) w).notAcknowledged();
        }
    }

    /** The replicas are those the master lists; a changed address is a new replica. */
    private void reconcileLinks(Assignment a) {
        List<StreamSession> dropped = new ArrayList<>();
        List<WriteWaiters.Waiter> acknowledged;
        lock.lock();
        try {
            for (var it = links.entrySet().iterator(); it.hasNext(); ) {
                ReplicaLink link = it.next().getValue();
                if (!link.address.equals(a.replicas().get(link.id))) {
                    if (link.session != null) {
                        dropped.add(link.session);
                        link.session = null;
                    }
                    link.stop();
                    it.remove();
                    log.info("Replica {} left the shard; writes no longer wait for it", link.id);
                }
            }
            a.replicas().forEach((id, address) -> links.computeIfAbsent(id, k -> new ReplicaLink(id, address)));
            if (a.inSync() != null) {
                confirmedInSync = a.inSync(); // unknown (a master just restarted): the last word holds
            }
            acknowledged = acknowledgedLocked();
            publishSessionsLocked();
        } finally {
            lock.unlock();
        }
        dropped.forEach(StreamSession::close);
        acknowledge(acknowledged);
    }

    /** The master removed this slave from its shard: it stops taking writes and stops following. */
    public synchronized void decommissioned() {
        if (role == Role.PRIMARY) {
            demote("decommissioned");
        }
        follow(null);
    }

    /** A replica knows a newer epoch: another slave is primary now. */
    synchronized void staleEpoch(long newer) {
        if (newer > epoch && role == Role.PRIMARY) {
            epoch = newer;
            demote("a replica knows epoch " + newer);
        }
    }

    // ---------------------------------------------------------------- as a primary: the streams

    /**
     * A replica opens its stream after offset (which it holds everything before): a session the
     * caller then writes with {@link #nextFrame}, or a refusal. The replica counts as in sync once
     * an acknowledgement shows it caught up: at the stream's end, or having applied all it was
     * sent, which was everything there was then. A new stream from the same replica ends its
     * previous one.
     *
     * @param theirReplid the stream the replica holds, null when it holds none: it needs a full sync
     */
    StreamStart openStream(String replicaId, long theirEpoch, String theirReplid, long offset) {
        StreamStart answer;
        StreamSession replaced = null;
        ReplicaLink syncing = null;
        List<WriteWaiters.Waiter> acknowledged = List.of();
        lock.lock();
        try {
            ReplicaLink link = links.get(replicaId);
            if (role != Role.PRIMARY) {
                answer = refusal("not-primary");
            } else if (theirEpoch < epoch) {
                answer = refusal("stale-epoch");
            } else if (theirEpoch > epoch) {
                // The master made this slave primary again at a newer epoch and has not said so here
                // yet (or a deposed primary will hear it soon): the replica asks again shortly.
                answer = refusal("epoch-ahead");
            } else if (link == null) {
                answer = refusal("unknown-replica");
            } else {
                link.lastAckNanos = System.nanoTime();
                replaced = link.session;
                link.session = null;
                if (!continues(theirReplid, offset) || backlog.read(offset, 0) == null) {
                    syncing = needsFullSync(link) ? link : null;
                    answer = refusal("full-sync");
                } else {
                    if (link.state == State.SYNCING && !link.syncing) {
                        link.state = State.CONNECTING; // its history continues this stream again
                    }
                    link.session = new StreamSession(++sessions, link, offset, offset >= backlog.end());
                    ackedLocked(link.session, offset);
                    answer = new StreamStart(200, epoch, replid, offset, "", link.session);
                }
                acknowledged = acknowledgedLocked();
                publishSessionsLocked();
            }
        } finally {
            lock.unlock();
        }
        if (replaced != null) {
            replaced.close();
        }
        acknowledge(acknowledged);
        if (syncing != null) {
            startFullSync(syncing);
        }
        return answer;
    }

    /**
     * The next frame of a stream: every byte after what it sent so far (up to the batch size), as
     * soon as there is any and the last frame was acknowledged; an empty frame (a heartbeat, which
     * the replica acknowledges) when the heartbeat interval passes without a write; null once the
     * session is over. A frame whose acknowledgement has not come within the heartbeat interval no
     * longer holds the next back.
     */
    byte[] nextFrame(StreamSession session) {
        byte[][] frame = new byte[1][];
        try {
            return sendNext(session, f -> frame[0] = f) ? frame[0] : null;
        } catch (IOException e) {
            throw new UncheckedIOException(e); // the sink above never throws
        }
    }

    /**
     * Serves a replica's stream on the calling (servlet) thread until the session ends: writes
     * each frame, or a heartbeat, to sink as {@link #nextFrame} would return it. While it serves,
     * a data port's I/O loop may write a small frame to the same sink itself, at the end of its
     * turn (see {@link #shipOrWake}); the session's write lock keeps the frames in order.
     */
    void stream(StreamSession session, StreamSession.FrameSink sink) throws IOException {
        session.lockWrites();
        session.sink(sink);
        session.unlockWrites();
        try {
            while (sendNext(session, sink)) {
                // one frame or heartbeat per turn
            }
        } finally {
            session.lockWrites();
            session.sink(null); // the servlet's response is done with: no I/O loop may write to it now
            session.unlockWrites();
        }
    }

    /**
     * Waits for session's next frame (or a heartbeat, once one is due) and writes it to out, taking
     * and writing it under the session's write lock.
     *
     * @return false, having written nothing, once the session is over
     */
    private boolean sendNext(StreamSession session, StreamSession.FrameSink out) throws IOException {
        while (true) {
            // Announced before looking at the stream's end: a write after the look will unpark it.
            session.parking();
            long deadline = session.lastSentNanos + heartbeatNanos;
            boolean overdue = System.nanoTime() - deadline >= 0;
            session.lockWrites();
            try {
                byte[] frame = takeFrame(session, overdue);
                if (frame == null || frame != EMPTY || overdue) {
                    session.unparking();
                    if (frame == null) {
                        return false;
                    }
                    out.write(frame);
                    sent(session, frame);
                    return true;
                }
            } finally {
                session.unlockWrites();
            }
            session.park(deadline);
        }
    }

    /**
     * The next frame of session: the stream after what it was sent (at most batchBytes), once the
     * last frame is acknowledged or overdue; {@link #EMPTY} when there is none; null when the session
     * is over (or its next bytes were trimmed away: the replica's next stream starts a full sync).
     */
    private byte[] takeFrame(StreamSession session, boolean overdue) {
        lock.lock();
        try {
            if (session.closed() || session.link.session != session || role != Role.PRIMARY) {
                return null;
            }
            if (backlog.end() > session.sentUpTo && (!session.inFlight() || overdue)) {
                return frameLocked(session, batchBytes);
            }
            return EMPTY;
        } finally {
            lock.unlock();
        }
    }

    /** Reads session's next frame of at most max bytes and counts it sent; null when trimmed. Under lock. */
    private byte[] frameLocked(StreamSession session, int max) {
        byte[] frame = backlog.read(session.sentUpTo, max);
        if (frame != null) {
            session.frameSent();
            session.sentUpTo += frame.length;
            session.sentAll = session.sentUpTo >= backlog.end();
            session.link.batches++;
            session.link.shipped += frame.length;
        }
        return frame;
    }

    private static void sent(StreamSession session, byte[] frame) {
        session.lastSentNanos = System.nanoTime();
        if (frame.length == 0) {
            session.link.heartbeats++;
        }
    }

    /**
     * At the end of a data port's I/O loop turn: writes session's next frame from this thread
     * when it is small and the replica has acknowledged everything it was sent, as Redis writes to
     * its replicas from its event loop; otherwise wakes the session's streamer. Either way the
     * frame carries every write of the turn.
     * <p>
     * The write cannot block the loop: the replica has read every byte sent before (only heartbeats
     * may be on their way), and a frame of at most {@value #INLINE_FRAME_MAX} bytes fits the
     * socket's send buffer. A larger frame, a streamer busy writing, or a failed write (which ends
     * the session) is left to the streamer.
     */
    private void shipOrWake(StreamSession session) {
        if (session.inFlight()) {
            return; // its acknowledgement ships the next
        }
        if (!session.tryLockWrites()) {
            session.wake(); // the streamer is writing; it looks again before it parks
            return;
        }
        boolean handOff = true;
        try {
            StreamSession.FrameSink sink = session.sink();
            byte[] frame = sink == null ? null : inlineFrame(session);
            if (frame == EMPTY) {
                handOff = false;
            } else if (frame != null) {
                sink.write(frame);
                sent(session, frame);
                handOff = false;
            }
        } catch (IOException e) {
            log.debug("Writing to replica {} failed: {}", session.link.id, e.toString());
            session.close(); // its streamer ends the session
        } finally {
            session.unlockWrites();
            if (handOff) {
                session.wake();
            }
        }
    }

    /** The frame {@link #shipOrWake} may write itself; EMPTY when there is nothing to send; null to leave it to the streamer. */
    private byte[] inlineFrame(StreamSession session) {
        lock.lock();
        try {
            long pending = backlog.end() - session.sentUpTo;
            if (pending <= 0 || session.inFlight()) {
                return EMPTY;
            }
            if (pending > INLINE_FRAME_MAX || session.link.acked < session.sentUpTo || session.closed()
                    || session.link.session != session || role != Role.PRIMARY) {
                return null;
            }
            return frameLocked(session, INLINE_FRAME_MAX);
        } finally {
            lock.unlock();
        }
    }

    /**
     * A replica's acknowledgement on its stream: it has applied everything before offset. Releases
     * the client batches every in-sync replica now holds.
     *
     * @return false when the session is over (the replica should open a new stream)
     */
    boolean acked(StreamSession session, long offset) {
        return acked(session.link.id, session.id, offset);
    }

    /** {@link #acked(StreamSession, long)} for the session named by its replica and id, looked up under the same lock. */
    private boolean acked(String replicaId, long sessionId, long offset) {
        List<WriteWaiters.Waiter> acknowledged;
        boolean more;
        boolean beyond = false;
        StreamSession session = null;
        lock.lock();
        try {
            ReplicaLink link = links.get(replicaId);
            session = link == null ? null : link.session;
            if (session == null || session.id != sessionId || session.closed() || role != Role.PRIMARY) {
                return false;
            }
            link.lastAckNanos = System.nanoTime();
            link.acks++;
            if (offset > session.sentUpTo) {
                beyond = true; // more than it was sent: not a replica of this stream
                return false;
            }
            ackedLocked(session, offset);
            acknowledged = acknowledgedLocked();
            session.acknowledged();
            more = backlog.end() > session.sentUpTo;
        } finally {
            lock.unlock();
            if (beyond) {
                session.close(); // its streamer ends the session
            }
        }
        if (more) {
            wakeStreamsAfterTurn(); // what landed while the frame was out ships now
        }
        acknowledge(acknowledged);
        return true;
    }

    /**
     * A replica's {@code REPLCONF ACK} on this slave's data port, read by the data port's I/O loop
     * (no thread hand-off, unlike an HTTP request body): taken once the client's batch is done, outside
     * the store's lock, since it may answer other clients' batches.
     */
    private void ackOnDataPort(Session client, String replicaId, long streamSession, long offset) {
        client.afterBatch(() -> acked(replicaId, streamSession, offset));
    }

    /** The stream's writer stopped (the replica went away): the session is over. */
    void closeStream(StreamSession session) {
        lock.lock();
        try {
            if (session.link.session == session) {
                session.link.session = null;
                publishSessionsLocked();
            }
        } finally {
            lock.unlock();
        }
        session.close();
    }

    /** The replica of session holds everything before offset. Under lock. */
    private void ackedLocked(StreamSession session, long offset) {
        ReplicaLink link = session.link;
        link.acked = Math.max(link.acked, offset);
        if (link.state == State.CONNECTING
                && (offset >= backlog.end() || session.sentAll && offset >= session.sentUpTo)) {
            link.state = State.STREAMING;
            inSyncChanged();
            log.info("Replica {} in sync at offset {}: writes wait for it", link.id, offset);
        }
    }

    /** Whether a replica holding the stream theirReplid up to offset can continue from this backlog. */
    private boolean continues(String theirReplid, long offset) {
        return theirReplid != null && (theirReplid.equals(replid) || theirReplid.equals(replid2) && offset <= offset2);
    }

    private StreamStart refusal(String reason) {
        return new StreamStart(409, epoch, replid, backlog.end(), reason, null);
    }

    /**
     * Why a write is refused now, or null: a replica refuses every write (Redis's READONLY), a
     * primary with fewer replicas in sync than min-replicas-to-write refuses them with NOREPLICAS,
     * so that an acknowledged write is never held by the primary alone.
     */
    private String writeRefusal() {
        if (role != Role.PRIMARY) {
            return ReplicationLog.READONLY;
        }
        if (minReplicasToWrite > 0) {
            int good = 0;
            for (ReplicaLink link : linkArray) {
                if (link.state == State.STREAMING) {
                    good++;
                }
            }
            if (good < minReplicasToWrite) {
                return RespErrors.NOREPLICAS;
            }
        }
        return null;
    }

    /** The open sessions and the replicas, for writers to read without the lock. Under lock. */
    private void publishSessionsLocked() {
        List<StreamSession> open = new ArrayList<>(links.size());
        for (ReplicaLink link : links.values()) {
            if (link.session != null) {
                open.add(link.session);
            }
        }
        linkArray = links.values().toArray(ReplicaLink[]::new);
        openSessions = open.toArray(StreamSession[]::new);
    }

    /** The stream grew: its writers send it now. */
    private void wakeStreams() {
        for (StreamSession s : openSessions) {
            s.grew();
        }
    }

    /**
     * The stream grew, or a frame was acknowledged, on a data port's I/O loop: its writers are
     * woken once, when the loop's turn ends, so that the next frame carries every batch and
     * acknowledgement the turn handled (Redis too writes to its replicas once per event loop
     * turn, in beforeSleep). Elsewhere they are woken now.
     */
    private void wakeStreamsAfterTurn() {
        IoLoop loop = IoLoop.current();
        if (loop == null) {
            wakeStreams();
            return;
        }
        TurnWake wake = turnWake.get();
        if (!wake.queued) {
            wake.queued = true;
            loop.atEndOfTurn(wake);
        }
    }

    /** One I/O loop's pending wake of the streams; touched by that loop's thread only. */
    private final class TurnWake implements Runnable {

        boolean queued;

        @Override
        public void run() {
            queued = false;
            for (StreamSession session : openSessions) {
                shipOrWake(session);
            }
        }
    }

    /** Ends every stream (this slave stops being primary, or stops). Under lock. */
    private List<StreamSession> endStreamsLocked() {
        List<StreamSession> ended = new ArrayList<>();
        for (ReplicaLink link : links.values()) {
            if (link.session != null) {
                ended.add(link.session);
                link.session = null;
            }
        }
        openSessions = new StreamSession[0];
        return ended;
    }

    /**
     * Every eighth of the timeout: takes out of sync a replica silent (no acknowledgement) for the
     * timeout, so writes stop waiting for it, and wakes the streams in case one was missed (a
     * write, or a key the server expired or evicted, wakes them itself).
     * <p>
     * Never on silence alone: from half the timeout on, the replica is asked its state, and it is
     * dropped only once that answer came (or the call failed: it is gone) without a newer epoch. A
     * replica at a newer epoch means this slave has been deposed (it demotes itself), and releasing
     * its waiting writes would acknowledge them on this slave alone. A pause of this process (a
     * freeze, a long GC) makes every earlier answer void: after it, everyone looks silent, and the
     * writes queued meanwhile must not be released before a replica has been asked again.
     */
    private void sweep() {
        try {
            List<Runnable> later = new ArrayList<>();
            List<WriteWaiters.Waiter> acknowledged = List.of();
            lock.lock();
            try {
                long now = System.nanoTime();
                boolean paused = now - lastSweepNanos > Math.max(timeoutNanos / 4, 2 * sweepTickNanos);
                lastSweepNanos = now;
                if (!paused) {
                    later.add(() -> fetcher.closeIfSilent(timeoutNanos));
                }
                if (links.isEmpty()) {
                    return;
                }
                later.add(this::wakeStreams);
                boolean dropped = false;
                for (ReplicaLink link : links.values()) {
                    if (paused) {
                        link.probeGeneration++;
                        link.probing = false;
                        link.probeCleared = false;
                    }
                    if (link.state != State.STREAMING) {
                        continue;
                    }
                    long silent = now - link.lastAckNanos;
                    boolean cleared = link.probeCleared && link.probeFor == link.lastAckNanos;
                    if (silent > timeoutNanos && cleared) {
                        link.state = State.CONNECTING;
                        dropped = true;
                        inSyncChanged();
                        log.warn("Replica {} at {} silent for {} ms; writes wait for it until the master takes it"
                                + " out of sync", link.id, link.address, TimeUnit.NANOSECONDS.toMillis(silent));
                    } else if (silent > timeoutNanos / 2 && !link.probing && !cleared) {
                        link.probing = true;
                        link.probeFor = link.lastAckNanos;
                        int generation = link.probeGeneration;
                        long silentSince = link.lastAckNanos;
                        later.add(() -> Thread.ofVirtual().name("replication-probe-" + link.id)
                                .start(() -> probe(link, generation, silentSince)));
                    }
                }
                if (dropped) {
                    acknowledged = acknowledgedLocked();
                }
            } finally {
                lock.unlock();
            }
            acknowledge(acknowledged);
            later.forEach(Runnable::run);
        } catch (RuntimeException e) {
            log.warn("Replication sweep failed: {}", e.toString());
        }
    }

    /** Asks a silent replica where it stands; one at a newer epoch means this primary was replaced. */
    private void probe(ReplicaLink link, int generation, long silentSince) {
        long newer = -1;
        try {
            ReplicationStatus state = client.state(link.address);
            if (state.epoch() > epoch) {
                newer = state.epoch();
            }
        } catch (IOException | RuntimeException e) {
            log.debug("Replica {} does not answer ({}); the timeout decides", link.id, e.toString());
        }
        lock.lock();
        try {
            if (link.probeGeneration == generation) {
                link.probing = false;
                link.probeCleared = newer < 0 && link.probeFor == silentSince;
            }
        } finally {
            lock.unlock();
        }
        if (newer >= 0) {
            staleEpoch(newer);
        }
    }

    // ---------------------------------------------------------------- as a primary: full syncs

    /** Marks the link as needing a full sync; true when one should start now. Under lock. */
    private boolean needsFullSync(ReplicaLink link) {
        if (link.state == State.STREAMING) {
            inSyncChanged();
            log.info("Replica {} cannot continue from the backlog; full sync", link.id);
        }
        link.state = State.SYNCING;
        if (link.syncing || System.nanoTime() - link.nextSyncNanos < 0) {
            return false;
        }
        link.syncing = true;
        return true;
    }

    private void startFullSync(ReplicaLink link) {
        link.syncThread = Thread.ofVirtual().name("full-sync-" + link.id).start(() -> {
            boolean done = false;
            try {
                if (!link.stopped) {
                    fullSync(link);
                    done = true;
                }
            } catch (InterruptedException e) {
                log.info("Full sync of replica {} stopped", link.id);
            } catch (IOException | RuntimeException e) {
                log.warn("Full sync of replica {} failed: {}", link.id, e.toString());
            } finally {
                lock.lock();
                try {
                    link.syncing = false;
                    link.syncThread = null;
                    if (link.state == State.SYNCING) {
                        link.state = State.CONNECTING;
                    }
                    link.syncBackoffMillis = done ? 50 : Math.min(1000, link.syncBackoffMillis * 2);
                    link.nextSyncNanos = done ? System.nanoTime()
                            : System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(link.syncBackoffMillis);
                } finally {
                    lock.unlock();
                }
            }
        });
    }

    ReplicationClient.Stream stream() {
        return new ReplicationClient.Stream(epoch, replid, replid2, offset2);
    }

    /**
     * Sends the replica the whole store while writes continue, one snapshot at a time: each chunk
     * is the stream up to now followed by the state, now, of keys not yet sent (see
     * {@link Keyspace#beginSnapshot}), so the replica ends exactly at the stream's offset, from which
     * its stream continues.
     *
     * @return the offset the replica's stream continues from
     */
    long fullSync(ReplicaLink link) throws IOException, InterruptedException {
        snapshotLock.lockInterruptibly();
        try {
            ReplicationClient.Stream stream = stream();
            refused(client.syncBegin(link.address, stream));
            long start = System.nanoTime();
            long from = dispatcher.exclusive(() -> {
                keyspace.beginSnapshot();
                return backlog.end();
            });
            log.info("Full sync of replica {} from offset {}", link.id, from);
            RespWriter chunk = new RespWriter(snapshotChunkBytes + 64 * 1024);
            long cursor = 0;
            long chunks = 0;
            do {
                if (link.stopped || Thread.currentThread().isInterrupted()) {
                    throw new InterruptedException();
                }
                chunk.reset();
                long[] upTo = new long[1];
                long at = cursor;
                boolean first = chunks == 0;
                cursor = dispatcher.exclusive(() -> {
                    upTo[0] = backlog.end();
                    if (first) {
                        dispatcher.encodeScripts(chunk); // EVALSHA finds them there after a failover
                    }
                    return keyspace.snapshotStep(at, snapshotChunkBytes, chunk);
                });
                byte[] segment = backlog.read(from, upTo[0], Integer.MAX_VALUE);
                if (segment == null) {
                    throw new IOException("the backlog overflowed during the snapshot; raise kvcache.replication.backlog-size");
                }
                byte[] body = new byte[segment.length + chunk.size()];
                System.arraycopy(segment, 0, body, 0, segment.length);
                System.arraycopy(chunk.toByteArray(), 0, body, segment.length, chunk.size());
                refused(client.syncChunk(link.address, stream, body));
                from = upTo[0];
                chunks++;
            } while (cursor != 0);
            refused(client.syncEnd(link.address, stream, from));
            log.info("Replica {} synced in {} ms ({} chunks), continuing from offset {}", link.id,
                    TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start), chunks, from);
            return from;
        } finally {
            dispatcher.exclusive(() -> {
                keyspace.endSnapshot();
                return null;
            });
            snapshotLock.unlock();
        }
    }

    private void refused(ReplicationClient.Ack ack) throws IOException {
        if (!ack.ok()) {
            if (ack.reason().equals("stale-epoch")) {
                staleEpoch(ack.epoch());
            }
            throw new IOException("the replica refused the sync: " + ack.reason());
        }
    }

    // ---------------------------------------------------------------- as a replica

    /** Follows another primary (or none): the fetcher drops a poll to the previous one. */
    private void follow(Upstream next) {
        if (!Objects.equals(next, upstream)) {
            upstream = next;
            syncBegun = false; // a full sync from the previous primary will not end: ask the next one
            if (next != null) {
                log.info("Following {} at {} (epoch {})", next.primaryId(), next.address(), next.epoch());
            }
            fetcher.wake(true);
        }
    }

    /** The primary to poll, or null while this slave is primary or has no assignment. */
    Upstream upstream() {
        return role == Role.PRIMARY ? null : upstream;
    }

    synchronized Position position() {
        return new Position(synced ? replid : null, backlog.end(), epoch);
    }

    /** A full sync is under way (its calls keep coming): polling would only ask for another. */
    boolean awaitingFullSync() {
        return !synced && syncBegun && System.nanoTime() - syncActivityNanos < snapshotTimeoutNanos;
    }

    /**
     * The primary accepted this replica's stream from position at under upstream up: adopts its
     * replid (the same stream, or the new name of the one this replica's history continues).
     *
     * @return false when the stream no longer applies (another primary, a full sync meanwhile)
     */
    synchronized boolean beginStream(Upstream up, Position at, StreamStart start) {
        if (!follows(up, at) || start.offset() != at.offset() || start.epoch() != at.epoch()
                || backlog.end() != at.offset()) {
            return false;
        }
        if (start.replid() != null && !start.replid().equals(replid)) {
            log.info("Following stream {} (it continues {} at offset {})", start.replid(), replid, at.offset());
            replid = start.replid();
        }
        return true;
    }

    /**
     * Applies the complete commands of a frame of the stream begun from position at (whose replid
     * it adopted), exactly once: body starts at offset.
     * <p>
     * {@code received} hears the offset after the frame's complete commands once they are parsed
     * and before they run, under the same locks: the replica acknowledges a frame as soon as it
     * holds it, and the primary ships the next one while this replica applies. That loses nothing:
     * nothing (a promotion, a new assignment, a full sync, a client) can see this store until the
     * frame is applied, and a process that dies loses its memory either way.
     *
     * @return the bytes applied (an incomplete last command is left for the next frame), or -1 when
     *         the stream no longer applies
     */
    synchronized int applyStreamed(Upstream up, Position at, long offset, byte[] body, int length,
                                   LongConsumer received) {
        if (!follows(up, at)) {
            return -1;
        }
        return dispatcher.exclusive(() -> {
            // Under the store's lock with the commands: a client batch never sees the offset move.
            if (backlog.end() != offset) {
                return -1;
            }
            Parsed frame = parseCommands(body, 0, length);
            received.accept(offset + frame.length());
            dispatcher.apply(frame.requests(), applySession, applyScratch);
            backlog.append(body, 0, frame.length());
            return frame.length();
        });
    }

    /** Whether this replica still follows up, from a history position at began in (replid aside). */
    private boolean follows(Upstream up, Position at) {
        return role == Role.REPLICA && up == upstream && synced && at.epoch() == epoch && replid != null;
    }

    /** The result of a call from a primary: HTTP 200 with the offset, or 409 with a reason. */
    public record Reply(int status, long offset, long epoch, String reason) {
    }

    /** A full sync starts: the store is emptied and this replica is out of sync until the end. */
    public synchronized Reply syncBegin(long theirEpoch) {
        Reply refusal = checkEpoch(theirEpoch);
        if (refusal != null) {
            return refusal;
        }
        synced = false;
        replid = null;
        syncBegun = true;
        syncActivityNanos = System.nanoTime();
        dispatcher.exclusive(() -> {
            keyspace.clear();
            return null;
        });
        log.info("Full sync from the primary begins");
        return ok(0);
    }

    public synchronized Reply syncChunk(long theirEpoch, byte[] body) {
        Reply refusal = checkEpoch(theirEpoch);
        if (refusal != null) {
            return refusal;
        }
        if (synced) {
            return conflict("not-syncing", backlog.end());
        }
        syncActivityNanos = System.nanoTime();
        int consumed = applyCommands(body, 0);
        if (consumed != body.length) {
            throw new IllegalArgumentException("a snapshot chunk ended inside a command");
        }
        return ok(0);
    }

    public synchronized Reply syncEnd(long theirEpoch, String theirReplid, long offset) {
        Reply refusal = checkEpoch(theirEpoch);
        if (refusal != null) {
            return refusal;
        }
        dispatcher.exclusive(() -> {
            backlog.reset(offset);
            return null;
        });
        replid = theirReplid;
        replid2 = null;
        offset2 = -1;
        synced = true;
        syncBegun = false;
        log.info("Full sync done: following stream {} from offset {} ({} keys)", replid, offset, keyspace.size());
        fetcher.wake(false);
        return ok(offset);
    }

    private Reply checkEpoch(long theirEpoch) {
        if (theirEpoch < epoch) {
            return new Reply(409, backlog.end(), epoch, "stale-epoch");
        }
        if (theirEpoch > epoch) {
            epoch = theirEpoch;
            if (role == Role.PRIMARY) {
                demote("a primary at epoch " + theirEpoch + " syncs this slave");
            }
        }
        if (role == Role.PRIMARY) {
            return conflict("not-replica", backlog.end());
        }
        return null;
    }

    /** Applies the complete commands of body from start; returns the bytes they took. */
    private int applyCommands(byte[] body, int start) {
        return applyCommands(body, start, body.length);
    }

    /** Applies the complete commands of body between start and end; returns the bytes they took. */
    private int applyCommands(byte[] body, int start, int end) {
        Parsed commands = parseCommands(body, start, end);
        dispatcher.apply(commands.requests(), applySession, applyScratch);
        return commands.length();
    }

    /** The complete commands of a stretch of the stream, and the bytes they take. */
    private record Parsed(List<Request> requests, int length) {
    }

    private Parsed parseCommands(byte[] body, int start, int end) {
        List<Request> requests = new ArrayList<>();
        int complete = StreamParser.parse(body, start, end, limits.maxBulkLength(), requests);
        return new Parsed(requests, complete - start);
    }

    private Reply ok(long offset) {
        return new Reply(200, offset, epoch, "");
    }

    private Reply conflict(String reason, long offset) {
        return new Reply(409, offset, epoch, reason);
    }

    // ---------------------------------------------------------------- state

    /** Whether this slave is its shard's primary now. */
    public boolean isPrimary() {
        return role == Role.PRIMARY;
    }

    public ReplicationStatus state() {
        return new ReplicationStatus(role == Role.PRIMARY, epoch, synced ? replid : null, backlog.end());
    }

    public AckMode ackMode() {
        return ackMode;
    }

    /** How often an idle stream carries a heartbeat. */
    Duration heartbeat() {
        return Duration.ofNanos(heartbeatNanos);
    }

    /** Client batches waiting for their replicas now. */
    int waitingBatches() {
        lock.lock();
        try {
            return waiters.size();
        } finally {
            lock.unlock();
        }
    }

    /** Each replica that pulls from this primary: state, acknowledged offset, answers and bytes sent. */
    public Map<String, Map<String, Object>> links() {
        Map<String, Map<String, Object>> view = new LinkedHashMap<>();
        lock.lock();
        try {
            long end = backlog.end();
            long now = System.nanoTime();
            links.forEach((id, link) -> {
                Map<String, Object> l = new LinkedHashMap<>();
                l.put("address", link.address.toString());
                l.put("state", link.state.name().toLowerCase(Locale.ROOT));
                l.put("ackedOffset", link.acked);
                l.put("lag", Math.max(0, end - link.acked));
                l.put("batches", link.batches);
                l.put("bytesShipped", link.shipped);
                l.put("acks", link.acks);
                l.put("heartbeats", link.heartbeats);
                l.put("streaming", link.session != null);
                l.put("lastAckMillis", TimeUnit.NANOSECONDS.toMillis(now - link.lastAckNanos));
                view.put(id, l);
            });
        } finally {
            lock.unlock();
        }
        return view;
    }

    /** Replicas this primary knows (INFO connected_slaves). */
    public int replicaCount() {
        lock.lock();
        try {
            return links.size();
        } finally {
            lock.unlock();
        }
    }

    /** Shutting down: no client waits for ever, no stream is left open, no thread runs on. */
    public void stop() {
        if (stopped) {
            return;
        }
        stopped = true;
        sweeper.shutdownNow();
        fetcher.stop();
        endReplicas(false);
        client.close();
    }
}
