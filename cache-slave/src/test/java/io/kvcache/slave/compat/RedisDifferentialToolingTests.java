package io.kvcache.slave.compat;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Set;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The building blocks of the differential test: RESP framing, the comparison rules, the generator's rules. */
class RedisDifferentialToolingTests {

    @RegisterExtension
    static final RedisServerProcess REDIS = new RedisServerProcess();

    // ---- RESP framing ----------------------------------------------------------------------------------

    @Test
    void scannerFindsTheEndOfANestedReplyFedOneByteAtATime() {
        byte[] reply = bytes("*3\r\n:1\r\n*2\r\n$3\r\na\r\n\r\n$-1\r\n*-1\r\n");
        byte[] next = bytes("+OK\r\n");
        byte[] stream = concat(reply, next);
        RespFrameScanner scanner = new RespFrameScanner();

        for (int available = 0; available < reply.length; available++) {
            assertThat(scanner.scan(stream, 0, available)).as("after %d bytes", available).isEqualTo(-1);
        }
        assertThat(scanner.scan(stream, 0, stream.length)).isEqualTo(reply.length);
        assertThat(scanner.scan(stream, reply.length, stream.length)).isEqualTo(stream.length);
    }

    @Test
    void scannerHandlesEmptyAndNullAggregates() {
        for (String reply : List.of("*0\r\n", "*-1\r\n", "$-1\r\n", "$0\r\n\r\n", "-ERR x\r\n", ":-9223372036854775808\r\n")) {
            byte[] raw = bytes(reply);
            assertThat(new RespFrameScanner().scan(raw, 0, raw.length)).as(reply).isEqualTo(raw.length);
        }
    }

    @Test
    void clientReadsRawRepliesOfAPipelineAndOfRawBytes() throws IOException {
        try (RawRedisClient client = new RawRedisClient(REDIS.address())) {
            client.call("FLUSHALL");
            String big = "x".repeat(200_000); // spans many reads
            List<byte[]> replies = client.pipeline(List.of(
                    argv("RPUSH", "list", "a", big), argv("LRANGE", "list", "0", "-1"), argv("LPOP", "none", "2"),
                    argv("GET", "none"), argv("GET", "list")));

            assertThat(replies).extracting(RedisDifferentialToolingTests::text).containsExactly(
                    ":2\r\n", "*2\r\n$1\r\na\r\n$200000\r\n" + big + "\r\n", "*-1\r\n", "$-1\r\n",
                    "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n");

            client.sendRaw(bytes("PING\r\nECHO hi\r\n")); // inline commands
            assertThat(text(client.readReply())).isEqualTo("+PONG\r\n");
            assertThat(text(client.readReply())).isEqualTo("$2\r\nhi\r\n");
        }
    }

    // ---- comparison rules --------------------------------------------------------------------------------

    @Test
    void remainingTimeMayDifferByTheTimeBetweenTheTwoAnswers() {
        assertThat(ReplyComparator.equivalent(argv("TTL", "k"), bytes(":100\r\n"), bytes(":99\r\n"))).isTrue();
        assertThat(ReplyComparator.equivalent(argv("ttl", "k"), bytes(":100\r\n"), bytes(":98\r\n"))).isFalse();
        assertThat(ReplyComparator.equivalent(argv("PTTL", "k"), bytes(":100000\r\n"), bytes(":99000\r\n"))).isTrue();
        assertThat(ReplyComparator.equivalent(argv("PTTL", "k"), bytes(":100000\r\n"), bytes(":98999\r\n"))).isFalse();
        assertThat(ReplyComparator.equivalent(argv("EXPIRETIME", "k"), bytes(":1700000000\r\n"), bytes(":1700000001\r\n"))).isTrue();
        assertThat(ReplyComparator.equivalent(argv("PEXPIRETIME", "k"), bytes(":1700000000000\r\n"), bytes(":1700000000999\r\n"))).isTrue();
    }

