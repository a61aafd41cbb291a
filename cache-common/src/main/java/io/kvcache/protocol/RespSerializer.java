package io.kvcache.protocol;

import java.io.IOException;
import java.io.OutputStream;

import org.springframework.core.serializer.Serializer;

/**
 * Writes a batch of replies: a {@link RespWriter}'s buffer or bytes already encoded. The
 * connection flushes once after each call, so a batch of pipelined replies costs one write.
 */
public final class RespSerializer implements Serializer<Object> {

    @Override
    public void serialize(Object replies, OutputStream out) throws IOException {
        switch (replies) {
            case RespWriter writer -> writer.writeTo(out);
            case byte[] bytes -> out.write(bytes);
            default -> throw new IllegalArgumentException("Not a RESP reply: " + replies.getClass());
        }
    }
}
