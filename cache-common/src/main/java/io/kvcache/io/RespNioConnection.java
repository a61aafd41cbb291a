package io.kvcache.io;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;
import java.util.ArrayDeque;

import javax.net.ssl.SSLSession;

import org.springframework.context.ApplicationEventPublisher;
import org.springframework.integration.ip.tcp.connection.TcpConnectionSupport;
import org.springframework.messaging.Message;

import io.kvcache.protocol.RequestBatch;
import io.kvcache.protocol.RespDeserializer;
import io.kvcache.protocol.RespReader;
import io.kvcache.protocol.RespWriter;
import io.kvcache.server.OutputBufferLimit;

/**
 * A client connection served by an {@link IoLoop}: a Spring Integration {@code TcpConnection}
 * whose reads and writes are non-blocking. One read takes what the socket has; every complete
 * request buffered then goes to the listener as one message (a {@link RequestBatch}); the batch's
 * replies come back as one {@link #send} and leave in one write.
 * <p>
 * A connection has at most one batch in flight, as a Redis client blocked on a command: what it
 * sends meanwhile waits in its reader, and the next batch is parsed only once the replies of this
 * one are written out, so replies stay in request order without queues. A client that reads
 * nothing stops being read (its unsent replies are what the output buffer limits judge). Everything here runs on the connection's loop; {@link #send} and
 * {@link #close} from other threads hand over to it.
 */
public final class RespNioConnection extends TcpConnectionSupport implements IoLoop.Handler {

    private final SocketChannel channel;
    private final IoLoop loop;
    private final int port;
    private SelectionKey key;
    private RespReader reader;
    /** The batch being handed to the listener (the message's payload). */
    private RequestBatch batch;
    private boolean inFlight;
    /** No more reads: a protocol error ended the stream, or the peer closed its side. */
    private boolean readsDone;
    /** Told when the peer stops sending while a batch is in flight (a client gone while it blocks). */
    private volatile Runnable onPeerClosed;
    private final ArrayDeque<Object> unsent = new ArrayDeque<>(2);
    private int written;
    private boolean closed;
    private boolean processing;
    /** Reads are off until the batch in flight is answered ({@link #pauseReadsWhileInFlight}). */
    private boolean readsPaused;
    /** Messages for a subscriber that came while its batch was in flight: they follow that batch's replies. */
    private final ArrayDeque<Push> held = new ArrayDeque<>(0);
    /** Messages pushed from any thread, not yet taken by the loop. */
    private final java.util.concurrent.ConcurrentLinkedQueue<byte[]> inbox = new java.util.concurrent.ConcurrentLinkedQueue<>();
    private final java.util.concurrent.atomic.AtomicBoolean drainScheduled = new java.util.concurrent.atomic.AtomicBoolean();
    /** Bytes of messages held or unsent: what client-output-buffer-limit pubsub judges. */
    private long pushBytes;
    /** When pushBytes went over the soft limit and stayed there, or 0. */
    private long overSoftSince;
    private OutputBufferLimit pushLimit = OutputBufferLimit.PUBSUB_DEFAULT;

    /** A message pushed to a subscriber, out of band of its replies. */
    private record Push(byte[] frame) {
    }

    RespNioConnection(SocketChannel channel, IoLoop loop, boolean lookupHost, ApplicationEventPublisher publisher,
                      String factoryName) {
        super(channel.socket(), true, lookupHost, publisher, factoryName);
        this.channel = channel;
        this.loop = loop;
        this.port = ((InetSocketAddress) channel.socket().getRemoteSocketAddress()).getPort();
    }

    /** On the loop: registers for reads, then tells the listeners it opened (they may refuse it at once). */
    void start() {
        try {
            key = loop.register(channel, SelectionKey.OP_READ, this);
        } catch (IOException e) {
            closeNow();
            return;
        }
        publishConnectionOpenEvent();
        if (!closed && getDeserializer() instanceof RespDeserializer codec) {
            reader = codec.reader(this);
        }
    }

    @Override
    public void ready(SelectionKey k) {
        try {
            if (k.isWritable()) {
                flush();
            }
            if (!closed && k.isValid() && k.isReadable()) {
                read();
            }
        } catch (IOException | RuntimeException e) {
            closeNow();
        }
    }

    /**
     * How much a connection with a batch in flight may hold unparsed before it stops being read.
     * A few pipelined batches' worth, so that a client pipelining normally is read ahead without
     * switching interest off and on; a client that writes far faster than its batches complete
     * (redis-cli --pipe through a master waiting for replicas) waits in its socket instead of in
     * this process's heap.
     */
    static final int READ_AHEAD_LIMIT = 64 * 1024;

