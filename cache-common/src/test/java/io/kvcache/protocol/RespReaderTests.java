package io.kvcache.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.channels.Channels;
import java.nio.channels.ReadableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@link RespReader} against Redis 7.0's networking.c: every input of the corpus must parse to the
 * same outcomes (requests, then at most one protocol error) however its bytes are cut into reads.
 */
class RespReaderTests {

    private static final ProtocolLimits DEFAULTS = ProtocolLimits.REDIS_DEFAULTS;
    private static final int INLINE_MAX = ProtocolLimits.PROTO_INLINE_MAX_SIZE;

    /**
     * One input and what it must parse to. {@code fineChunk} is the read size of the "byte by byte"
     * run: 1, except for inputs whose lines are tens of KB long (the reader, like Redis, rescans an
     * unfinished line on every read, so one-byte reads of a 64 KB line are quadratic).
     */
    record Case(String name, byte[] input, List<Object> expected, ProtocolLimits limits, int fineChunk) {

        Case(String name, byte[] input, List<Object> expected) {
            this(name, input, expected, DEFAULTS, 1);
        }

        @Override
        public String toString() {
            return name + " (" + input.length + " bytes)";
        }
    }

    static Stream<Case> corpus() {
        List<Case> cases = new ArrayList<>();
        cases.add(new Case("pipelined multibulk commands",
                concat(mb("SET", "key", "value"), mb("GET", "key"), mb("PING"), mb("DEL", "a", "b", "c")),
                List.of(req("SET", "key", "value"), req("GET", "key"), req("PING"), req("DEL", "a", "b", "c"))));
        cases.add(new Case("inline commands with quotes and escapes",
                bytes("SET k \"hello\\x41\\n\"\r\nECHO 'it\\'s'\r\n  PING   \r\nSET \"a b\" 'c d' \"\"\r\n"
                        + "ECHO \"tab\\there\\\\ \\\"q\\\"\"\r\n"),
                List.of(req("SET", "k", "helloA\n"), req("ECHO", "it's"), req("PING"), req("SET", "a b", "c d", ""),
                        req("ECHO", "tab\there\\ \"q\""))));
        cases.add(new Case("binary bulks containing CRLF, NUL and every byte value",
                concat(mbBytes(bytes("SET"), bytes("bin"), bytes("a\r\n\0\r\nb")), mbBytes(bytes("ECHO"), allByteValues()),
                        mbBytes(bytes("ECHO"), bytes("\r\n"))),
                List.of(new Request(new byte[][] {bytes("SET"), bytes("bin"), bytes("a\r\n\0\r\nb")}),
                        new Request(new byte[][] {bytes("ECHO"), allByteValues()}),
                        new Request(new byte[][] {bytes("ECHO"), bytes("\r\n")}))));
        cases.add(new Case("empty bulks",
                concat(mb("SET", "", ""), mb(""), mb("ECHO", "")),
                List.of(req("SET", "", ""), req(""), req("ECHO", ""))));
        cases.add(new Case("*0 and negative multibulk counts are skipped silently",
                bytes("*0\r\n*-1\r\n*1\r\n$4\r\nPING\r\n*-5\r\n*0\r\n*-9223372036854775808\r\n*1\r\n$4\r\nPING\r\n*0\r\n"),
                List.of(req("PING"), req("PING"))));
        cases.add(new Case("blank inline lines are skipped",
                bytes("\r\n\n   \r\n\t\n\r\r\nPING\r\n\r\n \t \nECHO x\n\n"),
                List.of(req("PING"), req("ECHO", "x"))));
        cases.add(new Case("CRLF and LF-only inline lines",
                bytes("ECHO a\nECHO b\r\nECHO c\r\r\nECHO d\n\r\nECHO e\r\n"),
                List.of(req("ECHO", "a"), req("ECHO", "b"), req("ECHO", "c"), req("ECHO", "d"), req("ECHO", "e"))));
        cases.add(new Case("inline and multibulk interleaved",
                concat(bytes("PING\r\n"), mb("SET", "k", "v"), bytes("GET k\n"), mb("ECHO", "*3"), bytes("ECHO *3\r\n")),
                List.of(req("PING"), req("SET", "k", "v"), req("GET", "k"), req("ECHO", "*3"), req("ECHO", "*3"))));
        cases.add(new Case("the two bytes after a count line and after a bulk are skipped unchecked, as Redis does",
                bytes("*2\rX$4\rXECHO\rY$2\r\nhi\n\n*1\r\n$4\r\nPING\r\n"),
                List.of(req("ECHO", "hi"), req("PING"))));
        cases.add(new Case("bulks just under, at and over the big-argument threshold",
                concat(mbBytes(bytes("SET"), bytes("k1"), pattern(RespReader.BIG_ARG - 1, 1)),
                        mbBytes(bytes("SET"), bytes("k2"), pattern(RespReader.BIG_ARG, 2)),
                        mbBytes(bytes("SET"), bytes("k3"), pattern(RespReader.BIG_ARG + 1, 3)), mb("PING")),
                List.of(new Request(new byte[][] {bytes("SET"), bytes("k1"), pattern(RespReader.BIG_ARG - 1, 1)}),
                        new Request(new byte[][] {bytes("SET"), bytes("k2"), pattern(RespReader.BIG_ARG, 2)}),
                        new Request(new byte[][] {bytes("SET"), bytes("k3"), pattern(RespReader.BIG_ARG + 1, 3)}),
                        req("PING"))));
        cases.add(new Case("several big arguments in one command, then inline",
                concat(mbBytes(bytes("MSET"), bytes("a"), pattern(100_000, 4), bytes("b"), pattern(40_000, 5)),
                        bytes("PING\r\n")),
                List.of(new Request(new byte[][] {bytes("MSET"), bytes("a"), pattern(100_000, 4), bytes("b"),
                        pattern(40_000, 5)}), req("PING"))));
        byte[] fiveMb = random(5 * 1024 * 1024, 42);
        cases.add(new Case("a 5 MB bulk between small commands",
                concat(mb("PING"), mbBytes(bytes("SET"), bytes("big"), fiveMb), mb("GET", "big")),
                List.of(req("PING"), new Request(new byte[][] {bytes("SET"), bytes("big"), fiveMb}),
                        req("GET", "big"))));
        String[] many = new String[1500];
        many[0] = "RPUSH";
        for (int i = 1; i < many.length; i++) {
            many[i] = Integer.toString(i);
        }
        cases.add(new Case("more arguments than the first argv allocation (1024)",
                concat(mb(many), mb("PING")), List.of(req(many), req("PING"))));

        // Protocol errors: what came before is still returned, then the error, then nothing.
        cases.add(new Case("invalid multibulk length after a good request",
                bytes("PING\r\n*abc\r\nPING\r\n"), List.of(req("PING"), err(RespErrors.PROTOCOL_INVALID_MULTIBULK))));
        cases.add(new Case("multibulk length of a lone minus",
                bytes("*-\r\n"), List.of(err(RespErrors.PROTOCOL_INVALID_MULTIBULK))));
        cases.add(new Case("multibulk length beyond INT_MAX",
                concat(mb("PING"), bytes("*2147483648\r\n")),
                List.of(req("PING"), err(RespErrors.PROTOCOL_INVALID_MULTIBULK))));
        cases.add(new Case("multibulk length not canonical (+1, 01, -0, empty)",
                bytes("*+1\r\n"), List.of(err(RespErrors.PROTOCOL_INVALID_MULTIBULK))));
        cases.add(new Case("null bulk inside a multibulk",
                bytes("*2\r\n$4\r\nECHO\r\n$-1\r\n"), List.of(err(RespErrors.PROTOCOL_INVALID_BULK))));
        cases.add(new Case("bulk length not a number",
                bytes("*1\r\n$abc\r\n"), List.of(err(RespErrors.PROTOCOL_INVALID_BULK))));
        cases.add(new Case("bulk length above proto-max-bulk-len",
                concat(mb("ECHO", "0123456789"), bytes("*2\r\n$4\r\nECHO\r\n$11\r\n")),
                List.of(req("ECHO", "0123456789"), err(RespErrors.PROTOCOL_INVALID_BULK)),
                new ProtocolLimits(INLINE_MAX, 10, 1L << 30), 1));
        cases.add(new Case("something else than $ where a bulk is expected",
                bytes("*2\r\n$4\r\nECHO\r\nx\r\n"), List.of(err("ERR Protocol error: expected '$', got 'x'"))));
        cases.add(new Case("unbalanced double quote",
                bytes("PING\r\nSET \"a b\r\nPING\r\n"), List.of(req("PING"), err(RespErrors.PROTOCOL_UNBALANCED_QUOTES))));
        cases.add(new Case("closing double quote followed by a non-blank",
                bytes("ECHO \"a\"b\r\n"), List.of(err(RespErrors.PROTOCOL_UNBALANCED_QUOTES))));
        cases.add(new Case("closing single quote followed by a non-blank",
                bytes("ECHO 'a'b\r\n"), List.of(err(RespErrors.PROTOCOL_UNBALANCED_QUOTES))));
        cases.add(new Case("inline request over 64 KB without a newline",
                concat(bytes("PING\r\n"), repeat('a', INLINE_MAX + 1)),
                List.of(req("PING"), err(RespErrors.PROTOCOL_TOO_BIG_INLINE)), DEFAULTS, 509));
        cases.add(new Case("complete inline line longer than 64 KB",
                concat(bytes("ECHO "), repeat('a', INLINE_MAX), bytes("\r\n")),
                List.of(err(RespErrors.PROTOCOL_TOO_BIG_INLINE)), DEFAULTS, 509));
        cases.add(new Case("multibulk count line over 64 KB",
                concat(bytes("*"), repeat('1', INLINE_MAX)),
                List.of(err(RespErrors.PROTOCOL_TOO_BIG_MBULK_COUNT)), DEFAULTS, 509));
        cases.add(new Case("bulk count line over 64 KB",
                concat(bytes("*1\r\n$"), repeat('1', INLINE_MAX)),
                List.of(err(RespErrors.PROTOCOL_TOO_BIG_BULK_COUNT)), DEFAULTS, 509));
        return cases.stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("corpus")
    void inputFedAllAtOnceParsesTheExpectedRequests(Case c) {
        assertThat(parseInChunks(c, c.input.length)).isEqualTo(c.expected);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("corpus")
    void inputFedByteByByteParsesTheSameRequests(Case c) {
        assertThat(parseInChunks(c, c.fineChunk)).isEqualTo(c.expected);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("corpus")
    void inputSplitIntoTwoFeedsAtEveryOffsetParsesTheSameRequests(Case c) {
        for (int cut : cutOffsets(c.input)) {
            RespReader reader = new RespReader(c.limits);
            List<Object> out = new ArrayList<>();
            reader.feed(c.input, 0, cut);
            drain(reader, out);
            if (out.isEmpty() || !(out.getLast() instanceof ProtocolError)) { // closed after an error
                reader.feed(c.input, cut, c.input.length - cut);
                drain(reader, out);
            }
            assertThat(out).as("split at %d", cut).isEqualTo(c.expected);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("corpus")
    void inputReadFromATricklingStreamParsesTheSameRequests(Case c) throws IOException {
        Random random = new Random(c.name.hashCode());
        InputStream in = new TricklingInputStream(c.input, random, c.input.length > 1_000_000 ? 70_000 : 3_000);
        RespReader reader = new RespReader(c.limits);
        List<Object> out = new ArrayList<>();
        while (reader.readFrom(in) >= 0) {
            drain(reader, out);
            if (!out.isEmpty() && out.getLast() instanceof ProtocolError) {
                break;
            }
        }
        drain(reader, out);
        assertThat(out).isEqualTo(c.expected);
    }

    /**
     * Two connections of one I/O thread, their reads interleaved, both reading into the thread's
     * shared buffer whenever they hold nothing unparsed: each parses what it would alone. Every
     * third turn the second reads while the first still holds the buffer, as if it had not given it
     * back yet, and so reads into a buffer of its own.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("corpus")
    void inputReadByTwoReadersSharingOneBufferParsesTheSameRequests(Case c) throws IOException {
        Random random = new Random(c.name.hashCode() + 1);
        int maxChunk = c.input.length > 1_000_000 ? 70_000 : 3_000;
        SharedReadBuffer shared = new SharedReadBuffer();
        List<ReadableByteChannel> in = List.of(
                Channels.newChannel(new TricklingInputStream(c.input, random, maxChunk)),
                Channels.newChannel(new TricklingInputStream(c.input, random, maxChunk)));
        List<RespReader> readers = List.of(new RespReader(c.limits), new RespReader(c.limits));
        List<List<Object>> out = List.of(new ArrayList<>(), new ArrayList<>());
        boolean[] done = new boolean[2];
        for (int turn = 0; !done[0] || !done[1]; turn++) {
            if (turn % 3 == 2 && !done[0] && !done[1]) {
                int first = readers.get(0).readFrom(in.get(0), shared);
                int second = readers.get(1).readFrom(in.get(1), shared);
                for (int r = 0; r < 2; r++) {
                    drain(readers.get(r), out.get(r));
                    readers.get(r).giveBack();
                    done[r] = (r == 0 ? first : second) < 0 || endedInError(out.get(r));
                }
                continue;
            }
            int r = turn % 2;
            if (!done[r]) {
                int n = readers.get(r).readFrom(in.get(r), shared);
                drain(readers.get(r), out.get(r));
                readers.get(r).giveBack();
                done[r] = n < 0 || endedInError(out.get(r));
            }
        }
        assertThat(out.get(0)).isEqualTo(c.expected);
        assertThat(out.get(1)).isEqualTo(c.expected);
        assertThat(shared.lent).as("the shared buffer is back").isFalse();
    }

    private static boolean endedInError(List<Object> out) {
        return !out.isEmpty() && out.getLast() instanceof ProtocolError;
    }

    /**
     * Every offset for small inputs; for large ones the edges, around the first and last bulk
     * headers, buffer and big-argument boundaries, and a random sample.
     */
    private static int[] cutOffsets(byte[] input) {
        int n = input.length;
        if (n <= 8192) {
            int[] all = new int[n + 1];
            Arrays.setAll(all, i -> i);
            return all;
        }
        boolean huge = n > 1_000_000;
        TreeSet<Integer> cuts = new TreeSet<>();
        if (huge) {
            // A 5 MB input's headers are within its first 64 bytes and its tail within the last 32.
            for (int i = 0; i <= 64; i += 4) {
                cuts.add(i);
            }
            for (int i = 0; i <= 32; i += 4) {
                cuts.add(n - i);
            }
            for (int boundary : new int[] {16 * 1024, RespReader.BIG_ARG, 1024 * 1024, n / 2}) {
                cuts.add(boundary);
            }
            return cuts.stream().mapToInt(Integer::intValue).toArray();
        }
        for (int i = 0; i <= 64; i++) {
            cuts.add(i);
            cuts.add(n - i);
        }
        List<Integer> headers = new ArrayList<>();
        for (int i = 1; i < n; i++) {
            if (input[i] == '$' && input[i - 1] == '\n') {
                headers.add(i);
            }
        }
        for (int h = 0; h < headers.size(); h++) {
            if (h < 10 || h >= headers.size() - 10) {
                for (int d = -3; d <= 12; d++) {
                    cuts.add(Math.clamp(headers.get(h) + d, 0, n));
                }
            }
        }
        for (int boundary : new int[] {16 * 1024, RespReader.BIG_ARG, 64 * 1024}) {
            for (int d = -2; d <= 2; d++) {
                cuts.add(Math.clamp(boundary + d, 0, n));
            }
        }
        Random random = new Random(n);
        for (int i = 0; i < 100; i++) {
            cuts.add(random.nextInt(n + 1));
        }
        return cuts.stream().mapToInt(Integer::intValue).toArray();
    }

    // ---- Errors ----

    @Test
    void afterAProtocolErrorNextReturnsNullForever() {
        RespReader reader = new RespReader(DEFAULTS);
        byte[] input = bytes("PING\r\n*x\r\nPING\r\nPING\r\n");
        reader.feed(input, 0, input.length);
        assertThat(reader.next()).isEqualTo(req("PING"));
        assertThat(reader.next()).isEqualTo(err(RespErrors.PROTOCOL_INVALID_MULTIBULK));
        for (int i = 0; i < 5; i++) {
            assertThat(reader.next()).isNull();
        }
        assertThat(reader.buffered()).isZero();
    }

    /*
     * BUG (RespReader.fail + makeRoom): fail() replaces the buffer with new byte[0], and makeRoom()
     * "grows" it with Arrays.copyOf(buf, buf.length * 2), still 0 bytes. So feed() after an error
     * loops forever (n = min(len, 0) = 0 on every turn), and readFrom() after an error reads nothing
     * and returns 0, never -1, whatever the stream holds. Expected: bytes after the error are
     * discarded (Redis reads nothing more from a client flagged CLIENT_CLOSE_AFTER_REPLY) and the
     * call returns. RespDeserializer is not affected (it swaps in a fresh DEAD reader after an error).
     *
     * The feed() case runs in a child JVM that is killed when it hangs: a spinning thread left in
     * this JVM would slow down every later test.
     */
    @Test
    void feedingBytesAfterAProtocolErrorReturnsInsteadOfLoopingForever() throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process child = new ProcessBuilder(java, "-Xshare:auto", "-XX:TieredStopAtLevel=1", "-cp",
                System.getProperty("java.class.path"), FeedAfterError.class.getName())
                .redirectErrorStream(true).start();
        try {
            BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8));
            assertThat(out.readLine()).as("child JVM started").isEqualTo(FeedAfterError.FEEDING);
            boolean returned = child.waitFor(1, TimeUnit.SECONDS);
            assertThat(returned).as("regression: RespReader.feed() after a protocol error never returns").isTrue();
            assertThat(out.readLine()).isEqualTo(FeedAfterError.RETURNED);
        } finally {
            child.destroyForcibly();
        }
    }

    /** The child JVM of the test above. */
    static final class FeedAfterError {
        static final String FEEDING = "feeding after the error";
        static final String RETURNED = "feed returned";

        public static void main(String[] args) {
            RespReader reader = new RespReader(DEFAULTS);
            byte[] bad = bytes("*x\r\n");
            reader.feed(bad, 0, bad.length);
            if (!(reader.next() instanceof ProtocolError)) {
                System.out.println("no protocol error");
                return;
            }
            System.out.println(FEEDING);
            System.out.flush();
            byte[] more = bytes("PING\r\n");
            reader.feed(more, 0, more.length);
            System.out.println(reader.next() == null ? RETURNED : "a request after the error");
        }
    }

    /* Regression, same cause; readFrom() after an error returns 0 and reads nothing, so a read loop never ends. */
    @Test
    void readFromAfterAProtocolErrorMakesProgress() throws IOException {
        RespReader reader = new RespReader(DEFAULTS);
        byte[] bad = bytes("*x\r\n");
        reader.feed(bad, 0, bad.length);
        assertThat(reader.next()).isInstanceOf(ProtocolError.class);
        ByteArrayInputStream in = new ByteArrayInputStream(bytes("PING\r\n"));
        assertThat(reader.readFrom(in))
                .as("regression: readFrom after a protocol error returns 0 (reads nothing) instead of consuming or -1")
                .isNotZero();
        assertThat(reader.next()).isNull();
    }

    /*
     * BUG (divergence from networking.c): Redis finds the end of an inline line with
     * strchr(querybuf+qb_pos, '\n') and the end of a count line with strchr(..., '\r'); strchr stops
     * at a NUL byte, so a NUL before the line end hides the line and Redis waits for more input
     * (then fails with the "too big ..." error once 64 KB are buffered). RespReader scans past the
     * NUL: "ECHO a\0b\r\n" runs ECHO a, "\0PING\r\n" is skipped as blank and the next line runs,
     * "*1\0\r\n" and "*1\r\n\0\r\n" give protocol errors. Verified against redis-server 7.0.15
     * (RedisInlineComparisonTests, probes "regression: NUL ...": Redis sends nothing).
     */
    @Test
    void nulBeforeTheEndOfALineHidesTheLineAsRedisStrchrDoes() {
        assertThat(parse(DEFAULTS, bytes("ECHO a\0b\r\nPING\r\n"))).as("regression: inline line with a NUL").isEmpty();
        assertThat(parse(DEFAULTS, bytes("\0PING\r\nPING\r\n"))).as("regression: inline line starting with NUL").isEmpty();
        assertThat(parse(DEFAULTS, bytes("*1\0\r\n"))).as("regression: NUL in a multibulk count line").isEmpty();
        assertThat(parse(DEFAULTS, bytes("*1\r\n\0\r\n"))).as("regression: NUL starting a bulk count line").isEmpty();
        assertThat(parse(DEFAULTS, concat(bytes("ECHO a\0b\r\n"), repeat('c', INLINE_MAX))))
                .as("regression: hidden line, then over 64 KB").containsExactly(err(RespErrors.PROTOCOL_TOO_BIG_INLINE));
    }

    @Test
    void requestsBeforeAnErrorInTheSameBufferAreReturnedFirst() {
        byte[] input = concat(mb("SET", "a", "1"), bytes("GET a\r\n"), mb("PING"), bytes("*1\r\n$-1\r\n"), mb("PING"));
        assertThat(parse(DEFAULTS, input)).containsExactly(req("SET", "a", "1"), req("GET", "a"), req("PING"),
                err(RespErrors.PROTOCOL_INVALID_BULK));
    }

    /** A pipeline repeats its command: a name like the request before's is that request's array, any other a copy. */
    @Test
    void aRequestNamedAsTheOneBeforeSharesItsName() {
        byte[] input = concat(mb("SET", "a", "1"), mb("SET", "b", "2"), mb("SETEX", "c", "9", "3"), mb("SET", "d", "4"),
                mb("SE", "e"));
        List<Object> out = parse(DEFAULTS, input);
        assertThat(out).containsExactly(req("SET", "a", "1"), req("SET", "b", "2"), req("SETEX", "c", "9", "3"),
                req("SET", "d", "4"), req("SE", "e"));
        assertThat(((Request) out.get(1)).arg(0)).isSameAs(((Request) out.get(0)).arg(0));
        assertThat(((Request) out.get(3)).arg(0)).isNotSameAs(((Request) out.get(0)).arg(0));
    }

    @Test
    void multibulkLengthsAreParsedAsRedisString2ll() {
        for (String bad : List.of("*abc", "*-", "*", "*+1", "*01", "* 1", "*1 ", "*-0", "*2147483648",
                "*9223372036854775808", "*-9223372036854775809")) {
            assertThat(parse(DEFAULTS, bytes(bad + "\r\n"))).as(bad)
                    .containsExactly(err(RespErrors.PROTOCOL_INVALID_MULTIBULK));
        }
        // INT_MAX itself is accepted: the reader then waits for the arguments.
        assertThat(parse(DEFAULTS, bytes("*2147483647\r\n$4\r\nECHO\r\n"))).isEmpty();
    }

    @Test
    void bulkLengthsAreParsedAsRedisString2ll() {
        for (String bad : List.of("$-1", "$-0", "$", "$abc", "$01", "$+1", "$ 1", "$1 ",
                "$9223372036854775808", "$536870913")) {
            assertThat(parse(DEFAULTS, bytes("*2\r\n$4\r\nECHO\r\n" + bad + "\r\n"))).as(bad)
                    .containsExactly(err(RespErrors.PROTOCOL_INVALID_BULK));
        }
    }

    @Test
    void bulkLengthIsCheckedAgainstProtoMaxBulkLen() {
        ProtocolLimits small = new ProtocolLimits(INLINE_MAX, 5, 1L << 30);
        assertThat(parse(small, mb("ECHO", "12345"))).containsExactly(req("ECHO", "12345"));
        assertThat(parse(small, mb("ECHO", "123456"))).containsExactly(err(RespErrors.PROTOCOL_INVALID_BULK));
        // The limit is checked on the declared length, before any byte of the bulk arrived.
        assertThat(parse(small, bytes("*2\r\n$4\r\nECHO\r\n$6\r\n"))).containsExactly(err(RespErrors.PROTOCOL_INVALID_BULK));
    }

    @Test
    void expectedDollarErrorNamesTheByteFound() {
        assertThat(parse(DEFAULTS, bytes("*1\r\nPING\r\n")))
                .containsExactly(err("ERR Protocol error: expected '$', got 'P'"));
        assertThat(parse(DEFAULTS, bytes("*2\r\n$4\r\nECHO\r\n:1\r\n")))
                .containsExactly(err("ERR Protocol error: expected '$', got ':'"));
        assertThat(parse(DEFAULTS, bytes("*1\r\n\u00e9\r\n")))
                .containsExactly(err("ERR Protocol error: expected '$', got '\u00e9'"));
    }

    @Test
    void inlineUnbalancedQuotesAreProtocolErrors() {
        for (String line : List.of("SET \"a b", "ECHO \"a\"b", "ECHO 'a'b", "ECHO 'abc", "ECHO \"a\\\"", "\"")) {
            assertThat(parse(DEFAULTS, bytes(line + "\r\n"))).as(line)
                    .containsExactly(err(RespErrors.PROTOCOL_UNBALANCED_QUOTES));
        }
    }

    @Test
    void inlineLengthLimitIsExactly64KbWithOrWithoutTheNewline() {
        // A partial line of 64 KB waits; one byte more is too big.
        assertThat(parse(DEFAULTS, repeat('a', INLINE_MAX))).isEmpty();
        assertThat(parse(DEFAULTS, repeat('a', INLINE_MAX + 1))).containsExactly(err(RespErrors.PROTOCOL_TOO_BIG_INLINE));
        // A complete line is held to the same limit (the bytes before '\n', a '\r' included).
        byte[] longest = concat(bytes("ECHO "), repeat('b', INLINE_MAX - 5), bytes("\n"));
        assertThat(parse(DEFAULTS, longest))
                .containsExactly(new Request(new byte[][] {bytes("ECHO"), repeat('b', INLINE_MAX - 5)}));
        byte[] longestWithCr = concat(bytes("ECHO "), repeat('b', INLINE_MAX - 6), bytes("\r\n"));
        assertThat(parse(DEFAULTS, longestWithCr))
                .containsExactly(new Request(new byte[][] {bytes("ECHO"), repeat('b', INLINE_MAX - 6)}));
        byte[] tooLong = concat(bytes("ECHO "), repeat('b', INLINE_MAX - 5), bytes("\r\n"));
        assertThat(parse(DEFAULTS, tooLong)).containsExactly(err(RespErrors.PROTOCOL_TOO_BIG_INLINE));
    }

    @Test
    void countLinesMayBeUpTo64KbBeforeTheirCr() {
        assertThat(parse(DEFAULTS, concat(bytes("*"), repeat('1', INLINE_MAX - 1)))).isEmpty();
        assertThat(parse(DEFAULTS, concat(bytes("*"), repeat('1', INLINE_MAX))))
                .containsExactly(err(RespErrors.PROTOCOL_TOO_BIG_MBULK_COUNT));
        assertThat(parse(DEFAULTS, concat(bytes("*1\r\n$"), repeat('1', INLINE_MAX - 1)))).isEmpty();
        assertThat(parse(DEFAULTS, concat(bytes("*1\r\n$"), repeat('1', INLINE_MAX))))
                .containsExactly(err(RespErrors.PROTOCOL_TOO_BIG_BULK_COUNT));
    }

    @Test
    void aCountLineNeedsTheByteAfterItsCrBeforeItIsParsed() {
        RespReader reader = new RespReader(DEFAULTS);
        byte[] input = bytes("*abc\r");
        reader.feed(input, 0, input.length);
        assertThat(reader.next()).isNull();
        reader.feed(new byte[] {'\n'}, 0, 1);
        assertThat(reader.next()).isEqualTo(err(RespErrors.PROTOCOL_INVALID_MULTIBULK));
    }

    // ---- Query buffer limit ----

    @Test
    void partialRequestLargerThanTheQueryBufferLimitClosesSilently() {
        ProtocolLimits tiny = new ProtocolLimits(INLINE_MAX, 1L << 20, 100);
        RespReader reader = new RespReader(tiny);
        byte[] head = concat(mb("PING"), bytes("*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$200\r\n"), repeat('v', 50));
        reader.feed(head, 0, head.length);
        assertThat(reader.next()).isEqualTo(req("PING"));
        assertThat(reader.next()).as("54 bytes pending, under the limit").isNull();
        byte[] more = repeat('v', 60);
        reader.feed(more, 0, more.length);
        assertThat(reader.next()).isEqualTo(new ProtocolError(null));
        assertThat(reader.next()).isNull();
    }

    @Test
    void queryBufferLimitCountsArgumentsAlreadyParsedAndBigArguments() {
        ProtocolLimits tiny = new ProtocolLimits(INLINE_MAX, 1L << 20, 40_000);
        RespReader reader = new RespReader(tiny);
        // 30,000 bytes of parsed argument + a big argument (>= 32 KB) read directly: over 40,000 in all.
        byte[] input = concat(bytes("*3\r\n$3\r\nSET\r\n"), bulk(repeat('k', 30_000)), bytes("$50000\r\n"),
                repeat('v', 5_000));
        reader.feed(input, 0, input.length);
        assertThat(reader.next()).isNull();
        byte[] more = repeat('v', 6_000);
        reader.feed(more, 0, more.length);
        assertThat(reader.next()).isEqualTo(new ProtocolError(null));
    }

    @Test
    void partialInlineRequestOverTheQueryBufferLimitClosesSilently() {
        ProtocolLimits tiny = new ProtocolLimits(INLINE_MAX, 1L << 20, 10);
        assertThat(parse(tiny, bytes("PING\r\nECHO 0123456"))).containsExactly(req("PING"), new ProtocolError(null));
    }

    // ---- Before AUTH (networking.c, the fix of CVE-2021-32675) ----

    private static RespReader unauthenticated(ProtocolLimits limits) {
        RespReader reader = new RespReader(limits);
        reader.authenticationPending(true);
        return reader;
    }

    @Test
    void beforeAuthTenArgumentsPassAndElevenAreAnUnauthenticatedMultibulkLength() {
        RespReader ten = unauthenticated(DEFAULTS);
        byte[] input = mb("DEL", "1", "2", "3", "4", "5", "6", "7", "8", "9");
        ten.feed(input, 0, input.length);
        assertThat(ten.next()).isEqualTo(req("DEL", "1", "2", "3", "4", "5", "6", "7", "8", "9"));

        RespReader eleven = unauthenticated(DEFAULTS);
        // The count alone decides, before any argument arrives: *1048577 costs the server nothing.
        eleven.feed(bytes("*11\r\n"), 0, 5);
        assertThat(eleven.next()).isEqualTo(err(RespErrors.PROTOCOL_UNAUTHENTICATED_MULTIBULK));
        RespReader huge = unauthenticated(DEFAULTS);
        huge.feed(bytes("*1048577\r\n"), 0, 10);
        assertThat(huge.next()).isEqualTo(err(RespErrors.PROTOCOL_UNAUTHENTICATED_MULTIBULK));
    }

    @Test
    void beforeAuthBulksOf16KbPassAndOneByteMoreIsAnUnauthenticatedBulkLength() {
        RespReader ok = unauthenticated(DEFAULTS);
        byte[] input = concat(bytes("*2\r\n$4\r\nECHO\r\n"), bulk(repeat('x', 16384)));
        ok.feed(input, 0, input.length);
        assertThat(ok.next()).isEqualTo(new Request(new byte[][] {bytes("ECHO"), repeat('x', 16384)}));

        RespReader over = unauthenticated(DEFAULTS);
        byte[] header = bytes("*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$16385\r\n");
        over.feed(header, 0, header.length);
        assertThat(over.next()).isEqualTo(err(RespErrors.PROTOCOL_UNAUTHENTICATED_BULK));
    }

    @Test
    void beforeAuthTheInvalidCountsOfEveryClientComeFirst() {
        // networking.c checks "invalid" before "unauthenticated".
        assertThat(parseUnauthenticated(bytes("*3000000000\r\n"))).containsExactly(err(RespErrors.PROTOCOL_INVALID_MULTIBULK));
        assertThat(parseUnauthenticated(bytes("*1\r\n$-1\r\n"))).containsExactly(err(RespErrors.PROTOCOL_INVALID_BULK));
        assertThat(parseUnauthenticated(bytes("*1\r\n$600000000\r\n"))).containsExactly(err(RespErrors.PROTOCOL_INVALID_BULK));
    }

    @Test
    void beforeAuthMoreThanOneMegabyteBufferedClosesSilently() {
        // Inline requests are only bounded by the 64 KB line: many of them, incomplete, are not possible,
        // so the 1 MB is reached by a request whose bulks are each allowed (under 16 KB) but not complete.
        ProtocolLimits wide = new ProtocolLimits(4 * 1024 * 1024, 1L << 29, 1L << 30);
        RespReader reader = unauthenticated(wide);
        byte[] line = concat(bytes("ECHO "), repeat('x', 1024 * 1024));
        reader.feed(line, 0, line.length);
        assertThat(reader.next()).isEqualTo(new ProtocolError(null));
    }

    @Test
    void afterAuthTheUsualLimitsApplyAgain() {
        RespReader reader = unauthenticated(DEFAULTS);
        reader.authenticationPending(false);
        byte[] input = concat(bytes("*12\r\n$4\r\nMSET\r\n"), bulk(repeat('k', 20_000)), bulk(repeat('v', 20_000)),
                mbTail(9));
        reader.feed(input, 0, input.length);
        Object request = reader.next();
        assertThat(request).isInstanceOf(Request.class);
        assertThat(((Request) request).argc()).isEqualTo(12);
    }

    /** The last n arguments of a request: "a" each. */
    private static byte[] mbTail(int n) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int i = 0; i < n; i++) {
            out.writeBytes(bulk(bytes("a")));
        }
        return out.toByteArray();
    }

