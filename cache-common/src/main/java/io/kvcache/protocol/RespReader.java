package io.kvcache.protocol;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.ReadableByteChannel;
import java.util.Arrays;

/**
 * A resumable request parser for one connection, following Redis 7's networking.c
 * (processInlineBuffer, processMultibulkBuffer): the first byte of each request decides
 * between a RESP multibulk ({@code *}) and an inline command; arguments are binary-safe.
 * <p>
 * Feed bytes with {@link #readFrom(InputStream)} or {@link #feed(byte[], int, int)}, then
 * call {@link #next()} until it returns null. It returns a {@link Request} or, once, a
 * {@link ProtocolError}, after which the connection must be closed.
 * <p>
 * While {@link #authenticationPending(boolean) authentication is pending} (the port requires a
 * password and the client has not given it), Redis's unauthenticated limits apply: 10 arguments,
 * 16 KB bulks, 1 MB buffered.
 * <p>
 * What the reader holds beyond a small allowance is reserved from the process's
 * {@link ClientMemory}; a request that would take more than is left closes the connection silently,
 * as one over client-query-buffer-limit does.
 */
public final class RespReader {

    /** Bulks at least this long are read straight into their own array (Redis's PROTO_MBULK_BIG_ARG). */
    static final int BIG_ARG = 32 * 1024;
    static final int INITIAL_BUFFER = 16 * 1024;
    private static final byte[] NO_BUFFER = {};
    private static final int SHRINK_ABOVE = 1024 * 1024;

    private static final int TYPE_NONE = 0;
    private static final int TYPE_MULTIBULK = 1;
    private static final int TYPE_INLINE = 2;

    private final ProtocolLimits limits;

    /** Allocated when bytes first arrive; while {@link #borrowing}, the lender's. */
    private byte[] buf = NO_BUFFER;
    private int start;
    private int end;
    /** The I/O thread's buffer this reader reads into whenever it holds nothing unparsed, or null. */
    private SharedReadBuffer lender;
    private boolean borrowing;

    private int reqType = TYPE_NONE;
    private int multibulkRemaining;
    private long bulkLen = -1;
    private byte[][] argv;
    private int argc;
    private long pendingArgBytes;

    /** A bulk of BIG_ARG or more, filled directly (grown progressively: a declared length is no promise). */
    private byte[] bigArg;
    private int bigArgFilled;

    private boolean failed;
    private boolean authPending;
    /** Whether requests keep the bytes they arrived as ({@link Request#raw}), for forwarding or logging them. */
    private boolean keepRaw = true;
    /** The last request's command name, shared by the next one of the same name (a copy less per request). */
    private byte[] lastName;
    private static final int MAX_SHARED_NAME = 32;
    private final ClientMemory.Share memory;
    /** A buffer could not grow within the client memory budget: the next call to next() fails. */
    private boolean overBudget;
    /** When bytes last arrived ({@link System#nanoTime()}): a client uploading a large value is not idle. */
    private volatile long lastRead = System.nanoTime();

    public RespReader(ProtocolLimits limits) {
        this(limits, ClientMemory.UNLIMITED);
    }

    public RespReader(ProtocolLimits limits, ClientMemory memory) {
        this.limits = limits;
        this.memory = memory.share();
    }

    /**
     * Reads what the stream has (blocking until at least one byte) into this reader.
     *
     * @return the number of bytes read, or -1 at end of stream
     */
    public int readFrom(InputStream in) throws IOException {
        return readInto(in::read);
    }

    /**
     * Reads what the channel has now (a non-blocking channel may give nothing) into this reader.
     *
     * @return the number of bytes read (0 when none were ready or no room could be made), or -1 at end of stream
     */
    public int readFrom(ReadableByteChannel in) throws IOException {
        return readInto((b, off, len) -> in.read(ByteBuffer.wrap(b, off, len)));
    }

    /**
     * Reads as {@link #readFrom(ReadableByteChannel)}, into the thread's shared buffer when this
     * reader holds nothing unparsed. The caller parses what it can, then calls {@link #giveBack()}
     * before the thread reads for another connection.
     */
    public int readFrom(ReadableByteChannel in, SharedReadBuffer shared) throws IOException {
        if (!borrowing && !shared.lent && start == end && bigArg == null && !failed) {
            lender = shared;
            shared.lent = true;
            borrowing = true;
            buf = shared.bytes;
            start = end = 0;
        }
        return readFrom(in);
    }

