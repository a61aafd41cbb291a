package io.kvcache.slave.replication;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import io.kvcache.command.Session;
import io.kvcache.protocol.Request;
import io.kvcache.protocol.RespWriter;
import io.kvcache.slave.support.RunningSlave;

/**
 * {@code GET /replication/log} over real HTTP, on a slave made primary by hand (its master is
 * unreachable): answered at once when there is stream to send, held without a servlet thread
 * until a write lands or the poll wait ends, refused to a replica the assignment does not list or
 * of another epoch, and to anyone without the cluster secret.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ReplicationLogIntegrationTests {

    private static final String SECRET = "log-test-secret";
    private static final int REPLICAS = 10;
    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    private static RunningSlave slave;
    private static ReplicationManager manager;
    private static String base;

    @BeforeAll
    static void startAPrimary() {
        int nowhere = unusedPort();
        // Four servlet threads for ten held polls: a held poll must not take one.
        slave = RunningSlave.start("--kvcache.slave.master=127.0.0.1:" + nowhere, "--kvcache.cluster.secret=" + SECRET,
                "--kvcache.replication.poll-wait=2s", "--kvcache.replication.timeout=16s",
                "--server.tomcat.threads.max=4", "--server.tomcat.threads.min-spare=1");
        manager = slave.bean(ReplicationManager.class);
        StringBuilder replicas = new StringBuilder();
        for (int i = 2; i < 2 + REPLICAS; i++) {
            replicas.append(replicas.isEmpty() ? "" : ",").append("replica").append(i).append("@127.0.0.1:")
                    .append(nowhere);
        }
        manager.assign(Assignment.parse("1 primary replica1 127.0.0.1:" + slave.httpPort() + " " + replicas));
        base = "http://127.0.0.1:" + slave.httpPort();
    }

    @AfterAll
    static void stop() {
        if (slave != null) {
            slave.close();
        }
    }

    @Test
    void aPollIsAnsweredAtOnceWithTheStreamAfterItsOffset() throws Exception {
        long from = manager.state().offset();
        write("SET", "at-once", "v");
        long start = System.nanoTime();
        HttpResponse<byte[]> r = poll("replica2", 1, replid(), from);
        assertThat(millisSince(start)).as("not held").isLessThan(1500);
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).isEqualTo(Request.of("SET", "at-once", "v").encode());
        assertThat(r.headers().firstValue("X-Kvcache-Offset")).contains(Long.toString(from));
        assertThat(r.headers().firstValue("X-Kvcache-Replid")).contains(replid());
        assertThat(r.headers().firstValue("X-Kvcache-Epoch")).contains("1");
    }

    @Test
    void aPollWithNothingNewIsHeldThenAnsweredEmptyWhenThePollWaitEnds() throws Exception {
        long start = System.nanoTime();
        HttpResponse<byte[]> r = poll("replica3", 1, replid(), manager.state().offset());
        assertThat(millisSince(start)).isBetween(1950L, 8000L);
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).isEmpty();
    }

    @Test
    void aHeldPollIsAnsweredAsSoonAsAWriteLands() throws Exception {
        long end = manager.state().offset();
        long start = System.nanoTime();
        CompletableFuture<HttpResponse<byte[]>> held = pollAsync("replica4", 1, replid(), end);
        Thread.sleep(150);
        assertThat(held).isNotDone();
        write("INCR", "landed");
        HttpResponse<byte[]> r = held.get(5, TimeUnit.SECONDS);
        assertThat(millisSince(start)).as("well before the poll wait ends").isLessThan(1500);
        assertThat(r.body()).isEqualTo(Request.of("INCR", "landed").encode());
    }

    @Test
    void heldPollsTakeNoServletThread() throws Exception {
        long end = manager.state().offset();
        List<CompletableFuture<HttpResponse<byte[]>>> held = new ArrayList<>();
        for (int i = 2; i < 2 + REPLICAS; i++) {
            held.add(pollAsync("replica" + i, 1, replid(), end));
        }
        Thread.sleep(200);
        long start = System.nanoTime();
        HttpResponse<String> state = HTTP.send(HttpRequest.newBuilder(URI.create(base + "/replication/state"))
                .header("X-Kvcache-Secret", SECRET).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(state.statusCode()).isEqualTo(200);
        assertThat(millisSince(start)).as("answered while ten polls are held on four threads").isLessThan(1200);
        for (CompletableFuture<HttpResponse<byte[]>> f : held) {
            assertThat(f.get(5, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
        }
    }

    @Test
    void pollsOfAnotherEpochOrFromAReplicaNotAssignedAreRefused() throws Exception {
        HttpResponse<byte[]> stale = poll("replica5", 0, replid(), 0);
        assertThat(stale.statusCode()).isEqualTo(409);
        assertThat(stale.headers().firstValue("X-Kvcache-Reason")).contains("stale-epoch");
        assertThat(stale.headers().firstValue("X-Kvcache-Epoch")).contains("1");
        HttpResponse<byte[]> stranger = poll("replica99", 1, replid(), 0);
        assertThat(stranger.statusCode()).isEqualTo(409);
        assertThat(stranger.headers().firstValue("X-Kvcache-Reason")).contains("unknown-replica");
        assertThat(manager.isPrimary()).isTrue();
    }

    @Test
    void aPollWithoutTheClusterSecretIsForbidden() throws Exception {
        HttpResponse<byte[]> r = HTTP.send(HttpRequest.newBuilder(URI.create(base
                + "/replication/log?replica=replica2&epoch=1&offset=0&replid=" + replid())).GET().build(),
                HttpResponse.BodyHandlers.ofByteArray());
        assertThat(r.statusCode()).isEqualTo(403);
        assertThat(r.body()).isEmpty();
    }

    private static HttpResponse<byte[]> poll(String replica, long epoch, String replid, long offset) throws Exception {
        return pollAsync(replica, epoch, replid, offset).get(10, TimeUnit.SECONDS);
    }

    private static CompletableFuture<HttpResponse<byte[]>> pollAsync(String replica, long epoch, String replid,
                                                                     long offset) {
        URI uri = URI.create(base + "/replication/log?replica=" + replica + "&epoch=" + epoch + "&offset=" + offset
                + "&replid=" + replid);
        return HTTP.sendAsync(HttpRequest.newBuilder(uri).header("X-Kvcache-Secret", SECRET)
                .timeout(Duration.ofSeconds(10)).GET().build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    /** A write, not waiting for its acknowledgement (the replicas here are these tests' polls). */
    private static void write(String... argv) {
        RespWriter out = new RespWriter();
        manager.execute(List.of(Request.of(argv)), new Session(0, "test", "test").internal(), out, () -> {
        });
        assertThat(out.toString()).doesNotStartWith("-");
    }

    private static String replid() {
        return manager.state().replid();
    }

    private static long millisSince(long start) {
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
    }

    private static int unusedPort() {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
