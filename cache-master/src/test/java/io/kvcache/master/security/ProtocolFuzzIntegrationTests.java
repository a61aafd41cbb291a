package io.kvcache.master.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.OptionalLong;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import javax.management.JMException;
import javax.management.ObjectName;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import io.kvcache.master.support.LocalCluster;
import io.kvcache.master.support.LocalCluster.SlaveMode;
import io.kvcache.master.support.SlaveNode;
import io.kvcache.protocol.ClientMemory;
import io.kvcache.slave.compat.RawRedisClient;
import io.kvcache.slave.compat.RespFuzzer;

/**
 * Fuzzes a slave's data port (a separate process) and the master's client port with seeded random
 * and mutated RESP and inline frames ({@link RespFuzzer}), from several connections at once, while
 * a well-behaved client works on the same port. Then: no process died; every fuzzing connection
 * was answered and closed within a second of its last byte (it half-closes, so the server sees the
 * end of its input); the well-behaved client got exactly the replies it should; no connection is
 * left behind; and the live heap (a class histogram after a full GC) is back at its baseline.
 * <p>
 * {@value #DEFAULT_FRAMES} frames per port in {@code ./mvnw verify}. Longer (docs/security.md has
 * a run of a million per port), or replaying a seed:
 * <pre>
 * ./mvnw -B -pl cache-master -am verify -Dtest=ProtocolFuzzIntegrationTests -Dsurefire.failIfNoSpecifiedTests=false \
 *     -Dkvcache.fuzz.frames=1000000 -Dkvcache.fuzz.seed=12345
 * </pre>
 */
@Timeout(value = 30, unit = TimeUnit.MINUTES)
class ProtocolFuzzIntegrationTests {

    static final String SEED_PROPERTY = "kvcache.fuzz.seed";
    static final String FRAMES_PROPERTY = "kvcache.fuzz.frames";
    static final long DEFAULT_SEED = 20_261_201L;
    /** Per port, in verify: about 15 s each on the development machine. */
    static final int DEFAULT_FRAMES = 100_000;
    /** Connections fuzzing at once, each with its own sequence (seed + its number). */
    static final int FUZZERS = 4;
    static final long HANG_NANOS = TimeUnit.SECONDS.toNanos(1);

    private static LocalCluster cluster;

    @BeforeAll
    static void start() {
        // A primary keeps up to backlog-size of its write stream by design: small, so the heap check sees leaks.
        LocalCluster.Builder builder = LocalCluster.builder().shards(1).replicas(1).slaveHeap("256m")
                .slaveArg("--kvcache.replication.backlog-size=1MB");
        if (LocalCluster.slaveExecJarAvailable()) {
            builder.slaveMode(SlaveMode.PROCESS);
        }
        cluster = builder.start();
    }