    private static List<Object> parseUnauthenticated(byte[] input) {
        RespReader reader = unauthenticated(DEFAULTS);
        reader.feed(input, 0, input.length);
        return drain(reader, new ArrayList<>());
    }

    // ---- The client memory budget (maxmemory-clients) ----

    @Test
    void aRequestLargerThanTheClientMemoryLeftClosesItsConnectionSilentlyAndGivesTheMemoryBack() {
        ClientMemory memory = new ClientMemory(8L * 1024 * 1024);
        RespReader first = new RespReader(DEFAULTS, memory);
        byte[] header = bytes("*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$20000000\r\n");
        first.feed(header, 0, header.length);
        assertThat(first.next()).isNull();
        byte[] chunk = repeat('v', 16 * 1024);
        Object outcome = null;
        for (int i = 0; i < 20 * 64 && outcome == null; i++) {
            first.feed(chunk, 0, chunk.length);
            outcome = first.next();
        }
        assertThat(outcome).as("past 8 MB of the budget").isEqualTo(new ProtocolError(null));
        assertThat(memory.used()).as("given back when the request failed").isZero();

        // Another connection's request of 5 MB still fits, and its reservation goes when it completes.
        RespReader second = new RespReader(DEFAULTS, memory);
        byte[] five = mbBytes(bytes("SET"), bytes("k"), repeat('v', 5 * 1024 * 1024));
        for (int off = 0; off < five.length - 1; off += 16 * 1024) { // as reads from a socket come
            second.feed(five, off, Math.min(16 * 1024, five.length - 1 - off));
            assertThat(second.next()).isNull();
        }
        assertThat(memory.used()).isPositive().isLessThanOrEqualTo(8L * 1024 * 1024);
        second.feed(five, five.length - 1, 1);
        assertThat(second.next()).isInstanceOf(Request.class);
        assertThat(memory.used()).isZero();
    }