    /** Returns the shared buffer, moving what is left unparsed into a buffer of this reader's own. */
    public void giveBack() {
        if (!borrowing) {
            return;
        }
        stopBorrowing();
        int left = end - start;
        buf = left == 0 ? NO_BUFFER : Arrays.copyOfRange(buf, start, start + Math.max(left, INITIAL_BUFFER));
        start = 0;
        end = left;
        if (left > 0 && !covers(0)) {
            overBudget = true; // the next parse fails the connection, as a buffer that cannot grow
        }
    }

    private void stopBorrowing() {
        if (borrowing) {
            borrowing = false;
            lender.lent = false;
        }
    }

    /** What this reader's buffer costs it: nothing while it is the lender's. */
    int ownBytes() {
        return borrowing ? 0 : buf.length;
    }

    /** A source of bytes: a stream's or a channel's read into part of an array. */
    @FunctionalInterface
    private interface Source {
        int read(byte[] b, int off, int len) throws IOException;
    }

    /** Reads into the big argument being filled, else into the buffer (made room for first). */
    private int readInto(Source in) throws IOException {
        if (failed) {
            return -1; // the connection is being closed: read nothing more, as Redis
        }
        if (bigArg != null && bigArgFilled < bulkLen) {
            if (!ensureBigArgRoom()) {
                return 0;
            }
            int n = in.read(bigArg, bigArgFilled, (int) Math.min(bigArg.length, bulkLen) - bigArgFilled);
            if (n > 0) {
                bigArgFilled += n;
                lastRead = System.nanoTime();
            }
            return n;
        }
        if (!makeRoom()) {
            return 0;
        }
        int n = in.read(buf, end, buf.length - end);
        if (n > 0) {
            end += n;
            lastRead = System.nanoTime();
        }
        return n;
    }

    /** Appends bytes, as if read from the connection (tests, and callers that own the I/O). */
    public void feed(byte[] data, int off, int len) {
        if (failed) {
            return;
        }
        while (len > 0) {
            if (bigArg != null && bigArgFilled < bulkLen) {
                if (!ensureBigArgRoom()) {
                    return;
                }
                int n = (int) Math.min(len, Math.min(bigArg.length, bulkLen) - bigArgFilled);
                System.arraycopy(data, off, bigArg, bigArgFilled, n);
                bigArgFilled += n;
                off += n;
                len -= n;
                // The bytes after the argument may still be for the buffer.
                continue;
            }
            if (!makeRoom()) {
                return;
            }
            int n = Math.min(len, buf.length - end);
            System.arraycopy(data, off, buf, end, n);
            end += n;
            off += n;
            len -= n;
        }
    }

    /**
     * Requests come without {@link Request#raw}: for a reader whose requests are only executed (a
     * replica applying its stream, which records the stream's own bytes), one copy less per request.
     */
    public RespReader withoutRaw() {
        keepRaw = false;
        return this;
    }

    /** Whether the client still has to authenticate: the unauthenticated limits apply while it does. */
    public void authenticationPending(boolean pending) {
        this.authPending = pending;
    }

    public boolean isAuthenticationPending() {
        return authPending;
    }

    /** When bytes last arrived from the connection, as {@link System#nanoTime()}. */
    public long lastRead() {
        return lastRead;
    }

    /** Bytes buffered but not yet parsed into requests. */
    public int buffered() {
        return end - start;
    }

    /**
     * The next complete request, a protocol error (returned once; the reader is then dead), or
     * null when more bytes are needed.
     */
    public Object next() {
        if (failed) {
            return null;
        }
        if (overBudget) {
            return fail(null);
        }
        while (true) {
            if (reqType == TYPE_NONE) {
                if (start == end) {
                    compactWhenIdle();
                    return null;
                }
                reqType = buf[start] == '*' ? TYPE_MULTIBULK : TYPE_INLINE;
            }
            Object result = reqType == TYPE_INLINE ? parseInline() : parseMultibulk();
            if (result == NEED_MORE) {
                if (exceedsQueryBuffer()) {
                    return fail(null);
                }
                return null;
            }
            reqType = TYPE_NONE;
            if (result != SKIP) {
                return result;
            }
        }
    }

    private static final Object NEED_MORE = new Object();
    private static final Object SKIP = new Object();

