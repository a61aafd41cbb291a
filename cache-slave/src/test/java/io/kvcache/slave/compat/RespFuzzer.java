package io.kvcache.slave.compat;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Seeded frames of hostile and broken client input, for fuzzing a RESP port: valid commands,
 * valid commands with their framing mutated (lengths flipped, huge or negative, truncated,
 * bytes inserted or dropped), inline commands with quotes and escapes (balanced or not), random
 * bytes drawn mostly from RESP's own characters, and the edge inputs of Redis's protocol tests.
 * The same seed gives the same frames, in the same order: a failure is replayed from its seed.
 * <p>
 * Keys are {@code f:0} .. {@code f:15}; FLUSHALL, FLUSHDB and other commands that would touch
 * another client's data are never generated.
 */
public final class RespFuzzer {

    private static final String[] KEYS = new String[16];
    private static final byte[] RESP_BYTES = "*$\r\n0123456789-+ :\"'\\x{}".getBytes(StandardCharsets.ISO_8859_1);
    private static final List<String> NUMBERS = List.of("0", "1", "-1", "2", "10", "11", "100", "16384", "16385",
            "65536", "1048576", "1048577", "536870912", "536870913", "2147483647", "2147483648", "-2147483649",
            "4294967296", "9223372036854775807", "9223372036854775808", "-9223372036854775808",
            "99999999999999999999", "+5", " 5", "5x", "0x10", "", "-0", "007", "1e3", "inf", "-inf", "nan", "1.5");

    /** name, then how many arguments of each kind: k = key, n = number, v = value, o = option. */
    private static final List<String[]> TEMPLATES = List.of(
            new String[] {"GET", "k"}, new String[] {"SET", "k", "v"}, new String[] {"SET", "k", "v", "o", "n"},
            new String[] {"INCR", "k"}, new String[] {"INCRBY", "k", "n"}, new String[] {"DECRBY", "k", "n"},
            new String[] {"INCRBYFLOAT", "k", "n"}, new String[] {"APPEND", "k", "v"}, new String[] {"STRLEN", "k"},
            new String[] {"GETRANGE", "k", "n", "n"}, new String[] {"SETRANGE", "k", "n", "v"},
            new String[] {"LPUSH", "k", "v", "v"}, new String[] {"RPUSH", "k", "v"}, new String[] {"LPOP", "k", "n"},
            new String[] {"RPOP", "k"}, new String[] {"LRANGE", "k", "n", "n"}, new String[] {"LINDEX", "k", "n"},
            new String[] {"LLEN", "k"}, new String[] {"LPOS", "k", "v", "o", "n"}, new String[] {"LSET", "k", "n", "v"},
            new String[] {"LTRIM", "k", "n", "n"}, new String[] {"LREM", "k", "n", "v"},
            new String[] {"EXPIRE", "k", "n"}, new String[] {"PEXPIRE", "k", "n", "o"}, new String[] {"TTL", "k"},
            new String[] {"DEL", "k", "k"}, new String[] {"EXISTS", "k", "k", "k"}, new String[] {"MGET", "k", "k"},
            new String[] {"MSET", "k", "v", "k", "v"}, new String[] {"MSETNX", "k", "v", "k", "v"},
            new String[] {"PING"}, new String[] {"ECHO", "v"}, new String[] {"TYPE", "k"},
            new String[] {"KEYS", "o"}, new String[] {"SCAN", "n", "o", "v"}, new String[] {"GETSET", "k", "v"},
            new String[] {"GETDEL", "k"}, new String[] {"RENAME", "k", "k"}, new String[] {"LMOVE", "k", "k", "o", "o"},
            new String[] {"DBSIZE"}, new String[] {"COMMAND", "o"}, new String[] {"CLIENT", "o"},
            new String[] {"HELLO", "n"}, new String[] {"SELECT", "n"}, new String[] {"INFO", "o"},
            new String[] {"NOSUCHCOMMAND", "v"});
    private static final List<String> OPTIONS = List.of("EX", "PX", "NX", "XX", "KEEPTTL", "GET", "COUNT", "RANK",
            "MAXLEN", "MATCH", "LEFT", "RIGHT", "GT", "LT", "*", "f:*", "a*a*a*a*a*a*a*a*a*b", "[a-", "\\", "LIST",
            "INFO", "GETNAME", "SETNAME", "COUNT", "server", "everything");