    @Test
    void disposingAReaderGivesItsReservationBack() {
        ClientMemory memory = new ClientMemory(64L * 1024 * 1024);
        RespReader reader = new RespReader(DEFAULTS, memory);
        byte[] header = bytes("*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$4000000\r\n");
        reader.feed(header, 0, header.length);
        assertThat(reader.next()).isNull();
        byte[] chunk = repeat('v', 16 * 1024);
        for (int i = 0; i < 200; i++) {
            reader.feed(chunk, 0, chunk.length);
            assertThat(reader.next()).isNull();
        }
        assertThat(memory.used()).isPositive();
        reader.dispose();
        assertThat(memory.used()).isZero();
    }

    // ---- Buffering ----

    @Test
    void readFromReportsBytesReadAndEndOfStream() throws IOException {
        RespReader reader = new RespReader(DEFAULTS);
        InputStream in = new ByteArrayInputStream(bytes("PING\r\nECHO a\r\n"));
        assertThat(reader.readFrom(in)).isEqualTo(14);
        assertThat(reader.buffered()).isEqualTo(14);
        assertThat(reader.next()).isEqualTo(req("PING"));
        assertThat(reader.next()).isEqualTo(req("ECHO", "a"));
        assertThat(reader.next()).isNull();
        assertThat(reader.buffered()).isZero();
        assertThat(reader.readFrom(in)).isEqualTo(-1);
    }

