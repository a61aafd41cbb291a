package io.kvcache.slave.compat;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.util.ArrayList;
import java.util.List;

/**
 * The inputs behind Redis's protocol and command CVEs (reference/reliability.md §4), sent to a real
 * redis-server and to a candidate (a slave, or the master) with the same settings: every reply must
 * be the same bytes, and the candidate must answer each within a second. Both run with
 * {@code proto-max-bulk-len 1mb}, so the size limits are reached with small values.
 * <p>
 * Not applicable to kvcache, which has no sets, sorted sets, hashes or Lua: SRANDMEMBER,
 * ZRANDMEMBER, HRANDFIELD (CVE-2023-25155, 2023-22458), HINCRBYFLOAT (CVE-2023-28856), SORT
 * (2022-35977's other half), EVAL (2021-32672, 2022-24834, 2024-31449). Their list and string
 * counterparts are here (LPOP/LPOS counts, INCRBYFLOAT).
 */
public final class CveInputs {

    /** The candidate's deadline for any one reply. */
    public static final long DEADLINE_NANOS = 1_000_000_000L;

    private static final String MIN = "-9223372036854775808";
    private static final String MAX = "9223372036854775807";
    private static final int LIMIT = 1024 * 1024;

    /** Commands run in order on one connection of each server; every reply compared. */
    public record Case(String cve, String name, List<byte[][]> commands) {
        @Override
        public String toString() {
            return cve + " " + name;
        }
    }

    /** Bytes sent on a fresh connection; what comes back until the server closes it (or is silent) compared. */
    public record RawCase(String cve, String name, byte[] bytes) {
        @Override
        public String toString() {
            return cve + " " + name;
        }
    }

    /** The redis-server arguments that match the candidate's settings. */
    public static final String[] REDIS_ARGS = {"--proto-max-bulk-len", "1mb"};

    private CveInputs() {
    }

