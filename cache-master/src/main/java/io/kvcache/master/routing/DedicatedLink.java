package io.kvcache.master.routing;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedDeque;

import io.kvcache.protocol.Replies;
import io.kvcache.protocol.ReplyScanner;

/**
 * A connection of one client's own to a slave's data port, for a command that may wait there (a
 * blocking pop): it never holds up the shared, pipelined links. Used by one virtual thread at a
 * time, with blocking socket I/O; links that ended on a whole reply are kept for reuse.
 */
final class DedicatedLink implements AutoCloseable {

    /** Idle links by slave, so that a queue worker's BRPOP after BRPOP does not connect each time. */
    static final class Pool {
        private static final int MAX_IDLE_PER_SLAVE = 64;

        private final Map<InetSocketAddress, ConcurrentLinkedDeque<DedicatedLink>> idle = new ConcurrentHashMap<>();
        private final byte[] greeting;
        private final int connectTimeoutMillis;

        /** @param greeting sent first on each new link (AUTH with the cluster secret), or null */
        Pool(byte[] greeting, int connectTimeoutMillis) {
            this.greeting = greeting;
            this.connectTimeoutMillis = connectTimeoutMillis;
        }

        DedicatedLink take(InetSocketAddress slave) throws IOException {
            ConcurrentLinkedDeque<DedicatedLink> links = idle.get(slave);
            DedicatedLink link = links == null ? null : links.pollFirst();
            if (link != null) {
                return link;
            }
            link = new DedicatedLink(slave, connectTimeoutMillis);
            if (greeting != null) {
                link.write(greeting);
                byte[] reply = link.read();
                if (Replies.isError(reply)) {
                    link.close();
                    throw new IOException("The slave refused the cluster's AUTH");
                }
            }
            return link;
        }

        /** A link whose last reply was read whole goes back for the next call. */
        void give(DedicatedLink link) {
            ConcurrentLinkedDeque<DedicatedLink> links = idle.computeIfAbsent(link.slave, a -> new ConcurrentLinkedDeque<>());
            if (links.size() < MAX_IDLE_PER_SLAVE) {
                links.addFirst(link);
            } else {
                link.close();
            }
        }
    }

    private final InetSocketAddress slave;
    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;
    private byte[] buffer = new byte[512];
    private int filled;

    private DedicatedLink(InetSocketAddress slave, int connectTimeoutMillis) throws IOException {
        this.slave = slave;
        this.socket = new Socket();
        socket.setTcpNoDelay(true);
        socket.connect(slave, connectTimeoutMillis);
        this.in = socket.getInputStream();
        this.out = socket.getOutputStream();
    }

    /** Reads one whole reply, however long it takes; IOException when the connection ends first. */
    byte[] read() throws IOException {
        return read(0);
    }

    void write(byte[] request) throws IOException {
        out.write(request);
        out.flush();
    }

    /**
     * Reads one whole reply within timeoutMillis (0: however long it takes, as a blocking pop
     * waits); IOException when the connection ends or the time passes first.
     */
    byte[] read(int timeoutMillis) throws IOException {
        socket.setSoTimeout(timeoutMillis); // set on every read: pooled links serve blocking pops and WATCH alike
        while (true) {
            int end = filled == 0 ? -1 : ReplyScanner.end(buffer, 0, filled);
            if (end >= 0) {
                byte[] reply = Arrays.copyOf(buffer, end);
                System.arraycopy(buffer, end, buffer, 0, filled - end);
                filled -= end;
                return reply;
            }
            if (filled == buffer.length) {
                buffer = Arrays.copyOf(buffer, buffer.length * 2);
            }
            int n = in.read(buffer, filled, buffer.length - filled);
            if (n < 0) {
                throw new IOException("The slave closed the connection");
            }
            filled += n;
        }
    }

    /**
     * Stops sending (the slave sees the end of its client, which unblocks it) while a reply already
     * on its way can still be read. Any thread.
     */
    void shutdownOutput() {
        try {
            socket.shutdownOutput();
        } catch (IOException e) {
            // already closed: the reading thread learns it
        }
    }

    @Override
    public void close() {
        try {
            socket.close();
        } catch (IOException e) {
            // nothing left to release
        }
    }
}
