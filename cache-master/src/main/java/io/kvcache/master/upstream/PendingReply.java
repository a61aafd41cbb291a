package io.kvcache.master.upstream;

/**
 * A reply a slave owes: completed by the connection's reader with the reply's bytes, in the
 * order the requests were written (a slave answers in order).
 */
public final class PendingReply {

    private final ReplyGroup group;
    private volatile byte[] reply;

    public PendingReply(ReplyGroup group) {
        this.group = group;
    }

    void complete(byte[] bytes) {
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
}
