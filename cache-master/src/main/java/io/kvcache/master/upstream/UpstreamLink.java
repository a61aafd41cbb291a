package io.kvcache.master.upstream;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Arrays;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.kvcache.io.IoLoop;
import io.kvcache.protocol.ReplyScanner;
import io.kvcache.protocol.RespWriter;

/**
 * One pipelined, non-blocking link from an I/O loop to a slave's data port (twemproxy's server
 * connection; Lettuce's CommandHandler shape). Requests of every client of the loop are appended to
 * one buffer and their pending replies to a FIFO; the buffer leaves in one write at the end of the
 * loop's turn; each reply read completes the oldest pending one. Confined to its loop: no locks.
 */
final class UpstreamLink implements IoLoop.Handler {

    private static final Logger log = LoggerFactory.getLogger(UpstreamLink.class);
    static final byte[] CONNECTION_LOST =
            "-CLUSTERDOWN The connection to the shard was lost\r\n".getBytes(StandardCharsets.US_ASCII);
    private static final int READ_BUFFER = 64 * 1024;

    private final String name;
    private final IoLoop loop;
    private final UpstreamStats stats;
    private final UpstreamSettings settings;
    private final SocketChannel channel;
    private SelectionKey key;
    private final ArrayDeque<PendingReply> inflight = new ArrayDeque<>();
    private RespWriter out = new RespWriter(16 * 1024);
    private int written;
    private boolean flushQueued;
    private boolean connected;
    private boolean broken;
    private byte[] in = new byte[READ_BUFFER];
    private int start;
    private int end;
    private final long openedAt = System.nanoTime();
    /** When a reply last arrived, or the FIFO last went from empty to busy: the reply timeout counts from it. */
    private long progressAt = System.nanoTime();

    /** Loop thread only: opens the link (the connection completes later; requests queue meanwhile). */
    UpstreamLink(String name, InetSocketAddress address, IoLoop loop, UpstreamSettings settings, UpstreamStats stats) {
        this.name = name;
        this.loop = loop;
        this.settings = settings;
        this.stats = stats;
        SocketChannel ch = null;
        try {
            ch = SocketChannel.open();
            ch.configureBlocking(false);
            ch.setOption(StandardSocketOptions.TCP_NODELAY, true);
            ch.setOption(StandardSocketOptions.SO_KEEPALIVE, true);
            connected = ch.connect(address);
            key = loop.register(ch, connected ? SelectionKey.OP_READ : SelectionKey.OP_CONNECT, this);
        } catch (IOException e) {
            broken = true;
            log.warn("Could not connect to {}: {}", name, e.toString());
        }
        this.channel = ch;
        if (settings.greeting() != null && !broken) {
            PendingReply greeted = PendingReply.internal(reply -> {
                if (reply.length > 0 && reply[0] == '-') {
                    fail(new IOException("the slave refused the link: "
                            + new String(reply, StandardCharsets.ISO_8859_1).strip()));
                }
            });
            send(settings.greeting(), greeted);
        }
    }

    boolean isBroken() {
        return broken;
    }

    /** Loop thread only. */
    void send(byte[] request, PendingReply pending) {
        if (broken) {
            stats.lost();
            pending.complete(CONNECTION_LOST);
            return;
        }
        stats.sent();
        if (inflight.isEmpty()) {
            progressAt = System.nanoTime();
        }
        inflight.add(pending);
        out.raw(request);
        if (!flushQueued) {
            flushQueued = true;
            loop.atEndOfTurn(this::flush);
        }
    }

    private void flush() {
        flushQueued = false;
        if (broken || !connected) {
            return;
        }
        try {
            written = out.writeTo(channel, written);
            if (written == out.size()) {
                out.reset();
                written = 0;
                interest(SelectionKey.OP_READ);
            } else {
                interest(SelectionKey.OP_READ | SelectionKey.OP_WRITE);
            }
        } catch (IOException e) {
            fail(e);
        }
    }

    @Override
    public void ready(SelectionKey k) {
        try {
            if (k.isConnectable()) {
                channel.finishConnect();
                connected = true;
                interest(SelectionKey.OP_READ);
                flush();
                return;
            }
            if (k.isWritable()) {
                flush();
            }
            if (k.isValid() && k.isReadable()) {
                read();
            }
        } catch (IOException | RuntimeException e) {
            fail(e);
        }
    }

    private void read() throws IOException {
        if (end == in.length) {
            if (start > 0) {
                System.arraycopy(in, start, in, 0, end - start);
                end -= start;
                start = 0;
            } else {
                in = Arrays.copyOf(in, in.length * 2); // one reply larger than the buffer
            }
        }
        int n = channel.read(ByteBuffer.wrap(in, end, in.length - end));
        if (n < 0) {
            throw new IOException("closed by the slave");
        }
        end += n;
        int replyEnd;
        while (start < end && (replyEnd = ReplyScanner.end(in, start, end)) >= 0) {
            PendingReply pending = inflight.poll();
            if (pending == null) {
                throw new IOException("a reply nobody asked for");
            }
            stats.answered();
            progressAt = System.nanoTime();
            pending.complete(Arrays.copyOfRange(in, start, replyEnd));
            start = replyEnd;
            if (broken) {
                return; // the greeting was refused
            }
        }
        if (start == end) {
            start = end = 0;
            if (in.length > READ_BUFFER * 16) {
                in = new byte[READ_BUFFER];
            }
        }
    }

    /**
     * Run by the loop about every 100 ms: a link that hangs fails its requests rather than hold
     * clients forever. @return false once the link is broken (no more checks needed)
     */
    boolean checkTimeouts(long now) {
        if (broken) {
            return false;
        }
        if (!connected && now - openedAt > settings.connectTimeoutMillis() * 1_000_000L) {
            fail(new IOException("connect timed out"));
        } else if (!inflight.isEmpty() && now - progressAt > settings.replyTimeoutMillis() * 1_000_000L) {
            fail(new IOException("no reply for " + settings.replyTimeoutMillis() + " ms"));
        }
        return !broken;
    }

    private void interest(int ops) {
        if (key != null && key.isValid() && key.interestOps() != ops) {
            key.interestOps(ops);
        }
    }

    /** Fails every pending reply: the client hears an error, never a reply meant for another. */
    private void fail(Exception cause) {
        if (!broken && cause != null) {
            log.warn("Connection to {} lost: {}", name, cause.toString());
        }
        shut();
        PendingReply p;
        while ((p = inflight.poll()) != null) {
            stats.lost();
            p.complete(CONNECTION_LOST);
        }
    }

    /** Loop thread only: whether a request sent (or about to be) still waits for its reply. */
    boolean hasInflight() {
        return !inflight.isEmpty();
    }

    /** Loop thread only: requests still waiting get the connection-lost error. */
    void close() {
        fail(null);
    }

    private void shut() {
        broken = true;
        if (key != null) {
            key.cancel();
        }
        if (channel != null) {
            try {
                channel.close();
            } catch (IOException ignored) {
                // closing anyway
            }
        }
        out = new RespWriter(16);
        written = 0;
    }
}
