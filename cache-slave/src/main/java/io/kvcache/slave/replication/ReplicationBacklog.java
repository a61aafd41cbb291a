package io.kvcache.slave.replication;

import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The replication stream's recent past, as Redis's repl_backlog: the bytes from offset
 * {@link #start()} to {@link #end()}, kept in fixed-size segments and trimmed from the front
 * once they exceed the capacity. Appends come under the store's lock; each replica's poll
 * reads from its own offset. A replica asking for bytes already trimmed needs a full sync.
 * <p>
 * The segments live outside the heap, as Redis's backlog lives outside any collector: on the heap,
 * 64 MB of young segments were copied by every young collection until they were tenured, which
 * made a slave's young pauses 80-200 ms under a write load (JFR, docs/benchmarks.md). Segments are
 * allocated as the backlog first fills and then reused: trimmed ones and those a reset drops go to
 * a pool, so direct memory is never left for the collector to free.
 */
public final class ReplicationBacklog {

    static final int SEGMENT = 64 * 1024;

    private final long capacity;
    private final ReentrantLock lock = new ReentrantLock();
    private final ArrayList<ByteBuffer> segments = new ArrayList<>();
    /** Segments to reuse before allocating: trimmed from the front, or dropped by a reset. */
    private final ArrayDeque<ByteBuffer> pool = new ArrayDeque<>();
    /** Offset of the first byte of the first segment (may be before start after a trim). */
    private long segmentsStart;
    private long start;
    private long end;

    public ReplicationBacklog(long capacity) {
        this.capacity = capacity;
    }

    public void append(byte[] bytes, int offset, int length) {
        if (length == 0) {
            return;
        }
        lock.lock();
        try {
            int written = 0;
            while (written < length) {
                if (end == segmentsStart + (long) segments.size() * SEGMENT) {
                    segments.add(newSegment());
                }
                int used = (int) (end - segmentsStart - (long) (segments.size() - 1) * SEGMENT);
                int n = Math.min(length - written, SEGMENT - used);
                segments.getLast().put(used, bytes, offset + written, n);
                written += n;
                end += n;
            }
            while (end - segmentsStart > capacity + SEGMENT && segments.size() > 1) {
                pool.push(segments.removeFirst());
                segmentsStart += SEGMENT;
            }
            start = Math.max(start, segmentsStart);
        } finally {
            lock.unlock();
        }
    }

    /** Forgets everything: the stream continues at the given offset (after a full sync). */
    public void reset(long offset) {
        lock.lock();
        try {
            pool.addAll(segments);
            segments.clear();
            segmentsStart = offset - offset % SEGMENT;
            start = offset;
            end = offset;
            // The segment holding the offset starts before it; its leading bytes are never read.
            if (offset % SEGMENT != 0) {
                segments.add(newSegment());
            }
        } finally {
            lock.unlock();
        }
    }

    public long start() {
        lock.lock();
        try {
            return start;
        } finally {
            lock.unlock();
        }
    }

    public long end() {
        lock.lock();
        try {
            return end;
        } finally {
            lock.unlock();
        }
    }

    /**
     * The bytes from {@code from} up to at most {@code max} bytes (possibly ending inside a
     * command; the reader keeps the incomplete tail for the next read).
     *
     * @return the bytes (empty at the end), or null when {@code from} has been trimmed or is beyond the end
     */
    public byte[] read(long from, int max) {
        return read(from, Long.MAX_VALUE, max);
    }

    /** As {@link #read(long, int)}, stopping at offset {@code to}. */
    public byte[] read(long from, long to, int max) {
        lock.lock();
        try {
            if (from < start || from > end) {
                return null;
            }
            long stop = Math.min(Math.min(end, to), from + max);
            byte[] out = new byte[(int) (stop - from)];
            int copied = 0;
            long position = from;
            while (position < stop) {
                int index = (int) ((position - segmentsStart) / SEGMENT);
                int within = (int) ((position - segmentsStart) % SEGMENT);
                int n = (int) Math.min(SEGMENT - within, stop - position);
                segments.get(index).get(within, out, copied, n);
                copied += n;
                position += n;
            }
            return out;
        } finally {
            lock.unlock();
        }
    }

    private ByteBuffer newSegment() {
        ByteBuffer pooled = pool.poll();
        return pooled != null ? pooled : ByteBuffer.allocateDirect(SEGMENT);
    }
}
