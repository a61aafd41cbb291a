package io.kvcache.slave.compat;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * A decoded RESP2 reply, for the few comparison rules that look inside a reply (KEYS, SCAN, TTL).
 * Everything else is compared as raw bytes and never decoded.
 */
sealed interface RespValue {

    record SimpleString(String text) implements RespValue {
    }

    record ErrorReply(String message) implements RespValue {
    }

    record IntegerReply(long value) implements RespValue {
    }

    /** A bulk string; {@code bytes} is null for the null bulk {@code $-1}. */
    record BulkString(byte[] bytes) implements RespValue {
    }

    /** An array; {@code elements} is null for the null array {@code *-1}. */
    record ArrayReply(List<RespValue> elements) implements RespValue {
    }

    /** Decodes one complete reply, as returned by {@link RawRedisClient}. */
    static RespValue decode(byte[] raw) {
        Decoder decoder = new Decoder(raw);
        RespValue value = decoder.next();
        if (decoder.pos != raw.length) {
            throw new IllegalArgumentException("trailing bytes after reply: " + Escaping.reply(raw));
        }
        return value;
    }

    final class Decoder {
        private final byte[] raw;
        private int pos;

        private Decoder(byte[] raw) {
            this.raw = raw;
        }

        private RespValue next() {
            byte type = raw[pos];
            String line = line();
            return switch (type) {
                case '+' -> new SimpleString(line);
                case '-' -> new ErrorReply(line);
                case ':' -> new IntegerReply(Long.parseLong(line));
                case '$' -> bulk(Integer.parseInt(line));
                case '*' -> array(Integer.parseInt(line));
                default -> throw new IllegalArgumentException("unknown reply type in " + Escaping.reply(raw));
            };
        }

        private RespValue bulk(int length) {
            if (length < 0) {
                return new BulkString(null);
            }
            byte[] bytes = java.util.Arrays.copyOfRange(raw, pos, pos + length);
            pos += length + 2;
            return new BulkString(bytes);
        }

        private RespValue array(int count) {
            if (count < 0) {
                return new ArrayReply(null);
            }
            List<RespValue> elements = new ArrayList<>(count);
            for (int i = 0; i < count; i++) {
                elements.add(next());
            }
            return new ArrayReply(elements);
        }

        /** The rest of the current header line after its type byte; moves past its CRLF. */
        private String line() {
            int start = pos + 1;
            int end = start;
            while (raw[end] != '\r') {
                end++;
            }
            pos = end + 2;
            return new String(raw, start, end - start, StandardCharsets.ISO_8859_1);
        }
    }
}
