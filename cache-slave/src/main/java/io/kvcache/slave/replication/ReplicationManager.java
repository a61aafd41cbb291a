package io.kvcache.slave.replication;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

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
import io.kvcache.slave.store.ExpiryMode;
import io.kvcache.slave.store.Keyspace;

/**
 * A slave's replication: its role and epoch as the master assigns them, the stream it ships as
 * a primary (one {@link ReplicaLink} per replica, writes answered once the replicas applied
 * them in {@code replicas} ack mode), and the stream it applies as a replica.
 * <p>
 * Histories follow Redis's PSYNC2: a stream is named by a replid; a promoted replica starts a
 * new replid and remembers the old one up to its offset then (replid2, offset2), so siblings
 * that followed the same old primary continue from the backlog instead of a full sync.
 * Batches from a primary with an older epoch are refused: a deposed primary cannot make a
 * replica diverge, and learns from the refusal that it has been replaced.
 */
public final class ReplicationManager {

    private static final Logger log = LoggerFactory.getLogger(ReplicationManager.class);
    static final String NOT_ACKNOWLEDGED =
            "TRYAGAIN the shard's primary changed before its replicas acknowledged this write";

    private final CommandDispatcher dispatcher;
    private final Keyspace keyspace;
    private final ReplicationBacklog backlog;
    private final ReplicationClient client;
    private final AckMode ackMode;
    private final int batchBytes;
    private final int snapshotChunkBytes;
    private final ProtocolLimits limits;
    private final Map<String, ReplicaLink> links = new ConcurrentHashMap<>();
    private final ReentrantLock ackLock = new ReentrantLock();
    private final Condition progressed = ackLock.newCondition();
    private final ReentrantLock snapshotLock = new ReentrantLock();
    private final Session applySession = new Session(0, "replication", "primary");
    private final RespWriter applyScratch = new RespWriter(256);

    private volatile Role role = Role.REPLICA;
    private volatile long epoch;
    private volatile String replid;
    private volatile String replid2;
    private volatile long offset2 = -1;
    private volatile boolean synced;

    public ReplicationManager(CommandDispatcher dispatcher, Keyspace keyspace, ReplicationBacklog backlog,
                              String secret, ReplicationProperties properties, ProtocolLimits limits) {
        this.dispatcher = dispatcher;
        this.keyspace = keyspace;
        this.backlog = backlog;
        this.client = new ReplicationClient(secret, properties.timeout());
        this.ackMode = properties.ack();
        this.batchBytes = (int) properties.batchSize().toBytes();
        this.snapshotChunkBytes = (int) properties.snapshotChunkSize().toBytes();
        this.limits = limits;
        // Until the master says otherwise this slave is a replica: it refuses client writes and
        // hides (but keeps) expired keys.
        dispatcher.exclusive(() -> {
            keyspace.expiryMode(ExpiryMode.HIDE);
            return null;
        });
        dispatcher.propagation(new ReplicationLog(keyspace, backlog, () -> role == Role.PRIMARY ? null : ReplicationLog.READONLY));
    }

    // ---------------------------------------------------------------- the data port

    /** Runs a client's batch; in {@code replicas} ack mode answers only once its writes are replicated. */
    public void execute(List<Request> requests, Session session, RespWriter out) {
        long offset = dispatcher.execute(requests, session, out);
        if (offset >= 0 && ackMode == AckMode.REPLICAS && !awaitReplicated(offset)) {
            out.reset();
            for (int i = 0; i < requests.size(); i++) {
                out.error(NOT_ACKNOWLEDGED);
            }
        }
    }

