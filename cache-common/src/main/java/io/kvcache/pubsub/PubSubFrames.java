package io.kvcache.pubsub;

import io.kvcache.protocol.RespWriter;

/** The RESP2 frames a subscriber receives, as pubsub.c writes them. */
public final class PubSubFrames {

    private PubSubFrames() {
    }

    /** {@code message} or {@code smessage}: the kind's word, the channel, the payload. */
    public static byte[] message(String word, byte[] channel, byte[] message) {
        RespWriter out = new RespWriter(32 + channel.length + message.length);
        out.array(3).bulk(word).bulk(channel).bulk(message);
        return out.toByteArray();
    }

    /** {@code pmessage}: the pattern that matched, the channel, the payload. */
    public static byte[] patternMessage(byte[] pattern, byte[] channel, byte[] message) {
        RespWriter out = new RespWriter(40 + pattern.length + channel.length + message.length);
        out.array(4).bulk("pmessage").bulk(pattern).bulk(channel).bulk(message);
        return out.toByteArray();
    }

    /** A (un)subscribe confirmation: the word, the name (null: none, as an UNSUBSCRIBE of nothing), the count. */
    static void confirmation(RespWriter out, String word, byte[] name, long count) {
        out.array(3).bulk(word).bulkOrNull(name).integer(count);
    }
}