    /**
     * Reads what the socket has, even with a batch in flight (it waits in the reader, up to
     * {@link #READ_AHEAD_LIMIT}): interest in reads is not switched off and on for every batch,
     * which would cost two epoll_ctl calls per request.
     */
    private void read() throws IOException {
        try {
            readAndProcess();
        } finally {
            reader.giveBack(); // before this loop reads for any other connection
        }
    }

    private void readAndProcess() throws IOException {
        int n;
        try {
            n = reader.readFrom(channel, loop.readBuffer());
        } catch (OutOfMemoryError e) {
            n = 0; // the reader failed its budget: its next parse reports it
        }
        if (n < 0) {
            readsDone = true;
            interest(0);
            if (!inFlight && unsent.isEmpty()) {
                closeNow();
                return;
            }
            Runnable peerClosed = onPeerClosed;
            if (inFlight && peerClosed != null) {
                peerClosed.run(); // Redis frees such a client at once; here its batch may end early
            }
        } else if (inFlight && (n == 0 && reader.buffered() > 0 || reader.buffered() >= READ_AHEAD_LIMIT)) {
            interest(0); // no room, or enough read ahead, until the batch in flight is done
        }
        process();
    }

    /**
     * Hands the next batch to the listener when none is in flight and all replies went out. A
     * listener that answers at once (the common case) sends before onMessage returns, and this loop
     * goes on with the next batch without recursion.
     */
    private void process() {
        if (processing) {
            return;
        }
        processing = true;
        try {
            while (!closed && !inFlight && unsent.isEmpty() && reader != null) {
                RequestBatch next = ((RespDeserializer) getDeserializer()).take(this, reader);
                if (next == null) {
                    if (readsDone) {
                        closeNow();
                    } else {
                        interest(SelectionKey.OP_READ);
                    }
                    return;
                }
                if (next.error() != null) {
                    readsDone = true; // the reader is dead: whatever follows the error is never read
                    interest(0);
                }
                inFlight = true;
                batch = next;
                Message<?> message = getMapper().toMessage(this);
                batch = null;
                getListener().onMessage(message);
            }
        } finally {
            processing = false;
        }
    }

    /**
     * Stops reading until the batch in flight is answered, when it waits for something that comes
     * soon (a primary's replicas): what the peer sends meanwhile waits in the socket. A peer that
     * pipelines (the master's link) otherwise wakes this loop for each of its writes during the
     * wait, only for the bytes to sit in the reader; a wake-up costs far more than the two
     * epoll_ctl calls that switch reading off and on (docs/benchmarks.md).
     */
    public void pauseReadsWhileInFlight() {
        if (loop.inLoop() && inFlight && !readsDone && !closed) {
            readsPaused = true;
            interest(0);
        }
    }

    /**
     * What to do when the peer stops sending while a batch is in flight: the batch may be waiting
     * (a blocking pop) for something nobody will read. The connection closes once it ends.
     */
    public void onPeerClosed(Runnable action) {
        this.onPeerClosed = action;
    }

    /** client-output-buffer-limit pubsub for this connection's messages. */
    public void pushLimit(OutputBufferLimit limit) {
        this.pushLimit = limit;
    }

    /**
     * Sends a subscriber a message (a whole RESP frame) between its replies, from any thread: after
     * the replies of the batch in flight, if any, so that a SUBSCRIBE's confirmation comes before the
     * first message. A subscriber that reads too slowly is closed as Redis closes it.
     */
    public void push(byte[] frame) {
        inbox.add(frame);
        if (drainScheduled.compareAndSet(false, true)) {
            loop.execute(this::drainInbox); // one task for every message that comes before it runs
        }
    }

    /**
     * On the loop: takes every message pushed so far, as one write (a fan-out pushes thousands of
     * messages per turn; a write each would cost a system call each).
     */
    private void drainInbox() {
        drainScheduled.set(false); // a push from now on schedules another drain
        byte[] first = inbox.poll();
        if (first == null || closed) {
            inbox.clear();
            return;
        }
        byte[] frames = first;
        byte[] next = inbox.poll();
        if (next != null) {
            java.io.ByteArrayOutputStream all = new java.io.ByteArrayOutputStream(first.length * 16);
            all.writeBytes(first);
            do {
                all.writeBytes(next);
            } while ((next = inbox.poll()) != null);
            frames = all.toByteArray();
        }
        pushBytes += frames.length;
        if (overLimit()) {
            closeNow();
            return;
        }
        if (inFlight) {
            held.add(new Push(frames));
            return;
        }
        unsent.add(new Push(frames));
        try {
            flush();
        } catch (IOException e) {
            closeNow();
        }
    }