    @Test
    void missingKeyAndMissingDeadlineMustMatchExactly() {
        assertThat(ReplyComparator.equivalent(argv("TTL", "k"), bytes(":-1\r\n"), bytes(":0\r\n"))).isFalse();
        assertThat(ReplyComparator.equivalent(argv("TTL", "k"), bytes(":-2\r\n"), bytes(":-1\r\n"))).isFalse();
        assertThat(ReplyComparator.equivalent(argv("PTTL", "k"), bytes(":0\r\n"), bytes(":-2\r\n"))).isFalse();
        assertThat(ReplyComparator.equivalent(argv("TTL", "k"), bytes(":5\r\n"), bytes("$1\r\n5\r\n"))).isFalse();
    }

    @Test
    void keysIsAMultisetAndEverythingElseIsBytes() {
        byte[] ab = bytes("*2\r\n$1\r\na\r\n$1\r\nb\r\n");
        byte[] ba = bytes("*2\r\n$1\r\nb\r\n$1\r\na\r\n");
        byte[] aa = bytes("*2\r\n$1\r\na\r\n$1\r\na\r\n");
        assertThat(ReplyComparator.equivalent(argv("KEYS", "*"), ab, ba)).isTrue();
        assertThat(ReplyComparator.equivalent(argv("KEYS", "*"), ab, aa)).isFalse();
        assertThat(ReplyComparator.equivalent(argv("LRANGE", "k", "0", "-1"), ab, ba)).isFalse();
        assertThat(ReplyComparator.equivalent(argv("GET", "k"), bytes("$1\r\na\r\n"), bytes("+a\r\n"))).isFalse();
    }

    @Test
    void scanComparesTheKeysOfAFullIteration() throws IOException {
        try (RedisServerProcess other = RedisServerProcess.start();
             ServerPair servers = new ServerPair(REDIS.address(), other.address())) {
            servers.onBoth(client -> client.pipeline(List.of(argv("FLUSHALL"), argv("MSET", "k1", "1", "k2", "2", "k3", "3"))));
            byte[][] scan = argv("SCAN", "0", "MATCH", "k*", "COUNT", "1");
            assertThat(ScanComparison.compare(scan, servers).mismatch()).isEmpty();
            assertThat(ScanComparison.compare(argv("SCAN", "abc"), servers).mismatch()).isEmpty();

            servers.onBoth(client -> client.call("DEL", "k2")); // the candidate below misses a key
            try (RawRedisClient candidateOnly = new RawRedisClient(other.address())) {
                candidateOnly.call("SET", "k2", "2");
            }
            servers.onBoth(client -> client.call("DEL", "k2"));
            try (RawRedisClient referenceOnly = new RawRedisClient(REDIS.address())) {
                referenceOnly.call("SET", "k2", "2");
            }
            assertThat(ScanComparison.compare(scan, servers).mismatch()).hasValueSatisfying(mismatch -> {
                assertThat(mismatch.reference()).isEqualTo("keys [\"k1\", \"k2\", \"k3\"]");
                assertThat(mismatch.candidate()).isEqualTo("keys [\"k1\", \"k3\"]");
            });
        }
    }

    // ---- the generator's determinism rules ---------------------------------------------------------------

    @Test
    void theSameSeedGeneratesTheSameStream() {
        CommandGenerator first = new CommandGenerator(99, 2_000_000_000L);
        CommandGenerator second = new CommandGenerator(99, 2_000_000_000L);
        for (int i = 0; i < 10_000; i++) {
            assertThat(Arrays.deepEquals(first.next(), second.next())).as("command %d", i).isTrue();
        }
    }

