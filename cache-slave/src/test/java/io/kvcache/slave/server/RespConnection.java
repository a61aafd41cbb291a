package io.kvcache.slave.server;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;

/**
 * A plain blocking socket client for tests: it writes the bytes it is given (one write call
 * each) and reads exactly one RESP2 reply at a time as its raw bytes. Every read times out, so a
 * server that never answers fails the test instead of hanging it. Shares no code with kvcache.
 */
public final class RespConnection implements AutoCloseable {

    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(10);

    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;

    private RespConnection(Socket socket) throws IOException {
        this.socket = socket;
        this.in = new BufferedInputStream(socket.getInputStream(), 64 * 1024);
        this.out = socket.getOutputStream();
    }

    public static RespConnection open(InetSocketAddress address) throws IOException {
        return open(address, DEFAULT_TIMEOUT);
    }

    public static RespConnection open(InetSocketAddress address, Duration timeout) throws IOException {
        Socket socket = new Socket();
        try {
            socket.setTcpNoDelay(true);
            socket.setSoTimeout(Math.toIntExact(timeout.toMillis()));
            socket.connect(address, Math.toIntExact(timeout.toMillis()));
            return new RespConnection(socket);
        } catch (IOException | RuntimeException e) {
            socket.close();
            throw e;
        }
    }

    public void timeout(Duration timeout) throws IOException {
        socket.setSoTimeout(Math.toIntExact(timeout.toMillis()));
    }

    public Socket socket() {
        return socket;
    }

    /** Sends the bytes in one write. */
    public void send(byte[] bytes) throws IOException {
        out.write(bytes);
        out.flush();
    }

    /** Sends text taken as ISO-8859-1 (one char = one byte) in one write. */
    public void send(String text) throws IOException {
        send(ascii(text));
    }

    /**
     * Sends the bytes in one write on another thread, so replies can be read while a large
     * pipeline is still being written (a server may stop reading while its replies are unread).
     */
    public CompletableFuture<Void> sendInBackground(byte[] bytes) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        Thread.ofVirtual().name("resp-test-writer").start(() -> {
            try {
                send(bytes);
                done.complete(null);
            } catch (Throwable t) {
                done.completeExceptionally(t);
            }
        });
        return done;
    }

    /** Sends one command as a RESP multibulk and returns its reply as text. */
    public String call(String... argv) throws IOException {
        send(command(argv));
        return readReplyString();
    }

    /** Reads exactly one reply: its raw bytes, nested arrays included. */
    public byte[] readReply() throws IOException {
        byte[] line = readLine();
        switch (line[0]) {
            case '+', '-', ':' -> {
                return line;
            }
            case '$' -> {
                long n = length(line);
                if (n < 0) {
                    return line;
                }
                byte[] reply = Arrays.copyOf(line, Math.toIntExact(line.length + n + 2));
                int read = in.readNBytes(reply, line.length, (int) n + 2);
                if (read < n + 2) {
                    throw new EOFException("Connection closed in the middle of a bulk reply");
                }
                if (reply[reply.length - 2] != '\r' || reply[reply.length - 1] != '\n') {
                    throw new IOException("Bulk reply not terminated by CRLF");
                }
                return reply;
            }
            case '*' -> {
                long n = length(line);
                ByteArrayOutputStream all = new ByteArrayOutputStream();
                all.write(line);
                for (long i = 0; i < n; i++) {
                    all.write(readReply());
                }
                return all.toByteArray();
            }
            default -> throw new IOException("Not a RESP2 reply: " + new String(line, StandardCharsets.ISO_8859_1));
        }
    }

    /** Reads exactly one reply, as ISO-8859-1 text. */
    public String readReplyString() throws IOException {
        return new String(readReply(), StandardCharsets.ISO_8859_1);
    }

    /** One read of one byte: -1 when the server has closed the connection (and sent nothing more). */
    public int read() throws IOException {
        return in.read();
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }

    /** A command as a RESP multibulk; arguments are taken as ISO-8859-1. */
    public static byte[] command(String... argv) {
        StringBuilder sb = new StringBuilder();
        sb.append('*').append(argv.length).append("\r\n");
        for (String arg : argv) {
            sb.append('$').append(arg.getBytes(StandardCharsets.ISO_8859_1).length).append("\r\n").append(arg)
                    .append("\r\n");
        }
        return ascii(sb.toString());
    }

    public static byte[] ascii(String text) {
        return text.getBytes(StandardCharsets.ISO_8859_1);
    }

    /** The value of one "field:value" line of an INFO reply, or null when absent. */
    public static String infoField(String info, String field) {
        for (String line : info.split("\r\n")) {
            if (line.startsWith(field + ":")) {
                return line.substring(field.length() + 1);
            }
        }
        return null;
    }

    /** A field of INFO as a number (for awaiting a condition). */
    public long infoLong(String section, String field) {
        try {
            String value = infoField(call("INFO", section), field);
            if (value == null) {
                throw new IllegalStateException("INFO " + section + " has no " + field);
            }
            return Long.parseLong(value);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private byte[] readLine() throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream(32);
        int previous = -1;
        while (true) {
            int b = in.read();
            if (b < 0) {
                throw new EOFException("Connection closed " + (line.size() == 0 ? "before a reply"
                        : "in the middle of a reply: " + line.toString(StandardCharsets.ISO_8859_1)));
            }
            line.write(b);
            if (b == '\n' && previous == '\r') {
                return line.toByteArray();
            }
            previous = b;
        }
    }

    private static long length(byte[] line) {
        return Long.parseLong(new String(line, 1, line.length - 3, StandardCharsets.US_ASCII));
    }
}