    /** Waits until every in-sync replica has applied the stream up to offset; false if this slave stopped being primary. */
    boolean awaitReplicated(long offset) {
        ackLock.lock();
        try {
            while (true) {
                if (role != Role.PRIMARY) {
                    return false;
                }
                boolean all = true;
                for (ReplicaLink link : links.values()) {
                    all &= link.hasApplied(offset);
                }
                if (all) {
                    return true;
                }
                progressed.await(100, TimeUnit.MILLISECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        } finally {
            ackLock.unlock();
        }
    }

    /** A link acknowledged, changed state or stopped. */
    void progress() {
        ackLock.lock();
        try {
            progressed.signalAll();
        } finally {
            ackLock.unlock();
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
            reconcileLinks(a);
        } else {
            if (role == Role.PRIMARY) {
                demote("the master made " + a.primaryId() + " primary at epoch " + a.epoch());
            }
            epoch = a.epoch();
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
            backlog.reset(0);
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

    private void demote(String why) {
        dispatcher.exclusive(() -> {
            role = Role.REPLICA;
            keyspace.expiryMode(ExpiryMode.HIDE);
            return null;
        });
        links.values().forEach(ReplicaLink::stop);
        links.clear();
        progress();
        log.warn("No longer primary: {}", why);
    }

    private void reconcileLinks(Assignment a) {
        for (var it = links.entrySet().iterator(); it.hasNext(); ) {
            var e = it.next();
            if (!a.replicas().containsKey(e.getKey()) || !a.replicas().get(e.getKey()).equals(e.getValue().address)) {
                e.getValue().stop();
                it.remove();
            }
        }
        a.replicas().forEach((id, address) -> links.computeIfAbsent(id, k -> {
            ReplicaLink link = new ReplicaLink(id, address, this, client, backlog, batchBytes);
            link.start();
            return link;
        }));
        progress();
    }

    /** The master removed this slave from its shard: it stops shipping and taking writes. */
    public synchronized void decommissioned() {
        if (role == Role.PRIMARY) {
            demote("decommissioned");
        }
    }

    /** A replica refused a batch because it knows a newer epoch: another slave is primary now. */
    synchronized void staleEpoch(long newer) {
        if (newer > epoch && role == Role.PRIMARY) {
            epoch = newer;
            demote("a replica knows epoch " + newer);
        }
    }

    // ---------------------------------------------------------------- as a primary

    ReplicationClient.Stream stream() {
        return new ReplicationClient.Stream(epoch, replid, replid2, offset2);
    }

    /** Whether a replica at (theirReplid, offset) can continue from this backlog. */
    boolean canContinue(String theirReplid, long offset) {
        if (theirReplid == null || offset < backlog.start() || offset > backlog.end()) {
            return false;
        }
        return theirReplid.equals(replid) || theirReplid.equals(replid2) && offset <= offset2;
    }

    /**
     * Sends the replica the whole store while writes continue, one snapshot at a time: each chunk
     * is the stream up to now followed by the state, now, of keys not yet sent (see
     * {@link Keyspace#beginSnapshot}), so the replica ends exactly at the stream's offset.
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

    /** The result of a call from a primary: HTTP 200 with the offset, or 409 with a reason. */
    public record Reply(int status, long offset, long epoch, String reason) {
    }

    /** Applies a batch of the primary's stream that starts at offset, exactly once. */
    public synchronized Reply applyStream(long theirEpoch, String theirReplid, String theirReplid2, long theirOffset2,
                                          long offset, byte[] body) {
        Reply refusal = checkEpoch(theirEpoch);
        if (refusal != null) {
            return refusal;
        }
        long mine = backlog.end();
        if (!synced || replid == null) {
            return conflict("history", mine);
        }
        if (!replid.equals(theirReplid)) {
            if (replid.equals(theirReplid2) && mine <= theirOffset2) {
                replid = theirReplid; // the new primary continues the stream this replica followed
            } else {
                return conflict("history", mine);
            }
        }
        if (offset > mine) {
            return conflict("gap", mine);
        }
        int skip = (int) Math.min(body.length, mine - offset);
        int consumed = applyCommands(body, skip);
        backlog.append(body, skip, consumed);
        return ok(backlog.end());
    }

    /** A full sync starts: the store is emptied and this replica is out of sync until the end. */
    public synchronized Reply syncBegin(long theirEpoch) {
        Reply refusal = checkEpoch(theirEpoch);
        if (refusal != null) {
            return refusal;
        }
        synced = false;
        replid = null;
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
        backlog.reset(offset);
        replid = theirReplid;
        replid2 = null;
        offset2 = -1;
        synced = true;
        log.info("Full sync done: following stream {} from offset {} ({} keys)", replid, offset, keyspace.size());
        return ok(offset);
    }

    private Reply checkEpoch(long theirEpoch) {
        if (theirEpoch < epoch) {
            return new Reply(409, backlog.end(), epoch, "stale-epoch");
        }
        if (theirEpoch > epoch) {
            epoch = theirEpoch;
            if (role == Role.PRIMARY) {
                demote("a primary at epoch " + theirEpoch + " ships its stream here");
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
        reader.feed(body, start, body.length - start);
        List<Request> requests = new ArrayList<>();
        for (Object next = reader.next(); next != null; next = reader.next()) {
            if (next instanceof ProtocolError e) {
                throw new IllegalArgumentException("malformed replication stream: " + e);
            }
            requests.add((Request) next);
        }
        dispatcher.apply(requests, applySession, applyScratch);
        return body.length - start - reader.buffered();
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

    /** Each replica this primary ships to: state and acknowledged offset. */
    public Map<String, Map<String, Object>> links() {
        Map<String, Map<String, Object>> view = new LinkedHashMap<>();
        links.forEach((id, link) -> view.put(id, Map.of("address", link.address.toString(),
                "state", link.state().name().toLowerCase(java.util.Locale.ROOT), "ackedOffset", link.acked(),
                "lag", Math.max(0, backlog.end() - link.acked()), "batches", link.batches(),
                "bytesShipped", link.shipped())));
        return view;
    }

    public void stop() {
        links.values().forEach(ReplicaLink::stop);
    }
}