    public static List<Case> commandCases() {
        List<Case> cases = new ArrayList<>();
        String big = "x".repeat(LIMIT);
        cases.add(new Case("CVE-2022-35977", "SETRANGE at the limits of proto-max-bulk-len", List.of(
                cmd("SETRANGE", "s", Integer.toString(LIMIT - 1), "x"),
                cmd("STRLEN", "s"),
                cmd("SETRANGE", "s", Integer.toString(LIMIT), "x"),
                cmd("SETRANGE", "s", "536870911", "x"),
                cmd("SETRANGE", "s", MAX, "x"),
                cmd("SETRANGE", "s", "-1", "x"),
                cmd("SETRANGE", "s", MIN, "x"),
                cmd("SETRANGE", "fresh", Integer.toString(LIMIT), ""),
                cmd("EXISTS", "fresh"),
                cmd("SETRANGE", "s", "0", ""),
                cmd("STRLEN", "s"))));
        cases.add(new Case("CVE-2022-35977", "GETRANGE with extreme offsets", List.of(
                cmd("SET", "g", "hello world"),
                cmd("GETRANGE", "g", "0", MAX),
                cmd("GETRANGE", "g", MIN, MAX),
                cmd("GETRANGE", "g", MAX, "-1"),
                cmd("GETRANGE", "g", "-1", MIN),
                cmd("GETRANGE", "g", MIN, MIN),
                cmd("GETRANGE", "g", MAX, MAX),
                cmd("GETRANGE", "g", "0", "9223372036854775808"),
                cmd("SUBSTR", "g", MIN, "5"))));
        cases.add(new Case("CVE-2021-21309, 2021-41099", "APPEND and SET around proto-max-bulk-len", List.of(
                cmd("SET", "a", big),
                cmd("APPEND", "a", "y"),
                cmd("STRLEN", "a"),
                cmd("APPEND", "a", ""),
                cmd("SET", "b", big.substring(1)),
                cmd("APPEND", "b", "z"),
                cmd("STRLEN", "b"),
                cmd("APPEND", "b", "z"))));
        cases.add(new Case("CVE-2022-35977", "LRANGE, LINDEX, LSET, LTRIM with extreme ranges", List.of(
                rpush("l", 20_000),
                cmd("LLEN", "l"),
                cmd("LRANGE", "l", MIN, MAX),
                cmd("LRANGE", "l", MAX, MIN),
                cmd("LRANGE", "l", "-1", MAX),
                cmd("LRANGE", "l", MIN, "0"),
                cmd("LINDEX", "l", MIN),
                cmd("LINDEX", "l", MAX),
                cmd("LINDEX", "l", "-20000"),
                cmd("LSET", "l", MAX, "v"),
                cmd("LSET", "l", MIN, "v"),
                cmd("LTRIM", "l", MIN, MAX),
                cmd("LLEN", "l"),
                cmd("LTRIM", "l", "19990", MAX),
                cmd("LRANGE", "l", "0", "-1"))));
        cases.add(new Case("CVE-2023-25155 (as lists)", "LPOP, RPOP, LPOS, LREM with extreme counts", List.of(
                rpush("p", 50),
                cmd("LPOP", "p", MIN),
                cmd("LPOP", "p", "-1"),
                cmd("LPOP", "p", "0"),
                cmd("RPOP", "p", "9223372036854775808"),
                cmd("LPOS", "p", "e7", "COUNT", MAX),
                cmd("LPOS", "p", "e7", "RANK", MIN),
                cmd("LPOS", "p", "e7", "RANK", MAX),
                cmd("LPOS", "p", "e7", "RANK", "-1", "MAXLEN", MAX),
                cmd("LPOS", "p", "e7", "COUNT", "-1"),
                cmd("LPOS", "p", "e7", "MAXLEN", MIN),
                cmd("LPOS", "p", "e7", "COUNT", "0", "MAXLEN", "0"),
                cmd("LREM", "p", MIN, "e9"),
                cmd("LREM", "p", MAX, "e8"),
                cmd("RPOP", "p", MAX),
                cmd("LPOP", "p", MAX),
                cmd("EXISTS", "p"))));
        cases.add(new Case("CVE-2023-28425", "MSETNX with the same key twice", List.of(
                cmd("MSETNX", "m", "1", "m", "2"),
                cmd("GET", "m"),
                cmd("MSETNX", "m", "3", "m", "4"),
                cmd("GET", "m"))));
        cases.add(new Case("CVE-2023-28856 (as strings)", "INCRBY, DECRBY and INCR overflow", List.of(
                cmd("INCRBY", "n", MAX),
                cmd("INCRBY", "n", MAX),
                cmd("INCR", "n"),
                cmd("GET", "n"),
                cmd("DECRBY", "n", MIN),
                cmd("SET", "n", MIN),
                cmd("DECR", "n"),
                cmd("INCRBY", "n", MIN),
                cmd("DECRBY", "n", MAX),
                cmd("INCRBY", "n", "9223372036854775808"),
                cmd("INCRBY", "n", "-9223372036854775809"),
                cmd("GET", "n"))));
        cases.add(new Case("CVE-2023-28856 (as strings)", "INCRBYFLOAT with inf, nan and huge values", List.of(
                cmd("INCRBYFLOAT", "f", "inf"),
                cmd("INCRBYFLOAT", "f", "+inf"),
                cmd("INCRBYFLOAT", "f", "-inf"),
                cmd("INCRBYFLOAT", "f", "nan"),
                cmd("INCRBYFLOAT", "f", "1e5000"),
                cmd("EXISTS", "f"),
                cmd("INCRBYFLOAT", "f", "1.7976931348623157e308"),
                cmd("INCRBYFLOAT", "f", "1.7976931348623157e308"),
                cmd("GET", "f"),
                cmd("SET", "i", "inf"),
                cmd("INCRBYFLOAT", "i", "1"),
                cmd("SET", "i", "nan"),
                cmd("INCRBYFLOAT", "i", "1"),
                cmd("SET", "i", "1e400"),
                cmd("INCRBYFLOAT", "i", "0"),
                cmd("GET", "i"))));
        cases.add(globCase());
        return cases;
    }

