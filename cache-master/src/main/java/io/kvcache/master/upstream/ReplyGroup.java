package io.kvcache.master.upstream;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * The replies one client thread waits for: it forwards a batch of requests, then parks until
 * every reply has arrived. One counter and one unpark per batch, not per reply.
 */
public final class ReplyGroup {

    private final AtomicInteger outstanding = new AtomicInteger();
    private final Thread waiter = Thread.currentThread();

    public PendingReply expect() {
        outstanding.incrementAndGet();
        return new PendingReply(this);
    }

    void arrived() {
        if (outstanding.decrementAndGet() == 0) {
            LockSupport.unpark(waiter);
        }
    }

    /** Waits until every expected reply arrived; false on timeout. */
    public boolean await(long timeout, TimeUnit unit) {
        long deadline = System.nanoTime() + unit.toNanos(timeout);
        while (outstanding.get() > 0) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return false;
            }
            LockSupport.parkNanos(this, left);
        }
        return true;
    }
}
