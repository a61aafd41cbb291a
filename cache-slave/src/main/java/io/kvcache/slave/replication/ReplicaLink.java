package io.kvcache.slave.replication;

import java.net.URI;

/**
 * What a primary knows of one of its replicas, which pulls the stream from it: the offset it
 * last acknowledged (everything before it is applied there), whether it is in sync, its open
 * stream, and its full sync when it needs one. Replicas come from the master's assignment
 * ({@link ReplicationManager#assign}); a stream opened by any other slave is refused.
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

    final String id;
    final URI address;
    volatile State state = State.CONNECTING;
    /** The offset it last acknowledged: it has applied the stream before it. */
    volatile long acked = -1;
    /** When its last acknowledgement (or stream) arrived (System.nanoTime). */
    volatile long lastAckNanos = System.nanoTime();
    /** Its open stream, or null. */
    volatile StreamSession session;
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
    /** Frames that carried bytes and the bytes they carried, heartbeats and acknowledgements, for the admin view. */
    volatile long batches;
    volatile long shipped;
    volatile long heartbeats;
    volatile long acks;
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