    @AfterAll
    static void stop() {
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    void aSlaveDataPortSurvivesTheFuzzer() throws Exception {
        SlaveNode slave = cluster.slave("slave1", "replica1");
        OptionalLong pid = slave.pid();
        LongSupplier heap = pid.isPresent() ? () -> liveHeap(pid.getAsLong()) : ProtocolFuzzIntegrationTests::ownLiveHeap;
        fuzz("slave data port", slave.dataAddress(), cluster.secret(), heap);
        assertThat(slave.isRunning()).as("the slave process is alive").isTrue();
    }

    @Test
    void theMastersClientPortSurvivesTheFuzzer() throws Exception {
        fuzz("master client port", cluster.clientAddress(), null, ProtocolFuzzIntegrationTests::ownLiveHeap);
        assertThat(cluster.masterRunning()).isTrue();
        assertThat(cluster.masterBean(ClientMemory.class).used()).as("client memory reservations left").isZero();
    }

    /**
     * @param password what the port's clients AUTH with (a slave's data port needs the cluster secret), or
     *                 null: the well-behaved clients authenticate, and most fuzzing connections too (the rest
     *                 fuzz what a port answers before AUTH)
     */
    private void fuzz(String target, InetSocketAddress address, String password, LongSupplier heapAfterGc)
            throws Exception {
        long seed = Long.getLong(SEED_PROPERTY, DEFAULT_SEED);
        int frames = Integer.getInteger(FRAMES_PROPERTY, DEFAULT_FRAMES);
        String replay = "replay: ./mvnw -B -pl cache-master -am verify -Dtest=ProtocolFuzzIntegrationTests"
                + " -Dsurefire.failIfNoSpecifiedTests=false -D" + SEED_PROPERTY + "=" + seed + " -D" + FRAMES_PROPERTY
                + "=" + frames;
        System.out.println("Fuzzing the " + target + " with " + frames + " frames, seed " + seed + " (" + replay + ")");

        try (RawRedisClient control = client(address, password)) {
            GoodClient warmUp = new GoodClient(address, password, 5000);
            warmUp.run();
            assertThat(warmUp.failures).isEmpty();
            System.out.printf("%s: well-behaved client alone: %d commands, p50 %.2f ms, p99 %.2f ms%n", target,
                    warmUp.commands(), warmUp.percentile(50), warmUp.percentile(99));
            control.call("FLUSHALL");
            long connectedBefore = connectedClients(control);
            long heapBefore = heapAfterGc.getAsLong();

            GoodClient good = new GoodClient(address, password, Long.MAX_VALUE);
            CompletableFuture<Void> goodRun = CompletableFuture.runAsync(good::run, r -> Thread.ofVirtual().start(r));
            List<String> hangs = Collections.synchronizedList(new ArrayList<>());
            AtomicLong sent = new AtomicLong();
            AtomicLong connections = new AtomicLong();
            long start = System.nanoTime();
            List<CompletableFuture<Void>> fuzzers = new ArrayList<>();
            for (int t = 0; t < FUZZERS; t++) {
                int thread = t;
                fuzzers.add(CompletableFuture.runAsync(() -> fuzzer(address, password, seed, thread, frames / FUZZERS, sent,
                        connections, hangs), r -> Thread.ofVirtual().name("fuzzer-" + thread).start(r)));
            }
            CompletableFuture.allOf(fuzzers.toArray(CompletableFuture[]::new)).get(25, TimeUnit.MINUTES);
            good.stop();
            goodRun.get(30, TimeUnit.SECONDS);
            double seconds = (System.nanoTime() - start) / 1e9;
            System.out.printf("%s: %d frames on %d connections in %.1f s; well-behaved client: %d commands, p50 %.2f ms,"
                            + " p99 %.2f ms, max %.2f ms%n", target, sent.get(), connections.get(), seconds,
                    good.commands(), good.percentile(50), good.percentile(99), good.percentile(100));

            assertThat(sent.get()).isGreaterThanOrEqualTo(frames - FUZZERS);
            assertThat(hangs).as("connections not closed within 1 s of their last byte (%s)", replay).isEmpty();
            assertThat(good.failures).as("the well-behaved client's wrong replies (%s)", replay).isEmpty();
            assertThat(good.commands()).isPositive();
            good.forgetLatencies(); // this JVM's heap is measured below

            try (RawRedisClient after = client(address, password)) {
                assertThat(new String(after.call("PING"), StandardCharsets.US_ASCII)).isEqualTo("+PONG\r\n");
            }
            control.call("FLUSHALL");
            await("every fuzzing connection gone").atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(100))
                    .until(() -> connectedClients(control) <= connectedBefore);
            long heapAfter = heapAfterGc.getAsLong();
            // Live objects only (class histograms after a full GC): measured growth is under 2 MB even after 285,000
            // connections (the primary's 1 MB backlog filling); state left per connection would be megabytes. A
            // fixed allowance: in ./mvnw verify this JVM also holds what earlier test classes left.
            long allowed = 6L << 20;
            System.out.printf("%s live heap: %d KB before, %d KB after%n", target, heapBefore >> 10,
                    heapAfter >> 10);
            assertThat(heapAfter).as("heap after the fuzz vs %d KB before (%s)", heapBefore >> 10, replay)
                    .isLessThanOrEqualTo(heapBefore + allowed);
        }
    }

