package io.kvcache.master.upstream;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

import io.kvcache.protocol.Request;

/**
 * The replies one client thread waits for: it forwards a batch of requests, then parks until
 * every reply has arrived. One counter and one unpark per batch, not per reply.
 */
public final class ReplyGroup {

    private final AtomicInteger outstanding = new AtomicInteger();
    private final Thread waiter = Thread.currentThread();
    private final List<PendingReply> expected = new ArrayList<>(4);

    /** A reply to come for this request, sent to this shard. Called by the waiting thread only. */
    public PendingReply expect(Request request, String shard) {
        outstanding.incrementAndGet();
        PendingReply reply = new PendingReply(this, request, shard);
        expected.add(reply);
        return reply;
    }

    /** Every reply expected so far, in the order the requests were sent. */
    public List<PendingReply> expected() {
        return expected;
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
