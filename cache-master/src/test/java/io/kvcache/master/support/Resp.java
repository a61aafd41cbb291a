package io.kvcache.master.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;

import io.kvcache.slave.compat.RawRedisClient;

/** Expected RESP2 replies as text (ISO-8859-1, one char per byte), and calls that return replies as text. */
public final class Resp {

    public static final String OK = "+OK\r\n";
    public static final String NIL = "$-1\r\n";
    public static final String CROSSSLOT = "-CROSSSLOT Keys in request don't hash to the same slot\r\n";
    public static final String SLOT_NOT_SERVED = "-CLUSTERDOWN Hash slot not served\r\n";
    public static final String WRONGTYPE = "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n";

    private Resp() {
    }

    public static String bulk(String value) {
        return "$" + value.getBytes(StandardCharsets.ISO_8859_1).length + "\r\n" + value + "\r\n";
    }

    public static String bulkOrNil(String value) {
        return value == null ? NIL : bulk(value);
    }

    public static String integer(long value) {
        return ":" + value + "\r\n";
    }

    public static String array(List<String> elements) {
        return "*" + elements.size() + "\r\n" + String.join("", elements);
    }

    public static String text(byte[] reply) {
        return new String(reply, StandardCharsets.ISO_8859_1);
    }

    /** One command, its reply as text. */
    public static String call(RawRedisClient client, String... argv) {
        try {
            return text(client.call(argv));
        } catch (IOException e) {
            throw new UncheckedIOException("calling " + String.join(" ", argv), e);
        }
    }

    /** One write of every command, their replies as text, in order. */
    public static List<String> pipeline(RawRedisClient client, List<String[]> commands) {
        List<byte[][]> encoded = commands.stream().map(Resp::argv).toList();
        try {
            return client.pipeline(encoded).stream().map(Resp::text).toList();
        } catch (IOException e) {
            throw new UncheckedIOException("pipelining " + commands.size() + " commands", e);
        }
    }

    public static byte[][] argv(String... args) {
        byte[][] argv = new byte[args.length][];
        for (int i = 0; i < args.length; i++) {
            argv[i] = args[i].getBytes(StandardCharsets.ISO_8859_1);
        }
        return argv;
    }

    /** Debug form of a reply: CR and LF visible. */
    public static String show(String reply) {
        return reply.replace("\r", "\\r").replace("\n", "\\n");
    }

    /** An error reply, decoded. */
    public record Error(String message) {
    }

    /**
     * Decodes one RESP2 reply: bulk and simple strings as String (ISO-8859-1), integers as Long, arrays as
     * List, nil as null, errors as {@link Error}.
     */
    public static Object decode(String reply) {
        int[] position = {0};
        Object value = decode(reply, position);
        if (position[0] != reply.length()) {
            throw new IllegalArgumentException("trailing bytes after a reply: " + show(reply));
        }
        return value;
    }

    /** The elements of an array reply of bulk strings. */
    @SuppressWarnings("unchecked")
    public static List<String> strings(String reply) {
        return (List<String>) decode(reply);
    }

    /** The string of a bulk reply. */
    public static String string(String reply) {
        return (String) decode(reply);
    }

    private static Object decode(String s, int[] pos) {
        char type = s.charAt(pos[0]);
        int lineEnd = s.indexOf("\r\n", pos[0]);
        String line = s.substring(pos[0] + 1, lineEnd);
        pos[0] = lineEnd + 2;
        switch (type) {
            case '+':
                return line;
            case '-':
                return new Error(line);
            case ':':
                return Long.parseLong(line);
            case '$': {
                int length = Integer.parseInt(line);
                if (length < 0) {
                    return null;
                }
                String value = s.substring(pos[0], pos[0] + length);
                pos[0] += length + 2;
                return value;
            }
            case '*': {
                int count = Integer.parseInt(line);
                if (count < 0) {
                    return null;
                }
                List<Object> elements = new java.util.ArrayList<>(count);
                for (int i = 0; i < count; i++) {
                    elements.add(decode(s, pos));
                }
                return elements;
            }
            default:
                throw new IllegalArgumentException("not a RESP2 reply: " + show(s));
        }
    }
}