    /**
     * One fuzzing thread: connection after connection, each sending 1-6 frames (in 1-3 writes) and
     * half-closing; a reader takes whatever comes back until the server closes.
     */
    private static void fuzzer(InetSocketAddress address, String password, long seed, int thread, int frames,
                               AtomicLong sent, AtomicLong connections, List<String> hangs) {
        RespFuzzer fuzzer = new RespFuzzer(seed * 1_000_003L + thread);
        SplittableRandom shape = new SplittableRandom(seed ^ (0x9E3779B97F4A7C15L * (thread + 1)));
        int done = 0;
        for (long connection = 0; done < frames && hangs.size() < 5; connection++) {
            int n = Math.min(frames - done, 1 + shape.nextInt(6));
            List<byte[]> batch = new ArrayList<>(n + 1);
            boolean authenticated = password != null && shape.nextInt(4) != 0;
            if (authenticated) {
                batch.add(RawRedisClient.encode(List.<byte[][]>of(new byte[][] {
                        "AUTH".getBytes(StandardCharsets.US_ASCII), password.getBytes(StandardCharsets.UTF_8)})));
            }
            for (int i = 0; i < n; i++) {
                batch.add(fuzzer.next());
            }
            done += n;
            sent.addAndGet(n);
            connections.incrementAndGet();
            String hang = exchange(address, batch, 1 + shape.nextInt(3));
            if (hang != null) {
                // The AUTH frame is named, not shown: the secret stays out of reports.
                hangs.add("fuzzer " + thread + ", connection " + connection + ": " + hang + "; frames"
                        + (authenticated ? " after AUTH <secret>: " : ": ")
                        + RespFuzzer.describe(authenticated ? batch.subList(1, batch.size()) : batch));
            }
            if (connection % 500 == 499) {
                cleanUp(address, password); // the fuzzer's lists and strings would otherwise only grow
            }
        }
    }

    /** @return null, or why the connection hung */
    private static String exchange(InetSocketAddress address, List<byte[]> frames, int writes) {
        try (Socket socket = new Socket()) {
            socket.setTcpNoDelay(true);
            socket.setSoTimeout(1000);
            socket.connect(address, 5000);
            ByteArrayOutputStream all = new ByteArrayOutputStream();
            frames.forEach(all::writeBytes);
            byte[] bytes = all.toByteArray();
            AtomicLong lastByte = new AtomicLong();
            AtomicBoolean writing = new AtomicBoolean(true);
            Thread writer = Thread.ofVirtual().start(() -> {
                try {
                    OutputStream out = socket.getOutputStream();
                    int step = Math.max(1, bytes.length / writes);
                    for (int off = 0; off < bytes.length; off += step) {
                        out.write(bytes, off, Math.min(step, bytes.length - off));
                        out.flush();
                    }
                    socket.shutdownOutput();
                } catch (IOException e) {
                    // the server closed (a protocol error stops its reading): fine
                } finally {
                    lastByte.set(System.nanoTime());
                    writing.set(false);
                }
            });
            InputStream in = socket.getInputStream();
            byte[] buf = new byte[64 * 1024];
            while (true) {
                try {
                    if (in.read(buf) < 0) {
                        break;
                    }
                } catch (SocketTimeoutException e) {
                    if (!writing.get() && System.nanoTime() - lastByte.get() > HANG_NANOS) {
                        writer.join();
                        return "still open " + (System.nanoTime() - lastByte.get()) / 1_000_000 + " ms after its last byte";
                    }
                } catch (IOException reset) {
                    break; // closed with bytes unread: a reset
                }
            }
            writer.join();
            return null;
        } catch (IOException e) {
            return "could not connect: " + e;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "interrupted";
        }
    }

    private static void cleanUp(InetSocketAddress address, String password) {
        try (RawRedisClient client = client(address, password)) {
            String[] del = new String[17];
            del[0] = "DEL";
            for (int i = 0; i < 16; i++) {
                del[i + 1] = "f:" + i;
            }
            client.call(del);
            client.call("DEL", "f:big");
        } catch (IOException e) {
            throw new AssertionError("the port refused a well-behaved cleanup", e);
        }
    }

    private static RawRedisClient client(InetSocketAddress address, String password) throws IOException {
        return password == null ? new RawRedisClient(address)
                : RawRedisClient.authenticated(address, RawRedisClient.DEFAULT_TIMEOUT, password);
    }

    private static long connectedClients(RawRedisClient client) throws IOException {
        String info = new String(client.call("INFO", "clients"), StandardCharsets.ISO_8859_1);
        Matcher m = Pattern.compile("connected_clients:(\\d+)").matcher(info);
        assertThat(m.find()).isTrue();
        return Long.parseLong(m.group(1));
    }

    /**
     * Live heap of another JVM: {@code jcmd GC.class_histogram} (which runs a full GC first) totals
     * every live object.
     */
    static long liveHeap(long pid) {
        String jcmd = java.nio.file.Path.of(System.getProperty("java.home"), "bin", "jcmd").toString();
        return liveBytes(run(jcmd, Long.toString(pid), "GC.class_histogram"));
    }