    /** CVE-2022-36021 and 2024-31228: patterns that make a naive matcher backtrack or recurse without end. */
    private static Case globCase() {
        List<byte[][]> commands = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            commands.add(cmd("SET", "a".repeat(50) + ":" + i, "v"));
        }
        commands.add(cmd("SET", "a".repeat(3000), "v"));
        List<String> patterns = List.of(
                "a*".repeat(100) + "b",
                "*a".repeat(50_000) + "b",
                "*a".repeat(1500),
                "a".repeat(50) + "*".repeat(100) + "b",
                "[a".repeat(1000),
                "\\".repeat(1000) + "*?".repeat(1000),
                "?".repeat(60) + "*",
                "a*a*a*a*a*a*a*a*a*a*:1?9");
        for (String pattern : patterns) {
            commands.add(cmd("KEYS", pattern));
            commands.add(cmd("SCAN", "0", "MATCH", pattern, "COUNT", "1000"));
        }
        return new Case("CVE-2022-36021, 2024-31228", "KEYS and SCAN MATCH with backtracking patterns", commands);
    }

    public static List<RawCase> rawCases() {
        List<RawCase> cases = new ArrayList<>();
        String set = "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n";
        for (String length : List.of("2147483648", "9223372036854775808", "-1", "+5", " 5", "5x", "1048577",
                "99999999999999999999", "-9223372036854775808")) {
            cases.add(new RawCase("CVE-2021-21309, 2021-41099", "bulk length $" + length,
                    ascii(set + "$" + length + "\r\nvalue\r\n")));
        }
        for (String count : List.of("2147483648", "3000000000", "9223372036854775808", "+1", " 1", "1x", "-1")) {
            cases.add(new RawCase("CVE-2021-32675", "multibulk count *" + count, ascii("*" + count + "\r\n$4\r\nPING\r\n")));
        }
        cases.add(new RawCase("protocol.tcl", "*-10 then PING", ascii("*-10\r\nPING\r\n")));
        cases.add(new RawCase("protocol.tcl", "expected '$', got 'f'", ascii("*3\r\n$3\r\nSET\r\n$1\r\nx\r\nfooz\r\n")));
        cases.add(new RawCase("protocol.tcl", "desync: a NUL then 1 KB lines", desync("\0")));
        cases.add(new RawCase("protocol.tcl", "desync: *NUL then 1 KB lines", desync("*\0")));
        cases.add(new RawCase("protocol.tcl", "desync: $NUL then 1 KB lines", desync("$\0")));
        cases.add(new RawCase("protocol.tcl", "unbalanced quotes", ascii("SET k \"v\r\n")));
        cases.add(new RawCase("protocol.tcl", "20002 arguments", mset(10_001)));
        // What a web page makes a browser send to a loopback port: closed, nothing answered, the body not run.
        cases.add(new RawCase("cross protocol scripting", "an HTTP POST",
                ascii("PING\r\nPOST / HTTP/1.1\r\nHost: 127.0.0.1:6379\r\n\r\nSET a b\r\n")));
        cases.add(new RawCase("cross protocol scripting", "POST as a multibulk", ascii("*1\r\n$4\r\npost\r\n")));
        cases.add(new RawCase("cross protocol scripting", "a Host: line", ascii("PING\r\nhOsT: evil\r\nSET c d\r\n")));
        cases.add(new RawCase("cross protocol scripting", "nothing of it ran", ascii("EXISTS a c\r\n")));
        return cases;
    }

    /**
     * Runs every case on both servers and fails with every difference found (not just the first),
     * and when the candidate took longer than a second for any reply.
     */
    public static void assertSameAsRedis(InetSocketAddress redis, InetSocketAddress candidate) throws IOException {
        List<String> differences = new ArrayList<>();
        for (Case c : commandCases()) {
            try (RawRedisClient r = new RawRedisClient(redis); RawRedisClient k = new RawRedisClient(candidate)) {
                r.call("FLUSHALL");
                k.call("FLUSHALL");
                for (byte[][] command : c.commands()) {
                    byte[] expected = r.call(command);
                    long start = System.nanoTime();
                    byte[] got = k.call(command);
                    long took = System.nanoTime() - start;
                    if (ReplyComparator.commandName(command).equals("SCAN")) {
                        // A master walks its shards in turn: follow its cursor to the end, each call timed.
                        List<RespValue> keys = new ArrayList<>();
                        byte[] reply = got;
                        for (int calls = 1; ; calls++) {
                            if (!(RespValue.decode(reply) instanceof RespValue.ArrayReply(List<RespValue> parts))
                                    || parts.size() != 2 || calls > 1000) {
                                break;
                            }
                            keys.addAll(((RespValue.ArrayReply) parts.get(1)).elements());
                            if (isCursorZero(parts.get(0))) {
                                got = scanReply(keys);
                                break;
                            }
                            byte[][] next = command.clone();
                            next[1] = ((RespValue.BulkString) parts.get(0)).bytes();
                            long stepStart = System.nanoTime();
                            reply = k.call(next);
                            took = Math.max(took, System.nanoTime() - stepStart);
                        }
                    }
                    if (!sameReply(command, expected, got)) {
                        differences.add(c + ": " + Escaping.command(command) + "\n    redis:   "
                                + Escaping.reply(expected) + "\n    kvcache: " + Escaping.reply(got));
                    }
                    if (took > DEADLINE_NANOS) {
                        differences.add(c + ": " + Escaping.command(command) + " took " + took / 1_000_000 + " ms");
                    }
                }
            }
        }
        for (RawCase c : rawCases()) {
            Exchange expected = exchange(redis, c.bytes());
            Exchange got = exchange(candidate, c.bytes());
            if (!expected.equals(got)) {
                differences.add(c + ": " + Escaping.bytes(c.bytes(), 120) + "\n    redis:   " + expected
                        + "\n    kvcache: " + got);
            }
        }
        assertThat(differences).as("differences from redis-server").isEmpty();
    }

    /**
     * Byte for byte, except for the order of keys in KEYS and in a SCAN that finished in one call
     * (hash-table order, different in every process: ReplyComparator's rule).
     */
    private static boolean sameReply(byte[][] command, byte[] expected, byte[] got) {
        if (ReplyComparator.equivalent(command, expected, got)) {
            return true;
        }
        if (!ReplyComparator.commandName(command).equals("SCAN")
                || !(RespValue.decode(expected) instanceof RespValue.ArrayReply(List<RespValue> e))
                || !(RespValue.decode(got) instanceof RespValue.ArrayReply(List<RespValue> g))
                || e.size() != 2 || g.size() != 2) {
            return false;
        }
        // Both walked the whole keyspace in this one call (cursor 0), so the same keys must be there.
        return isCursorZero(e.get(0)) && isCursorZero(g.get(0))
                && java.util.Objects.equals(sortedKeys(e.get(1)), sortedKeys(g.get(1)));
    }

    /** The reply of a SCAN that found these keys in one call. */
    private static byte[] scanReply(List<RespValue> keys) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(ascii("*2\r\n$1\r\n0\r\n*" + keys.size() + "\r\n"));
        for (RespValue key : keys) {
            byte[] bytes = ((RespValue.BulkString) key).bytes();
            out.writeBytes(ascii("$" + bytes.length + "\r\n"));
            out.writeBytes(bytes);
            out.writeBytes(ascii("\r\n"));
        }
        return out.toByteArray();
    }

    private static boolean isCursorZero(RespValue cursor) {
        return cursor instanceof RespValue.BulkString(byte[] bytes) && java.util.Arrays.equals(bytes, ascii("0"));
    }

    private static List<String> sortedKeys(RespValue array) {
        List<String> keys = new ArrayList<>();
        if (!(array instanceof RespValue.ArrayReply(List<RespValue> elements))) {
            return null;
        }
        for (RespValue element : elements) {
            if (!(element instanceof RespValue.BulkString(byte[] bytes))) {
                return null;
            }
            keys.add(new String(bytes, java.nio.charset.StandardCharsets.ISO_8859_1));
        }
        keys.sort(null);
        return keys;
    }

    /** What a server sent back on a connection, and whether it closed it (within 1 s of silence). */
    record Exchange(String replies, boolean closed) {
        @Override
        public String toString() {
            return replies + (closed ? " [closed]" : " [open]");
        }
    }

    static Exchange exchange(InetSocketAddress server, byte[] bytes) throws IOException {
        try (Socket s = new Socket()) {
            s.connect(server, 5000);
            s.setSoTimeout(1000);
            try {
                s.getOutputStream().write(bytes);
            } catch (IOException e) {
                // closed while we wrote: what it sent first is still readable
            }
            ByteArrayOutputStream got = new ByteArrayOutputStream();
            InputStream in = s.getInputStream();
            byte[] buf = new byte[8192];
            boolean closed;
            try {
                int n;
                while ((n = in.read(buf)) >= 0) {
                    got.write(buf, 0, n);
                }
                closed = true;
            } catch (SocketTimeoutException silent) {
                closed = false;
            } catch (IOException reset) {
                closed = true;
            }
            return new Exchange(Escaping.bytes(got.toByteArray(), 300), closed);
        }
    }

    private static byte[] desync(String start) {
        StringBuilder sb = new StringBuilder(start);
        String line = "x".repeat(1024) + "\r\n";
        for (int i = 0; i < 100; i++) {
            sb.append(line);
        }
        return ascii(sb.toString());
    }

    private static byte[] mset(int pairs) {
        byte[][] argv = new byte[1 + 2 * pairs][];
        argv[0] = ascii("MSET");
        for (int i = 0; i < pairs; i++) {
            argv[1 + 2 * i] = ascii("{mset}k" + i);
            argv[2 + 2 * i] = ascii("v" + i);
        }
        byte[] set = RawRedisClient.encode(List.<byte[][]>of(argv));
        byte[] get = RawRedisClient.encode(List.<byte[][]>of(cmd("GET", "{mset}k10000")));
        byte[] all = java.util.Arrays.copyOf(set, set.length + get.length);
        System.arraycopy(get, 0, all, set.length, get.length);
        return all;
    }

    private static byte[][] rpush(String key, int count) {
        byte[][] argv = new byte[count + 2][];
        argv[0] = ascii("RPUSH");
        argv[1] = ascii(key);
        for (int i = 0; i < count; i++) {
            argv[i + 2] = ascii("e" + i);
        }
        return argv;
    }

    static byte[][] cmd(String... args) {
        byte[][] argv = new byte[args.length][];
        for (int i = 0; i < args.length; i++) {
            argv[i] = ascii(args[i]);
        }
        return argv;
    }

    private static byte[] ascii(String s) {
        return Escaping.ascii(s);
    }
}