    @Test
    void aReaderWithNothingUnparsedHoldsNoBufferOfItsOwn() throws IOException {
        SharedReadBuffer shared = new SharedReadBuffer();
        RespReader reader = new RespReader(DEFAULTS);
        assertThat(reader.ownBytes()).as("before any read").isZero();
        byte[] set = mb("SET", "key", "value");
        byte[] twoAndAHalf = concat(mb("PING"), mb("GET", "key"), Arrays.copyOf(set, 10));

        assertThat(reader.readFrom(Channels.newChannel(new ByteArrayInputStream(twoAndAHalf)), shared))
                .isEqualTo(twoAndAHalf.length);
        assertThat(reader.next()).isEqualTo(req("PING"));
        assertThat(reader.next()).isEqualTo(req("GET", "key"));
        assertThat(reader.next()).isNull();
        reader.giveBack();
        assertThat(shared.lent).isFalse();
        assertThat(reader.buffered()).as("\"SE\": SET's headers are parsed already").isEqualTo(2);
        assertThat(reader.ownBytes()).as("what is left, kept").isPositive();

        byte[] rest = Arrays.copyOfRange(set, 10, set.length);
        reader.readFrom(Channels.newChannel(new ByteArrayInputStream(rest)), shared);
        assertThat(shared.lent).as("a reader with bytes pending reads into its own buffer").isFalse();
        assertThat(reader.next()).isEqualTo(req("SET", "key", "value"));
        assertThat(reader.next()).isNull();
        reader.giveBack();
        assertThat(reader.ownBytes()).as("all parsed: its buffer dropped").isZero();

        reader.readFrom(Channels.newChannel(new ByteArrayInputStream(mb("PING"))), shared);
        assertThat(shared.lent).as("empty again: it borrows").isTrue();
        assertThat(reader.next()).isEqualTo(req("PING"));
        reader.giveBack();
        assertThat(shared.lent).isFalse();
        assertThat(reader.ownBytes()).isZero();
    }

