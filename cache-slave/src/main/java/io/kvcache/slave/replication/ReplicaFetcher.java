package io.kvcache.slave.replication;

import java.io.IOException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.LongConsumer;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A replica's fetcher, on its own thread: opens its primary's stream after its offset, applies
 * each frame as it comes and acknowledges the offset it reached on the acknowledgement stream
 * (heartbeat frames too, so that the primary hears from it while idle). A replica without a copy
 * opens without a replid, which makes the primary send it a full sync; the fetcher waits while
 * that runs. It idles while this slave is primary or has no assignment, and leaves a stream from a
 * primary that is no longer its own as soon as the assignment changes.
 */
final class ReplicaFetcher {

    private static final Logger log = LoggerFactory.getLogger(ReplicaFetcher.class);
    private static final long MIN_BACKOFF_MILLIS = 10;
    private static final long MAX_BACKOFF_MILLIS = 1000;

    private final ReplicationManager manager;
    private final ReplicationClient client;
    private final String replicaId;
    private final int batchBytes;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private boolean woken;
    private volatile AutoCloseable[] open;
    /** When the stream last carried a frame (or opened): a stream silent for the timeout is closed. */
    private volatile long heardNanos;
    private volatile boolean running;
    private Thread thread;

    ReplicaFetcher(ReplicationManager manager, ReplicationClient client, String replicaId, int batchBytes) {
        this.manager = manager;
        this.client = client;
        this.replicaId = replicaId;
        this.batchBytes = batchBytes;
    }

    void start() {
        running = true;
        // A platform thread: it spends its life in blocking socket reads, which for a virtual thread
        // cost a trip through the JDK's poller and the carrier pool per frame (a fifth of a
        // replica's CPU under load, measured in docs/benchmarks.md).
        thread = Thread.ofPlatform().name("replication-fetcher").daemon().start(this::run);
    }

    void stop() {
        running = false;
        wake(true);
        if (thread != null) {
            thread.interrupt();
        }
    }

    /**
     * Closes the stream when it carried nothing, not even a heartbeat, for timeoutNanos (the
     * primary froze, or the network between them went silent): its blocked read fails, and the
     * fetcher opens the stream again. Its reads have no timeout of their own (see {@link StreamingGet}).
     */
    void closeIfSilent(long timeoutNanos) {
        AutoCloseable[] streams = open;
        long silent = System.nanoTime() - heardNanos;
        if (streams != null && silent > timeoutNanos) {
            log.warn("No word on the stream from the primary for {} ms; opening it again",
                    TimeUnit.NANOSECONDS.toMillis(silent));
            for (AutoCloseable c : streams) {
                closeQuietly(c);
            }
        }
    }

    /** Something changed (the primary to follow, a full sync done): stop waiting; abandon leaves the stream open now. */
    void wake(boolean abandon) {
        lock.lock();
        try {
            woken = true;
            changed.signalAll();
        } finally {
            lock.unlock();
        }
        AutoCloseable[] streams = open;
        if (abandon && streams != null) {
            for (AutoCloseable c : streams) {
                closeQuietly(c); // the blocked read or write fails, and the loop looks again
            }
        }
    }

    private void run() {
        long backoff = MIN_BACKOFF_MILLIS;
        boolean failing = false;
        while (running) {
            Thread.interrupted(); // a wake meant for a stream that has ended
            ReplicationManager.Upstream up = manager.upstream();
            if (up == null) {
                pause(1000);
                continue;
            }
            if (manager.awaitingFullSync()) {
                pause(100);
                continue;
            }
            ReplicationManager.Position at = manager.position();
            ReplicationManager.StreamStart start;
            try {
                start = follow(up, at);
            } catch (IOException | RuntimeException e) {
                if (!running || up != manager.upstream()) {
                    continue; // stopped, or left for another primary
                }
                if (!failing) {
                    log.warn("Streaming from the primary {} at {} failed ({}); retrying", up.primaryId(),
                            up.address(), e.toString());
                    failing = true;
                }
                pause(backoff);
                backoff = Math.min(MAX_BACKOFF_MILLIS, backoff * 2);
                continue;
            } finally {
                open = null;
            }
            if (failing) {
                log.info("Streaming from the primary {} at {} again", up.primaryId(), up.address());
                failing = false;
            }
            if (start.ok()) {
                backoff = MIN_BACKOFF_MILLIS; // the primary ended the stream (a new session, a trimmed backlog)
            } else if (start.reason().equals("full-sync")) {
                pause(MIN_BACKOFF_MILLIS * 5); // the primary is starting one; it calls in shortly
            } else {
                // not-primary, epoch-ahead, stale-epoch, unknown-replica: the master's next word settles it
                log.debug("The primary {} refused the stream: {}", up.primaryId(), start.reason());
                pause(backoff);
                backoff = Math.min(MAX_BACKOFF_MILLIS, backoff * 2);
            }
        }
    }