    /** checkClientOutputBufferLimits for the pubsub class: the hard limit at once, the soft one after its time. */
    private boolean overLimit() {
        OutputBufferLimit limit = pushLimit;
        if (limit.hard() > 0 && pushBytes >= limit.hard()) {
            return true;
        }
        if (limit.soft() > 0 && pushBytes >= limit.soft()) {
            long now = System.nanoTime();
            if (overSoftSince == 0) {
                overSoftSince = now;
            } else if (now - overSoftSince >= limit.softTime().toNanos()) {
                return true;
            }
        } else {
            overSoftSince = 0;
        }
        return false;
    }

    @Override
    public Object getPayload() {
        return batch;
    }

    /** The replies of the batch in flight (or a refusal): written at once, as far as the socket takes them. */
    @Override
    public void send(Message<?> message) {
        Object payload = message.getPayload();
        if (!loop.inLoop()) {
            loop.execute(() -> sendInLoop(payload));
            return;
        }
        sendInLoop(payload);
    }

    private void sendInLoop(Object payload) {
        if (closed) {
            if (payload instanceof RespWriter w) {
                w.reset();
            }
            return;
        }
        inFlight = false;
        if (readsPaused) {
            readsPaused = false;
            interest(SelectionKey.OP_READ);
        }
        unsent.add(payload);
        unsent.addAll(held);
        held.clear();
        try {
            flush();
        } catch (IOException e) {
            closeNow();
        }
    }

    /**
     * Writes what is unsent as far as the socket takes it; then, all out, goes on with what was
     * read meanwhile. While the socket is full the client is not read: one that reads nothing
     * cannot make the server hold more than its unsent replies.
     */
    private void flush() throws IOException {
        if (!writeUnsent()) {
            interest(SelectionKey.OP_WRITE); // the socket is full: go on when it drains
            return;
        }
        process();
    }

    /** @return whether everything went out */
    private boolean writeUnsent() throws IOException {
        Object head;
        while ((head = unsent.peek()) != null) {
            int length;
            switch (head) {
                case RespWriter w -> {
                    length = w.size();
                    if (written < length) {
                        written = w.writeTo(channel, written);
                    }
                }
                case byte[] b -> {
                    length = b.length;
                    if (written < length) {
                        written += channel.write(ByteBuffer.wrap(b, written, length - written));
                    }
                }
                case Push p -> {
                    length = p.frame.length;
                    if (written < length) {
                        written += channel.write(ByteBuffer.wrap(p.frame, written, length - written));
                    }
                    if (written == length) {
                        pushBytes -= length;
                    }
                }
                default -> throw new IllegalArgumentException("Not a RESP reply: " + head.getClass());
            }
            if (written < length) {
                return false;
            }
            unsent.poll();
            written = 0;
            if (head instanceof RespWriter w) {
                w.reset(); // its memory goes back now, not at the next batch
            }
        }
        return true;
    }

    private void interest(int ops) {
        if (key != null && key.isValid() && key.interestOps() != ops) {
            key.interestOps(ops);
        }
    }

    /** Closes after one last attempt to write what is pending (a QUIT's +OK, a refusal); from any thread. */
    @Override
    public void close() {
        if (!loop.inLoop()) {
            loop.execute(this::close);
            return;
        }
        if (!closed && !unsent.isEmpty()) {
            try {
                writeUnsent();
            } catch (IOException ignored) {
                // going anyway
            }
        }
        closeNow();
    }

    private void closeNow() {
        if (closed) {
            return;
        }
        closed = true;
        if (key != null) {
            key.cancel();
        }
        try {
            channel.close();
        } catch (IOException ignored) {
            // closed anyway
        }
        for (Object pending : unsent) {
            if (pending instanceof RespWriter w) {
                w.reset();
            }
        }
        unsent.clear();
        held.clear();
        super.close(); // the close event: the endpoint releases the session and the parse state
    }

    @Override
    public boolean isOpen() {
        return !closed;
    }

    @Override
    public Object getDeserializerStateKey() {
        return this;
    }

    /** The address the client connected to (this server's side of the connection). */
    public InetSocketAddress localAddress() {
        return (InetSocketAddress) channel.socket().getLocalSocketAddress();
    }

    @Override
    public int getPort() {
        return port;
    }

    @Override
    public SSLSession getSslSession() {
        return null;
    }

    @Override
    public void run() {
        // Nothing: the loop drives this connection.
    }
}