    @Test
    void aRequestIsNotReturnedUntilItsLastByteArrived() {
        byte[] input = mb("SET", "key", "value");
        RespReader reader = new RespReader(DEFAULTS);
        for (int i = 0; i < input.length - 1; i++) {
            reader.feed(input, i, 1);
            assertThat(reader.next()).as("after %d bytes", i + 1).isNull();
        }
        reader.feed(input, input.length - 1, 1);
        assertThat(reader.next()).isEqualTo(req("SET", "key", "value"));
    }

    @Test
    void aBigBulkArrivingInManyReadsIsReturnedIntactAndTheReaderIsReusable() {
        byte[] big = random(3 * 1024 * 1024 + 7, 7);
        byte[] input = concat(mbBytes(bytes("SET"), bytes("k"), big), mb("PING"));
        RespReader reader = new RespReader(DEFAULTS);
        List<Object> out = new ArrayList<>();
        for (int off = 0; off < input.length; off += 8191) {
            reader.feed(input, off, Math.min(8191, input.length - off));
            drain(reader, out);
        }
        assertThat(out).containsExactly(new Request(new byte[][] {bytes("SET"), bytes("k"), big}), req("PING"));
        byte[] after = mb("GET", "k");
        reader.feed(after, 0, after.length);
        assertThat(reader.next()).isEqualTo(req("GET", "k"));
        assertThat(reader.buffered()).isZero();
    }

