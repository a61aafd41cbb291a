package io.kvcache.slave.replication;

import java.io.IOException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A replica's fetcher, on a virtual thread: long-polls its primary for the stream after its
 * offset, applies the answer, and asks again at once, so the offset of each poll acknowledges the
 * previous answer (Kafka's follower fetch). A replica without a copy polls without a replid, which
 * makes the primary send it a full sync; the fetcher waits while that runs. It idles while this
 * slave is primary or has no assignment, and leaves a poll to a primary that is no longer its own
 * as soon as the assignment changes.
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
    private volatile boolean polling;
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
        thread = Thread.ofVirtual().name("replication-fetcher").start(this::run);
    }

    void stop() {
        running = false;
        if (thread != null) {
            thread.interrupt();
        }
    }

    /** Something changed (the primary to follow, a full sync done): stop waiting; abandon leaves a poll in flight. */
    void wake(boolean abandon) {
        lock.lock();
        try {
            woken = true;
            changed.signalAll();
        } finally {
            lock.unlock();
        }
        if (abandon && polling && thread != null) {
            thread.interrupt();
        }
    }

    private void run() {
        long backoff = MIN_BACKOFF_MILLIS;
        int max = batchBytes;
        boolean failing = false;
        while (running) {
            Thread.interrupted(); // a wake meant for a poll that has ended
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
            ReplicationManager.PollAnswer answer;
            try {
                polling = true;
                answer = client.poll(up.address(), replicaId, at.epoch(), at.replid(), at.offset(), max);
            } catch (IOException | RuntimeException e) {
                if (!running || up != manager.upstream()) {
                    continue; // stopped, or left for another primary
                }
                if (!failing) {
                    log.warn("Polling the primary {} at {} failed ({}); retrying", up.primaryId(), up.address(),
                            e.toString());
                    failing = true;
                }
                pause(backoff);
                backoff = Math.min(MAX_BACKOFF_MILLIS, backoff * 2);
                continue;
            } finally {
                polling = false;
            }
            if (failing) {
                log.info("Polling the primary {} at {} again", up.primaryId(), up.address());
                failing = false;
            }
            if (answer.ok()) {
                backoff = MIN_BACKOFF_MILLIS;
                int applied;
                try {
                    applied = manager.applyPolled(up, at, answer);
                } catch (RuntimeException e) {
                    log.error("Applying the primary's stream at offset {} failed: {}", at.offset(), e.toString());
                    pause(MAX_BACKOFF_MILLIS);
                    continue;
                }
                // Nothing applied from a non-empty answer: one command is longer than max; ask for more.
                max = applied == 0 && answer.body().length > 0 ? (int) Math.min(Integer.MAX_VALUE - 8, 2L * max)
                        : batchBytes;
            } else if (answer.reason().equals("full-sync")) {
                pause(MIN_BACKOFF_MILLIS * 5); // the primary is starting one; it calls in shortly
            } else {
                // not-primary, epoch-ahead, stale-epoch, unknown-replica: the master's next word settles it
                log.debug("The primary {} refused a poll: {}", up.primaryId(), answer.reason());
                pause(backoff);
                backoff = Math.min(MAX_BACKOFF_MILLIS, backoff * 2);
            }
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
