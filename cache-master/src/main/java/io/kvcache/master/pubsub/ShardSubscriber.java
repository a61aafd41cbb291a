package io.kvcache.master.pubsub;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.kvcache.command.Subscriptions.Kind;
import io.kvcache.protocol.Replies;
import io.kvcache.protocol.ReplyScanner;
import io.kvcache.protocol.RespWriter;
import io.kvcache.pubsub.PubSub;

/**
 * The master's subscriber connection to one shard's primary: it subscribes there to every name the
 * master's clients subscribe to, and hands each message it receives to the master's registry, as
 * the bytes that arrived. A virtual thread connects, subscribes to what the registry holds (under
 * its lock, so that no change is missed or doubled) and then reads until the connection ends.
 */
final class ShardSubscriber implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(ShardSubscriber.class);

    final String shard;
    final InetSocketAddress primary;
    private final PubSub pubsub;
    private final byte[] greeting;
    private final int connectTimeoutMillis;
    private final Runnable onEnd;
    private volatile Socket socket;
    private OutputStream out;
    /** True once the registry's names were sent: from then on, every change is sent as it happens. */
    private volatile boolean ready;
    private volatile boolean closed;
    /** Confirmations asked (one per name of each (un)subscribe sent) and received. Guarded by this. */
    private long asked;
    private long confirmed;

    ShardSubscriber(String shard, InetSocketAddress primary, PubSub pubsub, byte[] greeting, int connectTimeoutMillis,
                    Runnable onEnd) {
        this.shard = shard;
        this.primary = primary;
        this.pubsub = pubsub;
        this.greeting = greeting;
        this.connectTimeoutMillis = connectTimeoutMillis;
        this.onEnd = onEnd;
    }

    void start() {
        Thread.ofVirtual().name("pubsub-" + shard).start(this::run);
    }

    private void run() {
        try (Socket s = new Socket()) {
            socket = s;
            s.setTcpNoDelay(true);
            s.connect(primary, connectTimeoutMillis);
            out = s.getOutputStream();
            InputStream in = s.getInputStream();
            Reader reader = new Reader(in);
            if (greeting != null) {
                out.write(greeting);
                out.flush();
                if (Replies.isError(reader.next())) {
                    throw new IOException("the slave refused the cluster's AUTH");
                }
            }
            pubsub.locked(this::subscribeToAll);
            while (!closed) {
                handle(reader.next());
            }
        } catch (IOException e) {
            if (!closed) {
                log.debug("Pub/sub link to shard {} at {} ended: {}", shard, primary, e.toString());
            }
        } finally {
            close();
            onEnd.run();
        }
    }

    /** Under the registry's lock: every name held now, then each change as the registry makes it. */
    private void subscribeToAll() {
        try {
            for (Kind kind : Kind.values()) {
                List<byte[]> names = new java.util.ArrayList<>();
                pubsub.forEachName(kind, names::add);
                if (!names.isEmpty()) {
                    send(kind.subscribeWord(), names);
                }
            }
            synchronized (this) {
                ready = true;
                notifyAll();
            }
        } catch (IOException e) {
            close();
        }
    }

    /** Sends one (un)subscribe for these names; under the registry's lock, so in the registry's order. */
    void send(String word, List<byte[]> names) throws IOException {
        RespWriter w = new RespWriter(32);
        w.array(names.size() + 1).bulk(word);
        names.forEach(w::bulk);
        synchronized (this) {
            asked += names.size();
        }
        out.write(w.toByteArray());
        out.flush();
    }

    /** Whether changes go out on this link now (false while it connects). */
    boolean ready() {
        return ready && !closed;
    }

    /**
     * Waits until this link is subscribed to everything asked of it so far: connected, its
     * registry's names sent, and every confirmation asked come back; or it ended, or the deadline
     * passed.
     */
    synchronized void awaitInForce(long deadlineNanos) throws InterruptedException {
        while (!ready && !closed && waitUntil(deadlineNanos)) {
            // connecting
        }
        long target = asked;
        while (confirmed < target && !closed && waitUntil(deadlineNanos)) {
            // confirmations on their way
        }
    }

    /** @return false once the deadline has passed */
    private boolean waitUntil(long deadlineNanos) throws InterruptedException {
        long left = deadlineNanos - System.nanoTime();
        if (left <= 0) {
            return false;
        }
        wait(Math.max(1, left / 1_000_000));
        return true;
    }

    private void handle(byte[] reply) {
        List<byte[]> elements = Replies.isError(reply) || reply[0] != '*' ? List.of() : Replies.elements(reply);
        if (elements.size() < 3) {
            log.warn("Unexpected reply on the pub/sub link to shard {}", shard);
            return;
        }
        String word = new String(Replies.bulk(elements.get(0)), StandardCharsets.US_ASCII);
        switch (word) {
            case "message" -> pubsub.deliver(Kind.CHANNEL, Replies.bulk(elements.get(1)), reply);
            case "pmessage" -> pubsub.deliver(Kind.PATTERN, Replies.bulk(elements.get(1)), reply);
            case "smessage" -> pubsub.deliver(Kind.SHARD, Replies.bulk(elements.get(1)), reply);
            default -> {
                synchronized (this) {
                    confirmed++;
                    notifyAll();
                }
            }
        }
    }

    @Override
    public void close() {
        closed = true;
        synchronized (this) {
            notifyAll();
        }
        Socket s = socket;
        if (s != null) {
            try {
                s.close();
            } catch (IOException ignored) {
                // closed anyway
            }
        }
    }

    /** Splits the stream into whole replies. */
    private static final class Reader {
        private final InputStream in;
        private byte[] buffer = new byte[64 * 1024];
        private int start;
        private int filled;

        Reader(InputStream in) {
            this.in = in;
        }

        byte[] next() throws IOException {
            while (true) {
                int end = filled > start ? ReplyScanner.end(buffer, start, filled) : -1;
                if (end >= 0) {
                    byte[] reply = Arrays.copyOfRange(buffer, start, end);
                    start = end;
                    return reply;
                }
                if (start > 0) {
                    System.arraycopy(buffer, start, buffer, 0, filled - start);
                    filled -= start;
                    start = 0;
                }
                if (filled == buffer.length) {
                    buffer = Arrays.copyOf(buffer, buffer.length * 2);
                }
                int n = in.read(buffer, filled, buffer.length - filled);
                if (n < 0) {
                    throw new IOException("the slave closed the connection");
                }
                filled += n;
            }
        }
    }
}
