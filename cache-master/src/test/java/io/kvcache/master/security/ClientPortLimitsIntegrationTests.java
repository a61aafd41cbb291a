package io.kvcache.master.security;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import io.kvcache.master.support.LocalCluster;
import io.kvcache.protocol.ClientMemory;
import io.kvcache.slave.compat.RedisServerProcess;

/**
 * The client port (6666) before and after AUTH, in protected mode, and at its output limit, against
 * a real redis-server configured alike: Redis's smaller limits for unauthenticated clients (the
 * fix of CVE-2021-32675), its DENIED refusal of non-loopback clients when no password is set, and
 * the hard output limit. Every server here listens on loopback only; a "remote" client is a local
 * socket bound to this machine's non-loopback address, which the kernel lets connect to 127.0.0.1.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class ClientPortLimitsIntegrationTests {

    private static final String PASSWORD = "limits-" + Long.toHexString(System.nanoTime());
    private static final String NOAUTH = "-NOAUTH Authentication required.\r\n";

    /** requirepass set, output hard limit 1 MB. */
    private static LocalCluster withPassword;
    private static RedisServerProcess redisWithPassword;
    /** No password: protected mode is in force (the default). */
    private static LocalCluster withoutPassword;
    private static RedisServerProcess redisWithoutPassword;

    @BeforeAll
    static void start() {
        redisWithPassword = RedisServerProcess.start("--requirepass", PASSWORD,
                "--client-output-buffer-limit", "normal 1mb 0 0");
        redisWithoutPassword = RedisServerProcess.start("--protected-mode", "yes");
        withPassword = LocalCluster.builder().shards(1).replicas(1)
                .masterArg("--kvcache.master.requirepass=" + PASSWORD)
                .masterArg("--kvcache.master.client-output-buffer-limit=1mb 0 0").start();
        withoutPassword = LocalCluster.builder().shards(1).replicas(1).start();
    }

    @AfterAll
    static void stop() {
        for (AutoCloseable c : new AutoCloseable[] {withPassword, withoutPassword, redisWithPassword,
                redisWithoutPassword}) {
            try {
                if (c != null) {
                    c.close();
                }
            } catch (Exception e) {
                // best effort
            }
        }
    }

    private static List<InetSocketAddress> passworded() {
        return List.of(redisWithPassword.address(), withPassword.clientAddress());
    }

    // ---------------------------------------------------------------- before AUTH

    @Test
    void beforeAuthACountOf1048577IsRefusedAtOnceWithoutWaitingForItsArguments() throws Exception {
        for (InetSocketAddress server : passworded()) {
            assertThat(exchange(server, "*1048577\r\n")).as(server.toString())
                    .isEqualTo("-ERR Protocol error: unauthenticated multibulk length\r\n");
        }
    }

    @Test
    void beforeAuthTenArgumentsAreAllowedAndElevenAreNot() throws Exception {
        for (InetSocketAddress server : passworded()) {
            try (Socket s = connect(server, null)) {
                write(s, multibulk("DEL", "1", "2", "3", "4", "5", "6", "7", "8", "9"));
                assertThat(readReply(s)).isEqualTo(NOAUTH);
                write(s, multibulk("DEL", "1", "2", "3", "4", "5", "6", "7", "8", "9", "10"));
                assertThat(readUntilClosed(s)).as(server.toString())
                        .isEqualTo("-ERR Protocol error: unauthenticated multibulk length\r\n");
            }
        }
    }

    @Test
    void beforeAuthBulksOf16KbAreAllowedAndOneByteMoreIsNot() throws Exception {
        String v16k = "v".repeat(16 * 1024);
        for (InetSocketAddress server : passworded()) {
            try (Socket s = connect(server, null)) {
                write(s, multibulk("SET", "k", v16k));
                assertThat(readReply(s)).isEqualTo(NOAUTH);
                write(s, ascii("*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$16385\r\n"));
                assertThat(readUntilClosed(s)).as(server.toString())
                        .isEqualTo("-ERR Protocol error: unauthenticated bulk length\r\n");
            }
        }
    }

    @Test
    void beforeAuthATwoGigabyteBulkHeaderIsAnInvalidBulkLengthAsForEveryone() throws Exception {
        for (InetSocketAddress server : passworded()) {
            assertThat(exchange(server, "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$2147483648\r\n")).as(server.toString())
                    .isEqualTo("-ERR Protocol error: invalid bulk length\r\n");
        }
    }

    /** Redis parses and runs one command at a time: an AUTH pipelined before a large request lifts the limits for it. */
    @Test
    void anAuthPipelinedBeforeALargeRequestLiftsTheLimitsForIt() throws Exception {
        ByteArrayOutputStream pipeline = new ByteArrayOutputStream();
        pipeline.writeBytes(multibulk("AUTH", PASSWORD));
        pipeline.writeBytes(multibulk("DEL", "a1", "a2", "a3", "a4", "a5", "a6", "a7", "a8", "a9", "a10", "a11"));
        pipeline.writeBytes(multibulk("ECHO", "x".repeat(20_000)));
        for (InetSocketAddress server : passworded()) {
            try (Socket s = connect(server, null)) {
                write(s, pipeline.toByteArray());
                assertThat(readReply(s)).isEqualTo("+OK\r\n");
                assertThat(readReply(s)).as(server.toString()).isEqualTo(":0\r\n");
                assertThat(readReply(s)).hasSize(20_000 + 10);
                write(s, ascii("*1048577\r\n$4\r\nPING\r\n"));
                s.setSoTimeout(300);
                assertThat(readNothing(s)).as("after AUTH, a count of 1048577 waits for its arguments").isTrue();
            }
        }
    }

    // ---------------------------------------------------------------- protected mode

    @Test
    void withoutAPasswordANonLoopbackClientGetsDeniedAsFromRedis() throws Exception {
        InetAddress remote = nonLoopbackAddress().orElse(null);
        Assumptions.assumeTrue(remote != null, "this machine has no non-loopback IPv4 address");
        String redisDenied = exchangeFrom(redisWithoutPassword.address(), remote, "PING\r\n");
        assertThat(redisDenied).startsWith("-DENIED Redis is running in protected mode");
        assertThat(exchangeFrom(withoutPassword.clientAddress(), remote, "PING\r\n")).isEqualTo(redisDenied);
        // A loopback client is served, and the refusal counted as Redis counts it.
        try (Socket local = connect(withoutPassword.clientAddress(), null)) {
            write(local, ascii("PING\r\n"));
            assertThat(readReply(local)).isEqualTo("+PONG\r\n");
            write(local, multibulk("INFO", "stats"));
            assertThat(readReply(local)).containsPattern("rejected_connections:[1-9]");
        }
    }

    @Test
    void withAPasswordANonLoopbackClientIsServedAndMustAuthenticate() throws Exception {
        InetAddress remote = nonLoopbackAddress().orElse(null);
        Assumptions.assumeTrue(remote != null, "this machine has no non-loopback IPv4 address");
        for (InetSocketAddress server : passworded()) {
            try (Socket s = connect(server, remote)) {
                write(s, ascii("PING\r\n"));
                assertThat(readReply(s)).as(server.toString()).isEqualTo(NOAUTH);
                write(s, multibulk("AUTH", PASSWORD));
                assertThat(readReply(s)).isEqualTo("+OK\r\n");
            }
        }
    }

    // ---------------------------------------------------------------- output limit

    /**
     * The shard's 1.8 MB reply passes the client's 1 MB hard limit: the master drops it as it arrives
     * and closes that client; the shared connection to the shard and the other clients are untouched.
     */
    @Test
    void aReplyPastTheHardOutputLimitClosesOnlyThatClient() throws Exception {
        String piece = "o".repeat(600 * 1024);
        for (InetSocketAddress server : passworded()) {
            try (Socket bystander = authenticated(server); Socket greedy = authenticated(server)) {
                for (int i = 1; i <= 3; i++) {
                    write(greedy, multibulk("APPEND", "limits:big", piece));
                    assertThat(readReply(greedy)).isEqualTo(":" + i * piece.length() + "\r\n");
                }
                write(greedy, multibulk("GET", "limits:big"));
                assertThat(readUntilClosed(greedy)).as(server + ": closed, the reply dropped").isEmpty();
                write(bystander, multibulk("STRLEN", "limits:big"));
                assertThat(readReply(bystander)).isEqualTo(":" + 3 * piece.length() + "\r\n");
                write(bystander, multibulk("DEL", "limits:big"));
                assertThat(readReply(bystander)).isEqualTo(":1\r\n");
            }
        }
        ClientMemory memory = withPassword.masterBean(ClientMemory.class);
        assertThat(memory.used()).as("the master's client memory, given back").isZero();
    }

    // ---------------------------------------------------------------- helpers

    private static Socket authenticated(InetSocketAddress server) throws IOException {
        Socket s = connect(server, null);
        write(s, multibulk("AUTH", PASSWORD));
        assertThat(readReply(s)).isEqualTo("+OK\r\n");
        return s;
    }

    /** Sends the bytes on a fresh connection and returns all the server sends until it closes. */
    private static String exchange(InetSocketAddress server, String request) throws IOException {
        return exchangeFrom(server, null, request);
    }

    private static String exchangeFrom(InetSocketAddress server, InetAddress source, String request)
            throws IOException {
        try (Socket s = connect(server, source)) {
            try {
                write(s, ascii(request));
            } catch (SocketException e) {
                // refused before we wrote: what it sent is still to be read
            }
            return readUntilClosed(s);
        }
    }

    static Socket connect(InetSocketAddress server, InetAddress source) throws IOException {
        Socket s = new Socket();
        s.setSoTimeout(10_000);
        s.setTcpNoDelay(true);
        if (source != null) {
            s.bind(new InetSocketAddress(source, 0));
        }
        s.connect(server, 10_000);
        return s;
    }

    static void write(Socket s, byte[] bytes) throws IOException {
        s.getOutputStream().write(bytes);
        s.getOutputStream().flush();
    }

    /** One complete reply (simple, error, integer or one bulk). */
    static String readReply(Socket s) throws IOException {
        InputStream in = s.getInputStream();
        String line = readLine(in);
        if (line.startsWith("$") && !line.startsWith("$-1")) {
            int n = Integer.parseInt(line.substring(1, line.length() - 2));
            byte[] body = in.readNBytes(n + 2);
            return line + new String(body, StandardCharsets.ISO_8859_1);
        }
        return line;
    }

    private static String readLine(InputStream in) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        int previous = -1;
        int b;
        while ((b = in.read()) >= 0) {
            line.write(b);
            if (previous == '\r' && b == '\n') {
                return line.toString(StandardCharsets.ISO_8859_1);
            }
            previous = b;
        }
        throw new IOException("closed in a reply: " + line.toString(StandardCharsets.ISO_8859_1));
    }

    static String readUntilClosed(Socket s) throws IOException {
        ByteArrayOutputStream got = new ByteArrayOutputStream();
        byte[] buf = new byte[8192];
        try {
            int n;
            while ((n = s.getInputStream().read(buf)) >= 0) {
                got.write(buf, 0, n);
            }
        } catch (SocketTimeoutException e) {
            throw new AssertionError("not closed by the server; got " + got.toString(StandardCharsets.ISO_8859_1));
        } catch (IOException reset) {
            // closed with our bytes unread: a reset, as Redis does it too
        }
        return got.toString(StandardCharsets.ISO_8859_1);
    }

    /** True when nothing arrives within the socket's timeout and the connection stays open. */
    private static boolean readNothing(Socket s) throws IOException {
        try {
            s.getInputStream().read();
            return false; // a byte, or the end of the stream
        } catch (SocketTimeoutException e) {
            return true;
        }
    }

    static byte[] multibulk(String... argv) {
        StringBuilder sb = new StringBuilder("*").append(argv.length).append("\r\n");
        for (String a : argv) {
            sb.append('$').append(a.length()).append("\r\n").append(a).append("\r\n");
        }
        return ascii(sb.toString());
    }

    static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    /** An IPv4 address of this machine that is not loopback (the kernel routes it to 127.0.0.1 locally). */
    static Optional<InetAddress> nonLoopbackAddress() throws SocketException {
        return NetworkInterface.networkInterfaces()
                .filter(i -> {
                    try {
                        return i.isUp() && !i.isLoopback();
                    } catch (SocketException e) {
                        return false;
                    }
                })
                .flatMap(NetworkInterface::inetAddresses)
                .filter(a -> a instanceof Inet4Address && !a.isLoopbackAddress() && !a.isLinkLocalAddress())
                .findFirst();
    }
}
