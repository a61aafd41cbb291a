package io.kvcache.slave.replication;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.PriorityQueue;

/**
 * The client batches a primary has not answered yet, each waiting until its writes, which end at
 * a stream offset, are applied by every in-sync replica. Batches register in the order their
 * writes ran, nearly always: two connections may register a hair out of order (the offset is taken
 * under the store's lock, the registration after it), so a late one goes to a small heap beside
 * the queue. Adding and completing cost O(1) amortized for the ordered ones.
 * <p>
 * Not thread-safe: {@link ReplicationManager} guards it with its lock and runs the waiters'
 * completions outside of it.
 */
final class WriteWaiters {

    /** A batch waiting for its writes, which end at offset, to be replicated. */
    interface Waiter {

        long offset();
    }

    private final ArrayDeque<Waiter> ordered = new ArrayDeque<>();
    private final PriorityQueue<Waiter> late = new PriorityQueue<>((a, b) -> Long.compare(a.offset(), b.offset()));

    void add(Waiter waiter) {
        Waiter last = ordered.peekLast();
        if (last == null || last.offset() <= waiter.offset()) {
            ordered.addLast(waiter);
        } else {
            late.add(waiter);
        }
    }

    /** Removes and returns, in offset order, every waiter whose writes end at or before offset. */
    List<Waiter> upTo(long offset) {
        List<Waiter> done = null;
        while (true) {
            Waiter a = ordered.peekFirst();
            Waiter b = late.peek();
            Waiter next = a == null ? b : b == null || a.offset() <= b.offset() ? a : b;
            if (next == null || next.offset() > offset) {
                return done == null ? List.of() : done;
            }
            if (next == a) {
                ordered.pollFirst();
            } else {
                late.poll();
            }
            if (done == null) {
                done = new ArrayList<>();
            }
            done.add(next);
        }
    }

    /** Removes and returns every waiter (this slave stopped being primary). */
    List<Waiter> all() {
        return upTo(Long.MAX_VALUE);
    }

    int size() {
        return ordered.size() + late.size();
    }
}
