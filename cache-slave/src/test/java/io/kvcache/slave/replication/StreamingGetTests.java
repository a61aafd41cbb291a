package io.kvcache.slave.replication;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@link StreamingGet} against a raw socket server that answers with crafted bytes, written in
 * pieces that cut the head, chunk sizes and chunk ends anywhere (as TCP may deliver them).
 */
class StreamingGetTests {

    private ServerSocket server;
    private final BlockingQueue<String> requests = new ArrayBlockingQueue<>(4);

    @BeforeEach
    void listen() throws IOException {
        server = new ServerSocket(0, 4, InetAddress.getLoopbackAddress());
    }

    @AfterEach
    void close() throws IOException {
        server.close();
    }

    @Test
    void aChunkedBodyCutAnywhereReadsAsItsBytes() throws Exception {
        answer(List.of("HTTP/1.1 200 OK\r\nX-Kvcache-Epoch: 7\r\nTransfer-", "Encoding: chunked\r\n\r\n5\r",
                "\nhello\r\n1", "0;ext=1\r\n0123456789abcdef\r", "\n0\r\n\r\n"), false);
        try (StreamingGet get = open()) {
            assertThat(get.status()).isEqualTo(200);
            assertThat(get.header("x-kvcache-epoch")).as("names are case-insensitive").isEqualTo("7");
            assertThat(new String(get.readAllBytes(), StandardCharsets.US_ASCII)).isEqualTo("hello0123456789abcdef");
        }
        String request = requests.poll(5, TimeUnit.SECONDS);
        assertThat(request).startsWith("GET /replication/stream?replica=r HTTP/1.1\r\n").contains("X-Kvcache-Secret: s\r\n");
    }

    @Test
    void chunkBoundariesBufferedAreNotBodyBytesAvailable() throws Exception {
        answer(List.of("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n"), true);
        try (StreamingGet get = open()) {
            byte[] b = new byte[3];
            assertThat(get.read(b, 0, 3)).isEqualTo(3);
            assertThat(get.available()).as("only the chunk's CRLF is left: no body").isZero();
        }
    }

    @Test
    void aBodyWithALengthOrUntilTheConnectionClosesReadsToItsEnd() throws Exception {
        answer(List.of("HTTP/1.1 409 Conflict\r\nContent-Length: 4\r\nX-Kvcache-Reason: full-sync\r\n\r\nbody"), false);
        try (StreamingGet get = open()) {
            assertThat(get.status()).isEqualTo(409);
            assertThat(get.header("X-Kvcache-Reason")).isEqualTo("full-sync");
            assertThat(get.readAllBytes()).asString(StandardCharsets.US_ASCII).isEqualTo("body");
        }
        answer(List.of("HTTP/1.0 200 OK\r\n\r\nuntil", " closed"), false);
        try (StreamingGet get = open()) {
            assertThat(get.readAllBytes()).asString(StandardCharsets.US_ASCII).isEqualTo("until closed");
        }
    }

    @Test
    void aMalformedOrCutStreamFailsInsteadOfBeingMisread() throws Exception {
        answer(List.of("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n"), false);
        try (StreamingGet get = open()) {
            assertThatThrownBy(get::readAllBytes).isInstanceOf(IOException.class).hasMessageContaining("size");
        }
        answer(List.of("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nab"), false);
        try (StreamingGet get = open()) {
            assertThatThrownBy(get::readAllBytes).isInstanceOf(IOException.class).hasMessageContaining("within its body");
        }
        answer(List.of("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabcXY1\r\nd\r\n0\r\n\r\n"), false);
        try (StreamingGet get = open()) {
            assertThatThrownBy(get::readAllBytes).isInstanceOf(IOException.class).hasMessageContaining("CRLF");
        }
        answer(List.of("SSH-2.0-OpenSSH\r\n\r\n"), false);
        assertThatThrownBy(this::open).isInstanceOf(IOException.class).hasMessageContaining("not an HTTP response");
    }

    @Test
    void aServerThatNeverAnswersTimesOutAndAClosedStreamEndsABlockedRead() throws Exception {
        Thread silent = Thread.ofVirtual().start(() -> {
            try (Socket s = server.accept()) {
                s.getInputStream().read(new byte[4096]);
                s.getInputStream().read(); // holds the connection, answering nothing
            } catch (IOException ignored) {
                // the client left
            }
        });
        long start = System.nanoTime();
        assertThatThrownBy(() -> StreamingGet.open(uri(), "/", Map.of(), 1000, 300)).isInstanceOf(IOException.class);
        assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).isBetween(250L, 5000L);
        silent.join(5000);

        answer(List.of("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"), true);
        StreamingGet get = open();
        Thread reader = Thread.ofPlatform().start(() -> {
            try {
                get.read();
            } catch (IOException expected) {
                // closed under it
            }
        });
        assertThat(reader.join(java.time.Duration.ofMillis(200))).as("blocked: nothing came").isFalse();
        get.close();
        assertThat(reader.join(java.time.Duration.ofSeconds(5))).as("the close ended the read").isTrue();
    }

    private StreamingGet open() throws IOException {
        return StreamingGet.open(uri(), "/replication/stream?replica=r", Map.of("X-Kvcache-Secret", "s"), 1000, 5000);
    }

    private URI uri() {
        return URI.create("http://127.0.0.1:" + server.getLocalPort());
    }

    /** Accepts one connection, reads its request, writes the pieces one by one (each flushed) and closes unless told to hold. */
    private void answer(List<String> pieces, boolean hold) {
        Thread.ofVirtual().start(() -> {
            try (Socket s = server.accept()) {
                s.setTcpNoDelay(true);
                requests.add(readRequest(s.getInputStream()));
                OutputStream out = s.getOutputStream();
                for (String piece : pieces) {
                    out.write(piece.getBytes(StandardCharsets.US_ASCII));
                    out.flush();
                    Thread.sleep(5); // separate segments
                }
                if (hold) {
                    s.getInputStream().read();
                }
            } catch (IOException | InterruptedException ignored) {
                // the client left
            }
        });
    }

    private static String readRequest(InputStream in) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        while (!head.toString(StandardCharsets.US_ASCII).endsWith("\r\n\r\n")) {
            int b = in.read();
            if (b < 0) {
                break;
            }
            head.write(b);
        }
        return head.toString(StandardCharsets.US_ASCII);
    }
}
