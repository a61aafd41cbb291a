package io.kvcache.slave.compat;

import java.nio.charset.StandardCharsets;

/**
 * Renders commands and raw replies as one-line printable text for failure reports: binary keys,
 * CRLF framing and embedded NULs must stay visible, so every byte outside printable ASCII is
 * shown as a {@code \xNN} escape (the same style redis-cli uses).
 */
final class Escaping {

    /** Long values (the generator sometimes writes 10 KB) are cut so a report stays readable. */
    static final int MAX_PRINTED_BYTES = 600;

    private Escaping() {
    }

    /** A command as space-separated quoted arguments, e.g. {@code "SET" "k\x00" "v"}. */
    static String command(byte[][] argv) {
        StringBuilder out = new StringBuilder();
        for (byte[] arg : argv) {
            if (!out.isEmpty()) {
                out.append(' ');
            }
            out.append('"').append(bytes(arg, MAX_PRINTED_BYTES / 4)).append('"');
        }
        return out.toString();
    }

    /** A raw RESP reply with its framing escaped, e.g. {@code $1\r\nv\r\n}. */
    static String reply(byte[] raw) {
        return bytes(raw, MAX_PRINTED_BYTES);
    }

    static String bytes(byte[] data) {
        return bytes(data, Integer.MAX_VALUE);
    }

    static String bytes(byte[] data, int limit) {
        StringBuilder out = new StringBuilder();
        int shown = Math.min(data.length, limit);
        for (int i = 0; i < shown; i++) {
            int b = data[i] & 0xff;
            switch (b) {
                case '\r' -> out.append("\\r");
                case '\n' -> out.append("\\n");
                case '\t' -> out.append("\\t");
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                default -> {
                    if (b >= 0x20 && b < 0x7f) {
                        out.append((char) b);
                    } else {
                        out.append(String.format("\\x%02x", b));
                    }
                }
            }
        }
        if (shown < data.length) {
            out.append("...(").append(data.length).append(" bytes in total)");
        }
        return out.toString();
    }

    static byte[] ascii(String text) {
        return text.getBytes(StandardCharsets.ISO_8859_1);
    }
}
