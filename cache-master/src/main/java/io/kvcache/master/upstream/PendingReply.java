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
        this.reply = bytes;
        group.arrived();
    }

    /** The reply's RESP bytes; valid once the group has been awaited. */
    public byte[] reply() {
        return reply;
    }
}
