package io.kvcache.master.upstream;

import java.util.function.Consumer;

import io.kvcache.protocol.Request;

/**
 * A reply a slave owes: completed by the connection's reader with the reply's bytes, in the
 * order the requests were written (a slave answers in order). It remembers the request and the
 * shard it went to, so that a redirect (a key that moved) can be followed.
 */
public final class PendingReply {

    private final ReplyGroup group;
    private final Request request;
    private final String shard;
    /** False for a part of a transaction: it ran (or was refused) inside MULTI, never again elsewhere. */
    private final boolean redirectable;
    private volatile byte[] reply;

    private final Consumer<byte[]> onReply;

    PendingReply(ReplyGroup group, Request request, String shard, boolean redirectable) {
        this.group = group;
        this.request = request;
        this.shard = shard;
        this.redirectable = redirectable;
        this.onReply = null;
    }

    private PendingReply(Consumer<byte[]> onReply) {
        this.group = null;
        this.request = null;
        this.shard = null;
        this.redirectable = false;
        this.onReply = onReply;
    }

    /** A reply the link itself waits for (its greeting's), handed to onReply on the link's loop. */
    static PendingReply internal(Consumer<byte[]> onReply) {
        return new PendingReply(onReply);
    }

    void complete(byte[] bytes) {
        if (onReply != null) {
            onReply.accept(bytes);
            return;
        }
        this.reply = group.admit(bytes.length) ? bytes : DROPPED;
        group.arrived();
    }

    /** Stands for a reply dropped past the client's limits; the client is closed before it could be written. */
    private static final byte[] DROPPED = "-ERR reply dropped: output buffer limit\r\n".getBytes(
            java.nio.charset.StandardCharsets.US_ASCII);

    /** The reply's RESP bytes; valid once the group has been awaited. */
    public byte[] reply() {
        return reply;
    }

    /** The answer of the shard a redirect led to, in place of the redirect. */
    public void replace(byte[] bytes) {
        this.reply = bytes;
    }

    public Request request() {
        return request;
    }

    /** Whether a redirect answered here may be followed by sending the request again elsewhere. */
    public boolean redirectable() {
        return redirectable;
    }

    /** The name of the shard the request was sent to. */
    public String shard() {
        return shard;
    }
}
