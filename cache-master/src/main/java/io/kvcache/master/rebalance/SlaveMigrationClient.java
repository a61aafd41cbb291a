package io.kvcache.master.rebalance;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import io.kvcache.cluster.ReplicationHeaders;
import io.kvcache.master.routing.KeySettler;
import io.kvcache.master.topology.Replica;
import io.kvcache.master.topology.Shard;
import io.kvcache.protocol.Request;

/**
 * The master's calls to a shard primary's migration endpoints, with the cluster secret:
 * {@code GET /migration/state} (has it moved every key it gives away?) and
 * {@code POST /migration/settle} (move this request's keys now).
 */
public final class SlaveMigrationClient implements KeySettler {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofMillis(500)).build();
    private final String secret;
    private final Duration timeout;
    private final Duration settleTimeout;

    public SlaveMigrationClient(String secret, Duration timeout, Duration settleTimeout) {
        this.secret = secret;
        this.timeout = timeout;
        this.settleTimeout = settleTimeout;
    }

    /** The primary's migration state, or null when it cannot say. */
    JsonNode state(Replica primary) {
        try {
            HttpResponse<String> r = http.send(request(primary.httpAddress(), "/migration/state", timeout).GET()
                    .build(), HttpResponse.BodyHandlers.ofString());
            return r.statusCode() == 200 ? JSON.readTree(r.body()) : null;
        } catch (IOException | RuntimeException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }

    @Override
    public boolean settle(Shard shard, Request request) {
        Replica primary = shard.primary();
        if (primary == null) {
            return false;
        }
        try {
            HttpResponse<Void> r = http.send(request(primary.httpAddress(), "/migration/settle", settleTimeout)
                    .POST(HttpRequest.BodyPublishers.ofByteArray(request.encode())).build(),
                    HttpResponse.BodyHandlers.discarding());
            return r.statusCode() == 200;
        } catch (IOException | RuntimeException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private HttpRequest.Builder request(InetSocketAddress address, String path, Duration requestTimeout) {
        URI uri = URI.create("http://" + address.getHostString() + ":" + address.getPort() + path);
        return HttpRequest.newBuilder(uri).timeout(requestTimeout).header(ReplicationHeaders.SECRET, secret);
    }
}
