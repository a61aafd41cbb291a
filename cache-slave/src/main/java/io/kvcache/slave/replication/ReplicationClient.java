package io.kvcache.slave.replication;

import static io.kvcache.cluster.ReplicationHeaders.*;

import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Proxy;
import java.net.Socket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;

import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.http.client.JdkClientHttpRequestFactory;
import org.springframework.web.client.RestClient;
import org.springframework.web.client.RestClientException;

import io.kvcache.cluster.ReplicationStatus;
import io.kvcache.protocol.RespWriter;

/**
 * The HTTP calls between a shard's slaves, each carrying the cluster secret: a replica's stream
 * from its primary and the acknowledgements it sends back, a primary's full sync of a replica, and
 * the state a primary asks of a replica that went silent. The calls go through one JDK
 * {@link HttpClient} (HTTP/1.1, kept-alive connections) under Spring's {@link RestClient}, with a
 * read timeout per kind of call. The two streams are read and written by the replica's fetcher
 * thread: they last as long as the replica follows its primary and carry a frame or an
 * acknowledgement per write group, which a request-per-exchange API is not made for. The stream
 * is a {@link StreamingGet} (one system call per frame), the acknowledgements go over a plain socket
 * to the primary's data port.
 */
final class ReplicationClient {

    /** A replica's answer to a full-sync call: its offset now, or why it refused. */
    record Ack(int status, long offset, long epoch, String reason) {

        boolean ok() {
            return status == 200;
        }
    }

    /** The identity of the stream a primary ships: epoch, replid and the replid it continues. */
    record Stream(long epoch, String replid, String replid2, long offset2) {
    }

    private static final int CONNECT_TIMEOUT_MILLIS = 1000;

    private final String secret;
    private final int timeoutMillis;
    private final HttpClient http;
    private final RestClient calls;
    private final RestClient snapshots;