    private Object parseInline() {
        int newline = indexOf((byte) '\n', start, end);
        if (newline < 0) {
            return end - start > limits.maxInlineLength() ? fail(RespErrors.PROTOCOL_TOO_BIG_INLINE) : NEED_MORE;
        }
        if (newline - start > limits.maxInlineLength()) {
            return fail(RespErrors.PROTOCOL_TOO_BIG_INLINE);
        }
        int lineEnd = newline;
        if (lineEnd != start && buf[lineEnd - 1] == '\r') {
            lineEnd--;
        }
        byte[][] args = InlineSplitter.split(buf, start, lineEnd);
        if (args == null) {
            return fail(RespErrors.PROTOCOL_UNBALANCED_QUOTES);
        }
        start = newline + 1;
        return args.length == 0 ? SKIP : new Request(args);
    }

    private Object parseMultibulk() {
        // Where the request began, when it began in this call: then it is whole in buf and kept raw.
        int rawFrom = argv == null ? start : -1;
        if (argv == null) {
            int cr = indexOf((byte) '\r', start, end);
            if (cr < 0) {
                return end - start > limits.maxInlineLength()
                        ? fail(RespErrors.PROTOCOL_TOO_BIG_MBULK_COUNT) : NEED_MORE;
            }
            if (cr + 1 >= end) {
                return NEED_MORE; // Redis wants the byte after '\r' present (it does not check it is '\n')
            }
            long count;
            try {
                count = RedisNumbers.parseLong(buf, start + 1, cr);
            } catch (RedisNumbers.NotANumber e) {
                return fail(RespErrors.PROTOCOL_INVALID_MULTIBULK);
            }
            if (count > Integer.MAX_VALUE) {
                return fail(RespErrors.PROTOCOL_INVALID_MULTIBULK);
            }
            if (authPending && count > ProtocolLimits.UNAUTHENTICATED_MAX_ARGS) {
                return fail(RespErrors.PROTOCOL_UNAUTHENTICATED_MULTIBULK);
            }
            start = cr + 2;
            if (count <= 0) {
                return SKIP;
            }
            multibulkRemaining = (int) count;
            // Grow argv as arguments arrive: a declared count is no promise (Redis caps its first allocation at 1024).
            argv = new byte[Math.min(multibulkRemaining, 1024)][];
            argc = 0;
            pendingArgBytes = 0;
        }
        while (multibulkRemaining > 0) {
            if (bulkLen == -1) {
                int cr = indexOf((byte) '\r', start, end);
                if (cr < 0) {
                    return end - start > limits.maxInlineLength()
                            ? fail(RespErrors.PROTOCOL_TOO_BIG_BULK_COUNT) : NEED_MORE;
                }
                if (cr + 1 >= end) {
                    return NEED_MORE;
                }
                if (buf[start] != '$') {
                    return fail(String.format(RespErrors.PROTOCOL_EXPECTED_DOLLAR_FORMAT, (char) (buf[start] & 0xff)));
                }
                long len;
                try {
                    len = RedisNumbers.parseLong(buf, start + 1, cr);
                } catch (RedisNumbers.NotANumber e) {
                    return fail(RespErrors.PROTOCOL_INVALID_BULK);
                }
                if (len < 0 || len > limits.maxBulkLength()) {
                    return fail(RespErrors.PROTOCOL_INVALID_BULK);
                }
                if (authPending && len > ProtocolLimits.UNAUTHENTICATED_MAX_BULK) {
                    return fail(RespErrors.PROTOCOL_UNAUTHENTICATED_BULK);
                }
                start = cr + 2;
                bulkLen = len;
            }
            byte[] arg;
            if (bigArg != null) {
                // Redis skips the two bytes after a bulk without checking them; so do we.
                if (bigArgFilled < bulkLen || end - start < 2) {
                    return NEED_MORE;
                }
                arg = bigArg.length == bulkLen ? bigArg : Arrays.copyOf(bigArg, (int) bulkLen);
                bigArg = null;
                start += 2;
            } else if (end - start >= bulkLen + 2) {
                int argEnd = start + (int) bulkLen;
                if (argc == 0 && lastName != null && Arrays.equals(buf, start, argEnd, lastName, 0, lastName.length)) {
                    arg = lastName; // the command of the request before: a pipeline repeats it, and nothing writes to a name
                } else {
                    arg = Arrays.copyOfRange(buf, start, argEnd);
                }
                start = argEnd + 2;
            } else if (bulkLen >= BIG_ARG) {
                if (!startBigArg()) {
                    return fail(null);
                }
                return NEED_MORE;
            } else {
                return NEED_MORE;
            }
            bulkLen = -1;
            if (argc == argv.length) {
                argv = Arrays.copyOf(argv, Math.min(argv.length * 2, argc + multibulkRemaining));
            }
            argv[argc++] = arg;
            pendingArgBytes += arg.length;
            multibulkRemaining--;
            if (multibulkRemaining > 0 && !covers(0)) {
                return fail(null);
            }
        }
        byte[] raw = keepRaw && rawFrom >= 0 && start - rawFrom <= Request.MAX_RAW ? Arrays.copyOfRange(buf, rawFrom, start) : null;
        Request request = new Request(argc == argv.length ? argv : Arrays.copyOf(argv, argc), raw);
        lastName = argv[0].length <= MAX_SHARED_NAME ? argv[0] : null; // a reader holds no large argument
        argv = null;
        pendingArgBytes = 0;
        memory.shrinkTo(ownBytes()); // the arguments belong to the request now
        return request;
    }

