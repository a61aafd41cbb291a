package io.kvcache.protocol;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Encodes RESP2 replies into one growable buffer, so that all replies of a batch of pipelined
 * requests leave in one write. Reusable: {@link #reset()} after the buffer was written.
 */
public final class RespWriter {

    private static final byte[] OK = "+OK\r\n".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] NULL_BULK = "$-1\r\n".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] NULL_ARRAY = "*-1\r\n".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] CRLF = {'\r', '\n'};
    private static final int SHRINK_ABOVE = 1024 * 1024;
    private static final int INITIAL = 4096;

    private byte[] buf;
    private int len;

    public RespWriter() {
        this(INITIAL);
    }

    public RespWriter(int initialCapacity) {
        this.buf = new byte[initialCapacity];
    }

    public RespWriter ok() {
        return raw(OK);
    }

    /** A simple string: {@code +text}. The text must not contain CR or LF. */
    public RespWriter simple(String text) {
        ensure(text.length() + 3);
        buf[len++] = '+';
        ascii(text);
        return raw(CRLF);
    }

    /** An error line: {@code -text} (text as in {@link RespErrors}, CR and LF replaced by spaces). */
    public RespWriter error(String text) {
        String safe = RespErrors.sanitize(text);
        byte[] bytes = safe.getBytes(StandardCharsets.ISO_8859_1);
        ensure(bytes.length + 3);
        buf[len++] = '-';
        System.arraycopy(bytes, 0, buf, len, bytes.length);
        len += bytes.length;
        return raw(CRLF);
    }

    public RespWriter integer(long value) {
        ensure(24);
        buf[len++] = ':';
        decimal(value);
        buf[len++] = '\r';
        buf[len++] = '\n';
        return this;
    }

    public RespWriter bulk(byte[] value) {
        return bulk(value, 0, value.length);
    }

    public RespWriter bulk(byte[] value, int offset, int length) {
        ensure(length + 24);
        buf[len++] = '$';
        decimal(length);
        buf[len++] = '\r';
        buf[len++] = '\n';
        System.arraycopy(value, offset, buf, len, length);
        len += length;
        buf[len++] = '\r';
        buf[len++] = '\n';
        return this;
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
        ensure(24);
        buf[len++] = '*';
        decimal(count);
        buf[len++] = '\r';
        buf[len++] = '\n';
        return this;
    }

    /** Bytes already encoded as RESP (a reply relayed from another server). */
    public RespWriter raw(byte[] encoded) {
        return raw(encoded, 0, encoded.length);
    }

    public RespWriter raw(byte[] encoded, int offset, int length) {
        ensure(length);
        System.arraycopy(encoded, offset, buf, len, length);
        len += length;
        return this;
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
        out.write(buf, 0, len);
    }

    public byte[] toByteArray() {
        return Arrays.copyOf(buf, len);
    }

    /** Forgets the content; a buffer grown for one huge reply is released. */
    public void reset() {
        len = 0;
        if (buf.length > SHRINK_ABOVE) {
            buf = new byte[INITIAL];
        }
    }

    /** Rolls back to an earlier {@link #size()}, dropping what was written since. */
    public void truncate(int size) {
        len = size;
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
        int digits = digits(value);
        int pos = len + digits;
        len = pos;
        while (value > 0) {
            buf[--pos] = (byte) ('0' + value % 10);
            value /= 10;
        }
    }

    private static int digits(long v) {
        int d = 1;
        while (v >= 10) {
            v /= 10;
            d++;
        }
        return d;
    }

    private void ensure(int extra) {
        long needed = (long) len + extra;
        if (needed > buf.length) {
            if (needed > Integer.MAX_VALUE - 16) {
                throw new IllegalStateException("reply too large");
            }
            buf = Arrays.copyOf(buf, (int) Math.max(needed, Math.min((long) buf.length * 2, Integer.MAX_VALUE - 16)));
        }
    }
}
