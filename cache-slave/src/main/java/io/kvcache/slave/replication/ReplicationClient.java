package io.kvcache.slave.replication;

import static io.kvcache.cluster.ReplicationHeaders.*;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

import io.kvcache.cluster.ReplicationStatus;

/** A primary's REST calls to its replicas' HTTP ports, each carrying the cluster secret. */
final class ReplicationClient {

    /** A replica's answer to a batch: its offset now, or why it refused. */
    record Ack(int status, long offset, long epoch, String reason) {

        boolean ok() {
            return status == 200;
        }
    }

    private final HttpClient http;
    private final String secret;
    private final Duration timeout;
    private final Duration snapshotTimeout;

    ReplicationClient(String secret, Duration timeout) {
        this.http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(1)).build();
        this.secret = secret;
        this.timeout = timeout;
        this.snapshotTimeout = timeout.multipliedBy(10);
    }

    ReplicationStatus state(URI replica) throws IOException, InterruptedException {
        HttpResponse<byte[]> r = send(request(replica, "/replication/state", timeout).GET());
        if (r.statusCode() != 200) {
            throw new IOException("replication state: HTTP " + r.statusCode());
        }
        return ReplicationStatus.fromHeaders(r.headers()::firstValue);
    }

    Ack stream(URI replica, Stream stream, long offset, byte[] bytes) throws IOException, InterruptedException {
        HttpRequest.Builder b = request(replica, "/replication/stream", timeout)
                .header(EPOCH, Long.toString(stream.epoch())).header(REPLID, stream.replid())
                .header(OFFSET, Long.toString(offset));
        if (stream.replid2() != null) {
            b.header(REPLID2, stream.replid2()).header(OFFSET2, Long.toString(stream.offset2()));
        }
        return ack(send(b.POST(HttpRequest.BodyPublishers.ofByteArray(bytes))));
    }

    Ack syncBegin(URI replica, Stream stream) throws IOException, InterruptedException {
        return ack(send(request(replica, "/replication/sync/begin", snapshotTimeout)
                .header(EPOCH, Long.toString(stream.epoch())).POST(HttpRequest.BodyPublishers.noBody())));
    }

    Ack syncChunk(URI replica, Stream stream, byte[] bytes) throws IOException, InterruptedException {
        return ack(send(request(replica, "/replication/sync/chunk", snapshotTimeout)
                .header(EPOCH, Long.toString(stream.epoch()))
                .POST(HttpRequest.BodyPublishers.ofByteArray(bytes))));
    }

    Ack syncEnd(URI replica, Stream stream, long offset) throws IOException, InterruptedException {
        return ack(send(request(replica, "/replication/sync/end", snapshotTimeout)
                .header(EPOCH, Long.toString(stream.epoch())).header(REPLID, stream.replid())
                .header(OFFSET, Long.toString(offset)).POST(HttpRequest.BodyPublishers.noBody())));
    }

    private HttpRequest.Builder request(URI replica, String path, Duration requestTimeout) {
        return HttpRequest.newBuilder(replica.resolve(path)).timeout(requestTimeout).header(SECRET, secret)
                .header("Content-Type", "application/octet-stream");
    }

    private HttpResponse<byte[]> send(HttpRequest.Builder request) throws IOException, InterruptedException {
        return http.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    private static Ack ack(HttpResponse<byte[]> r) throws IOException {
        if (r.statusCode() != 200 && r.statusCode() != 409) {
            throw new IOException("replica answered HTTP " + r.statusCode());
        }
        return new Ack(r.statusCode(), longHeader(r, OFFSET), longHeader(r, EPOCH),
                r.headers().firstValue(REASON).orElse(""));
    }

    private static long longHeader(HttpResponse<?> r, String name) {
        return Long.parseLong(r.headers().firstValue(name).orElse("-1"));
    }

    /** The identity of the stream a primary ships: epoch, replid and the replid it continues. */
    record Stream(long epoch, String replid, String replid2, long offset2) {
    }
}