    /**
     * Follows the primary's stream from position at until it ends, this replica leaves for another
     * primary, or a call fails.
     *
     * @return how the primary answered the stream's opening
     */
    private ReplicationManager.StreamStart follow(ReplicationManager.Upstream up, ReplicationManager.Position at)
            throws IOException {
        try (ReplicationClient.StreamReader stream = client.openStream(up.address(), replicaId, at.epoch(),
                at.replid(), at.offset())) {
            heardNanos = System.nanoTime();
            open = new AutoCloseable[] {stream};
            if (up != manager.upstream()) {
                return stream.start(); // the assignment changed while it opened
            }
            if (!stream.start().ok() || !manager.beginStream(up, at, stream.start())) {
                return stream.start();
            }
            try (ReplicationClient.AckWriter acks = client.openAcks(up.address(), stream, replicaId)) {
                open = new AutoCloseable[] {stream, acks};
                long offset = at.offset();
                byte[] buffer = new byte[64 * 1024];
                int tail = 0; // bytes of an incomplete command left from the previous frame
                int[] length = new int[1];
                EarlyAck ack = new EarlyAck(stream, acks);
                while (running && up == manager.upstream()) {
                    buffer = stream.nextFrame(buffer, tail, length);
                    if (buffer == null) {
                        break;
                    }
                    heardNanos = System.nanoTime();
                    int filled = tail + length[0];
                    if (length[0] > 0) {
                        int applied = manager.applyStreamed(up, at, offset, buffer, filled, ack);
                        ack.rethrow();
                        if (applied < 0) {
                            break; // another primary, or a full sync meanwhile
                        }
                        offset += applied;
                        tail = filled - applied;
                        if (tail > 0 && applied > 0) {
                            System.arraycopy(buffer, applied, buffer, 0, tail);
                        }
                        if (buffer.length > batchBytes * 2L && tail < 64 * 1024) {
                            buffer = java.util.Arrays.copyOf(buffer, 64 * 1024); // one big command passed
                        }
                    } else if (!stream.hasMore()) {
                        acks.send(offset); // a heartbeat's
                    }
                }
            }
            return stream.start();
        }
    }

    /**
     * Acknowledges a frame as soon as it is read, before it is applied (see
     * {@link ReplicationManager#applyStreamed}), once for the frames that came together: only when
     * nothing more is buffered. A failure is kept for after the apply, which goes on regardless.
     */
    private static final class EarlyAck implements LongConsumer {

        private final ReplicationClient.StreamReader stream;
        private final ReplicationClient.AckWriter acks;
        private IOException failure;

        EarlyAck(ReplicationClient.StreamReader stream, ReplicationClient.AckWriter acks) {
            this.stream = stream;
            this.acks = acks;
        }

        @Override
        public void accept(long offset) {
            if (failure == null && !stream.hasMore()) {
                try {
                    acks.send(offset);
                } catch (IOException e) {
                    failure = e;
                }
            }
        }

        void rethrow() throws IOException {
            if (failure != null) {
                throw failure;
            }
        }
    }

    private static void closeQuietly(AutoCloseable c) {
        try {
            c.close();
        } catch (Exception e) {
            log.debug("Closing a replication stream: {}", e.toString());
        }
    }

    /** Waits up to millis, or until woken. */
    private void pause(long millis) {
        lock.lock();
        try {
            long nanos = TimeUnit.MILLISECONDS.toNanos(millis);
            while (!woken && nanos > 0 && running) {
                nanos = changed.awaitNanos(nanos);
            }
            woken = false;
        } catch (InterruptedException e) {
            // a wake or stop: the loop looks again
        } finally {
            lock.unlock();
        }
    }
}
