package io.kvcache.slave.replication;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.awaitility.Awaitility;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import io.kvcache.command.Session;
import io.kvcache.protocol.ClientMemory;
import io.kvcache.protocol.Request;
import io.kvcache.protocol.RespWriter;
import io.kvcache.slave.support.FreePorts;
import io.kvcache.slave.support.RunningSlave;

/**
 * {@code GET /replication/stream} over real HTTP and REPLCONF ACK on the data port, through the
 * replica's own {@link ReplicationClient}, on a slave made primary by hand (its master is
 * unreachable): the stream starts with what follows the replica's offset, then carries each write
 * as it lands and a heartbeat while idle; acknowledgements (REPLCONF ACK) release the
 * writes waiting for them; a replica the assignment does not list, another epoch, and anyone
 * without the cluster secret are refused.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ReplicationStreamIntegrationTests {

    private static final String SECRET = "stream-test-secret";
    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    private static RunningSlave slave;
    private static ReplicationManager manager;
    private static ReplicationClient client;
    private static URI base;
    private static int nowhere;

    @BeforeAll
    static void startAPrimary() {
        nowhere = FreePorts.next();
        slave = RunningSlave.start("--kvcache.slave.master=127.0.0.1:" + nowhere, "--kvcache.cluster.secret=" + SECRET,
                "--kvcache.replication.heartbeat=2s", "--kvcache.replication.timeout=16s");
        manager = slave.bean(ReplicationManager.class);
        base = URI.create("http://127.0.0.1:" + slave.httpPort());
        client = new ReplicationClient(SECRET, Duration.ofSeconds(16));
    }

    /** Fresh replicas for each test: the assignment without any, then with replica2 and replica3. */
    @BeforeEach
    void assignReplicas() {
        String self = "1 primary replica1 127.0.0.1:" + slave.httpPort();
        manager.assign(Assignment.parse(self + " -"));
        manager.assign(Assignment.parse(self + " replica2@127.0.0.1:" + nowhere + ",replica3@127.0.0.1:" + nowhere));
    }

    @AfterAll
    static void stop() {
        if (client != null) {
            client.close();
        }
        if (slave != null) {
            slave.close();
        }
    }

    @Test
    void aStreamStartsWithWhatFollowsItsOffsetThenCarriesEachWriteAsItLands() throws Exception {
        long from = manager.state().offset();
        write("SET", "at-once", "v");
        try (ReplicationClient.StreamReader stream = client.openStream(base, "replica2", 1, replid(), from);
             ReplicationClient.AckWriter acks = client.openAcks(base, stream, "replica2")) {
            assertThat(stream.start().status()).isEqualTo(200);
            assertThat(stream.start().offset()).isEqualTo(from);
            assertThat(stream.start().replid()).isEqualTo(replid());
            assertThat(stream.start().epoch()).isOne();
            assertThat(stream.session()).isPositive();
            assertThat(frame(stream)).isEqualTo(Request.of("SET", "at-once", "v").encode());
            acks.send(manager.state().offset());

            long start = System.nanoTime();
            write("APPEND", "landed", "x");
            assertThat(frame(stream)).isEqualTo(Request.of("APPEND", "landed", "x").encode());
            assertThat(millisSince(start)).as("sent as it landed, not at the 2 s heartbeat").isLessThan(1500);
        }
    }

    /** One frame in flight: what lands before the replica acknowledged the last ships in the next. */
    @Test
    void writesLandingWhileAFrameIsUnacknowledgedShipTogetherOnceItIs() throws Exception {
        long from = manager.state().offset();
        try (ReplicationClient.StreamReader stream = client.openStream(base, "replica2", 1, replid(), from);
             ReplicationClient.AckWriter acks = client.openAcks(base, stream, "replica2")) {
            write("SET", "first", "1");
            assertThat(frame(stream)).isEqualTo(Request.of("SET", "first", "1").encode());
            long firstFrameEnd = manager.state().offset();
            write("SET", "second", "2");
            write("SET", "third", "3");
            long start = System.nanoTime();
            acks.send(firstFrameEnd);
            ByteArrayOutputStream both = new ByteArrayOutputStream();
            both.write(Request.of("SET", "second", "2").encode());
            both.write(Request.of("SET", "third", "3").encode());
            assertThat(frame(stream)).isEqualTo(both.toByteArray());
            assertThat(millisSince(start)).as("sent on the acknowledgement, not at the 2 s heartbeat").isLessThan(1500);
        }
    }

    @Test
    void acknowledgementsOnTheOpenRequestReleaseTheWritesWaitingForThem() throws Exception {
        long end = manager.state().offset();
        try (ReplicationClient.StreamReader stream = client.openStream(base, "replica2", 1, replid(), end);
             ReplicationClient.AckWriter acks = client.openAcks(base, stream, "replica2")) {
            acks.send(end);
            assertThat(manager.links().get("replica2").get("state")).isEqualTo("streaming");
            for (int i = 0; i < 3; i++) {
                CountDownLatch answered = new CountDownLatch(1);
                RespWriter out = write(answered, "SET", "acked", Integer.toString(i));
                assertThat(frame(stream)).isEqualTo(Request.of("SET", "acked", Integer.toString(i)).encode());
                assertThat(answered.getCount()).as("the replica has not acknowledged it").isOne();
                acks.send(manager.state().offset());
                assertThat(answered.await(5, TimeUnit.SECONDS)).as("released by the acknowledgement").isTrue();
                assertThat(out.toString()).isEqualTo("+OK\r\n");
            }
        }
    }

    @Test
    void anIdleStreamCarriesAHeartbeat() throws Exception {
        try (ReplicationClient.StreamReader stream = client.openStream(base, "replica3", 1, replid(),
                manager.state().offset())) {
            long start = System.nanoTime();
            assertThat(frame(stream)).isEmpty();
            assertThat(millisSince(start)).isBetween(1900L, 10_000L);
        }
    }

    @Test
    void streamsOfAnotherEpochOrFromAReplicaNotAssignedAreRefused() throws Exception {
        try (ReplicationClient.StreamReader stale = client.openStream(base, "replica2", 0, replid(), 0)) {
            assertThat(stale.start().status()).isEqualTo(409);
            assertThat(stale.start().reason()).isEqualTo("stale-epoch");
            assertThat(stale.start().epoch()).isOne();
        }
        try (ReplicationClient.StreamReader stranger = client.openStream(base, "replica99", 1, replid(), 0)) {
            assertThat(stranger.start().reason()).isEqualTo("unknown-replica");
        }
        assertThat(manager.isPrimary()).isTrue();
    }

    @Test
    void anAcknowledgementForASessionNotOpenIsIgnoredAndOneBeyondWhatWasSentEndsTheSession() throws Exception {
        try (Socket data = authenticated()) {
            // REPLCONF ACK gets no reply, as in Redis: the PING's is the first thing back.
            data.getOutputStream().write(command("REPLCONF", "ACK", "0", "replica2", "999"));
            data.getOutputStream().write(command("PING"));
            assertThat(new String(data.getInputStream().readNBytes(7), StandardCharsets.US_ASCII))
                    .isEqualTo("+PONG\r\n");
        }
        long end = manager.state().offset();
        try (ReplicationClient.StreamReader stream = client.openStream(base, "replica2", 1, replid(), end);
             ReplicationClient.AckWriter acks = client.openAcks(base, stream, "replica2")) {
            acks.send(end + 1_000_000);
            int[] length = new int[1];
            byte[] buffer = new byte[1024];
            while (buffer != null) { // heartbeats, then the end
                buffer = stream.nextFrame(buffer, 0, length);
            }
        }
    }

    @Test
    void neitherStreamNorAcknowledgementsWithoutTheClusterSecret() throws Exception {
        HttpResponse<byte[]> stream = HTTP.send(HttpRequest.newBuilder(base.resolve(
                "/replication/stream?replica=replica2&epoch=1&offset=0&replid=" + replid())).GET().build(),
                HttpResponse.BodyHandlers.ofByteArray());
        assertThat(stream.statusCode()).isEqualTo(403);
        assertThat(stream.body()).isEmpty();
        try (Socket data = new Socket("127.0.0.1", slave.port())) {
            data.getOutputStream().write(command("REPLCONF", "ACK", "9", "replica2", "1"));
            assertThat(new String(data.getInputStream().readNBytes(34), StandardCharsets.US_ASCII))
                    .isEqualTo("-NOAUTH Authentication required.\r\n");
        }
    }

    /**
     * A frame leaves as one HTTP chunk (and so, with Tomcat's socket buffer sized for it, one socket
     * write): the response's default 8 KiB buffer cut a 20 KiB frame into three chunks, and the
     * replica often woke for the first and read again for the rest.
     */
    @Test
    void aFrameOfTwentyKibLeavesAsOneChunk() throws Exception {
        long end = manager.state().offset();
        try (Socket http = new Socket("127.0.0.1", slave.httpPort())) {
            http.setSoTimeout(10_000);
            http.getOutputStream().write(("GET /replication/stream?replica=replica2&epoch=1&offset=" + end
                    + "&replid=" + replid() + " HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Kvcache-Secret: " + SECRET
                    + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            InputStream in = http.getInputStream();
            String head = line(in);
            assertThat(head).startsWith("HTTP/1.1 200");
            for (String header = line(in); !header.isEmpty(); header = line(in)) {
                if (header.regionMatches(true, 0, "Transfer-Encoding:", 0, 18)) {
                    assertThat(header).containsIgnoringCase("chunked");
                }
            }
            String value = "v".repeat(20 * 1024);
            write("SET", "twenty-kib", value);
            int frame = Request.of("SET", "twenty-kib", value).encode().length;
            assertThat(Integer.parseInt(line(in), 16)).as("one chunk: the frame's length and the frame")
                    .isEqualTo(4 + frame);
        }
    }

    /** A line of an HTTP head or a chunk's size, without its CRLF. */
    private static String line(InputStream in) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        for (int b = in.read(); b != '\n'; b = in.read()) {
            assertThat(b).as("the connection stays open").isNotNegative();
            if (b != '\r') {
                line.write(b);
            }
        }
        return line.toString(StandardCharsets.US_ASCII);
    }

    private static Socket authenticated() throws IOException {
        Socket s = new Socket("127.0.0.1", slave.port());
        s.setSoTimeout(10_000);
        s.getOutputStream().write(command("AUTH", SECRET));
        assertThat(new String(s.getInputStream().readNBytes(5), StandardCharsets.US_ASCII)).isEqualTo("+OK\r\n");
        return s;
    }

    private static byte[] command(String... args) {
        StringBuilder b = new StringBuilder("*").append(args.length).append("\r\n");
        for (String a : args) {
            b.append('$').append(a.length()).append("\r\n").append(a).append("\r\n");
        }
        return b.toString().getBytes(StandardCharsets.US_ASCII);
    }

    /**
     * A client that pipelines far faster than its writes are acknowledged (redis-cli --pipe) waits
     * in its socket, not in this process's heap: with a batch in flight the connection reads ahead
     * only a little (RespNioConnection.READ_AHEAD_LIMIT), and everything is answered once the
     * replica acknowledges. Without that limit the data port read the whole flood into memory
     * (found by bench/rebalance.sh, whose 2,000,000 piped SETs filled a master's 1 GB heap).
     */
    @Test
    void aClientFloodingWritesThatWaitForTheReplicaIsNotReadIntoMemory() throws Exception {
        byte[] set = "*3\r\n$3\r\nSET\r\n$5\r\nflood\r\n$5\r\nvalue\r\n".getBytes(StandardCharsets.US_ASCII);
        int commands = 32 * 1024 * 1024 / set.length;
        ClientMemory memory = slave.bean(ClientMemory.class);
        long end = manager.state().offset();
        try (ReplicationClient.StreamReader stream = client.openStream(base, "replica2", 1, replid(), end);
             ReplicationClient.AckWriter acks = client.openAcks(base, stream, "replica2");
             Socket flooder = new Socket("127.0.0.1", slave.port())) {
            acks.send(end);
            OutputStream out = flooder.getOutputStream();
            InputStream in = flooder.getInputStream();
            authenticate(out, in);
            AtomicLong written = new AtomicLong();
            AtomicLong replied = new AtomicLong();
            Thread writer = Thread.ofVirtual().start(() -> {
                try {
                    for (int i = 0; i < commands; i++) {
                        out.write(set);
                        written.addAndGet(set.length);
                    }
                } catch (IOException e) {
                    // the counts below fail the test
                }
            });
            Thread reader = Thread.ofVirtual().start(() -> {
                byte[] b = new byte[64 * 1024];
                try {
                    for (int n = in.read(b); n > 0; n = in.read(b)) {
                        replied.addAndGet(n);
                    }
                } catch (IOException e) {
                    // closed at the end
                }
            });

            // Every write waits for replica2, which does not acknowledge: the writer stalls once the
            // kernel's buffers are full, since the data port stopped reading.
            Awaitility.await("the flood stalls").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(300))
                    .until(new java.util.concurrent.Callable<>() {
                        long last = -1;

                        @Override
                        public Boolean call() {
                            long now = written.get();
                            boolean stalled = now == last && now > 0;
                            last = now;
                            return stalled;
                        }
                    });
            assertThat(written.get()).as("bytes the client could send while its batch waited")
                    .isLessThan(commands * (long) set.length / 2);
            assertThat(memory.used()).as("client memory held beyond each connection's free share").isZero();

            // replica2 acknowledges as the stream comes: the whole flood is read and answered.
            long offset = end;
            while (replied.get() < commands * 5L) {
                int[] length = new int[1];
                byte[] buffer = stream.nextFrame(new byte[64 * 1024], 0, length);
                assertThat(buffer).as("the stream goes on").isNotNull();
                offset += length[0];
                acks.send(offset);
            }
            assertThat(writer.join(Duration.ofSeconds(10))).isTrue();
            assertThat(written.get()).isEqualTo(commands * (long) set.length);
            flooder.close();
            reader.join(Duration.ofSeconds(5));
        }
    }

    /**
     * Writes through the data port: the I/O loop writes small frames to the stream itself at the
     * end of its turn, and leaves larger ones (a value over {@link ReplicationManager#INLINE_FRAME_MAX})
     * to the servlet thread. Whoever writes, the stream carries every write once, in order.
     */
    @Test
    void framesFromTheDataPortsLoopAndFromTheStreamerKeepTheWritesInOrder() throws Exception {
        String big = "v".repeat(ReplicationManager.INLINE_FRAME_MAX + 1000);
        ByteArrayOutputStream expected = new ByteArrayOutputStream();
        ByteArrayOutputStream pipeline = new ByteArrayOutputStream();
        int commands = 3000;
        for (int i = 0; i < commands; i++) {
            Request r = i % 500 == 250 ? Request.of("SET", "big" + i, big) : Request.of("RPUSH", "ordered" + (i % 7), "e" + i);
            expected.write(r.encode());
            pipeline.write(r.encode());
        }
        long end = manager.state().offset();
        try (ReplicationClient.StreamReader stream = client.openStream(base, "replica2", 1, replid(), end);
             ReplicationClient.AckWriter acks = client.openAcks(base, stream, "replica2");
             Socket writer = new Socket("127.0.0.1", slave.port())) {
            acks.send(end);
            OutputStream out = writer.getOutputStream();
            InputStream in = writer.getInputStream();
            authenticate(out, in);
            // In slices, so that the data port runs many batches while frames are out.
            Thread sender = Thread.ofVirtual().start(() -> {
                byte[] bytes = pipeline.toByteArray();
                try {
                    for (int at = 0; at < bytes.length; at += 1500) {
                        out.write(bytes, at, Math.min(1500, bytes.length - at));
                        out.flush();
                    }
                } catch (IOException e) {
                    // the comparison below fails the test
                }
            });
            ByteArrayOutputStream streamed = new ByteArrayOutputStream();
            while (streamed.size() < expected.size()) {
                byte[] frame = frame(stream);
                streamed.write(frame);
                acks.send(end + streamed.size());
            }
            assertThat(sender.join(Duration.ofSeconds(10))).isTrue();
            assertThat(streamed.toByteArray()).isEqualTo(expected.toByteArray());
        }
    }

    /** AUTH on a raw connection to the data port, which needs the cluster secret. */
    private static void authenticate(OutputStream out, InputStream in) throws IOException {
        out.write(("*2\r\n$4\r\nAUTH\r\n$" + SECRET.length() + "\r\n" + SECRET + "\r\n")
                .getBytes(StandardCharsets.US_ASCII));
        assertThat(new String(in.readNBytes(5), StandardCharsets.US_ASCII)).isEqualTo("+OK\r\n");
    }

    private static byte[] frame(ReplicationClient.StreamReader stream) throws IOException {
        int[] length = new int[1];
        byte[] buffer = stream.nextFrame(new byte[16], 0, length);
        assertThat(buffer).as("the stream goes on").isNotNull();
        return java.util.Arrays.copyOf(buffer, length[0]);
    }

    /** A write, not waiting for its acknowledgement (the replicas here are these tests' streams). */
    private static void write(String... argv) {
        write(new CountDownLatch(1), argv);
    }

    private static RespWriter write(CountDownLatch answered, String... argv) {
        RespWriter out = new RespWriter();
        manager.execute(List.of(Request.of(argv)), new Session(0, "test", "test").internal(), out, answered::countDown);
        return out;
    }

    private static String replid() {
        return manager.state().replid();
    }

    private static long millisSince(long start) {
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
    }
}
