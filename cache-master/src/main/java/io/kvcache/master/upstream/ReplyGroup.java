package io.kvcache.master.upstream;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

import io.kvcache.protocol.ClientMemory;
import io.kvcache.protocol.Request;

/**
 * The replies a client's batch waits for: one counter per batch, not per reply. An I/O loop forwards
 * the batch and leaves a callback run by whoever completes the last reply ({@link #deferred},
 * {@link #whenComplete}); a thread that may block (steps that must follow one another) parks in
 * {@link #await} instead.
 * <p>
 * The replies count against the client's output buffer limit and the process's client memory as
 * they arrive: past either, the group drops them (the client will be closed), so a client cannot
 * make the master hold more of its replies than its limit, whatever it asks the shards for.
 */
public final class ReplyGroup {

    private final AtomicInteger outstanding = new AtomicInteger();
    /** The thread parked in {@link #await}, if any. */
    private volatile Thread waiter;
    /** Run by whoever completes the last reply, when the group is completed by callback. */
    private volatile Runnable whenDone;
    /** A deferred group holds one count until {@link #whenComplete} or {@link #await}: it cannot complete while requests are still being sent. */
    private boolean held;
    private final long limit;
    private final ClientMemory memory;
    private final AtomicLong bytes = new AtomicLong();
    private volatile boolean overflowed;
    /** The reservation for replies beyond the free allowance, taken when first needed. */
    private ClientMemory.Share share;
    private final List<PendingReply> expected = new ArrayList<>(4);

    /** A group without limits (the master's own steps of a command). */
    public ReplyGroup() {
        this(Long.MAX_VALUE, ClientMemory.UNLIMITED);
    }

    /** @param limit the most reply bytes the client may be sent (client-output-buffer-limit hard) */
    public ReplyGroup(long limit, ClientMemory memory) {
        this.limit = limit;
        this.memory = memory;
    }

    /** The budget the client's buffers share with every other client of the port. */
    public ClientMemory memory() {
        return memory;
    }

    /** A group an I/O loop fills and leaves: completed through {@link #whenComplete}, or later awaited by another thread. */
    public static ReplyGroup deferred(long limit, ClientMemory memory) {
        ReplyGroup group = new ReplyGroup(limit, memory);
        group.held = true;
        group.outstanding.set(1);
        return group;
    }

    /**
     * Runs done once every reply expected so far has arrived: at once if they all have, else on the
     * thread that completes the last. Nothing more may be expected after.
     */
    public void whenComplete(Runnable done) {
        this.whenDone = done;
        releaseHold();
    }

    private void releaseHold() {
        if (held) {
            held = false;
            arrived();
        }
    }

    /** A reply to come for this request, sent to this shard. Called by the waiting thread only. */
    public PendingReply expect(Request request, String shard) {
        return expect(request, shard, true);
    }

    /** As {@link #expect(Request, String)} for a reply relayed as it comes, redirect or not (a transaction's parts). */
    public PendingReply expectAsIs(Request request, String shard) {
        return expect(request, shard, false);
    }

    private PendingReply expect(Request request, String shard, boolean redirectable) {
        outstanding.incrementAndGet();
        PendingReply reply = new PendingReply(this, request, shard, redirectable);
        expected.add(reply);
        return reply;
    }

    /** Every reply expected so far, in the order the requests were sent. */
    public List<PendingReply> expected() {
        return expected;
    }

    /** Whether a reply of n bytes may be kept; false from the reply that passes a limit on. */
    boolean admit(int n) {
        if (overflowed) {
            return false;
        }
        long total = bytes.addAndGet(n);
        if (total > limit || !cover(total)) {
            overflowed = true;
            return false;
        }
        return true;
    }

    private boolean cover(long total) {
        if (total <= ClientMemory.FREE_PER_CLIENT || memory == ClientMemory.UNLIMITED) {
            return true;
        }
        synchronized (this) {
            if (share == null) {
                share = memory.share();
            }
            return share.cover(total);
        }
    }

    /** True when replies were dropped: the client must be closed, not answered. */
    public boolean overflowed() {
        return overflowed;
    }

    /** Gives back the memory reserved for the replies, once they have been written (or dropped). */
    public synchronized void release() {
        if (share != null) {
            share.close();
        }
    }

    void arrived() {
        if (outstanding.decrementAndGet() == 0) {
            Runnable done = whenDone;
            if (done != null) {
                done.run();
                return;
            }
            Thread w = waiter;
            if (w != null) {
                LockSupport.unpark(w);
            }
        }
    }

    /** Waits until every expected reply arrived; false on timeout. */
    public boolean await(long timeout, TimeUnit unit) {
        waiter = Thread.currentThread();
        releaseHold();
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
