package io.kvcache.slave.replication;

import java.io.IOException;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;

/**
 * One open stream from a primary to a replica ({@code GET /replication/stream}): how far it has
 * sent, and the thread that writes it, parked while there is nothing new. A client write wakes it
 * without a lock: the streamer publishes itself before it looks at the stream's end, a writer
 * looks for it after it moved the end, so one of them always sees the other.
 * <p>
 * One frame is in flight at a time, as a follower's fetch is in Kafka: the next leaves once the
 * replica acknowledged the last (it acknowledges every frame it reads), so under load the writes
 * that land meanwhile ship together, and frames and acknowledgements grow with the load rather
 * than in number.
 * <p>
 * {@code sentUpTo} and {@code sentAll} are guarded by the manager's lock; the session ends when its replica opens
 * another, leaves the shard, or this slave stops being primary.
 */
final class StreamSession {

    final long id;
    final ReplicaLink link;
    /** The stream offset the next frame starts at. */
    long sentUpTo;
    /** Whether the last frame reached the stream's end as it was then. */
    boolean sentAll;
    /** When the last frame or heartbeat left, by either writer: the next heartbeat is due a heartbeat interval later. */
    volatile long lastSentNanos = System.nanoTime();
    private volatile boolean closed;
    /** Held while a frame is taken from the backlog and written, so that frames leave in order. */
    private final ReentrantLock writing = new ReentrantLock();
    /** Where frames go while the streamer serves the session (guarded by {@link #writing}); null before and after. */
    private FrameSink sink;
    private volatile Thread parked;
    /** A frame of writes went out and its acknowledgement has not come back yet. */
    private volatile boolean inFlight;

    StreamSession(long id, ReplicaLink link, long offset, boolean atEnd) {
        this.id = id;
        this.link = link;
        this.sentUpTo = offset;
        this.sentAll = atEnd;
    }

    boolean closed() {
        return closed;
    }

    void close() {
        closed = true;
        wake();
    }

    boolean inFlight() {
        return inFlight;
    }

    /** A frame of writes was sent: the next waits for its acknowledgement. */
    void frameSent() {
        inFlight = true;
    }

    /**
     * An acknowledgement came: it covers every frame sent before it (the replica reads the stream
     * in order and acknowledges after it read all that arrived).
     */
    void acknowledged() {
        inFlight = false;
    }

    /** The stream grew: wakes the streamer unless its next frame waits for an acknowledgement anyway. */
    void grew() {
        if (!inFlight) {
            wake();
        }
    }

    /** Unparks the streamer if it waits. */
    void wake() {
        Thread t = parked;
        if (t != null) {
            LockSupport.unpark(t);
        }
    }

    /** Announces the calling streamer as about to park: call before the last look at the stream's end. */
    void parking() {
        parked = Thread.currentThread();
    }

    /** Parks until woken or the deadline (spurious returns are fine: the caller looks again). */
    void park(long deadlineNanos) {
        long nanos = deadlineNanos - System.nanoTime();
        if (nanos > 0 && !closed) {
            LockSupport.parkNanos(this, nanos);
        }
        parked = null;
    }

    void unparking() {
        parked = null;
    }

    /** Writes one frame of the stream (length 0: a heartbeat) and flushes it. */
    @FunctionalInterface
    interface FrameSink {

        void write(byte[] frame) throws IOException;
    }

    void lockWrites() {
        writing.lock();
    }

    boolean tryLockWrites() {
        return writing.tryLock();
    }

    void unlockWrites() {
        writing.unlock();
    }

    /** The sink frames go to, or null once the streamer left (its response may be reused). Under {@link #lockWrites}. */
    FrameSink sink() {
        return sink;
    }

    /** Under {@link #lockWrites}. */
    void sink(FrameSink sink) {
        this.sink = sink;
    }
}
