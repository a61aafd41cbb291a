package io.kvcache.command;

/**
 * What the server knows of one client connection. Used by the connection's own thread only, but
 * for {@link #disconnected}, which the transport calls from any.
 */
public final class Session {

    private final long id;
    private final String connectionId;
    private final String address;
    private final long createdMillis = System.currentTimeMillis();
    private volatile String name;
    /** The address the client connected to, when the transport knows it (what CLUSTER SLOTS announces). */
    private volatile java.net.InetSocketAddress localAddress;
    private boolean closeAfterReply;
    private boolean authenticated;
    private boolean readOnly;
    /** CLIENT REPLY: ON, OFF (no replies), SKIP (the next command's reply is dropped). */
    public enum ReplyMode { ON, OFF, SKIP_NEXT, SKIP }

    private ReplyMode replyMode = ReplyMode.ON;
    /** CLIENT SETINFO: the library the client says it is (lib-name, lib-ver). */
    private volatile String libName;
    private volatile String libVersion;
    /** Closes the connection (CLIENT KILL); null when the transport gave none. */
    private volatile Runnable killer;
    /** CLIENT TRACKING ON: the keys this client reads are remembered (client-side caching). */
    private volatile boolean tracking;
    /** The protocol HELLO chose: 2 (RESP2, the default) or 3. */
    private volatile int protocol = 2;
    private boolean internal;
    private Runnable afterBatch;
    private Blocking blocking;
    private Transaction transaction;
    private boolean awaitingReplicas;
    private volatile boolean disconnected;
    private volatile Runnable onDisconnect;
    private volatile Runnable onClose;
    private volatile Unblocker onUnblock;
    /** What other features release when the connection goes (client tracking); any thread. */
    private final java.util.List<Runnable> whenClosed = new java.util.concurrent.CopyOnWriteArrayList<>();
    /** What this client subscribes to; null until its first SUBSCRIBE. Changed under the pub/sub registry's lock. */
    private volatile Subscriptions subscriptions;
    /** Where messages for this client go, out of band of its replies (its connection); null: nowhere. */
    private volatile java.util.function.Consumer<byte[]> pushes;

    public Session(long id, String connectionId, String address) {
        this.id = id;
        this.connectionId = connectionId;
        this.address = address;
    }

    /** The transport's id of the connection (Spring Integration's ip_connectionId). */
    public String connectionId() {
        return connectionId;
    }

    public long id() {
        return id;
    }

    public String address() {
        return address;
    }

    public java.net.InetSocketAddress localAddress() {
        return localAddress;
    }

    public void localAddress(java.net.InetSocketAddress address) {
        this.localAddress = address;
    }

    public long createdMillis() {
        return createdMillis;
    }

    public String name() {
        return name;
    }

    public void name(String name) {
        this.name = name;
    }

    /** QUIT and protocol errors: write the pending replies, run nothing more, then close. */
    public void closeAfterReply() {
        this.closeAfterReply = true;
    }

    public boolean isClosing() {
        return closeAfterReply;
    }

    /** CLIENT REPLY ON|OFF|SKIP (SKIP drops the reply of the command after this one). */
    public void replyMode(ReplyMode mode) {
        if (mode == ReplyMode.SKIP_NEXT && replyMode == ReplyMode.OFF) {
            return; // Redis: SKIP while OFF changes nothing
        }
        this.replyMode = mode;
    }

    /**
     * After each command of the client: whether its reply is dropped (CLIENT REPLY OFF, or the
     * command after a SKIP); moves SKIP along.
     */
    public boolean replyDropped() {
        ReplyMode mode = replyMode;
        if (mode == ReplyMode.ON) {
            return false;
        }
        if (mode == ReplyMode.SKIP_NEXT) {
            replyMode = ReplyMode.SKIP;
            return false;
        }
        if (mode == ReplyMode.SKIP) {
            replyMode = ReplyMode.ON;
        }
        return true;
    }

    public void libInfo(String name, String version) {
        if (name != null) {
            this.libName = name;
        }
        if (version != null) {
            this.libVersion = version;
        }
    }

    public String libName() {
        return libName;
    }

    public String libVersion() {
        return libVersion;
    }

    /** How CLIENT KILL closes this client's connection. */
    public void killer(Runnable close) {
        this.killer = close;
    }

    /** CLIENT KILL: closes the connection (after the reply being written, if this is the killer itself). */
    public boolean kill() {
        Runnable close = killer;
        if (close == null) {
            return false;
        }
        close.run();
        return true;
    }

    public void tracking(boolean on) {
        this.tracking = on;
    }

    public boolean isTracking() {
        return tracking;
    }

    /** HELLO 2 or 3. */
    public void protocol(int protocol) {
        this.protocol = protocol;
    }

    public int protocol() {
        return protocol;
    }

    /** Whether replies go out in RESP3 (after HELLO 3). */
    public boolean isResp3() {
        return protocol == 3;
    }

    /** READONLY (true) or READWRITE (false): whether this client accepts reads from replicas. */
    public void readOnly(boolean readOnly) {
        this.readOnly = readOnly;
    }

    public boolean isReadOnly() {
        return readOnly;
    }

    /**
     * A session of the cluster itself (keys a migration imports or deletes), not of a client: its
     * commands pass the key-ownership fence, which exists to redirect clients.
     */
    public Session internal() {
        this.internal = true;
        return this;
    }

