package io.kvcache.slave.replication;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * An HTTP/1.1 GET whose response body is read as it arrives, over one blocking socket channel:
 * a replica's stream from its primary. It exists for the cost of a frame: through
 * {@link java.net.HttpURLConnection} a frame took six system calls on the replica (a read that
 * found nothing, a poll for the read timeout, the read, and {@code available()} twice from the
 * buffered and chunked streams), here it takes one read, which also takes whatever else arrived.
 * The read has no timeout: the replica's sweeper closes a stream that stays silent
 * ({@link #close()} ends a blocked read at once).
 * <p>
 * The body is decoded as {@code Transfer-Encoding: chunked} (what Tomcat sends for a response
 * without a length), by its {@code Content-Length}, or up to the end of the connection.
 */
final class StreamingGet extends InputStream {

    /** On the heap: a direct buffer per stream would be freed only by a GC, however often replicas reconnect. */
    private static final int BUFFER = 128 * 1024;
    private static final int MAX_HEAD = 64 * 1024;
    /** The body has no length: it ends with the connection. */
    private static final long UNTIL_CLOSED = -1;

    private final SocketChannel channel;
    private final ByteBuffer in = ByteBuffer.allocate(BUFFER).flip();
    private final int status;
    private final Map<String, String> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
    private final boolean chunked;
    /** Body bytes left in the current chunk (or in the whole body when not chunked, or UNTIL_CLOSED). */
    private long remaining;
    /** The current chunk's data has been read and its CRLF not yet. */
    private boolean chunkTrailerDue;
    private boolean ended;
    private final byte[] one = new byte[1];

    private StreamingGet(SocketChannel channel, int headTimeoutMillis) throws IOException {
        this.channel = channel;
        String[] lines = readHead(headTimeoutMillis).split("\r\n");
        String[] statusLine = lines[0].split(" ", 3);
        if (statusLine.length < 2 || !statusLine[0].startsWith("HTTP/1.")) {
            throw new IOException("not an HTTP response: " + lines[0]);
        }
        this.status = parseStatus(statusLine[1]);
        for (int i = 1; i < lines.length; i++) {
            int colon = lines[i].indexOf(':');
            if (colon > 0) {
                headers.put(lines[i].substring(0, colon).trim(), lines[i].substring(colon + 1).trim());
            }
        }
        this.chunked = headers.getOrDefault("Transfer-Encoding", "").toLowerCase(Locale.ROOT).contains("chunked");
        String length = headers.get("Content-Length");
        this.remaining = chunked ? 0 : length != null ? Long.parseLong(length) : UNTIL_CLOSED;
        this.ended = !chunked && remaining == 0;
    }

    /**
     * Sends {@code GET target} to the server of base with the given request headers and reads the
     * answer's status line and headers, each within its timeout.
     */
    static StreamingGet open(URI base, String target, Map<String, String> requestHeaders, int connectTimeoutMillis,
                             int headTimeoutMillis) throws IOException {
        SocketChannel channel = SocketChannel.open();
        try {
            channel.socket().connect(new InetSocketAddress(base.getHost(), base.getPort()), connectTimeoutMillis);
            channel.socket().setTcpNoDelay(true);
            StringBuilder request = new StringBuilder("GET ").append(target).append(" HTTP/1.1\r\nHost: ")
                    .append(base.getHost()).append(':').append(base.getPort()).append("\r\n");
            requestHeaders.forEach((name, value) -> {
                if (value.indexOf('\r') >= 0 || value.indexOf('\n') >= 0) {
                    throw new IllegalArgumentException("a line break in the value of request header " + name);
                }
                request.append(name).append(": ").append(value).append("\r\n");
            });
            request.append("Connection: close\r\n\r\n");
            ByteBuffer out = ByteBuffer.wrap(request.toString().getBytes(StandardCharsets.ISO_8859_1));
            while (out.hasRemaining()) {
                channel.write(out);
            }
            return new StreamingGet(channel, headTimeoutMillis);
        } catch (IOException | RuntimeException e) {
            channel.close();
            throw e;
        }
    }

    int status() {
        return status;
    }

    /** A header of the answer, or null. */
    String header(String name) {
        return headers.get(name);
    }

    @Override
    public int read() throws IOException {
        return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
    }

    /** Reads at least one byte of the body (blocking until one arrives), at most len; -1 at its end. */
    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        if (len == 0) {
            return 0;
        }
        while (!bodyAvailable()) {
            if (ended) {
                return -1;
            }
            if (!fill()) {
                if (chunked || remaining > 0) {
                    throw new EOFException("the stream ended within its body");
                }
                ended = true;
                return -1;
            }
        }
        int n = (int) Math.min(Math.min(len, in.remaining()), remaining == UNTIL_CLOSED ? Long.MAX_VALUE : remaining);
        in.get(b, off, n);
        if (remaining != UNTIL_CLOSED) {
            remaining -= n;
            chunkTrailerDue = chunked && remaining == 0;
            ended = !chunked && remaining == 0;
        }
        return n;
    }

    /** The body bytes that have arrived and are not read yet: never a system call. */
    @Override
    public int available() throws IOException {
        if (!bodyAvailable()) {
            return 0;
        }
        return (int) Math.min(in.remaining(), remaining == UNTIL_CLOSED ? Integer.MAX_VALUE : remaining);
    }

    /**
     * Whether body bytes are buffered now, after decoding the chunk boundaries buffered (a chunk's
     * CRLF, the next chunk's size line) without reading from the socket.
     */
    private boolean bodyAvailable() throws IOException {
        if (ended) {
            return false;
        }
        if (!chunked) {
            return in.hasRemaining();
        }
        while (remaining == 0) {
            if (chunkTrailerDue) {
                if (in.remaining() < 2) {
                    return false;
                }
                if (in.get() != '\r' || in.get() != '\n') {
                    throw new IOException("a chunk without its CRLF");
                }
                chunkTrailerDue = false;
            }
            int lineEnd = lineEnd();
            if (lineEnd < 0) {
                return false;
            }
            long size = chunkSize(lineEnd);
            in.position(lineEnd + 2);
            if (size == 0) {
                ended = true; // trailers, if any, are not read: the connection closes
                return false;
            }
            remaining = size;
        }
        return in.hasRemaining();
    }

    /** Where the CRLF of the line starting at the buffer's position is, or -1 when it has not arrived. */
    private int lineEnd() throws IOException {
        for (int i = in.position(); i + 1 < in.limit(); i++) {
            if (in.get(i) == '\r' && in.get(i + 1) == '\n') {
                return i;
            }
        }
        if (in.remaining() > 1024) {
            throw new IOException("a chunk size line longer than 1 KiB");
        }
        return -1;
    }

    private long chunkSize(int lineEnd) throws IOException {
        long size = 0;
        int digits = 0;
        for (int i = in.position(); i < lineEnd; i++) {
            int d = Character.digit(in.get(i), 16);
            if (d < 0) {
                break; // a chunk extension follows
            }
            if (++digits > 15) {
                throw new IOException("a chunk size beyond 15 hex digits");
            }
            size = size << 4 | d;
        }
        if (digits == 0) {
            throw new IOException("a chunk without its size");
        }
        return size;
    }

    /** Reads what the socket has (blocking until something): false at the end of the connection. */
    private boolean fill() throws IOException {
        in.compact();
        try {
            if (!in.hasRemaining()) {
                throw new IOException("a chunk boundary beyond " + BUFFER + " bytes");
            }
            return channel.read(in) >= 0;
        } finally {
            in.flip();
        }
    }

    /** The answer's head, read with a timeout (through the socket's stream, which keeps the channel blocking). */
    private String readHead(int timeoutMillis) throws IOException {
        channel.socket().setSoTimeout(timeoutMillis);
        InputStream timed = channel.socket().getInputStream();
        byte[] chunk = new byte[4096];
        while (true) {
            for (int i = in.position(); i + 3 < in.limit(); i++) {
                if (in.get(i) == '\r' && in.get(i + 1) == '\n' && in.get(i + 2) == '\r' && in.get(i + 3) == '\n') {
                    byte[] head = new byte[i - in.position()];
                    in.get(head);
                    in.position(i + 4);
                    return new String(head, StandardCharsets.ISO_8859_1);
                }
            }
            if (in.remaining() > MAX_HEAD) {
                throw new IOException("an HTTP head beyond " + MAX_HEAD + " bytes");
            }
            int n = timed.read(chunk);
            if (n < 0) {
                throw new EOFException("the connection closed before the HTTP head ended");
            }
            in.compact().put(chunk, 0, n).flip();
        }
    }

    private static int parseStatus(String code) throws IOException {
        try {
            return Integer.parseInt(code);
        } catch (NumberFormatException e) {
            throw new IOException("an HTTP status of " + code);
        }
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }
}