    static {
        for (int i = 0; i < KEYS.length; i++) {
            KEYS[i] = "f:" + i;
        }
    }

    private final SplittableRandom random;

    public RespFuzzer(long seed) {
        this.random = new SplittableRandom(seed);
    }

    /** The next frame. */
    public byte[] next() {
        int kind = random.nextInt(100);
        if (kind < 15) {
            return command();
        } else if (kind < 50) {
            return mutate(command());
        } else if (kind < 70) {
            return inline();
        } else if (kind < 85) {
            return noise(1 + random.nextInt(random.nextInt(8) == 0 ? 4000 : 200));
        }
        return edge();
    }

    private byte[] command() {
        String[] template = TEMPLATES.get(random.nextInt(TEMPLATES.size()));
        byte[][] argv = new byte[template.length][];
        argv[0] = ascii(random.nextInt(4) == 0 ? template[0].toLowerCase(java.util.Locale.ROOT) : template[0]);
        for (int i = 1; i < template.length; i++) {
            argv[i] = switch (template[i]) {
                case "k" -> ascii(KEYS[random.nextInt(KEYS.length)]);
                case "n" -> ascii(NUMBERS.get(random.nextInt(NUMBERS.size())));
                case "o" -> ascii(OPTIONS.get(random.nextInt(OPTIONS.size())));
                default -> value();
            };
        }
        if (random.nextInt(10) == 0) { // an argument dropped or added: arity errors
            int n = Math.max(1, argv.length + (random.nextBoolean() ? 1 : -1));
            byte[][] resized = java.util.Arrays.copyOf(argv, n);
            for (int i = argv.length; i < n; i++) {
                resized[i] = value();
            }
            argv = resized;
        }
        return RawRedisClient.encode(List.<byte[][]>of(argv));
    }

    private byte[] value() {
        int size = switch (random.nextInt(20)) {
            case 0 -> 1000 + random.nextInt(9000);
            case 1 -> 0;
            default -> 1 + random.nextInt(12);
        };
        byte[] v = new byte[size];
        for (int i = 0; i < size; i++) {
            v[i] = random.nextInt(4) == 0 ? (byte) random.nextInt(256) : (byte) ('a' + random.nextInt(26));
        }
        return v;
    }

    /** A valid frame, its framing broken in one to three places. */
    private byte[] mutate(byte[] frame) {
        byte[] out = frame;
        for (int m = 1 + random.nextInt(3); m > 0 && out.length > 0; m--) {
            int at = random.nextInt(out.length);
            out = switch (random.nextInt(7)) {
                case 0 -> replaceNumberAfterHeader(out);
                case 1 -> java.util.Arrays.copyOf(out, at); // truncated
                case 2 -> splice(out, at, Math.min(out.length, at + 1 + random.nextInt(8)), new byte[0]); // bytes lost
                case 3 -> splice(out, at, at, noise(1 + random.nextInt(6))); // bytes inserted
                case 4 -> splice(out, at, at, java.util.Arrays.copyOfRange(out, at, out.length)); // tail repeated
                case 5 -> flip(out, at);
                default -> replaceAll(out, "\r\n", random.nextBoolean() ? "\n" : "\r");
            };
        }
        return out;
    }

    /** A `*N` or `$N` header's number replaced by one of the interesting ones. */
    private byte[] replaceNumberAfterHeader(byte[] frame) {
        String text = new String(frame, StandardCharsets.ISO_8859_1);
        int tries = 10;
        while (tries-- > 0) {
            int at = random.nextInt(text.length());
            char c = text.charAt(at);
            if (c == '*' || c == '$') {
                int end = text.indexOf('\r', at);
                if (end > at) {
                    return ascii(text.substring(0, at + 1) + NUMBERS.get(random.nextInt(NUMBERS.size()))
                            + text.substring(end));
                }
            }
        }
        return frame;
    }

    private byte[] flip(byte[] frame, int at) {
        byte[] out = frame.clone();
        out[at] = (byte) (random.nextBoolean() ? out[at] ^ (1 << random.nextInt(8)) : RESP_BYTES[random.nextInt(RESP_BYTES.length)]);
        return out;
    }

