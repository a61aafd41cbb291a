package io.kvcache.slave.server;

import static io.kvcache.slave.server.RespConnection.ascii;
import static io.kvcache.slave.server.RespConnection.command;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import io.kvcache.protocol.ClientMemory;
import io.kvcache.slave.compat.RedisServerProcess;
import io.kvcache.slave.support.RunningSlave;

/**
 * Each client limit of the data port (Redis's proto-max-bulk-len, client-query-buffer-limit, the
 * inline limit, the multibulk count, maxclients, timeout, tcp-keepalive, client-output-buffer-limit
 * normal) against a real redis-server configured alike: same bytes back, same close, and the
 * other clients never notice. A slave's data port has no password: the unauthenticated limits are
 * the master's (cache-master's ClientPortLimitsIntegrationTests).
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ClientLimitsIntegrationTests {

    private static final String PONG = "+PONG\r\n";
    private static final String INVALID_BULK = "-ERR Protocol error: invalid bulk length\r\n";

    /** Redis's defaults on both. */
    private static Pair defaults;
    /** Small query buffer, 4 MB bulks, 3 clients, keepalive 7 s, output hard limit 1 MB. */
    private static Pair limited;
    /** Idle timeout 3 s (a loaded machine must not make a busy client look idle), output soft limit 1 MB for 1 s. */
    private static Pair timed;
    /** All clients together may hold 8 MB (maxmemory-clients); kvcache's own rule, so no redis-server. */
    private static RunningSlave budgeted;

    /** A redis-server and a slave with the same settings. */
    record Pair(RedisServerProcess redis, RunningSlave slave) {

        static Pair start(List<String> redisArgs, List<String> slaveArgs) {
            RedisServerProcess redis = RedisServerProcess.start(redisArgs.toArray(String[]::new));
            try {
                return new Pair(redis, RunningSlave.start(slaveArgs.toArray(String[]::new)));
            } catch (RuntimeException e) {
                redis.close();
                throw e;
            }
        }

        List<InetSocketAddress> both() {
            return List.of(redis.address(), slave.address());
        }

        void close() {
            redis.close();
            slave.close();
        }
    }

    @BeforeAll
    static void start() {
        defaults = Pair.start(List.of(), List.of());
        limited = Pair.start(
                List.of("--client-query-buffer-limit", "1mb", "--proto-max-bulk-len", "4mb", "--maxclients", "3",
                        "--tcp-keepalive", "7", "--client-output-buffer-limit", "normal 1mb 0 0"),
                List.of("--kvcache.slave.client-query-buffer-limit=1MB", "--kvcache.slave.proto-max-bulk-len=4MB",
                        "--kvcache.slave.maxclients=3", "--kvcache.slave.tcp-keepalive=7",
                        "--kvcache.slave.client-output-buffer-limit=1mb 0 0"));
        timed = Pair.start(
                List.of("--timeout", "3", "--client-output-buffer-limit", "normal 0 1mb 1"),
                List.of("--kvcache.slave.timeout=3", "--kvcache.slave.client-output-buffer-limit=0 1mb 1"));
        budgeted = RunningSlave.start("--kvcache.slave.maxmemory-clients=8mb");
    }

    @AfterAll
    static void stop() {
        for (Pair pair : new Pair[] {defaults, limited, timed}) {
            if (pair != null) {
                pair.close();
            }
        }
        if (budgeted != null) {
            budgeted.close();
        }
    }

    // ---------------------------------------------------------------- request limits

    /** Redis 7 takes counts up to INT_MAX (commit 93e8534); 6.2 refused more than 1024 * 1024. */
    @Test
    void aCountOf1048577IsAcceptedAndTheCommandRunsWithEveryArgument() throws Exception {
        int count = 1024 * 1024 + 1;
        ByteArrayOutputStream request = new ByteArrayOutputStream(count * 7 + 64);
        request.writeBytes(ascii("*" + count + "\r\n$5\r\nRPUSH\r\n$11\r\nlimits:huge\r\n"));
        byte[] element = ascii("$1\r\nx\r\n");
        for (int i = 2; i < count; i++) {
            request.writeBytes(element);
        }
        for (InetSocketAddress server : defaults.both()) {
            try (RespConnection client = RespConnection.open(server, Duration.ofSeconds(60))) {
                client.sendInBackground(request.toByteArray()).get(60, TimeUnit.SECONDS);
                assertThat(client.readReplyString()).as(name(server)).isEqualTo(":" + (count - 2) + "\r\n");
                assertThat(client.call("DEL", "limits:huge")).isEqualTo(":1\r\n");
            }
        }
    }

    @Test
    void aTwoGigabyteBulkHeaderGetsInvalidBulkLengthAndOnlyThatClientIsClosed() throws Exception {
        for (String length : new String[] {"2147483648", "2000000000", "536870913", "9223372036854775808", "-1"}) {
            byte[] header = ascii("*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$" + length + "\r\n");
            for (InetSocketAddress server : defaults.both()) {
                assertThat(offend(server, header)).as(name(server) + " $" + length).isEqualTo(INVALID_BULK);
            }
        }
        assertThat(clientMemory(defaults)).as("nothing was reserved for the declared length").isZero();
    }

    @Test
    void anInlineRequestOver64KbGetsTooBigInlineRequest() throws Exception {
        byte[] line = ascii("SET k " + "x".repeat(64 * 1024 + 10));
        for (InetSocketAddress server : defaults.both()) {
            assertThat(offend(server, line)).as(name(server))
                    .isEqualTo("-ERR Protocol error: too big inline request\r\n");
        }
    }

    @Test
    void aMultibulkCountLineOver64KbGetsTooBigMbulkCountString() throws Exception {
        byte[] line = ascii("*" + "1".repeat(64 * 1024 + 10));
        for (InetSocketAddress server : defaults.both()) {
            assertThat(offend(server, line)).as(name(server))
                    .isEqualTo("-ERR Protocol error: too big mbulk count string\r\n");
        }
    }

    @Test
    void aBulkOfTheConfiguredMaximumPassesAndOneByteMoreDoesNot() throws Exception {
        int max = 4 * 1024 * 1024;
        for (InetSocketAddress server : limited.both()) {
            assertThat(offend(server, ascii("*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$" + (max + 1) + "\r\n")))
                    .as(name(server)).isEqualTo(INVALID_BULK);
        }
    }

    /** The buffer of a bulk still arriving is the query buffer: past client-query-buffer-limit, closed, no reply. */
    @Test
    void aClientPastItsQueryBufferLimitIsClosedSilentlyAndItsMemoryReleased() throws Exception {
        byte[] header = ascii("*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$3000000\r\n");
        byte[] part = new byte[1_500_000];
        java.util.Arrays.fill(part, (byte) 'v');
        for (InetSocketAddress server : limited.both()) {
            try (RespConnection bystander = RespConnection.open(server)) {
                assertThat(bystander.call("PING")).isEqualTo(PONG);
                try (RespConnection offender = RespConnection.open(server)) {
                    offender.send(header);
                    sendIgnoringReset(offender, part);
                    assertThat(drainUntilClosed(offender)).as(name(server) + ": no reply, then closed").isEmpty();
                }
                assertThat(bystander.call("EXISTS", "k")).isEqualTo(":0\r\n");
            }
        }
        awaitClientMemory(limited, 0);
    }

    // ---------------------------------------------------------------- maxclients

    @Test
    void pastMaxclientsANewConnectionGetsMaxNumberOfClientsReachedAndIsClosed() throws Exception {
        for (InetSocketAddress server : limited.both()) {
            List<RespConnection> three = new ArrayList<>();
            try {
                awaitAllClientsGone(server);
                for (int i = 0; i < 3; i++) {
                    RespConnection c = RespConnection.open(server);
                    three.add(c);
                    assertThat(c.call("PING")).isEqualTo(PONG);
                }
                try (RespConnection fourth = RespConnection.open(server)) {
                    assertThat(drainUntilClosed(fourth)).as(name(server))
                            .isEqualTo("-ERR max number of clients reached\r\n");
                }
                long rejected = Long.parseLong(RespConnection.infoField(three.getFirst().call("INFO", "stats"),
                        "rejected_connections"));
                assertThat(rejected).isPositive();
                assertThat(three.getFirst().call("INFO", "clients")).contains("maxclients:3\r\n");
                three.removeLast().close();
                await().atMost(Duration.ofSeconds(5)).ignoreExceptions().untilAsserted(() -> {
                    try (RespConnection again = RespConnection.open(server)) {
                        assertThat(again.call("PING")).isEqualTo(PONG);
                    }
                });
            } finally {
                for (RespConnection c : three) {
                    c.close();
                }
            }
        }
    }

    // ---------------------------------------------------------------- timeout and keepalive

    @Test
    void anIdleClientIsClosedAfterTheTimeoutAndABusyOneIsNot() throws Exception {
        for (InetSocketAddress server : timed.both()) {
            try (RespConnection idle = RespConnection.open(server); RespConnection busy = RespConnection.open(server)) {
                assertThat(idle.call("PING")).isEqualTo(PONG);
                long start = System.nanoTime();
                // Redis checks every second for clients idle more than `timeout` seconds: closed within 3-4 s.
                idle.timeout(Duration.ofSeconds(10));
                while (System.nanoTime() - start < Duration.ofMillis(4500).toNanos()) {
                    assertThat(busy.call("PING")).isEqualTo(PONG);
                    Thread.sleep(200); // a client's think time: the point of the test is the gaps
                }
                assertThat(drainUntilClosed(idle)).as(name(server) + ": closed with no reply").isEmpty();
                assertThat(busy.call("PING")).isEqualTo(PONG);
            }
        }
    }

    /** tcp-keepalive 7: the kernel's keepalive timer on the server's end of the connection (/proc/net/tcp). */
    @Test
    void connectionsHaveTcpKeepaliveWithTheConfiguredInterval() throws Exception {
        for (InetSocketAddress server : limited.both()) {
            awaitAllClientsGone(server);
            try (RespConnection client = RespConnection.open(server)) {
                assertThat(client.call("PING")).isEqualTo(PONG);
                String timer = serverSideTimer(server.getPort(), client.socket().getLocalPort());
                // "02:<jiffies hex>": timer 2 (keepalive) due in at most 7 s (USER_HZ 100).
                assertThat(timer).as(name(server)).startsWith("02:");
                assertThat(Long.parseLong(timer.substring(3), 16)).isBetween(1L, 700L);
            }
        }
    }

    // ---------------------------------------------------------------- output buffer limits

    @Test
    void repliesPastTheHardOutputLimitCloseTheClientWithoutThem() throws Exception {
        // Built in pieces under the 1 MB query buffer limit: 3 x 600 KB.
        byte[] piece = new byte[600 * 1024];
        java.util.Arrays.fill(piece, (byte) 'o');
        for (InetSocketAddress server : limited.both()) {
            try (RespConnection writer = RespConnection.open(server)) {
                for (int i = 0; i < 3; i++) {
                    writer.send(bulkCommand("APPEND", "limits:big", piece));
                    assertThat(writer.readReplyString()).isEqualTo(":" + (i + 1) * piece.length + "\r\n");
                }
                writer.send(command("GET", "limits:big"));
                assertThat(drainUntilClosed(writer)).as(name(server) + ": closed, the 1.8 MB reply dropped").isEmpty();
            }
            try (RespConnection other = RespConnection.open(server)) {
                assertThat(other.call("DEL", "limits:big")).isEqualTo(":1\r\n");
            }
        }
        awaitClientMemory(limited, 0);
    }

    /**
     * A client that asks for 16 MB and reads nothing: the server's write blocks (the kernel's buffers
     * are full), more than the soft limit stays unsent for more than a second, and it is closed. On
     * the slave that also ends the connection thread's blocked write.
     */
    @Test
    void aClientThatReadsNothingIsClosedAtTheSoftOutputLimitAndOthersAreServedMeanwhile() throws Exception {
        byte[] value = new byte[16 * 1024 * 1024];
        java.util.Arrays.fill(value, (byte) 's');
        for (InetSocketAddress server : timed.both()) {
            try (RespConnection writer = RespConnection.open(server)) {
                writer.send(bulkCommand("SET", "limits:slow", value));
                assertThat(writer.readReplyString()).isEqualTo("+OK\r\n");
            }
            try (RespConnection sleeper = RespConnection.open(server, Duration.ofSeconds(10));
                 RespConnection other = RespConnection.open(server)) {
                sleeper.socket().setReceiveBufferSize(16 * 1024);
                sleeper.send(command("GET", "limits:slow"));
                long start = System.nanoTime();
                while (System.nanoTime() - start < Duration.ofMillis(2500).toNanos()) {
                    assertThat(other.call("PING")).isEqualTo(PONG);
                    Thread.sleep(200); // the sleeper reads nothing meanwhile: that is the test
                }
                // Only then does it read: part of the reply the kernel held, then the end.
                long received = countUntilClosed(sleeper);
                assertThat(received).as(name(server) + ": bytes before the close").isLessThan(value.length);
            }
            try (RespConnection after = RespConnection.open(server)) {
                assertThat(after.call("DEL", "limits:slow")).isEqualTo(":1\r\n");
            }
        }
        awaitClientMemory(timed, 0);
    }

    // ---------------------------------------------------------------- maxmemory-clients

    /**
     * A 20 MB request on a port whose clients may hold 8 MB together: that client is closed, with no
     * reply, as at the query buffer limit; a client with a 1 MB value is served meanwhile, and the
     * budget is whole again afterwards.
     */
    @Test
    void aRequestLargerThanTheClientMemoryLeftClosesThatClientOnly() throws Exception {
        byte[] piece = new byte[1024 * 1024];
        java.util.Arrays.fill(piece, (byte) 'm');
        try (RespConnection modest = RespConnection.open(budgeted.address());
             RespConnection greedy = RespConnection.open(budgeted.address())) {
            greedy.send(ascii("*3\r\n$3\r\nSET\r\n$10\r\nbudget:big\r\n$20000000\r\n"));
            for (int i = 0; i < 3; i++) {
                greedy.send(piece); // its buffer: 4 MB (it doubles as bytes arrive), half the budget
            }
            modest.send(bulkCommand("SET", "budget:small", piece));
            assertThat(modest.readReplyString()).isEqualTo("+OK\r\n");
            for (int i = 0; i < 17; i++) {
                sendIgnoringReset(greedy, piece); // at 8 MB its buffer would have to reach 16 MB
            }
            assertThat(drainUntilClosed(greedy)).as("closed, no reply").isEmpty();
            assertThat(modest.call("STRLEN", "budget:small")).isEqualTo(":" + piece.length + "\r\n");
            assertThat(modest.call("EXISTS", "budget:big")).isEqualTo(":0\r\n");
        }
        await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(20)).untilAsserted(() ->
                assertThat(budgeted.bean(ClientMemory.class).used()).as("client memory reserved").isZero());
    }

    // ---------------------------------------------------------------- helpers

    /** A fresh connection sends the bytes; returns all it gets until the server closes it; a bystander is unharmed. */
    private static String offend(InetSocketAddress server, byte[] bytes) throws IOException {
        try (RespConnection bystander = RespConnection.open(server)) {
            assertThat(bystander.call("PING")).isEqualTo(PONG);
            String got;
            try (RespConnection offender = RespConnection.open(server)) {
                sendIgnoringReset(offender, bytes);
                got = drainUntilClosed(offender);
            }
            assertThat(bystander.call("PING")).as("a bystander of the offence").isEqualTo(PONG);
            return got;
        }
    }

    /** The server may close while we still write (it stops reading at the error): that is not a failure. */
    private static void sendIgnoringReset(RespConnection c, byte[] bytes) {
        try {
            c.send(bytes);
        } catch (IOException e) {
            // closed by the server mid-write; what it wrote before is still readable
        }
    }

    /** Everything the server sends until it closes (a reset after its reply counts as closing). */
    static String drainUntilClosed(RespConnection c) throws IOException {
        ByteArrayOutputStream got = new ByteArrayOutputStream();
        InputStream in = c.socket().getInputStream();
        byte[] buf = new byte[8192];
        try {
            int n;
            while ((n = in.read(buf)) >= 0) {
                got.write(buf, 0, n);
            }
        } catch (SocketTimeoutException e) {
            throw new AssertionError("not closed by the server; received: " + got.toString(java.nio.charset.StandardCharsets.ISO_8859_1), e);
        } catch (IOException reset) {
            // Connection reset: Redis and the slave close with unread bytes pending, as Redis does
        }
        return got.toString(java.nio.charset.StandardCharsets.ISO_8859_1);
    }

    private static long countUntilClosed(RespConnection c) throws IOException {
        InputStream in = c.socket().getInputStream();
        byte[] buf = new byte[64 * 1024];
        long total = 0;
        try {
            int n;
            while ((n = in.read(buf)) >= 0) {
                total += n;
            }
        } catch (SocketTimeoutException e) {
            throw new AssertionError("not closed by the server after " + total + " bytes", e);
        } catch (IOException reset) {
            // closed by the server with unread bytes
        }
        return total;
    }

    private static byte[] bulkCommand(String name, String key, byte[] value) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(value.length + 64);
        out.writeBytes(ascii("*3\r\n$" + name.length() + "\r\n" + name + "\r\n$" + key.length() + "\r\n" + key
                + "\r\n$" + value.length + "\r\n"));
        out.writeBytes(value);
        out.writeBytes(ascii("\r\n"));
        return out.toByteArray();
    }

    /** Waits until only the probe is connected (connections of earlier tests may still be ending). */
    private static void awaitAllClientsGone(InetSocketAddress server) {
        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(50)).ignoreExceptions()
                .untilAsserted(() -> {
                    try (RespConnection probe = RespConnection.open(server)) {
                        assertThat(probe.infoLong("clients", "connected_clients")).isEqualTo(1);
                    }
                });
    }

    private static long clientMemory(Pair pair) {
        return pair.slave().bean(ClientMemory.class).used();
    }

    private static void awaitClientMemory(Pair pair, long bytes) {
        await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(20))
                .untilAsserted(() -> assertThat(clientMemory(pair)).as("client memory reserved").isEqualTo(bytes));
    }

    private String name(InetSocketAddress server) {
        return server.equals(defaults.redis().address()) || server.equals(limited.redis().address())
                || server.equals(timed.redis().address()) ? "redis-server" : "kvcache slave";
    }

    /**
     * The "tr:tm->when" of the server's end of a loopback connection, from /proc/net/tcp (or tcp6:
     * a JVM's sockets are IPv6 ones carrying IPv4-mapped addresses).
     */
    private static String serverSideTimer(int serverPort, int clientPort) throws IOException {
        String[][] forms = {
                {"/proc/net/tcp", "0100007F"},
                {"/proc/net/tcp6", "0000000000000000FFFF00000100007F"}};
        for (String[] form : forms) {
            String local = String.format(Locale.ROOT, "%s:%04X", form[1], serverPort);
            String remote = String.format(Locale.ROOT, "%s:%04X", form[1], clientPort);
            for (String line : Files.readAllLines(Path.of(form[0]))) {
                String[] f = line.trim().split("\\s+");
                if (f.length > 5 && f[1].equals(local) && f[2].equals(remote)) {
                    return f[5];
                }
            }
        }
        throw new AssertionError("no /proc/net/tcp{,6} entry for port " + serverPort + " <- " + clientPort);
    }
}