    public boolean isInternal() {
        return internal;
    }

    /** True once AUTH succeeded (only asked when a password is required). */
    public boolean isAuthenticated() {
        return authenticated;
    }

    public void authenticated(boolean authenticated) {
        this.authenticated = authenticated;
    }

    /**
     * Work a command leaves for after its batch, outside the store's lock (a replica's
     * acknowledgement, which may answer other clients); the last one set wins.
     */
    public void afterBatch(Runnable work) {
        this.afterBatch = work;
    }

    /**
     * The batch that just ran is answered once replicas have it (a primary with ack=replicas): its
     * connection need not read ahead meanwhile (see {@link #takeAwaitingReplicas()}).
     */
    public void awaitingReplicas() {
        awaitingReplicas = true;
    }

    /** Whether the batch that just ran waits for replicas; clears it. */
    public boolean takeAwaitingReplicas() {
        boolean awaiting = awaitingReplicas;
        awaitingReplicas = false;
        return awaiting;
    }

    /** The open transaction (after MULTI, before EXEC or DISCARD), or null. */
    public Transaction transaction() {
        return transaction;
    }

    /** MULTI: commands are queued from now on. */
    public Transaction beginTransaction() {
        transaction = new Transaction();
        return transaction;
    }

    /** EXEC or DISCARD: the queue is gone, commands run again. */
    public void endTransaction() {
        Transaction ended = transaction;
        transaction = null;
        if (ended != null) {
            ended.release();
        }
    }

    /**
     * A blocking command (BLPOP, BZPOPMIN, BLMOVE, ...) found nothing to pop: the server suspends the
     * client, as Redis's blockForKeys, instead of answering.
     */
    public void block(Blocking blocking) {
        this.blocking = blocking;
    }

    /** Whether the command that just ran asked to wait (not yet taken). */
    public boolean isBlocking() {
        return blocking != null;
    }

    /** Takes what the last command asked to wait for, or null when it answered. */
    public Blocking takeBlocking() {
        Blocking b = blocking;
        blocking = null;
        return b;
    }

    /** What CLIENT UNBLOCK does to a client that waits in a blocking command. */
    @FunctionalInterface
    public interface Unblocker {
        /** @return whether the client was still waiting and is now answered (TIMEOUT's reply, or the error) */
        boolean unblock(boolean withError);
    }

    /** What CLIENT UNBLOCK does while this client waits; null once it no longer waits. */
    public void onUnblock(Unblocker action) {
        this.onUnblock = action;
    }

    /** CLIENT UNBLOCK from another connection, any thread: whether this client waited and no longer does. */
    public boolean unblock(boolean withError) {
        Unblocker action = onUnblock;
        return action != null && action.unblock(withError);
    }

    /** What to do once the connection is gone (a blocked client leaves its queues); null for nothing. */
    public void onDisconnect(Runnable action) {
        this.onDisconnect = action;
    }

    /** What to release once the connection is gone (the keys it WATCHes), beside {@link #onDisconnect}; null for nothing. */
    public void onClose(Runnable action) {
        this.onClose = action;
    }

    /** The connection closed, however it ended: runs the {@link #onDisconnect} and {@link #onClose} actions. Any thread. */
    public void disconnected() {
        disconnected = true;
        Transaction open = transaction;
        if (open != null) {
            open.release(); // its memory; the transaction never runs now
        }
        Runnable action = onDisconnect;
        if (action != null) {
            action.run();
        }
        Runnable release = onClose;
        if (release != null) {
            release.run();
        }
        Subscriptions subs = subscriptions;
        if (subs != null) {
            subs.closed(this);
        }
        whenClosed.forEach(Runnable::run);
    }

    /** Adds something to release once the connection is gone, however it ended. */
    public void whenClosed(Runnable action) {
        whenClosed.add(action);
    }

    /** The client's subscriptions, null when it never subscribed. */
    public Subscriptions subscriptions() {
        return subscriptions;
    }

    public void subscriptions(Subscriptions subscriptions) {
        this.subscriptions = subscriptions;
    }

    /**
     * Whether the client is in Redis's subscribed mode (CLIENT_PUBSUB): subscribed to a channel, a
     * pattern or a shard channel, so that only the pub/sub commands, PING, QUIT and RESET run.
     */
    public boolean isSubscribed() {
        Subscriptions subs = subscriptions;
        return subs != null && subs.total() > 0;
    }

    /** Redis's RESP2 subscribed mode: subscribed, and not in RESP3 (where any command runs beside messages). */
    public boolean inSubscribedMode() {
        return protocol == 2 && isSubscribed();
    }

    /** The connection's way to send this client a message between its replies. */
    public void pushTo(java.util.function.Consumer<byte[]> target) {
        this.pushes = target;
    }

    /** Sends a message (a whole RESP frame) to the client between its replies; any thread. */
    public void push(byte[] frame) {
        java.util.function.Consumer<byte[]> target = pushes;
        if (target != null && !disconnected) {
            target.accept(protocol == 3 ? io.kvcache.protocol.Resp3.push(frame) : frame);
        }
    }

    public boolean isDisconnected() {
        return disconnected;
    }

    /** Takes the work left by {@link #afterBatch}, or null. */
    public Runnable takeAfterBatch() {
        Runnable r = afterBatch;
        afterBatch = null;
        return r;
    }
}