    @Test
    void noGeneratedCommandDependsOnTimingOrRandomness() {
        long farFuture = CommandGenerator.defaultFarFuture();
        long now = System.currentTimeMillis() / 1000;
        Set<String> forbidden = Set.of("DBSIZE", "RANDOMKEY", "INFO", "TIME", "COMMAND", "QUIT", "FLUSHALL", "FLUSHDB");
        CommandGenerator generator = new CommandGenerator(2024, farFuture);
        List<String> nearDeadlines = new ArrayList<>();
        for (int i = 0; i < 200_000; i++) {
            byte[][] command = generator.next();
            String name = ReplyComparator.commandName(command);
            assertThat(forbidden).doesNotContain(name);
            if (name.equals("LREM")) {
                assertThat(command.length).as(Escaping.command(command)).isEqualTo(4);
            }
            if (name.equals("SELECT")) {
                assertThat(text(command[1])).isEqualTo("0");
            }
            deadlines(command).stream()
                    .filter(deadline -> deadline.near(now))
                    .forEach(d -> nearDeadlines.add(Escaping.command(command)));
        }
        assertThat(nearDeadlines).isEmpty();
    }

    /**
     * A deadline argument, either seconds from now or unix seconds (NaN for the other kind or a non-number).
     * It is near, and would make the run timing-dependent, when it falls due during a run: less than 100 s
     * ahead but not already over. (Deadlines already over expire the key at once on both servers.)
     */
    private record Deadline(double relativeSeconds, double epochSeconds) {

        boolean near(long nowSeconds) {
            return relativeSeconds > 0 && relativeSeconds < 100
                    || epochSeconds > nowSeconds - 3600 && epochSeconds < nowSeconds + 100;
        }
    }

    private static List<Deadline> deadlines(byte[][] command) {
        String name = ReplyComparator.commandName(command);
        List<Deadline> found = new ArrayList<>();
        switch (name) {
            case "EXPIRE" -> found.add(new Deadline(number(command, 2), Double.NaN));
            case "PEXPIRE" -> found.add(new Deadline(number(command, 2) / 1000, Double.NaN));
            case "EXPIREAT" -> found.add(new Deadline(Double.NaN, number(command, 2)));
            case "PEXPIREAT" -> found.add(new Deadline(Double.NaN, number(command, 2) / 1000));
            case "SETEX" -> found.add(new Deadline(number(command, 2), Double.NaN));
            case "PSETEX" -> found.add(new Deadline(number(command, 2) / 1000, Double.NaN));
            case "SET", "GETEX" -> {
                for (int i = 1; i + 1 < command.length; i++) {
                    switch (text(command[i]).toUpperCase(Locale.ROOT)) {
                        case "EX" -> found.add(new Deadline(number(command, i + 1), Double.NaN));
                        case "PX" -> found.add(new Deadline(number(command, i + 1) / 1000, Double.NaN));
                        case "EXAT" -> found.add(new Deadline(Double.NaN, number(command, i + 1)));
                        case "PXAT" -> found.add(new Deadline(Double.NaN, number(command, i + 1) / 1000));
                        default -> {
                        }
                    }
                }
            }
            default -> {
            }
        }
        return found;
    }

    /**
     * The numeric argument at {@code index}, or NaN when it is missing or not an integer for Redis (an error
     * reply, not a deadline). Java accepts a leading '+', Redis does not.
     */
    private static double number(byte[][] command, int index) {
        if (index >= command.length || text(command[index]).startsWith("+")) {
            return Double.NaN;
        }
        try {
            return Long.parseLong(text(command[index]));
        } catch (NumberFormatException e) {
            return Double.NaN;
        }
    }

    // ---- helpers -----------------------------------------------------------------------------------------

    private static byte[][] argv(String... args) {
        byte[][] argv = new byte[args.length][];
        for (int i = 0; i < args.length; i++) {
            argv[i] = Escaping.ascii(args[i]);
        }
        return argv;
    }

    private static byte[] bytes(String text) {
        return Escaping.ascii(text);
    }

    private static String text(byte[] bytes) {
        return new String(bytes, java.nio.charset.StandardCharsets.ISO_8859_1);
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] both = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, both, a.length, b.length);
        return both;
    }
}
