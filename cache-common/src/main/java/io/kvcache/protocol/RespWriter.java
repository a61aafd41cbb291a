package io.kvcache.protocol;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.WritableByteChannel;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Encodes RESP2 replies into one growable buffer, so that all replies of a batch of pipelined
 * requests leave in one write. Reusable: {@link #reset()} after the buffer was written.
 * <p>
 * A server's writer may be {@link #watch watched}: past the client's output buffer limit, or when
 * the process's {@link ClientMemory} cannot cover more, it drops what it holds, ignores every
 * later write and tells its watcher, which closes the client (as Redis, whose addReply does
 * nothing for a client marked CLOSE_ASAP).
 */
public final class RespWriter {

    /** Told what becomes of a watched writer's replies. */
    public interface Watcher {

        /** The replies passed the limit: they are dropped and the client must be closed. */
        void overflowed();

        /** Part of a large write went out; {@code remaining} bytes are still to be written. */
        void written(long remaining);
    }

    /** Large replies are written in pieces of this size, each reported to the watcher. */
    static final int WRITE_CHUNK = 64 * 1024;

    private static final byte[] OK = "+OK\r\n".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] NULL_BULK = "$-1\r\n".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] NULL_ARRAY = "*-1\r\n".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] CRLF = {'\r', '\n'};
    private static final int SHRINK_ABOVE = 1024 * 1024;
    /** Enough for a pipelined batch of small replies; a connection that needs more grows once and keeps it. */
    private static final int INITIAL = 1024;
    private static final byte[] NO_BUFFER = {};

    /** Allocated at the first reply: a connection that waits (a client blocked in BLPOP) holds none. */
    private byte[] buf = NO_BUFFER;
    private final int initialCapacity;
    private int len;
    private final ClientMemory.Share memory;
    private long limit = Long.MAX_VALUE;
    private Watcher watcher;
    private boolean discarding;

    public RespWriter() {
        this(INITIAL);
    }

    public RespWriter(int initialCapacity) {
        this(initialCapacity, ClientMemory.UNLIMITED);
    }

    /** A writer whose growth beyond a small allowance is reserved from memory. */
    public RespWriter(ClientMemory memory) {
        this(INITIAL, memory);
    }

    private RespWriter(int initialCapacity, ClientMemory memory) {
        this.initialCapacity = initialCapacity;
        this.memory = memory.share();
    }

    /**
     * Watches the replies until the next {@link #reset()}.
     *
     * @param limit the most bytes the replies may take (client-output-buffer-limit's hard limit; 0 for none)
     */
    public void watch(long limit, Watcher watcher) {
        this.limit = limit <= 0 ? Long.MAX_VALUE : limit;
        this.watcher = watcher;
    }

    /** Bytes the replies may still take before the limit. */
    public long remaining() {
        return limit == Long.MAX_VALUE ? Long.MAX_VALUE : Math.max(0, limit - len);
    }

    /** The budget this writer's growth is reserved from (for replies held elsewhere on its behalf). */
    public ClientMemory memory() {
        return memory.budget();
    }

    /** Drops the replies as if they had passed the limit: they were too large to be held at all. */
    public void overflow() {
        if (!discarding) {
            discardAll();
        }
    }

    /** True once the replies passed the limit and were dropped. */
    public boolean overflowed() {
        return discarding;
    }

    /** One error reply, encoded (for replies built once and sent as they are). */
    public static byte[] encodedError(String text) {
        return new RespWriter(text.length() + 3).error(text).toByteArray();
    }

    public RespWriter ok() {
        return raw(OK);
    }

    /** A simple string: {@code +text}. The text must not contain CR or LF. */
    public RespWriter simple(String text) {
        if (!ensure(text.length() + 3)) {
            return this;
        }
        buf[len++] = '+';
        ascii(text);
        return raw(CRLF);
    }

    /** An error line: {@code -text} (text as in {@link RespErrors}, CR and LF replaced by spaces). */
    public RespWriter error(String text) {
        String safe = RespErrors.sanitize(text);
        byte[] bytes = safe.getBytes(StandardCharsets.ISO_8859_1);
        if (!ensure(bytes.length + 3)) {
            return this;
        }
        buf[len++] = '-';
        System.arraycopy(bytes, 0, buf, len, bytes.length);
        len += bytes.length;
        return raw(CRLF);
    }

    public RespWriter integer(long value) {
        if (!ensure(24)) {
            return this;
        }
        buf[len++] = ':';
        decimal(value);
        buf[len++] = '\r';
        buf[len++] = '\n';
        return checked();
    }

    public RespWriter bulk(byte[] value) {
        return bulk(value, 0, value.length);
    }

    public RespWriter bulk(byte[] value, int offset, int length) {
        if (!ensure(length + 24L)) {
            return this;
        }
        buf[len++] = '$';
        decimal(length);
        buf[len++] = '\r';
        buf[len++] = '\n';
        System.arraycopy(value, offset, buf, len, length);
        len += length;
        buf[len++] = '\r';
        buf[len++] = '\n';
        return checked();
    }

    /** A bulk string of an integer's decimal digits (GET of a counter), without building them first. */
    public RespWriter bulk(long value) {
        if (!ensure(48)) {
            return this;
        }
        buf[len++] = '$';
        decimal(RedisNumbers.length(value));
        buf[len++] = '\r';
        buf[len++] = '\n';
        decimal(value);
        buf[len++] = '\r';
        buf[len++] = '\n';
        return checked();
    }

    /** A bulk string, or the null bulk when value is null. */
    public RespWriter bulkOrNull(byte[] value) {
        return value == null ? nullBulk() : bulk(value);
    }

    public RespWriter bulk(String text) {
        return bulk(text.getBytes(StandardCharsets.UTF_8));
    }

    public RespWriter nullBulk() {
        return raw(NULL_BULK);
    }

    public RespWriter nullArray() {
        return raw(NULL_ARRAY);
    }

    public RespWriter array(int count) {
        if (!ensure(24)) {
            return this;
        }
        buf[len++] = '*';
        decimal(count);
        buf[len++] = '\r';
        buf[len++] = '\n';
        return checked();
    }

    /** Bytes already encoded as RESP (a reply relayed from another server). */
    public RespWriter raw(byte[] encoded) {
        return raw(encoded, 0, encoded.length);
    }

    public RespWriter raw(byte[] encoded, int offset, int length) {
        if (!ensure(length)) {
            return this;
        }
        System.arraycopy(encoded, offset, buf, len, length);
        len += length;
        return checked();
    }

    public int size() {
        return len;
    }

    /** The byte at a position already written (a reply's first byte tells its type). */
    public byte byteAt(int position) {
        return buf[position];
    }

    /** The first word of the error reply written at mark, for errorstats ("ERR", "WRONGTYPE"). */
    public String errorPrefix(int mark) {
        int end = mark + 1;
        while (end < len && buf[end] != ' ' && buf[end] != '\r') {
            end++;
        }
        return new String(buf, mark + 1, end - mark - 1, StandardCharsets.ISO_8859_1);
    }

    public boolean isEmpty() {
        return len == 0;
    }

    public void writeTo(OutputStream out) throws IOException {
        if (watcher == null || len <= WRITE_CHUNK) {
            out.write(buf, 0, len);
            return;
        }
        // In pieces, so that a client reading a large reply slowly is seen to make progress.
        for (int off = 0; off < len; off += WRITE_CHUNK) {
            int n = Math.min(WRITE_CHUNK, len - off);
            out.write(buf, off, n);
            watcher.written(len - off - n);
        }
    }

    /**
     * Writes what the channel takes now, from position {@code from} (a non-blocking channel may take
     * only part), telling the watcher what remains.
     *
     * @return the position after what was written
     */
    public int writeTo(WritableByteChannel out, int from) throws IOException {
        int n = out.write(ByteBuffer.wrap(buf, from, len - from));
        int at = from + Math.max(0, n);
        if (watcher != null) {
            watcher.written(len - at);
        }
        return at;
    }

    /** Takes a range of bytes (valid during the call only). */
    @FunctionalInterface
    public interface ByteRangeSink {
        void accept(byte[] bytes, int offset, int length);
    }

    /** Hands the content to sink without copying it (as {@link #toByteArray()} would). */
    public void contentTo(ByteRangeSink sink) {
        sink.accept(buf, 0, len);
    }

    public byte[] toByteArray() {
        return Arrays.copyOf(buf, len);
    }

    /** Rewrites what was written from position from on, in RESP3 as that command's reply takes it. */
    public void toResp3(int from, Resp3.Shape shape) {
        if (discarding || from >= len) {
            return; // dropped past the client's limit: the client is closed, not answered
        }
        byte[] converted = Resp3.convert(buf, from, len, shape);
        len = from;
        raw(converted);
    }

    /** Forgets the content and the watcher; a buffer grown for one huge reply is released. */
    public void reset() {
        len = 0;
        discarding = false;
        limit = Long.MAX_VALUE;
        watcher = null;
        // A buffer that took budget goes back at once: a writer outlives no reservation.
        if (buf.length > SHRINK_ABOVE || memory.reserved() > 0) {
            buf = NO_BUFFER;
            memory.shrinkTo(0);
        }
    }

    /** Gives back what the writer reserved from the client memory budget, for good (its connection closed). */
    public void dispose() {
        memory.close();
    }

    /** Rolls back to an earlier {@link #size()}, dropping what was written since. */
    public void truncate(int size) {
        if (!discarding) {
            len = size;
        }
    }

    @Override
    public String toString() {
        return new String(buf, 0, len, StandardCharsets.ISO_8859_1);
    }

    private void ascii(String text) {
        for (int i = 0; i < text.length(); i++) {
            buf[len++] = (byte) text.charAt(i);
        }
    }

    private void decimal(long value) {
        if (value == Long.MIN_VALUE) {
            ascii("-9223372036854775808");
            return;
        }
        if (value < 0) {
            buf[len++] = '-';
            value = -value;
        }
        if (value < 10) {
            buf[len++] = (byte) ('0' + value);
            return;
        }
        int digits = RedisNumbers.length(value); // value > 0 here: no sign
        int pos = len + digits;
        len = pos;
        while (value > 0) {
            buf[--pos] = (byte) ('0' + value % 10);
            value /= 10;
        }
    }

    /** Makes room for extra bytes; false when the replies are (now) being dropped. */
    private boolean ensure(long extra) {
        if (discarding) {
            return false;
        }
        long needed = len + extra;
        if (needed - HEADROOM > limit) {
            discardAll(); // over the limit whatever the exact size: do not even make room
            return false;
        }
        if (needed > buf.length) {
            if (needed > Integer.MAX_VALUE - 16) {
                throw new IllegalStateException("reply too large");
            }
            int size = (int) Math.max(Math.max(needed, initialCapacity), Math.min((long) buf.length * 2, Integer.MAX_VALUE - 16));
            if (!memory.cover(size)) {
                discardAll();
                return false;
            }
            buf = Arrays.copyOf(buf, size);
        }
        return true;
    }

    /** Slack that ensure() asks for beyond a reply's exact size (a length's digits, CRLFs). */
    private static final int HEADROOM = 24;

    /** The exact check, once a reply is written: Redis closes a client whose output is over its hard limit. */
    private RespWriter checked() {
        if (len > limit) {
            discardAll();
        }
        return this;
    }

    private void discardAll() {
        discarding = true;
        len = 0;
        if (buf.length > SHRINK_ABOVE) {
            buf = NO_BUFFER;
            memory.shrinkTo(0);
        }
        if (watcher != null) {
            watcher.overflowed();
        }
    }
}
