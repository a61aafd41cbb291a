package io.kvcache.slave.migration;

import static io.kvcache.cluster.ReplicationHeaders.*;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/** A source primary's calls to a destination primary's {@code POST /migration/import}, with the cluster secret. */
final class MigrationClient {

    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(1)).build();
    private final String secret;
    private final String source;
    private final Duration timeout;

    MigrationClient(String secret, String source, Duration timeout) {
        this.secret = secret;
        this.source = source;
        this.timeout = timeout;
    }

    /**
     * Sends the commands that recreate a batch of keys; returns once the destination (and, in the
     * default ack mode, its replicas) holds them.
     *
     * @throws IOException when it does not, with the destination's reason
     */
    void importBatch(URI destination, long placementVersion, byte[] commands) throws IOException, InterruptedException {
        HttpRequest request = HttpRequest.newBuilder(destination.resolve("/migration/import")).timeout(timeout)
                .header(SECRET, secret).header(PLACEMENT, Long.toString(placementVersion)).header(SOURCE, source)
                .header("Content-Type", "application/octet-stream")
                .POST(HttpRequest.BodyPublishers.ofByteArray(commands)).build();
        HttpResponse<String> r = http.send(request, HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) {
            throw new IOException("the destination refused the batch: HTTP " + r.statusCode() + " "
                    + r.headers().firstValue(REASON).orElse(r.body()));
        }
    }
}
