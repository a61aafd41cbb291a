package io.kvcache.slave.replication;

import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.kvcache.cluster.ReplicationStatus;
import io.kvcache.command.Session;
import io.kvcache.protocol.ProtocolError;
import io.kvcache.protocol.ProtocolLimits;
import io.kvcache.protocol.Request;
import io.kvcache.protocol.RespReader;
import io.kvcache.protocol.RespWriter;
import io.kvcache.slave.dispatch.CommandDispatcher;
import io.kvcache.slave.replication.ReplicaLink.Pending;
import io.kvcache.slave.replication.ReplicaLink.State;
import io.kvcache.slave.store.ExpiryMode;
import io.kvcache.slave.store.Keyspace;

/**
 * A slave's replication: its role and epoch as the master assigns them, the stream its replicas
 * pull from it as a primary (client writes answered once the in-sync replicas applied them, in
 * {@code replicas} ack mode), and the stream it pulls from its primary as a replica.
 * <p>
 * Replication is pulled, as Kafka's followers fetch: each replica long-polls its primary for the
 * stream after its offset ({@code GET /replication/log}, {@link #poll}), applies the answer and
 * asks again at once; the offset it asks for acknowledges everything before it. One answer carries
 * every write that arrived since the previous one, so the exchanges per write fall as the load
 * grows (group commit), and nothing lingers: a held poll is answered as soon as a write lands.
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

    /**
     * A primary's answer to a poll: 200 with the stream from offset (empty when nothing came
     * during the poll wait), or 409 with the reason it was refused ({@code not-primary},
     * {@code stale-epoch}, {@code epoch-ahead}, {@code unknown-replica}, {@code full-sync}).
     *
     * @param replid the primary's stream, which the replica follows from now on
     */
    public record PollAnswer(int status, long epoch, String replid, long offset, byte[] body, String reason) {

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
    private final long pollWaitNanos;
    private final long snapshotTimeoutNanos;
    private final ProtocolLimits limits;
    private final Session applySession = new Session(0, "replication", "primary");
    private final RespWriter applyScratch = new RespWriter(256);

    // As a primary: the replicas, the client batches waiting for them and the polls held, all
    // under lock. Never take the store's lock or this object's monitor while holding it.
    private final ReentrantLock lock = new ReentrantLock();
    private final Map<String, ReplicaLink> links = new LinkedHashMap<>();
    private final WriteWaiters waiters = new WriteWaiters();
    /** Polls held now; read without the lock so that a write skips the lock when none is held. */
    private volatile int held;
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
        // A held poll must end well within the timeout, or a replica waiting on it would look silent.
        this.pollWaitNanos = Math.min(properties.pollWait().toNanos(), timeoutNanos / 4);
        this.snapshotTimeoutNanos = timeoutNanos * 10;
        this.limits = limits;
        this.client = new ReplicationClient(secret, properties.timeout(), Duration.ofNanos(pollWaitNanos));
        // Until the master says otherwise this slave is a replica: it refuses client writes and
        // hides (but keeps) expired keys.
        dispatcher.exclusive(() -> {
            keyspace.expiryMode(ExpiryMode.HIDE);
            return null;
        });
        dispatcher.propagation(new ReplicationLog(keyspace, backlog, () -> role == Role.PRIMARY ? null : ReplicationLog.READONLY));
        this.sweepTickNanos = Math.clamp(pollWaitNanos / 5, TimeUnit.MILLISECONDS.toNanos(5),
                TimeUnit.MILLISECONDS.toNanos(50));
        this.sweeper = Executors.newSingleThreadScheduledExecutor(
                Thread.ofPlatform().name("replication-sweeper").daemon().factory());
        sweeper.scheduleWithFixedDelay(this::sweep, sweepTickNanos, sweepTickNanos, TimeUnit.NANOSECONDS);
        this.fetcher = new ReplicaFetcher(this, client, replicaId, batchBytes);
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
        long offset = dispatcher.execute(requests, session, out);
        if (offset < 0) {
            done.run();
            return;
        }
        wakeHeldPolls();
        if (ackMode == AckMode.ASYNC) {
            done.run();
            return;
        }
        Batch batch = new Batch(offset, out, mark, requests.size(), done);
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

    /** The lowest offset every in-sync replica has applied; writes up to it are acknowledged. Under lock. */
    private long frontier() {
        long min = Long.MAX_VALUE;
        for (ReplicaLink link : links.values()) {
            if (link.state == State.STREAMING) {
                min = Math.min(min, link.acked);
            }
        }
        return min;
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
        dispatcher.exclusive(() -> {
            keyspace.expiryMode(ExpiryMode.DELETE);
            role = Role.PRIMARY;
            return null;
        });
        log.info("Primary of the shard at epoch {} (stream {} from offset {})", newEpoch, replid, backlog.end());
    }

    /** Stops being primary: every waiting client batch is answered NOT_ACKNOWLEDGED, every held poll refused. */
    private void demote(String why) {
        dispatcher.exclusive(() -> {
            role = Role.REPLICA;
            keyspace.expiryMode(ExpiryMode.HIDE);
            return null;
        });
        List<WriteWaiters.Waiter> refused;
        List<Pending> polls = new ArrayList<>();
        lock.lock();
        try {
            refused = waiters.all();
            for (ReplicaLink link : links.values()) {
                if (link.pending != null) {
                    polls.add(takePending(link));
                }
                link.stop();
            }
            links.clear();
        } finally {
            lock.unlock();
        }
        for (Pending p : polls) {
            p.answer().accept(refusal("not-primary"));
        }
        for (WriteWaiters.Waiter w : refused) {
            ((Batch) w).notAcknowledged();
        }
        log.warn("No longer primary: {}", why);
    }

    /** The replicas are those the master lists; a changed address is a new replica. */
    private void reconcileLinks(Assignment a) {
        List<Pending> dropped = new ArrayList<>();
        List<WriteWaiters.Waiter> acknowledged;
        lock.lock();
        try {
            for (var it = links.entrySet().iterator(); it.hasNext(); ) {
                ReplicaLink link = it.next().getValue();
                if (!link.address.equals(a.replicas().get(link.id))) {
                    if (link.pending != null) {
                        dropped.add(takePending(link));
                    }
                    link.stop();
                    it.remove();
                    log.info("Replica {} left the shard; writes no longer wait for it", link.id);
                }
            }
            a.replicas().forEach((id, address) -> links.computeIfAbsent(id, k -> new ReplicaLink(id, address)));
            acknowledged = acknowledgedLocked();
        } finally {
            lock.unlock();
        }
        for (Pending p : dropped) {
            p.answer().accept(refusal("unknown-replica"));
        }
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

    // ---------------------------------------------------------------- as a primary: the polls

    /**
     * A replica's poll for the stream after offset, which acknowledges everything before it:
     * answered at once with up to max bytes when the stream goes beyond offset, or refused;
     * otherwise held until the stream grows or the poll wait passes (then an empty answer). The
     * replica counts as in sync from the poll that shows it caught up: at the stream's end, or
     * having applied all of the previous answer, which was everything there was then.
     * <p>
     * answer is called exactly once, on this thread or another.
     *
     * @param theirReplid the stream the replica holds, null when it holds none: it needs a full sync
     */
    void poll(String replicaId, long theirEpoch, String theirReplid, long offset, int max,
              Consumer<PollAnswer> answer) {
        PollAnswer now = null;
        Pending replaced = null;
        ReplicaLink syncing = null;
        List<WriteWaiters.Waiter> acknowledged = List.of();
        int limit = max > 0 ? max : batchBytes;
        lock.lock();
        try {
            ReplicaLink link = links.get(replicaId);
            if (role != Role.PRIMARY) {
                now = refusal("not-primary");
            } else if (theirEpoch < epoch) {
                now = refusal("stale-epoch");
            } else if (theirEpoch > epoch) {
                // The master made this slave primary again at a newer epoch and has not said so here
                // yet (or a deposed primary will hear it soon): the replica asks again shortly.
                now = refusal("epoch-ahead");
            } else if (link == null) {
                now = refusal("unknown-replica");
            } else {
                link.lastPollNanos = System.nanoTime();
                if (link.pending != null) {
                    replaced = takePending(link); // the replica gave up on it and asks again
                }
                byte[] bytes = continues(theirReplid, offset) ? backlog.read(offset, limit) : null;
                if (bytes == null) {
                    syncing = needsFullSync(link) ? link : null;
                    acknowledged = acknowledgedLocked();
                    now = refusal("full-sync");
                } else {
                    link.acked = offset;
                    link.polls++;
                    if (link.state == State.SYNCING && !link.syncing) {
                        link.state = State.CONNECTING; // its history continues this stream again
                    }
                    if (link.state == State.CONNECTING
                            && (offset >= backlog.end() || link.sentAll && offset >= link.sentUpTo)) {
                        link.state = State.STREAMING;
                        log.info("Replica {} in sync at offset {}: writes wait for it", link.id, offset);
                    }
                    acknowledged = acknowledgedLocked();
                    if (bytes.length > 0) {
                        now = sent(link, offset, limit, bytes);
                    } else {
                        link.pending = new Pending(offset, limit, answer, System.nanoTime() + pollWaitNanos);
                        held++;
                        link.pollsHeld++;
                        // A write that landed meanwhile may have looked before the poll was held.
                        if (backlog.end() > offset) {
                            now = answerPendingLocked(link, takePending(link));
                        }
                    }
                }
            }
        } finally {
            lock.unlock();
        }
        acknowledge(acknowledged);
        if (replaced != null) {
            replaced.answer().accept(empty(replaced.offset()));
        }
        if (syncing != null) {
            startFullSync(syncing);
        }
        if (now != null) {
            answer.accept(now);
        }
    }

    /** Whether a replica holding the stream theirReplid up to offset can continue from this backlog. */
    private boolean continues(String theirReplid, long offset) {
        return theirReplid != null && (theirReplid.equals(replid) || theirReplid.equals(replid2) && offset <= offset2);
    }

    /** The answer to a held poll now that the stream went beyond it (or a full-sync refusal). Under lock. */
    private PollAnswer answerPendingLocked(ReplicaLink link, Pending p) {
        byte[] bytes = backlog.read(p.offset(), p.max());
        if (bytes == null) {
            // Trimmed away meanwhile: the replica needs a full sync, which its next poll starts.
            return refusal("full-sync");
        }
        return bytes.length == 0 ? empty(p.offset()) : sent(link, p.offset(), p.max(), bytes);
    }

    private PollAnswer sent(ReplicaLink link, long offset, int max, byte[] bytes) {
        link.batches++;
        link.shipped += bytes.length;
        link.sentUpTo = offset + bytes.length;
        link.sentAll = bytes.length < max;
        return new PollAnswer(200, epoch, replid, offset, bytes, "");
    }

    private PollAnswer empty(long offset) {
        return new PollAnswer(200, epoch, replid, offset, new byte[0], "");
    }

    private PollAnswer refusal(String reason) {
        return new PollAnswer(409, epoch, replid, backlog.end(), null, reason);
    }

    private Pending takePending(ReplicaLink link) {
        Pending p = link.pending;
        link.pending = null;
        held--;
        return p;
    }

    /** A write landed: the polls held are answered now, on this thread, rather than at the next sweep. */
    private void wakeHeldPolls() {
        if (held == 0) {
            return;
        }
        List<Runnable> answers = new ArrayList<>(2);
        lock.lock();
        try {
            long end = backlog.end();
            for (ReplicaLink link : links.values()) {
                if (link.pending != null && end > link.pending.offset()) {
                    Pending p = takePending(link);
                    PollAnswer a = answerPendingLocked(link, p);
                    answers.add(() -> p.answer().accept(a));
                }
            }
        } finally {
            lock.unlock();
        }
        answers.forEach(Runnable::run);
    }

    /**
     * Every few milliseconds: answers held polls whose wait is over (or whose stream grew without a
     * client write, e.g. keys expiring), and takes out of sync a replica silent for the timeout, so
     * writes stop waiting for it.
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
                boolean paused = now - lastSweepNanos > Math.max(timeoutNanos / 4, 5 * sweepTickNanos);
                lastSweepNanos = now;
                if (links.isEmpty()) {
                    return;
                }
                long end = backlog.end();
                boolean dropped = false;
                for (ReplicaLink link : links.values()) {
                    Pending p = link.pending;
                    if (p != null && (end > p.offset() || now - p.deadlineNanos() >= 0)) {
                        takePending(link);
                        PollAnswer a = end > p.offset() ? answerPendingLocked(link, p) : empty(p.offset());
                        later.add(() -> p.answer().accept(a));
                    }
                    if (paused) {
                        link.probeGeneration++;
                        link.probing = false;
                        link.probeCleared = false;
                    }
                    if (link.state != State.STREAMING) {
                        continue;
                    }
                    long silent = now - link.lastPollNanos;
                    boolean cleared = link.probeCleared && link.probeFor == link.lastPollNanos;
                    if (silent > timeoutNanos && cleared) {
                        link.state = State.CONNECTING;
                        dropped = true;
                        log.warn("Replica {} at {} silent for {} ms; writes no longer wait for it", link.id,
                                link.address, TimeUnit.NANOSECONDS.toMillis(silent));
                    } else if (silent > timeoutNanos / 2 && !link.probing && !cleared) {
                        link.probing = true;
                        link.probeFor = link.lastPollNanos;
                        int generation = link.probeGeneration;
                        long silentSince = link.lastPollNanos;
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
            log.info("Replica {} cannot continue from the backlog; full sync", link.id);
        }
        link.state = State.SYNCING;
        link.sentAll = false;
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
     * its polls continue.
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
                cursor = dispatcher.exclusive(() -> {
                    upTo[0] = backlog.end();
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
     * Applies the primary's answer to a poll made from position at under upstream up: the complete
     * commands of its body, exactly once, then adopts the primary's replid (the same stream, or the
     * new name of the one it continues).
     *
     * @return the bytes applied, or -1 when the answer no longer applies (another primary, a full sync meanwhile)
     */
    synchronized int applyPolled(Upstream up, Position at, PollAnswer answer) {
        if (role != Role.REPLICA || up != upstream || !synced || !Objects.equals(replid, at.replid())
                || answer.offset() != at.offset() || answer.epoch() != at.epoch() || at.epoch() != epoch) {
            return -1;
        }
        byte[] body = answer.body();
        int applied = dispatcher.exclusive(() -> {
            // Under the store's lock with the commands: a client batch never sees the offset move.
            if (backlog.end() != at.offset()) {
                return -1;
            }
            int consumed = applyCommands(body, 0);
            backlog.append(body, 0, consumed);
            return consumed;
        });
        if (applied >= 0 && answer.replid() != null && !answer.replid().equals(replid)) {
            log.info("Following stream {} (it continues {} at offset {})", answer.replid(), replid, at.offset());
            replid = answer.replid();
        }
        return applied;
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
        RespReader reader = new RespReader(limits);
        int fed = body.length - start;
        reader.feed(body, start, fed);
        List<Request> requests = new ArrayList<>();
        int complete = 0;
        for (Object next = reader.next(); next != null; next = reader.next()) {
            if (next instanceof ProtocolError e) {
                throw new IllegalArgumentException("malformed replication stream: " + e);
            }
            requests.add((Request) next);
            // Right after a whole command: what is left unparsed follows it. (At the end, buffered()
            // alone would miss the part of a cut command the reader has already taken in.)
            complete = fed - reader.buffered();
        }
        dispatcher.apply(requests, applySession, applyScratch);
        return complete;
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

    /** How long a primary holds a poll that finds nothing new. */
    Duration pollWait() {
        return Duration.ofNanos(pollWaitNanos);
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
                l.put("polls", link.polls);
                l.put("pollsHeld", link.pollsHeld);
                l.put("lastPollMillis", TimeUnit.NANOSECONDS.toMillis(now - link.lastPollNanos));
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

    /** Shutting down: no client waits for ever, no poll is left held, no thread runs on. */
    public void stop() {
        if (stopped) {
            return;
        }
        stopped = true;
        sweeper.shutdownNow();
        fetcher.stop();
        List<WriteWaiters.Waiter> refused;
        List<Pending> polls = new ArrayList<>();
        lock.lock();
        try {
            refused = waiters.all();
            for (ReplicaLink link : links.values()) {
                if (link.pending != null) {
                    polls.add(takePending(link));
                }
                link.stop();
            }
        } finally {
            lock.unlock();
        }
        for (Pending p : polls) {
            p.answer().accept(empty(p.offset()));
        }
        for (WriteWaiters.Waiter w : refused) {
            ((Batch) w).notAcknowledged();
        }
        client.close();
    }
}