    /** @param timeout how long a peer may take to answer a call, or a stream stay quiet */
    ReplicationClient(String secret, Duration timeout) {
        this.secret = secret;
        this.timeoutMillis = (int) timeout.toMillis();
        this.http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofMillis(CONNECT_TIMEOUT_MILLIS)).build();
        this.calls = rest(http, secret, timeout);
        this.snapshots = rest(http, secret, timeout.multipliedBy(10));
    }

    private static RestClient rest(HttpClient http, String secret, Duration readTimeout) {
        JdkClientHttpRequestFactory factory = new JdkClientHttpRequestFactory(http);
        factory.setReadTimeout(readTimeout);
        return RestClient.builder().requestFactory(factory).defaultHeader(SECRET, secret).build();
    }

    ReplicationStatus state(URI replica) throws IOException {
        try {
            return calls.get().uri(replica.resolve("/replication/state")).exchange((request, response) -> {
                if (response.getStatusCode().value() != 200) {
                    throw new IOException("replication state: HTTP " + response.getStatusCode().value());
                }
                HttpHeaders headers = response.getHeaders();
                return ReplicationStatus.fromHeaders(name -> java.util.Optional.ofNullable(headers.getFirst(name)));
            });
        } catch (RestClientException e) {
            throw io(e);
        }
    }

    /**
     * {@code GET /replication/stream}: opens the primary's stream after offset. Read its frames
     * with {@link StreamReader#nextFrame} when {@link StreamReader#start()} is 200; close it in any case.
     *
     * @param replid the stream this replica holds a copy of, null when it holds none (a full sync follows)
     */
    StreamReader openStream(URI primary, String replicaId, long epoch, String replid, long offset) throws IOException {
        StringBuilder uri = new StringBuilder("/replication/stream?replica=")
                .append(URLEncoder.encode(replicaId, StandardCharsets.UTF_8)).append("&epoch=").append(epoch)
                .append("&offset=").append(offset);
        if (replid != null) {
            uri.append("&replid=").append(URLEncoder.encode(replid, StandardCharsets.UTF_8));
        }
        StreamingGet get = StreamingGet.open(primary, uri.toString(),
                Map.of(SECRET, secret, "Accept", MediaType.APPLICATION_OCTET_STREAM_VALUE), CONNECT_TIMEOUT_MILLIS,
                timeoutMillis);
        try {
            int status = get.status();
            if (status != 200 && status != 409) {
                throw new IOException("the primary answered HTTP " + status);
            }
            String reason = get.header(REASON);
            ReplicationManager.StreamStart start = new ReplicationManager.StreamStart(status,
                    longHeader(get, EPOCH), get.header(REPLID), longHeader(get, OFFSET),
                    reason == null ? "" : reason, null);
            return new StreamReader(get, start, longHeader(get, SESSION), (int) longHeader(get, ACK_PORT));
        } catch (IOException | RuntimeException e) {
            get.close();
            throw e;
        }
    }

    /**
     * Opens the connection on which this replica acknowledges stream: the primary's data port (as
     * the stream's answer names it), authenticated with the cluster secret, where each
     * acknowledgement is a {@code REPLCONF ACK <offset> <replica> <session>} that gets no reply, as
     * in Redis. The primary's I/O loop reads them: an HTTP request body would cost its server a
     * thread hand-off per acknowledgement (docs/benchmarks.md).
     */
    AckWriter openAcks(URI primary, StreamReader stream, String replicaId) throws IOException {
        Socket socket = new Socket(Proxy.NO_PROXY);
        try {
            socket.connect(new InetSocketAddress(primary.getHost(), stream.ackPort()), CONNECT_TIMEOUT_MILLIS);
            socket.setTcpNoDelay(true);
            socket.setSoTimeout(timeoutMillis);
            OutputStream out = socket.getOutputStream();
            if (!secret.isEmpty()) {
                RespWriter auth = new RespWriter(64);
                auth.array(2).bulk("AUTH").bulk(secret);
                auth.writeTo(out);
                out.flush();
                String reply = replyLine(socket.getInputStream());
                if (!reply.equals("+OK")) {
                    throw new IOException("the primary's data port refused the cluster secret: " + reply);
                }
            }
            return new AckWriter(socket, out, replicaId, stream.session());
        } catch (IOException | RuntimeException e) {
            socket.close();
            throw e;
        }
    }

    /** One reply line, without its CRLF (at most 512 bytes of it). */
    private static String replyLine(java.io.InputStream in) throws IOException {
        StringBuilder line = new StringBuilder();
        for (int b = in.read(); b != '\n'; b = in.read()) {
            if (b < 0) {
                throw new EOFException("the primary's data port closed the connection");
            }
            if (b != '\r' && line.length() < 512) {
                line.append((char) b);
            }
        }
        return line.toString();
    }

    /**
     * A replica's side of its stream: how the primary answered, then its frames (a 4-byte length and
     * as many bytes of the stream; length 0 is a heartbeat).
     */
    static final class StreamReader implements AutoCloseable {

        private final StreamingGet get;
        private final ReplicationManager.StreamStart start;
        private final long session;
        private final int ackPort;
        private final DataInputStream in;

        StreamReader(StreamingGet get, ReplicationManager.StreamStart start, long session, int ackPort) {
            this.get = get;
            this.start = start;
            this.session = session;
            this.ackPort = ackPort;
            this.in = new DataInputStream(get);
        }

        ReplicationManager.StreamStart start() {
            return start;
        }

        long session() {
            return session;
        }

        /** The primary's data port, where acknowledgements go. */
        int ackPort() {
            return ackPort;
        }

        /**
         * Reads the next frame into buffer from position at, growing it when needed.
         *
         * @return the buffer holding the frame's bytes from at; the frame's length via lengthOut[0];
         *         null when the primary ended the stream
         */
        byte[] nextFrame(byte[] buffer, int at, int[] lengthOut) throws IOException {
            int length;
            try {
                length = in.readInt();
            } catch (EOFException e) {
                return null;
            }
            if (length < 0) {
                throw new IOException("a stream frame of " + length + " bytes");
            }
            byte[] b = buffer;
            if (at + length > b.length) {
                b = java.util.Arrays.copyOf(b, Math.max(at + length, 2 * b.length));
            }
            in.readFully(b, at, length);
            lengthOut[0] = length;
            return b;
        }

        /** Whether more of the stream has arrived already (read with the last frame, no system call). */
        boolean hasMore() {
            try {
                return get.available() > 0;
            } catch (IOException e) {
                return false; // the next read fails the same way
            }
        }

        /** Ends the stream; a read blocked on it fails at once. */
        @Override
        public void close() {
            try {
                get.close();
            } catch (IOException e) {
                // closing anyway
            }
        }
    }

    /** A replica's acknowledgements to its primary: {@code REPLCONF ACK <offset> <replica> <session>}, each flushed. */
    static final class AckWriter implements AutoCloseable {

        private static final byte[] HEAD = "*5\r\n$8\r\nREPLCONF\r\n$3\r\nACK\r\n".getBytes(StandardCharsets.US_ASCII);

        private final Socket socket;
        private final OutputStream out;
        /** The replica and session arguments, the same in every acknowledgement. */
        private final byte[] tail;
        private final RespWriter command = new RespWriter(128);

        AckWriter(Socket socket, OutputStream out, String replicaId, long session) {
            this.socket = socket;
            this.out = out;
            RespWriter t = new RespWriter(64);
            t.bulk(replicaId).bulk(Long.toString(session));
            this.tail = t.toByteArray();
        }

        void send(long offset) throws IOException {
            command.reset();
            command.raw(HEAD).bulk(Long.toString(offset)).raw(tail);
            command.writeTo(out);
            out.flush();
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }

    Ack syncBegin(URI replica, Stream stream) throws IOException {
        return ack(snapshots.post().uri(replica.resolve("/replication/sync/begin"))
                .header(EPOCH, Long.toString(stream.epoch())));
    }

    Ack syncChunk(URI replica, Stream stream, byte[] bytes) throws IOException {
        return ack(snapshots.post().uri(replica.resolve("/replication/sync/chunk"))
                .header(EPOCH, Long.toString(stream.epoch()))
                .contentType(MediaType.APPLICATION_OCTET_STREAM).body(bytes));
    }

    Ack syncEnd(URI replica, Stream stream, long offset) throws IOException {
        return ack(snapshots.post().uri(replica.resolve("/replication/sync/end"))
                .header(EPOCH, Long.toString(stream.epoch())).header(REPLID, stream.replid())
                .header(OFFSET, Long.toString(offset)));
    }

    private static Ack ack(RestClient.RequestBodySpec request) throws IOException {
        try {
            return request.exchange((req, response) -> {
                int status = response.getStatusCode().value();
                if (status != 200 && status != 409) {
                    throw new IOException("replica answered HTTP " + status);
                }
                HttpHeaders headers = response.getHeaders();
                return new Ack(status, longHeader(headers, OFFSET), longHeader(headers, EPOCH),
                        headers.getFirst(REASON) == null ? "" : headers.getFirst(REASON));
            });
        } catch (RestClientException e) {
            throw io(e);
        }
    }

    private static long longHeader(StreamingGet get, String name) {
        String value = get.header(name);
        return value == null ? -1 : Long.parseLong(value);
    }

    private static long longHeader(HttpHeaders headers, String name) {
        String value = headers.getFirst(name);
        return value == null ? -1 : Long.parseLong(value);
    }

    /** RestClient wraps I/O failures (refused, reset, timed out, interrupted) in its own unchecked type. */
    private static IOException io(RestClientException e) {
        return e.getCause() instanceof IOException cause ? cause : new IOException(e.getMessage(), e);
    }

    void close() {
        http.close();
    }
}
