package io.kvcache.master.topology;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

import io.kvcache.cluster.ReplicationStatus;
import io.kvcache.cluster.ReplicationHeaders;

/** Reads a slave's {@code GET /replication/state} (headers only), with the cluster secret. */
public final class HttpReplicationProbe implements ReplicationProbe {

    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofMillis(500)).build();
    private final String secret;
    private final Duration timeout;

    public HttpReplicationProbe(String secret, Duration timeout) {
        this.secret = secret;
        this.timeout = timeout;
    }

    @Override
    public ReplicationStatus state(InetSocketAddress address) {
        URI uri = URI.create("http://" + address.getHostString() + ":" + address.getPort() + "/replication/state");
        try {
            HttpResponse<Void> r = http.send(HttpRequest.newBuilder(uri).timeout(timeout)
                    .header(ReplicationHeaders.SECRET, secret).GET().build(), HttpResponse.BodyHandlers.discarding());
            if (r.statusCode() != 200) {
                return null;
            }
            return ReplicationStatus.fromHeaders(r.headers()::firstValue);
        } catch (IOException | RuntimeException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }
}
