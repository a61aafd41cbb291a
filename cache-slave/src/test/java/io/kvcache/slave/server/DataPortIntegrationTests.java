package io.kvcache.slave.server;

import static io.kvcache.slave.server.RespConnection.ascii;
import static io.kvcache.slave.server.RespConnection.command;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;
import io.kvcache.io.RespNioServerConnectionFactory;

import io.kvcache.protocol.RespDeserializer;
import io.kvcache.slave.support.RunningSlave;

/**
 * The data port over real sockets, as redis-cli, telnet and client libraries use it: pipelining,
 * inline commands, huge values, protocol errors, QUIT and connection accounting. Expected replies
 * were checked against redis-server 7.0.15.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class DataPortIntegrationTests {

    private static final String OK = "+OK\r\n";
    private static final String PONG = "+PONG\r\n";

    /** A slave with Redis's default limits. */
    private static RunningSlave slave;
    /** A slave that accepts bulks of at most 1 MB (proto-max-bulk-len 1mb). */
    private static RunningSlave limited;

    @BeforeAll
    static void startSlaves() {
        slave = RunningSlave.start();
        limited = RunningSlave.start("--kvcache.slave.proto-max-bulk-len=1MB");
    }

    @AfterAll
    static void stopSlaves() {
        if (slave != null) {
            slave.close();
        }
        if (limited != null) {
            limited.close();
        }
    }

    private static RespConnection connect() throws IOException {
        return RespConnection.open(slave.address());
    }

    private static String integer(long n) {
        return ":" + n + "\r\n";
    }

    private static String bulk(String s) {
        return "$" + s.getBytes(StandardCharsets.ISO_8859_1).length + "\r\n" + s + "\r\n";
    }

    // ---------------------------------------------------------------- pipelining

    @Test
    void tenThousandCommandsPipelinedInOneWriteAreAllAnsweredInOrder() throws Exception {
        int n = 10_000;
        ByteArrayOutputStream pipeline = new ByteArrayOutputStream();
        List<String> expected = new ArrayList<>(n);
        long increments = 0;
        long pushes = 0;
        for (int i = 0; i < n; i++) {
            switch (i % 4) {
                case 0 -> {
                    pipeline.write(command("SET", "pipe:key:" + i, "value-" + i));
                    expected.add(OK);
                }
                case 1 -> {
                    pipeline.write(command("INCR", "pipe:counter"));
                    expected.add(integer(++increments));
                }
                case 2 -> {
                    pipeline.write(command("GET", "pipe:key:" + (i - 2)));
                    expected.add(bulk("value-" + (i - 2)));
                }
                default -> {
                    pipeline.write(command("LPUSH", "pipe:list", Integer.toString(i)));
                    expected.add(integer(++pushes));
                }
            }
        }

        try (RespConnection client = connect()) {
            CompletableFuture<Void> written = client.sendInBackground(pipeline.toByteArray());
            for (int i = 0; i < n; i++) {
                assertThat(client.readReplyString()).as("reply %d", i).isEqualTo(expected.get(i));
            }
            written.get(10, TimeUnit.SECONDS);

            assertThat(client.call("LLEN", "pipe:list")).isEqualTo(integer(n / 4));
            assertThat(client.call("LINDEX", "pipe:list", "0")).isEqualTo(bulk(Integer.toString(n - 1)));
            assertThat(client.call("GET", "pipe:counter")).isEqualTo(bulk(Integer.toString(n / 4)));
            assertThat(client.call("PING")).isEqualTo(PONG);
        }
    }

    // ---------------------------------------------------------------- inline commands

    @Test
    void inlineCommandsAreUnderstoodAsTelnetSendsThemLineByLine() throws Exception {
        try (RespConnection telnet = connect()) {
            telnet.send("SET name Ion\r\n");
            assertThat(telnet.readReplyString()).isEqualTo(OK);
            telnet.send("GET name\r\n");
            assertThat(telnet.readReplyString()).isEqualTo(bulk("Ion"));

            // nc and some telnets end lines with LF only.
            telnet.send("SET inline:lf Maria\n");
            assertThat(telnet.readReplyString()).isEqualTo(OK);
            telnet.send("GET inline:lf\n");
            assertThat(telnet.readReplyString()).isEqualTo(bulk("Maria"));

            // Extra blanks and empty lines are ignored; the command name is case-insensitive.
            telnet.send("\r\n\n   get    name   \r\n");
            assertThat(telnet.readReplyString()).isEqualTo(bulk("Ion"));
        }
    }

    @Test
    void inlineCommandsMayBePipelinedAndMixedWithMultibulkRequests() throws Exception {
        try (RespConnection client = connect()) {
            ByteArrayOutputStream mixed = new ByteArrayOutputStream();
            mixed.write(ascii("SET inline:mix 1\r\n"));
            mixed.write(command("INCR", "inline:mix"));
            mixed.write(ascii("INCR inline:mix\n"));
            mixed.write(command("GET", "inline:mix"));
            client.send(mixed.toByteArray());

            assertThat(client.readReplyString()).isEqualTo(OK);
            assertThat(client.readReplyString()).isEqualTo(integer(2));
            assertThat(client.readReplyString()).isEqualTo(integer(3));
            assertThat(client.readReplyString()).isEqualTo(bulk("3"));
        }
    }

    @Test
    void aQuotedInlineArgumentKeepsItsSpacesAndEscapes() throws Exception {
        try (RespConnection telnet = connect()) {
            telnet.send("SET greeting \"hello world\"\r\n");
            assertThat(telnet.readReplyString()).isEqualTo(OK);
            telnet.send("GET greeting\r\n");
            assertThat(telnet.readReplyString()).isEqualTo(bulk("hello world"));

            telnet.send("SET quoted 'single quoted  text' \r\n");
            assertThat(telnet.readReplyString()).isEqualTo(OK);
            assertThat(telnet.call("GET", "quoted")).isEqualTo(bulk("single quoted  text"));

            telnet.send("SET escaped \"a\\x41\\n\\\"b\\\"\"\r\n");
            assertThat(telnet.readReplyString()).isEqualTo(OK);
            assertThat(telnet.call("GET", "escaped")).isEqualTo(bulk("aA\n\"b\""));

            telnet.send("ECHO \"\"\r\n");
            assertThat(telnet.readReplyString()).isEqualTo(bulk(""));
        }
    }

    @Test
    void aCommandArrivingOneByteAtATimeIsAnsweredOnce() throws Exception {
        try (RespConnection client = connect()) {
            byte[] request = command("SET", "trickle", "slowly but surely");
            for (byte b : request) {
                client.send(new byte[] {b});
            }
            assertThat(client.readReplyString()).isEqualTo(OK);
            for (byte b : ascii("GET trickle\r\n")) {
                client.send(new byte[] {b});
            }
            assertThat(client.readReplyString()).isEqualTo(bulk("slowly but surely"));
            assertThat(client.call("PING")).isEqualTo(PONG);
        }
    }

    // ---------------------------------------------------------------- big values and limits

    @Test
    void aHundredMegabyteValueRoundTrips() throws Exception {
        int size = 100 * 1024 * 1024;
        byte[] value = new byte[size];
        for (int i = 0; i < size; i++) {
            value[i] = (byte) (i * 31 + (i >>> 11) + 7);
        }
        try (RespConnection client = RespConnection.open(slave.address(), Duration.ofSeconds(50))) {
            client.send("*3\r\n$3\r\nSET\r\n$7\r\nbig:100\r\n$" + size + "\r\n");
            client.send(value);
            client.send("\r\n");
            assertThat(client.readReplyString()).isEqualTo(OK);
            assertThat(client.call("STRLEN", "big:100")).isEqualTo(integer(size));

            client.send(command("GET", "big:100"));
            byte[] reply = client.readReply();
            byte[] header = ascii("$" + size + "\r\n");
            assertThat(reply).hasSize(header.length + size + 2);
            assertThat(Arrays.copyOf(reply, header.length)).isEqualTo(header);
            assertThat(Arrays.equals(reply, header.length, header.length + size, value, 0, size))
                    .as("the 100 MB value came back byte for byte").isTrue();

            assertThat(client.call("DEL", "big:100")).isEqualTo(integer(1));
        }
    }

    @Test
    void aBulkOverTheLimitGetsAProtocolErrorAndClosesOnlyThatConnection() throws Exception {
        try (RespConnection before = RespConnection.open(limited.address())) {
            assertThat(before.call("PING")).isEqualTo(PONG);

            try (RespConnection offender = RespConnection.open(limited.address())) {
                offender.send("*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$2000000\r\n");
                assertThat(offender.readReplyString()).isEqualTo("-ERR Protocol error: invalid bulk length\r\n");
                assertThat(offender.read()).as("closed by the server").isEqualTo(-1);
            }

            assertThat(before.call("PING")).isEqualTo(PONG);
            assertThat(before.call("EXISTS", "k")).isEqualTo(integer(0));
            try (RespConnection after = RespConnection.open(limited.address())) {
                assertThat(after.call("PING")).isEqualTo(PONG);
            }
        }
    }

    @Test
    void aBulkOfExactlyTheLimitIsAcceptedAndOneByteMoreIsNot() throws Exception {
        int limit = 1024 * 1024;
        try (RespConnection client = RespConnection.open(limited.address())) {
            byte[] value = new byte[limit];
            Arrays.fill(value, (byte) 'x');
            client.send("*3\r\n$3\r\nSET\r\n$7\r\nlimit:k\r\n$" + limit + "\r\n");
            client.send(value);
            client.send("\r\n");
            assertThat(client.readReplyString()).isEqualTo(OK);
            assertThat(client.call("STRLEN", "limit:k")).isEqualTo(integer(limit));

            client.send("*3\r\n$3\r\nSET\r\n$7\r\nlimit:k\r\n$" + (limit + 1) + "\r\n");
            assertThat(client.readReplyString()).isEqualTo("-ERR Protocol error: invalid bulk length\r\n");
            assertThat(client.read()).isEqualTo(-1);
        }
    }

    // ---------------------------------------------------------------- protocol errors

    /** Sends garbage from a fresh connection; expects exactly these replies, then the server's close. */
    private static void assertRepliesThenClosed(byte[] garbage, String... replies) throws IOException {
        try (RespConnection bystander = connect()) {
            assertThat(bystander.call("PING")).isEqualTo(PONG);

            try (RespConnection offender = connect()) {
                offender.send(garbage);
                for (String reply : replies) {
                    assertThat(offender.readReplyString()).isEqualTo(reply);
                }
                assertThat(offender.read()).as("closed by the server").isEqualTo(-1);
            }

            assertThat(bystander.call("PING")).isEqualTo(PONG);
            try (RespConnection after = connect()) {
                assertThat(after.call("ECHO", "still serving")).isEqualTo(bulk("still serving"));
            }
        }
    }

    @Test
    void anInvalidMultibulkCountGetsTheProtocolErrorAndTheConnectionIsClosed() throws Exception {
        assertRepliesThenClosed(ascii("*x\r\n"), "-ERR Protocol error: invalid multibulk length\r\n");
    }

    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {1, 7, 42, 2024})
    void randomBytesWhereABulkHeaderShouldBeGetExpectedDollar(long seed) throws Exception {
        byte[] noise = noise(seed, 300, "$");
        byte[] garbage = concat(ascii("*2\r\n"), noise, ascii("\r\n"));

        assertRepliesThenClosed(garbage,
                "-ERR Protocol error: expected '$', got '" + (char) (noise[0] & 0xff) + "'\r\n");
    }

    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {3, 11, 99})
    void randomBytesAfterAStarGetInvalidMultibulkLength(long seed) throws Exception {
        byte[] garbage = concat(ascii("*"), noise(seed, 200, "0123456789+- \t"), ascii("\r\n"));

        assertRepliesThenClosed(garbage, "-ERR Protocol error: invalid multibulk length\r\n");
    }

    @Test
    void anInlineCommandWithUnbalancedQuotesGetsTheProtocolError() throws Exception {
        assertRepliesThenClosed(ascii("SET q \"a\r\n"), "-ERR Protocol error: unbalanced quotes in request\r\n");
    }

    @Test
    void commandsPipelinedBeforeGarbageAreExecutedAndAnsweredFirst() throws Exception {
        byte[] write = concat(command("SET", "before:garbage", "1"), ascii("INCR before:garbage\r\n"),
                command("INCR", "before:garbage"), ascii("*1\r\nxyz\r\n"), command("SET", "after:garbage", "1"));

        assertRepliesThenClosed(write, OK, integer(2), integer(3),
                "-ERR Protocol error: expected '$', got 'x'\r\n");
        try (RespConnection check = connect()) {
            assertThat(check.call("GET", "before:garbage")).isEqualTo(bulk("3"));
            assertThat(check.call("EXISTS", "after:garbage")).isEqualTo(integer(0));
        }
    }

    // ---------------------------------------------------------------- QUIT and unknown commands

    @Test
    void quitAnswersOkClosesAndCommandsAfterItInTheSameWriteAreNotExecuted() throws Exception {
        try (RespConnection other = connect()) {
            try (RespConnection client = connect()) {
                client.send("SET quit:before 1\r\nQUIT\r\nSET quit:after 1\r\n");
                assertThat(client.readReplyString()).isEqualTo(OK);
                assertThat(client.readReplyString()).isEqualTo(OK);
                assertThat(client.read()).as("closed by the server").isEqualTo(-1);
            }
            try (RespConnection client = connect()) {
                client.send(concat(command("QUIT"), command("SET", "quit:after:resp", "1"), ascii("*x\r\n")));
                assertThat(client.readReplyString()).isEqualTo(OK);
                assertThat(client.read()).as("closed by the server, no protocol error").isEqualTo(-1);
            }

            assertThat(other.call("EXISTS", "quit:before")).isEqualTo(integer(1));
            assertThat(other.call("EXISTS", "quit:after")).isEqualTo(integer(0));
            assertThat(other.call("EXISTS", "quit:after:resp")).isEqualTo(integer(0));
        }
    }

    @Test
    void anUnknownCommandAnswersRedisErrorAndTheConnectionStaysOpen() throws Exception {
        try (RespConnection client = connect()) {
            client.send("FOOBAR a b\r\n");
            assertThat(client.readReplyString())
                    .isEqualTo("-ERR unknown command 'FOOBAR', with args beginning with: 'a' 'b' \r\n");
            assertThat(client.call("FOOBAR", "x"))
                    .isEqualTo("-ERR unknown command 'FOOBAR', with args beginning with: 'x' \r\n");
            assertThat(client.call("PING")).isEqualTo(PONG);
        }
    }

    // ---------------------------------------------------------------- disconnections and accounting

    /** Waits until the server counts exactly this many connected clients. */
    private static void awaitConnectedClients(RespConnection probe, long expected) {
        awaitConnectedClients(probe, expected, Duration.ofSeconds(10));
    }

    private static void awaitConnectedClients(RespConnection probe, long expected, Duration atMost) {
        await().atMost(atMost).pollInSameThread().pollInterval(Duration.ofMillis(10))
                .untilAsserted(() -> assertThat(probe.infoLong("clients", "connected_clients"))
                        .as("connected_clients").isEqualTo(expected));
    }

    @Test
    void aClientDisconnectingMidCommandDoesNotDisturbOthers() throws Exception {
        byte[] bigHalf = new byte[500_000];
        Arrays.fill(bigHalf, (byte) 'b');
        List<byte[]> halves = List.of(
                ascii("*3\r\n$3\r\nSET\r\n$10\r\nhalf:small\r\n$100\r\nabc"),
                concat(ascii("*3\r\n$3\r\nSET\r\n$8\r\nhalf:big\r\n$1000000\r\n"), bigHalf),
                ascii("*3\r\n$3\r\nSET\r\n$10\r\nhalf:he"),
                ascii("*3\r\n$3\r\nSET\r\n$1"),
                ascii("SET half:inline value"));

        try (RespConnection bystander = connect()) {
            assertThat(bystander.call("PING")).isEqualTo(PONG);
            awaitConnectedClients(bystander, 1);

            for (byte[] half : halves) {
                for (boolean reset : new boolean[] {false, true}) {
                    RespConnection quitter = connect();
                    assertThat(quitter.call("PING")).isEqualTo(PONG);
                    quitter.send(half);
                    if (reset) {
                        quitter.socket().setSoLinger(true, 0);
                    }
                    quitter.close();
                    assertThat(bystander.call("PING")).isEqualTo(PONG);
                }
            }

            assertThat(bystander.call("EXISTS", "half:small", "half:big", "half:he", "half:inline"))
                    .isEqualTo(integer(0));
            assertThat(bystander.call("SET", "half:after", "fine")).isEqualTo(OK);
            assertThat(bystander.call("GET", "half:after")).isEqualTo(bulk("fine"));
            awaitConnectedClients(bystander, 1);
        }
    }

    @Test
    void manyConnectionsOpenedAndClosedLeaveConnectedClientsAtTheBaseline() throws Exception {
        try (RespConnection probe = connect()) {
            assertThat(probe.call("PING")).isEqualTo(PONG);
            awaitConnectedClients(probe, 1);
            long receivedBefore = probe.infoLong("stats", "total_connections_received");

            List<RespConnection> many = new ArrayList<>();
            try {
                for (int i = 0; i < 200; i++) {
                    RespConnection c = connect();
                    many.add(c);
                    assertThat(c.call("PING")).isEqualTo(PONG);
                }
                assertThat(probe.infoLong("clients", "connected_clients")).isEqualTo(201);
            } finally {
                for (RespConnection c : many) {
                    c.close();
                }
            }

            awaitConnectedClients(probe, 1);
            assertThat(probe.infoLong("stats", "total_connections_received")).isEqualTo(receivedBefore + 200);
        }
    }

    /** Redis counts a client from the moment it is accepted, not from its first command. */
    @Test
    void aConnectionIsCountedAsConnectedBeforeItSendsAnything() throws Exception {
        try (RespConnection probe = connect()) {
            assertThat(probe.call("PING")).isEqualTo(PONG);
            awaitConnectedClients(probe, 1);

            List<RespConnection> silent = new ArrayList<>();
            try {
                for (int i = 0; i < 3; i++) {
                    silent.add(connect());
                }
                awaitConnectedClients(probe, 4, Duration.ofSeconds(2));
            } finally {
                for (RespConnection c : silent) {
                    c.close();
                }
            }
            awaitConnectedClients(probe, 1);
        }
    }

    /** How a client connection ends. */
    enum Ending {
        CLIENT_CLOSES, CLIENT_RESETS, CLIENT_CLOSES_MID_COMMAND, QUIT, PROTOCOL_ERROR
    }

    /**
     * The RESP decoder keeps a parser (with a 16 KB buffer) per connection; however a connection
     * ends, that state must go, or a long-running slave leaks memory with every client.
     */
    @ParameterizedTest
    @EnumSource(Ending.class)
    void theParseStateOfAConnectionIsReleasedHoweverItEnds(Ending ending) throws Exception {
        RespDeserializer decoder =
                (RespDeserializer) slave.bean(RespNioServerConnectionFactory.class).getDeserializer();
        try (RespConnection probe = connect()) {
            assertThat(probe.call("PING")).isEqualTo(PONG);
            awaitConnectedClients(probe, 1);
            int baseline = decoder.connections();

            for (int i = 0; i < 20; i++) {
                RespConnection c = connect();
                assertThat(c.call("PING")).isEqualTo(PONG);
                switch (ending) {
                    case CLIENT_CLOSES -> c.close();
                    case CLIENT_RESETS -> {
                        c.socket().setSoLinger(true, 0);
                        c.close();
                    }
                    case CLIENT_CLOSES_MID_COMMAND -> {
                        c.send("*2\r\n$4\r\nECHO\r\n$10\r\nhal");
                        c.close();
                    }
                    case QUIT -> {
                        assertThat(c.call("QUIT")).isEqualTo(OK);
                        assertThat(c.read()).isEqualTo(-1);
                        c.close();
                    }
                    case PROTOCOL_ERROR -> {
                        c.send("*x\r\n");
                        assertThat(c.readReplyString()).startsWith("-ERR Protocol error");
                        assertThat(c.read()).isEqualTo(-1);
                        c.close();
                    }
                }
            }

            awaitConnectedClients(probe, 1);
            // At most the baseline: connections of earlier tests that never sent a command may still be ending.
            await().atMost(Duration.ofSeconds(2)).pollInterval(Duration.ofMillis(10))
                    .untilAsserted(() -> assertThat(decoder.connections())
                            .as("connections with RESP parse state after 20 connections ended by " + ending)
                            .isLessThanOrEqualTo(baseline));
        }
    }

    // ---------------------------------------------------------------- helpers

    /** Seeded random bytes without NUL, CR or LF (Redis reads header lines as C strings up to CR). */
    private static byte[] noise(long seed, int length, String notFirst) {
        Random random = new Random(seed);
        byte[] bytes = new byte[length];
        for (int i = 0; i < length; i++) {
            byte b;
            do {
                b = (byte) random.nextInt(256);
            } while (b == 0 || b == '\r' || b == '\n' || (i == 0 && notFirst.indexOf((char) (b & 0xff)) >= 0));
            bytes[i] = b;
        }
        return bytes;
    }

    private static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        for (byte[] part : parts) {
            all.writeBytes(part);
        }
        return all.toByteArray();
    }
}
