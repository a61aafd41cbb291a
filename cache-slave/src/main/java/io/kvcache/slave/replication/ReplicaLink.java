package io.kvcache.slave.replication;

import java.net.URI;
import java.util.function.Consumer;

/**
 * What a primary knows of one of its replicas, which pulls the stream from it: the offset its
 * last poll asked for (everything before it is applied there), whether it is in sync, the poll
 * held for it while the stream has nothing new, and its full sync when it needs one. Replicas come
 * from the master's assignment ({@link ReplicationManager#assign}); a poll from any other slave is
 * refused.
 * <p>
 * Fields are guarded by the manager's lock; those the admin view reads are volatile.
 */
final class ReplicaLink {

    enum State {
        /** Not known to be in sync (new, or silent, or behind): writes do not wait for it. */
        CONNECTING,
        /** Taking a full sync: writes do not wait for it either. */
        SYNCING,
        /** In sync: in {@code replicas} ack mode, writes wait for it. */
        STREAMING
    }

    /** A poll held until the stream goes beyond offset or the deadline passes. */
    record Pending(long offset, int max, Consumer<ReplicationManager.PollAnswer> answer, long deadlineNanos) {
    }

    final String id;
    final URI address;
    volatile State state = State.CONNECTING;
    /** The offset of its last accepted poll: it has applied the stream before it. */
    volatile long acked = -1;
    /** When its last poll arrived (System.nanoTime). */
    volatile long lastPollNanos = System.nanoTime();
    /** The end of what the last answer carried, and whether that was the whole stream then. */
    long sentUpTo = -1;
    boolean sentAll;
    Pending pending;
    /** A full sync is running (or about to start) for it; the next one not before nextSyncNanos. */
    boolean syncing;
    long nextSyncNanos;
    long syncBackoffMillis = 50;
    volatile Thread syncThread;
    /**
     * The probe of its current silence: the lastPollNanos it is about, whether it runs, whether it
     * found the replica not at a newer epoch (or not answering), and a generation that a pause of
     * this process bumps, so that only a probe made since counts.
     */
    long probeFor;
    boolean probing;
    boolean probeCleared;
    int probeGeneration;
    /** Answers that carried bytes and the bytes they carried, for the admin view. */
    volatile long batches;
    volatile long shipped;
    /** Polls accepted, and those of them held because nothing was new: client writes per exchange. */
    volatile long polls;
    volatile long pollsHeld;
    volatile boolean stopped;

    ReplicaLink(String id, URI address) {
        this.id = id;
        this.address = address;
    }

    /** The master no longer lists it (or this slave is no longer primary): its full sync, if any, ends. */
    void stop() {
        stopped = true;
        state = State.CONNECTING;
        Thread sync = syncThread;
        if (sync != null) {
            sync.interrupt();
        }
    }
}
