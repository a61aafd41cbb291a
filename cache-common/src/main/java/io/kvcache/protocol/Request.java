package io.kvcache.protocol;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * One command as the client sent it: argv[0] is the command name, every argument is a
 * binary-safe byte string. {@code raw} is the multibulk exactly as it arrived, when the reader
 * kept it (small requests read whole): forwarded as is, never re-encoded.
 */
public record Request(byte[][] argv, byte[] raw) {

    /** Requests longer than this are not kept raw: their arguments are not held twice. */
    static final int MAX_RAW = 16 * 1024;

    public Request(byte[][] argv) {
        this(argv, null);
    }

    public static Request of(String... args) {
        byte[][] argv = new byte[args.length][];
        for (int i = 0; i < args.length; i++) {
            argv[i] = args[i].getBytes(StandardCharsets.UTF_8);
        }
        return new Request(argv);
    }

    /** The request as a RESP multibulk, as a client sends it (for forwarding to another server). */
    public byte[] encode() {
        if (raw != null) {
            return raw;
        }
        int size = 16;
        for (byte[] arg : argv) {
            size += arg.length + 16;
        }
        RespWriter w = new RespWriter(size).array(argv.length);
        for (byte[] arg : argv) {
            w.bulk(arg);
        }
        return w.toByteArray();
    }

    public int argc() {
        return argv.length;
    }

    public byte[] arg(int i) {
        return argv[i];
    }

    /** The argument as text, for options, numbers and error messages (ISO-8859-1 keeps bytes 1:1). */
    public String text(int i) {
        return new String(argv[i], StandardCharsets.ISO_8859_1);
    }

    /** True when argument i equals the ASCII option, ignoring case (Redis's strcasecmp). */
    public boolean is(int i, String option) {
        byte[] a = argv[i];
        if (a.length != option.length()) {
            return false;
        }
        for (int j = 0; j < a.length; j++) {
            if (Ascii.toLower(a[j]) != Ascii.toLower((byte) option.charAt(j))) {
                return false;
            }
        }
        return true;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Request r && Arrays.deepEquals(argv, r.argv);
    }

    @Override
    public int hashCode() {
        return Arrays.deepHashCode(argv);
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("Request[");
        for (int i = 0; i < argv.length; i++) {
            sb.append(i == 0 ? "" : " ").append(text(i));
        }
        return sb.append(']').toString();
    }
}
