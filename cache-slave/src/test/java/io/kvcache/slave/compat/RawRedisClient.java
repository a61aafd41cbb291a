package io.kvcache.slave.compat;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;

/**
 * A deliberately tiny blocking RESP2 client that returns every reply as its raw bytes, so two servers
 * can be compared byte for byte. It shares no code with kvcache: the oracle must not inherit the bugs
 * of the system it checks.
 * <p>
 * {@link #pipeline(List)} sends a whole batch in one write and then reads exactly one reply per
 * command. The write runs on its own virtual thread while replies are read: a server that stops
 * reading until its replies are consumed (back-pressure) would otherwise deadlock a large pipeline.
 * Reads time out, so a server that never answers fails the test instead of hanging it.
 */
public final class RawRedisClient implements AutoCloseable {

    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(10);

    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;
    private final RespFrameScanner scanner = new RespFrameScanner();

    /** Received bytes not yet returned as replies live in buf[start, end). */
    private byte[] buf = new byte[64 * 1024];
    private int start;
    private int end;

    public RawRedisClient(InetSocketAddress address) throws IOException {
        this(address, DEFAULT_TIMEOUT);
    }

    public RawRedisClient(InetSocketAddress address, Duration timeout) throws IOException {
        socket = new Socket();
        socket.setTcpNoDelay(true);
        socket.setSoTimeout(Math.toIntExact(timeout.toMillis()));
        socket.connect(address, Math.toIntExact(timeout.toMillis()));
        in = socket.getInputStream();
        out = socket.getOutputStream();
    }

    /**
     * A client that has sent {@code AUTH password} and got {@code +OK} (a slave's data port in a cluster
     * needs the cluster secret); closed again when it did not.
     */
    public static RawRedisClient authenticated(InetSocketAddress address, Duration timeout, String password)
            throws IOException {
        RawRedisClient client = new RawRedisClient(address, timeout);
        try {
            byte[] reply = client.call("AUTH".getBytes(java.nio.charset.StandardCharsets.US_ASCII),
                    password.getBytes(java.nio.charset.StandardCharsets.UTF_8));
            if (!Arrays.equals(reply, "+OK\r\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII))) {
                throw new IOException("AUTH refused by " + address); // the reply only: never the password
            }
            return client;
        } catch (IOException | RuntimeException e) {
            client.close();
            throw e;
        }
    }

    /** Sends one command and returns its raw reply. Arguments are taken as ISO-8859-1, i.e. byte for char. */
    public byte[] call(String... argv) throws IOException {
        byte[][] args = new byte[argv.length][];
        for (int i = 0; i < argv.length; i++) {
            args[i] = Escaping.ascii(argv[i]);
        }
        return call(args);
    }

    public byte[] call(byte[]... argv) throws IOException {
        return pipeline(List.<byte[][]>of(argv)).getFirst();
    }

    /** Writes all commands in a single write, then returns one raw reply per command, in order. */
    public List<byte[]> pipeline(List<byte[][]> commands) throws IOException {
        byte[] request = encode(commands);
        FutureTask<Void> write = new FutureTask<>(() -> {
            sendRaw(request);
            return null;
        });
        Thread.ofVirtual().name("raw-redis-writer").start(write);
        List<byte[]> replies = new ArrayList<>(commands.size());
        try {
            for (int i = 0; i < commands.size(); i++) {
                replies.add(readReply());
            }
        } catch (IOException | RuntimeException e) {
            close(); // unblocks a writer stuck on a server that stopped reading
            throw e;
        }
        awaitWrite(write);
        return replies;
    }

    /** Sends bytes exactly as given (for protocol tests: inline commands, broken framing...). */
    public void sendRaw(byte[] bytes) throws IOException {
        out.write(bytes);
        out.flush();
    }

    /** Blocks until one complete reply has arrived and returns its raw bytes, framing included. */
    public byte[] readReply() throws IOException {
        while (true) {
            int replyEnd = scanner.scan(buf, start, end);
            if (replyEnd >= 0) {
                byte[] reply = Arrays.copyOfRange(buf, start, replyEnd);
                start = replyEnd;
                return reply;
            }
            fill();
        }
    }

    /** Encodes commands as RESP multibulk requests, concatenated. */
    public static byte[] encode(List<byte[][]> commands) {
        ByteArrayOutputStream request = new ByteArrayOutputStream();
        for (byte[][] argv : commands) {
            request.writeBytes(Escaping.ascii("*" + argv.length + "\r\n"));
            for (byte[] arg : argv) {
                request.writeBytes(Escaping.ascii("$" + arg.length + "\r\n"));
                request.writeBytes(arg);
                request.writeBytes(Escaping.ascii("\r\n"));
            }
        }
        return request.toByteArray();
    }

    private void fill() throws IOException {
        if (end == buf.length) {
            if (start > 0) { // the scanner keeps offsets relative to the reply start, so sliding is safe
                System.arraycopy(buf, start, buf, 0, end - start);
                end -= start;
                start = 0;
            } else {
                buf = Arrays.copyOf(buf, buf.length * 2);
            }
        }
        int n;
        try {
            n = in.read(buf, end, buf.length - end);
        } catch (SocketTimeoutException e) {
            throw new SocketTimeoutException("no complete reply within " + socket.getSoTimeout()
                    + " ms from " + socket.getRemoteSocketAddress());
        }
        if (n < 0) {
            throw new EOFException("connection closed by " + socket.getRemoteSocketAddress()
                    + " in the middle of the replies");
        }
        end += n;
    }

    private static void awaitWrite(FutureTask<Void> write) throws IOException {
        try {
            write.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while writing", e);
        } catch (ExecutionException e) {
            throw e.getCause() instanceof IOException io ? io : new IOException(e.getCause());
        }
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
