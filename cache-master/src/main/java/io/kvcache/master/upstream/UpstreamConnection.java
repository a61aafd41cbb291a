package io.kvcache.master.upstream;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.locks.ReentrantLock;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.kvcache.protocol.ReplyScanner;
import io.kvcache.protocol.RespWriter;

/**
 * One pipelined connection from the master to a slave's data port (Lettuce's CommandHandler
 * shape): requests are appended to an output buffer and their pending replies to a FIFO under
 * one lock, so bytes and FIFO agree; the reader completes the oldest pending reply with each
 * reply it reads. Writes are combined: whoever finds no write in progress writes everything
 * buffered, including what other threads appended meanwhile.
 */
final class UpstreamConnection {

    private static final Logger log = LoggerFactory.getLogger(UpstreamConnection.class);
    static final byte[] CONNECTION_LOST =
            "-CLUSTERDOWN The connection to the shard was lost\r\n".getBytes(StandardCharsets.US_ASCII);

    private final String name;
    private final UpstreamStats stats;
    private final Socket socket;
    private final OutputStream out;
    private final InputStream in;
    private final ReentrantLock lock = new ReentrantLock();
    private final ConcurrentLinkedQueue<PendingReply> inflight = new ConcurrentLinkedQueue<>();
    private RespWriter buffer = new RespWriter(16 * 1024);
    private RespWriter spare = new RespWriter(16 * 1024);
    private boolean writing;
    private volatile boolean broken;

    /**
     * @param auth the encoded AUTH request to send before any other (a slave's data port needs the
     *             cluster secret), or null for none
     */
    UpstreamConnection(String name, InetSocketAddress address, int connectTimeoutMillis, UpstreamStats stats,
                       byte[] auth) throws IOException {
        this.name = name;
        this.stats = stats;
        this.socket = new Socket();
        socket.setTcpNoDelay(true);
        socket.setKeepAlive(true);
        try {
            socket.connect(address, connectTimeoutMillis);
            this.out = socket.getOutputStream();
            this.in = socket.getInputStream();
            if (auth != null) {
                authenticate(auth);
            }
        } catch (IOException e) {
            close();
            throw e;
        }
        Thread.ofPlatform().daemon().name("upstream-" + name).start(this::readLoop);
    }

    private static final byte[] OK = "+OK\r\n".getBytes(StandardCharsets.US_ASCII);
    /** A slave answers AUTH at once; the bound is for a loaded machine, within a client's reply timeout (10 s). */
    private static final int AUTH_TIMEOUT_MILLIS = 5_000;

    /**
     * AUTH first, its reply read here, before the reader starts and before any request can be queued:
     * the FIFO never holds it. Anything but +OK (a wrong secret, a slave without one) fails the connection;
     * neither the secret nor the slave's reply is logged.
     */
    private void authenticate(byte[] auth) throws IOException {
        socket.setSoTimeout(AUTH_TIMEOUT_MILLIS);
        out.write(auth);
        out.flush();
        byte[] reply = in.readNBytes(OK.length);
        if (!Arrays.equals(reply, OK)) {
            throw new IOException("the slave refused the cluster secret (AUTH)");
        }
        socket.setSoTimeout(0);
    }

    boolean isBroken() {
        return broken;
    }

    /** Sends one encoded request whose reply completes pending. */
    void send(byte[] request, PendingReply pending) {
        lock.lock();
        try {
            if (broken) {
                stats.lost();
                pending.complete(CONNECTION_LOST);
                return;
            }
            stats.sent();
            inflight.add(pending);
            buffer.raw(request);
            if (writing) {
                return; // the thread writing now sends these bytes too
            }
            writing = true;
        } finally {
            lock.unlock();
        }
        flushAsWriter();
    }

    private void flushAsWriter() {
        while (true) {
            RespWriter toSend;
            lock.lock();
            try {
                if (buffer.isEmpty() || broken) {
                    writing = false;
                    return;
                }
                toSend = buffer;
                buffer = spare;
                spare = null;
            } finally {
                lock.unlock();
            }
            try {
                toSend.writeTo(out);
                out.flush();
            } catch (IOException e) {
                fail(e);
            }
            toSend.reset();
            lock.lock();
            try {
                spare = toSend;
            } finally {
                lock.unlock();
            }
        }
    }

    private void readLoop() {
        byte[] buf = new byte[64 * 1024];
        int start = 0;
        int end = 0;
        try {
            while (true) {
                if (end == buf.length) {
                    if (start > 0) {
                        System.arraycopy(buf, start, buf, 0, end - start);
                        end -= start;
                        start = 0;
                    } else {
                        buf = Arrays.copyOf(buf, buf.length * 2);
                    }
                }
                int n = in.read(buf, end, buf.length - end);
                if (n < 0) {
                    throw new IOException("closed by the slave");
                }
                end += n;
                int replyEnd;
                while (start < end && (replyEnd = ReplyScanner.end(buf, start, end)) >= 0) {
                    PendingReply pending = inflight.poll();
                    if (pending == null) {
                        throw new IOException("a reply nobody asked for");
                    }
                    stats.answered();
                    pending.complete(Arrays.copyOfRange(buf, start, replyEnd));
                    start = replyEnd;
                }
                if (start == end) {
                    start = end = 0;
                    if (buf.length > 1024 * 1024) {
                        buf = new byte[64 * 1024];
                    }
                }
            }
        } catch (IOException | RuntimeException e) {
            fail(e);
        }
    }

    /** Fails every pending reply: the client hears an error, never a reply meant for another. */
    private void fail(Exception cause) {
        lock.lock();
        try {
            if (!broken) {
                broken = true;
                log.warn("Connection to {} lost: {}", name, cause.toString());
            }
            PendingReply p;
            while ((p = inflight.poll()) != null) {
                stats.lost();
                p.complete(CONNECTION_LOST);
            }
        } finally {
            lock.unlock();
        }
        close();
    }

    void close() {
        try {
            socket.close();
        } catch (IOException ignored) {
            // closing anyway
        }
    }
}