    // ---- Helpers ----

    private static List<Object> parseInChunks(Case c, int chunk) {
        RespReader reader = new RespReader(c.limits);
        List<Object> out = new ArrayList<>();
        for (int off = 0; off < c.input.length; off += chunk) {
            reader.feed(c.input, off, Math.min(chunk, c.input.length - off));
            drain(reader, out);
            if (!out.isEmpty() && out.getLast() instanceof ProtocolError) {
                break; // the connection is closed after an error
            }
        }
        return out;
    }

    static List<Object> parse(ProtocolLimits limits, byte[] input) {
        RespReader reader = new RespReader(limits);
        reader.feed(input, 0, input.length);
        return drain(reader, new ArrayList<>());
    }

    /** Collects every outcome available; after an error, checks the reader stays silent. */
    static List<Object> drain(RespReader reader, List<Object> out) {
        Object next;
        while ((next = reader.next()) != null) {
            out.add(next);
            if (next instanceof ProtocolError) {
                assertThat(reader.next()).as("next() after a protocol error").isNull();
                assertThat(reader.next()).as("next() after a protocol error").isNull();
                break;
            }
        }
        return out;
    }

    static ProtocolError err(String reply) {
        return new ProtocolError(reply);
    }

    static Request req(String... args) {
        byte[][] argv = new byte[args.length][];
        for (int i = 0; i < args.length; i++) {
            argv[i] = bytes(args[i]);
        }
        return new Request(argv);
    }