    /** Moves what is buffered of a big bulk into its own array; further reads go straight there. */
    private boolean startBigArg() {
        int have = (int) Math.min(end - start, bulkLen);
        int size = (int) Math.min(bulkLen, Math.max(have, 1024 * 1024));
        if (!covers(size)) {
            return false;
        }
        bigArg = new byte[size];
        System.arraycopy(buf, start, bigArg, 0, have);
        bigArgFilled = have;
        start += have;
        return true;
    }

    private boolean ensureBigArgRoom() {
        if (bigArgFilled == bigArg.length && bigArg.length < bulkLen) {
            int size = (int) Math.min(bulkLen, (long) bigArg.length * 2);
            if (!covers(size - bigArg.length)) {
                overBudget = true;
                return false;
            }
            bigArg = Arrays.copyOf(bigArg, size);
        }
        return true;
    }

    /**
     * Whether the client memory budget covers what this reader holds plus {@code extra} bytes.
     * An argument is counted with the array header and reference it costs on the heap.
     */
    private boolean covers(long extra) {
        long holding = ownBytes() + (bigArg == null ? 0 : bigArg.length) + pendingArgBytes + 24L * argc + extra;
        return memory.cover(holding);
    }

    /**
     * Gives back every reservation: the connection closed. May be called from another thread than
     * the one reading, so it touches no buffer; they go with the reader.
     */
    public void dispose() {
        memory.close();
    }

    private boolean exceedsQueryBuffer() {
        long pending = (long) (end - start) + pendingArgBytes + (bigArg == null ? 0 : bigArgFilled);
        return pending > limits.maxQueryBuffer()
                || (authPending && pending > ProtocolLimits.UNAUTHENTICATED_MAX_QUERY_BUFFER);
    }

    private ProtocolError fail(String reply) {
        failed = true;
        stopBorrowing();
        buf = NO_BUFFER;
        start = end = 0;
        argv = null;
        bigArg = null;
        memory.shrinkTo(0);
        return new ProtocolError(reply);
    }

    /** Makes room at the end of the buffer, compacting first and growing only for one long request. */
    private boolean makeRoom() {
        if (end < buf.length) {
            return true;
        }
        if (start > 0) {
            System.arraycopy(buf, start, buf, 0, end - start);
            end -= start;
            start = 0;
        }
        if (end == buf.length) {
            int size = Math.max(INITIAL_BUFFER, buf.length * 2);
            if (!covers(size - ownBytes())) {
                overBudget = true;
                return false;
            }
            buf = Arrays.copyOf(buf, size);
            stopBorrowing(); // one long request: it goes on in a buffer of its own
        }
        return true;
    }

    private void compactWhenIdle() {
        start = end = 0;
        if (lender != null && !borrowing && buf != NO_BUFFER) {
            buf = NO_BUFFER; // its next read borrows again
            memory.shrinkTo(0);
        } else if (buf.length > SHRINK_ABOVE) {
            buf = new byte[INITIAL_BUFFER];
            memory.shrinkTo(buf.length);
        }
    }

    /**
     * Where the line ends, as Redis's strchr finds it: a NUL byte ends the search, so a line with
     * a NUL before its end is never complete for Redis (it waits, then fails as too big).
     */
    private int indexOf(byte b, int from, int to) {
        byte[] a = buf;
        for (int i = from; i < to; i++) {
            if (a[i] == b) {
                return i;
            }
            if (a[i] == 0) {
                return -1;
            }
        }
        return -1;
    }
}
