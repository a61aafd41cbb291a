package io.kvcache.master.upstream;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import io.kvcache.io.IoLoops;
import io.kvcache.protocol.Request;

/** The master's links to a slave, against a scripted slave on a real socket. */
class UpstreamPoolTests {

    private static final byte[] LOST = UpstreamLink.CONNECTION_LOST;

    private final IoLoops loops = new IoLoops("test-io", 2);
    private final List<Socket> accepted = new CopyOnWriteArrayList<>();
    private ServerSocket server;

    @AfterEach
    void close() throws IOException {
        loops.close();
        for (Socket s : accepted) {
            s.close();
        }
        if (server != null) {
            server.close();
        }
    }

    /** A slave that answers each request with ":n" (n counting per connection), or nothing when mute. */
    private InetSocketAddress slave(boolean mute, String firstReply) throws IOException {
        server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread.ofVirtual().start(() -> {
            while (!server.isClosed()) {
                try {
                    Socket s = server.accept();
                    accepted.add(s);
                    Thread.ofVirtual().start(() -> answer(s, mute, firstReply));
                } catch (IOException e) {
                    return;
                }
            }
        });
        return new InetSocketAddress(InetAddress.getLoopbackAddress(), server.getLocalPort());
    }

    /** Counts requests by their leading '*' (every test request is a small multibulk with no '*' inside). */
    private static void answer(Socket s, boolean mute, String firstReply) {
        try (InputStream in = s.getInputStream(); OutputStream out = s.getOutputStream()) {
            int n = 0;
            int b;
            while ((b = in.read()) >= 0) {
                if (b == '*' && !mute) {
                    String reply = n == 0 && firstReply != null ? firstReply : ":" + n + "\r\n";
                    n++;
                    out.write(reply.getBytes(StandardCharsets.US_ASCII));
                    out.flush();
                }
            }
        } catch (IOException e) {
            // closed by the test
        }
    }

    private UpstreamPool pool(InetSocketAddress address, long replyTimeoutMillis, byte[] greeting) {
        return new UpstreamPool("slave1/replica1", address,
                new UpstreamSettings(loops, 1000, replyTimeoutMillis, greeting), new UpstreamStats());
    }

    @Test
    void repliesCompleteTheirRequestsInOrderOverOneLinkPerLoop() throws Exception {
        UpstreamPool pool = pool(slave(false, null), 10_000, null);
        ReplyGroup group = new ReplyGroup();
        List<PendingReply> replies = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            Request r = Request.of("GET", "k" + i);
            PendingReply p = group.expect(r, "slave1");
            replies.add(p);
            pool.send(7, r.encode(), p); // from outside the loops: all through client 7's loop, in order
        }
        assertThat(group.await(5, TimeUnit.SECONDS)).isTrue();
        for (int i = 0; i < replies.size(); i++) {
            assertThat(new String(replies.get(i).reply(), StandardCharsets.US_ASCII)).isEqualTo(":" + i + "\r\n");
        }
        assertThat(accepted).hasSize(1);

        ReplyGroup other = new ReplyGroup();
        PendingReply p = other.expect(Request.of("PING"), "slave1");
        pool.send(8, Request.of("PING").encode(), p); // the other loop opens its own link
        assertThat(other.await(5, TimeUnit.SECONDS)).isTrue();
        assertThat(new String(p.reply(), StandardCharsets.US_ASCII)).isEqualTo(":0\r\n");
        assertThat(accepted).hasSize(2);
    }

    @Test
    void aDeferredGroupRunsItsCallbackOnceTheLastReplyArrives() throws Exception {
        UpstreamPool pool = pool(slave(false, null), 10_000, null);
        ReplyGroup group = ReplyGroup.deferred(Long.MAX_VALUE, io.kvcache.protocol.ClientMemory.UNLIMITED);
        List<PendingReply> replies = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            PendingReply p = group.expect(Request.of("PING"), "slave1");
            replies.add(p);
            pool.send(1, Request.of("PING").encode(), p);
        }
        AtomicInteger calls = new AtomicInteger();
        java.util.concurrent.CompletableFuture<List<String>> done = new java.util.concurrent.CompletableFuture<>();
        group.whenComplete(() -> {
            calls.incrementAndGet();
            done.complete(replies.stream().map(r -> new String(r.reply(), StandardCharsets.US_ASCII)).toList());
        });
        assertThat(done.get(5, TimeUnit.SECONDS)).containsExactly(":0\r\n", ":1\r\n", ":2\r\n");
        assertThat(calls.get()).isEqualTo(1);
    }

    @Test
    void aSlaveThatStopsAnsweringFailsItsRequestsAfterTheReplyTimeout() throws Exception {
        UpstreamPool pool = pool(slave(true, null), 300, null);
        ReplyGroup group = new ReplyGroup();
        PendingReply p = group.expect(Request.of("GET", "k"), "slave1");
        long start = System.nanoTime();
        pool.send(1, Request.of("GET", "k").encode(), p);
        assertThat(group.await(5, TimeUnit.SECONDS)).isTrue();
        assertThat(p.reply()).isEqualTo(LOST);
        assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).isBetween(250L, 3000L);
    }

    @Test
    void aLostConnectionFailsWhatWaitsAndTheNextRequestOpensANewLink() throws Exception {
        UpstreamPool pool = pool(slave(true, null), 10_000, null);
        ReplyGroup group = new ReplyGroup();
        PendingReply p = group.expect(Request.of("GET", "k"), "slave1");
        pool.send(1, Request.of("GET", "k").encode(), p);
        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(5)).until(() -> accepted.size() == 1);
        accepted.getFirst().close(); // the slave goes away with the request unanswered
        assertThat(group.await(5, TimeUnit.SECONDS)).isTrue();
        assertThat(p.reply()).isEqualTo(LOST);

        ReplyGroup again = new ReplyGroup();
        PendingReply q = again.expect(Request.of("GET", "k"), "slave1");
        pool.send(1, Request.of("GET", "k").encode(), q);
        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(5)).until(() -> accepted.size() == 2);
        pool.close();
        assertThat(again.await(5, TimeUnit.SECONDS)).isTrue();
        assertThat(q.reply()).as("a closed pool answers what waits").isEqualTo(LOST);
    }

    @Test
    void aRefusedGreetingBreaksTheLink() throws Exception {
        byte[] auth = Request.of("AUTH", "wrong").encode();
        UpstreamPool pool = pool(slave(false, "-WRONGPASS invalid username-password pair or user is disabled.\r\n"),
                10_000, auth);
        ReplyGroup group = new ReplyGroup();
        PendingReply p = group.expect(Request.of("GET", "k"), "slave1");
        pool.send(1, Request.of("GET", "k").encode(), p);
        assertThat(group.await(5, TimeUnit.SECONDS)).isTrue();
        assertThat(p.reply()).as("no request runs on a link the slave refused").isEqualTo(LOST);
    }
}
