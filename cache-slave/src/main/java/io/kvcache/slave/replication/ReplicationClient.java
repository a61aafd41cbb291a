package io.kvcache.slave.replication;

import static io.kvcache.cluster.ReplicationHeaders.*;

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.http.client.JdkClientHttpRequestFactory;
import org.springframework.web.client.RestClient;
import org.springframework.web.client.RestClientException;

import io.kvcache.cluster.ReplicationStatus;

/**
 * The REST calls between a shard's slaves, each carrying the cluster secret: a replica's long
 * polls of its primary's stream, a primary's full sync of a replica, and the state a primary asks
 * of a replica that went silent. One JDK {@link HttpClient} (HTTP/1.1, kept-alive connections)
 * under Spring's {@link RestClient}, with a read timeout per kind of call.
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

    private final HttpClient http;
    private final RestClient calls;
    private final RestClient polls;
    private final RestClient snapshots;

    /**
     * @param timeout how long a peer may take to answer a call
     * @param pollWait how long a primary may hold a poll on top of that
     */
    ReplicationClient(String secret, Duration timeout, Duration pollWait) {
        this.http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(1)).build();
        this.calls = rest(http, secret, timeout);
        this.polls = rest(http, secret, timeout.plus(pollWait));
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
     * {@code GET /replication/log}: the primary's stream after offset (which acknowledges everything
     * before it), at most max bytes, answered at once when there is some, else after the primary's
     * poll wait (empty).
     *
     * @param replid the stream this replica holds a copy of, null when it holds none (a full sync follows)
     */
    ReplicationManager.PollAnswer poll(URI primary, String replicaId, long epoch, String replid, long offset, int max)
            throws IOException {
        StringBuilder uri = new StringBuilder(primary.toString()).append("/replication/log?replica=")
                .append(URLEncoder.encode(replicaId, StandardCharsets.UTF_8)).append("&epoch=").append(epoch)
                .append("&offset=").append(offset).append("&max=").append(max);
        if (replid != null) {
            uri.append("&replid=").append(URLEncoder.encode(replid, StandardCharsets.UTF_8));
        }
        try {
            return polls.get().uri(URI.create(uri.toString())).accept(MediaType.APPLICATION_OCTET_STREAM)
                    .exchange((request, response) -> {
                        int status = response.getStatusCode().value();
                        if (status != 200 && status != 409) {
                            throw new IOException("the primary answered HTTP " + status);
                        }
                        HttpHeaders headers = response.getHeaders();
                        byte[] body = status == 200 ? response.getBody().readAllBytes() : new byte[0];
                        return new ReplicationManager.PollAnswer(status, longHeader(headers, EPOCH),
                                headers.getFirst(REPLID), longHeader(headers, OFFSET), body,
                                headers.getFirst(REASON) == null ? "" : headers.getFirst(REASON));
                    });
        } catch (RestClientException e) {
            throw io(e);
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
