package io.kvcache.master.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.awaitility.Awaitility;

import tools.jackson.databind.JsonNode;

/** A shard's replicas as the master's admin API and the slaves' replication endpoints show them. */
public final class ShardReplicas {

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    private final LocalCluster cluster;

    public ShardReplicas(LocalCluster cluster) {
        this.cluster = cluster;
    }

    public JsonNode shard(String name) {
        for (JsonNode shard : cluster.getJson("/admin/slaves").path("shards")) {
            if (shard.path("name").asString().equals(name)) {
                return shard;
            }
        }
        throw new AssertionError("no shard " + name + " in /admin/slaves");
    }

    /** The live primary's id, or null. */
    public String primary(String shard) {
        JsonNode s = shard(shard);
        return s.path("up").asBoolean() ? s.path("primary").asString() : null;
    }

    /** Live replicas (the primary included) by id, with their HTTP addresses. */
    public Map<String, String> live(String shard) {
        Map<String, String> live = new LinkedHashMap<>();
        for (JsonNode r : shard(shard).path("replicas")) {
            if (r.path("state").asString().equals("UP")) {
                live.put(r.path("id").asString(), r.path("httpAddress").asString());
            }
        }
        return live;
    }

    /** Waits until the shard has a live primary other than the given one. */
    public String awaitNewPrimary(String shard, String old, Duration timeout) {
        Awaitility.await("a new primary for " + shard).atMost(timeout).pollInterval(Duration.ofMillis(20))
                .ignoreExceptions().until(() -> {
                    String p = primary(shard);
                    return p != null && !p.equals(old);
                });
        return primary(shard);
    }

    /**
     * Waits until the shard has this many live replicas, each synced and at the primary's offset,
     * and the master knows them synced. Only once writes stopped: while they flow, the offsets read
     * one replica after another rarely agree.
     */
    public void awaitInSync(String shard, int replicas, Duration timeout) {
        awaitSynced(shard, replicas, true, timeout);
    }

    /**
     * Waits until the shard has this many live replicas, each following its primary's stream (a
     * full sync behind it) as it says and as the master knows; for while writes flow.
     */
    public void awaitStreaming(String shard, int replicas, Duration timeout) {
        awaitSynced(shard, replicas, false, timeout);
    }

    private void awaitSynced(String shard, int replicas, boolean sameOffset, Duration timeout) {
        String what = sameOffset ? " replicas at the primary's offset" : " replicas streaming";
        Awaitility.await(shard + ": " + replicas + what).atMost(timeout)
                .pollInterval(Duration.ofMillis(100)).ignoreExceptions().until(() -> {
                    Map<String, String> live = live(shard);
                    if (live.size() != replicas || primary(shard) == null) {
                        return false;
                    }
                    JsonNode view = shard(shard);
                    for (JsonNode r : view.path("replicas")) {
                        if (r.path("state").asString().equals("UP") && !r.path("synced").asBoolean()) {
                            return false; // the master has not heard yet (heartbeats) that it is synced
                        }
                    }
                    if (inSync(shard).size() != replicas - 1) {
                        return false; // the primary has not reported them all in sync yet: none could be elected
                    }
                    long offset = -1;
                    for (String http : live.values()) {
                        JsonNode state = get(http, "/replication/state");
                        if (!state.path("synced").asBoolean()) {
                            return false;
                        }
                        long o = state.path("offset").asLong();
                        if (sameOffset && offset >= 0 && o != offset) {
                            return false;
                        }
                        offset = o;
                    }
                    return true;
                });
    }

    /** The replicas besides the primary that the master records in sync (those an election may pick). */
    public List<String> inSync(String shard) {
        List<String> ids = new ArrayList<>();
        shard(shard).path("inSync").forEach(id -> ids.add(id.asString()));
        return ids;
    }

    /** Each live replica's digest of its whole store. */
    public Map<String, String> digests(String shard) {
        Map<String, String> digests = new LinkedHashMap<>();
        live(shard).forEach((id, http) -> {
            JsonNode d = get(http, "/replication/digest");
            digests.put(id, d.path("keys").asLong() + " keys, digest " + d.path("digest").asString() + " at offset "
                    + d.path("offset").asLong());
        });
        return digests;
    }

    public List<String> replicaIds(String shard) {
        return new ArrayList<>(live(shard).keySet());
    }

    /** A live replica of the shard that is not its primary. */
    public String aReplica(String shard) {
        String primary = primary(shard);
        return replicaIds(shard).stream().filter(id -> !id.equals(primary)).findFirst()
                .orElseThrow(() -> new AssertionError("shard " + shard + " has no live replica but its primary"));
    }

    private JsonNode get(String hostPort, String path) {
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://" + hostPort + path))
                .header("X-Kvcache-Secret", cluster.secret()).timeout(Duration.ofSeconds(10)).GET().build();
        try {
            HttpResponse<String> r = HTTP.send(request, HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() != 200) {
                throw new AssertionError("GET " + hostPort + path + " answered " + r.statusCode());
            }
            return LocalCluster.json(r.body());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