    /** The same for this JVM (the master runs here), through the DiagnosticCommand MBean: no attach to itself. */
    static long ownLiveHeap() {
        try {
            Object histogram = ManagementFactory.getPlatformMBeanServer().invoke(
                    new ObjectName("com.sun.management:type=DiagnosticCommand"), "gcClassHistogram",
                    new Object[] {new String[0]}, new String[] {String[].class.getName()});
            return liveBytes((String) histogram);
        } catch (JMException e) {
            throw new AssertionError("no class histogram of this JVM", e);
        }
    }

    /** A histogram's total, without the filler arrays the GC leaves in unused space (they are not objects of the program). */
    private static long liveBytes(String histogram) {
        Matcher total = Pattern.compile("(?m)^Total\\s+\\d+\\s+(\\d+)").matcher(histogram);
        assertThat(total.find()).as("class histogram: %s", histogram).isTrue();
        long live = Long.parseLong(total.group(1));
        Matcher filler = Pattern.compile("(?m)^\\s*\\d+:\\s+\\d+\\s+(\\d+)\\s+\\S*jdk\\.internal\\.vm\\.FillerElement")
                .matcher(histogram);
        while (filler.find()) {
            live -= Long.parseLong(filler.group(1));
        }
        return live;
    }

    private static String run(String... command) {
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
            return out;
        } catch (IOException e) {
            throw new AssertionError(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    /**
     * A client that knows what every reply must be: a counter, strings it wrote, a list it trims.
     * Its keys are {good}:*, which the fuzzer never names.
     */
    static final class GoodClient {
        private final InetSocketAddress address;
        private final String password;
        private final long limit;
        private volatile boolean stopped;
        final List<String> failures = Collections.synchronizedList(new ArrayList<>());
        private final ConcurrentLinkedQueue<Long> latencies = new ConcurrentLinkedQueue<>();

        GoodClient(InetSocketAddress address, String password, long limit) {
            this.address = address;
            this.password = password;
            this.limit = limit;
        }

        void stop() {
            stopped = true;
        }

        long commands() {
            return latencies.size();
        }

        void forgetLatencies() {
            latencies.clear();
        }

        double percentile(int p) {
            List<Long> sorted = new ArrayList<>(latencies);
            if (sorted.isEmpty()) {
                return 0;
            }
            Collections.sort(sorted);
            int i = Math.min(sorted.size() - 1, (int) Math.ceil(p / 100.0 * sorted.size()) - 1);
            return sorted.get(Math.max(0, i)) / 1e6;
        }

        void run() {
            try (RawRedisClient c = client(address, password)) {
                long counter = 0;
                expect(c, "+OK\r\n", "SET", "{good}:n", "0");
                call(c, "DEL", "{good}:l");
                for (long i = 0; !stopped && i < limit; i++) {
                    String key = "{good}:k" + (i % 100);
                    String value = "value-" + i;
                    expect(c, "+OK\r\n", "SET", key, value);
                    expect(c, "$" + value.length() + "\r\n" + value + "\r\n", "GET", key);
                    expect(c, ":" + (++counter) + "\r\n", "INCR", "{good}:n");
                    String element = Long.toString(i);
                    if (i % 50 == 49) {
                        expect(c, "+OK\r\n", "LTRIM", "{good}:l", "-1", "-1");
                    }
                    byte[] pushed = call(c, "RPUSH", "{good}:l", element);
                    if (pushed[0] != ':') {
                        failures.add("RPUSH answered " + new String(pushed, StandardCharsets.ISO_8859_1));
                    }
                    expect(c, "*1\r\n$" + element.length() + "\r\n" + element + "\r\n", "LRANGE", "{good}:l", "-1", "-1");
                    if (failures.size() > 10) {
                        return;
                    }
                }
            } catch (IOException e) {
                failures.add("the well-behaved client's connection failed: " + e);
            }
        }

        private void expect(RawRedisClient c, String expected, String... argv) throws IOException {
            String got = new String(call(c, argv), StandardCharsets.ISO_8859_1);
            if (!got.equals(expected)) {
                failures.add(String.join(" ", argv) + " answered " + got + " instead of " + expected);
            }
        }

        private byte[] call(RawRedisClient c, String... argv) throws IOException {
            long start = System.nanoTime();
            byte[] reply = c.call(argv);
            latencies.add(System.nanoTime() - start);
            return reply;
        }
    }
}