    static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    static byte[] mb(String... args) {
        byte[][] argv = new byte[args.length][];
        for (int i = 0; i < args.length; i++) {
            argv[i] = bytes(args[i]);
        }
        return mbBytes(argv);
    }

    static byte[] mbBytes(byte[]... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(bytes("*" + args.length + "\r\n"));
        for (byte[] arg : args) {
            out.writeBytes(bulk(arg));
        }
        return out.toByteArray();
    }

    static byte[] bulk(byte[] arg) {
        return concat(bytes("$" + arg.length + "\r\n"), arg, bytes("\r\n"));
    }

    static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] part : parts) {
            out.writeBytes(part);
        }
        return out.toByteArray();
    }

    static byte[] repeat(char c, int n) {
        byte[] b = new byte[n];
        Arrays.fill(b, (byte) c);
        return b;
    }

    /** Bytes that include CR, LF and NUL at shifting positions. */
    static byte[] pattern(int n, int seed) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) {
            int k = (i * 31 + seed) % 97;
            b[i] = (byte) (k == 0 ? '\r' : k == 1 ? '\n' : k == 2 ? 0 : 'a' + k % 26);
        }
        return b;
    }

    static byte[] random(int n, long seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    static byte[] allByteValues() {
        byte[] b = new byte[256];
        for (int i = 0; i < 256; i++) {
            b[i] = (byte) i;
        }
        return b;
    }

    /** Returns at most a random number of bytes per read, like a socket under load. */
    static final class TricklingInputStream extends InputStream {
        private final byte[] data;
        private final Random random;
        private final int maxChunk;
        private int pos;

        TricklingInputStream(byte[] data, Random random, int maxChunk) {
            this.data = data;
            this.random = random;
            this.maxChunk = maxChunk;
        }

        @Override
        public int read() {
            return pos < data.length ? data[pos++] & 0xff : -1;
        }

        @Override
        public int read(byte[] b, int off, int len) {
            if (len == 0) {
                return 0;
            }
            if (pos == data.length) {
                return -1;
            }
            int n = Math.min(Math.min(len, data.length - pos), 1 + random.nextInt(maxChunk));
            System.arraycopy(data, pos, b, off, n);
            pos += n;
            return n;
        }
    }
}