    /** An inline command: words, quoted strings with escapes, sometimes unbalanced, sometimes very long. */
    private byte[] inline() {
        StringBuilder line = new StringBuilder();
        String[] template = TEMPLATES.get(random.nextInt(TEMPLATES.size()));
        line.append(template[0]);
        int words = 1 + random.nextInt(6);
        for (int i = 0; i < words; i++) {
            line.append(random.nextInt(5) == 0 ? "  \t" : " ");
            switch (random.nextInt(8)) {
                case 0 -> line.append('"').append(word()).append("\\x").append(hex()).append("\\n\\\"").append('"');
                case 1 -> line.append('\'').append(word()).append("\\'").append(word()).append('\'');
                case 2 -> line.append('"').append(word()); // unbalanced
                case 3 -> line.append('"').append(word()).append("\"x"); // a closing quote not followed by a space
                case 4 -> line.append(NUMBERS.get(random.nextInt(NUMBERS.size())));
                case 5 -> line.append(KEYS[random.nextInt(KEYS.length)]);
                case 6 -> line.append("\"\"");
                default -> line.append(word());
            }
        }
        if (random.nextInt(50) == 0) {
            line.append(" ").append("y".repeat(64 * 1024 - 20 + random.nextInt(40))); // about the 64 KB limit
        }
        line.append(random.nextInt(3) == 0 ? "\n" : "\r\n");
        return ascii(line.toString());
    }

    private byte[] edge() {
        return switch (random.nextInt(12)) {
            case 0 -> ascii("*" + NUMBERS.get(random.nextInt(NUMBERS.size())) + "\r\n");
            case 1 -> ascii("*1\r\n$" + NUMBERS.get(random.nextInt(NUMBERS.size())) + "\r\n");
            case 2 -> ascii("*1048577\r\n");
            case 3 -> ascii("*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$2147483648\r\n");
            case 4 -> ascii(new String[] {"\0", "*\0", "$\0"}[random.nextInt(3)] + ("x".repeat(1024) + "\r\n").repeat(70));
            case 5 -> ascii("*" + "9".repeat(64 * 1024 + random.nextInt(3) - 1));
            case 6 -> ascii("*2\r\n$4\r\nECHO\r\n$" + "9".repeat(64 * 1024 + 1));
            case 7 -> ascii("*-10\r\n*0\r\n\r\n\n");
            case 8 -> ascii("*2\r\n$4\r\nECHO\r\n$5\r\nhello\r\n".repeat(1 + random.nextInt(50)));
            case 9 -> ascii("POST / HTTP/1.1\r\nHost: example\r\n\r\n");
            case 10 -> ascii("*3\r\n$3\r\nSET\r\n$4\r\nf:big\r\n$100000\r\n" + "z".repeat(random.nextInt(100_002)));
            default -> ascii("*1\r\nPING\r\n");
        };
    }

    private byte[] noise(int n) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) {
            b[i] = random.nextInt(3) == 0 ? (byte) random.nextInt(256) : RESP_BYTES[random.nextInt(RESP_BYTES.length)];
        }
        return b;
    }

    private String word() {
        int n = 1 + random.nextInt(8);
        StringBuilder sb = new StringBuilder(n);
        for (int i = 0; i < n; i++) {
            sb.append((char) ('a' + random.nextInt(26)));
        }
        return sb.toString();
    }

    private String hex() {
        return Integer.toHexString(random.nextInt(16)) + Integer.toHexString(random.nextInt(16));
    }

    private static byte[] splice(byte[] a, int from, int to, byte[] insert) {
        byte[] out = new byte[a.length - (to - from) + insert.length];
        System.arraycopy(a, 0, out, 0, from);
        System.arraycopy(insert, 0, out, from, insert.length);
        System.arraycopy(a, to, out, from + insert.length, a.length - to);
        return out;
    }

    private static byte[] replaceAll(byte[] a, String from, String to) {
        return ascii(new String(a, StandardCharsets.ISO_8859_1).replace(from, to));
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    /** Frames escaped for a failure report. */
    public static String describe(List<byte[]> frames) {
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        frames.forEach(all::writeBytes);
        return Escaping.bytes(all.toByteArray(), 2000);
    }
}
