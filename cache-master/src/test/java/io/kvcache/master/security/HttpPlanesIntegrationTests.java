package io.kvcache.master.security;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import io.kvcache.master.support.LocalCluster;
import io.kvcache.master.support.LocalCluster.SlaveMode;
import io.kvcache.master.support.Resp;
import io.kvcache.master.support.SlaveNode;
import io.kvcache.slave.compat.RawRedisClient;

import tools.jackson.databind.JsonNode;

/**
 * Both HTTP planes against real processes (the master in its own JVM, 2 shards x 2 replicas from
 * cache-slave's exec jar), spoken to over a raw socket that sends the request line exactly as
 * written (java.net.http would normalize some of it): every guarded path, with every method it
 * serves, is tried the ways a path can be spelled so that a check on the raw URI and the router
 * disagree (issue 16: {@code /%61dmin/slaves}, {@code /admin;x/slaves} ...), and with wrong, empty
 * and the other plane's credentials. Every try is refused (400, 401 or 403, never 2xx, never a
 * 404 that would mean it reached the router), and afterwards nothing changed: no drain or join
 * started, no replica decommissioned, no key written into a replica by a forged stream, nothing
 * imported, no full sync begun.
 * <p>
 * What only Spring Security gives, so that putting the old servlet filters back fails this test:
 * the firewall's 400 for {@code ;}, {@code //}, dot segments and {@code %2e} (the old filters let
 * {@code /admin;x/slaves} through to the controller), and a refusal, not a 404, for a path no rule
 * opens ({@code /foo}, {@code /ADMIN/slaves}; the old filters let every unknown path through).
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class HttpPlanesIntegrationTests {

    private static LocalCluster cluster;
    private static int master;
    /** slave1's primary and replica, by role. */
    private static SlaveNode primary;
    private static SlaveNode replica;
    private static int primaryHttp;
    private static int replicaHttp;

    /** A guarded endpoint: a method it serves, a path with its variables filled in, headers and a body. */
    record Endpoint(String method, String path, Map<String, String> headers, String body) {
        Endpoint(String method, String path) {
            this(method, path, Map.of(), "");
        }

        Endpoint withMethod(String other) {
            return new Endpoint(other, path, headers, other.equals("POST") ? body : "");
        }

        @Override
        public String toString() {
            return method + " " + path;
        }
    }

    /** An HTTP response as the socket gave it. */
    record Answer(int status, String head, String body) {
        boolean hasHeader(String name, String valuePrefix) {
            return head.lines().anyMatch(line -> line.regionMatches(true, 0, name + ": " + valuePrefix, 0,
                    name.length() + 2 + valuePrefix.length()));
        }
    }

    @BeforeAll
    static void start() throws Exception {
        assertThat(LocalCluster.slaveExecJarAvailable()).as("cache-slave's exec jar (./mvnw -pl cache-slave package)")
                .isTrue();
        cluster = LocalCluster.builder().shards(2).replicas(2).masterProcess().slaveMode(SlaveMode.PROCESS).start();
        master = cluster.httpPort();
        try (RawRedisClient client = new RawRedisClient(cluster.clientAddress())) {
            for (int i = 0; i < 40; i++) {
                assertThat(Resp.call(client, "SET", "kept:" + i, "v" + i)).isEqualTo(Resp.OK);
            }
        }
        String primaryId = null;
        for (JsonNode shard : cluster.getJson("/admin/slaves").path("shards")) {
            if (shard.path("name").asString().equals("slave1")) {
                primaryId = shard.path("primary").asString();
            }
        }
        assertThat(primaryId).isNotNull();
        for (SlaveNode slave : cluster.replicasOf("slave1")) {
            if (slave.replicaId().equals(primaryId)) {
                primary = slave;
            } else {
                replica = slave;
            }
        }
        primaryHttp = httpPortOf("slave1", primary.replicaId());
        replicaHttp = httpPortOf("slave1", replica.replicaId());
    }

    @AfterAll
    static void stop() {
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    void everyGuardedPathRefusesEverySpellingAndEveryWrongCredentialAndNothingChanges() throws Exception {
        Map<String, Object> before = state();
        // What a forged replication batch and import would carry if the guard let them in: the replica's own
        // stream position, so that applied it would write "intruder" into the replica.
        Answer replicaState = send(replicaHttp, new Endpoint("GET", "/replication/state",
                Map.of("X-Kvcache-Secret", cluster.secret()), ""));
        assertThat(replicaState.status()).isEqualTo(200);
        Map<String, String> position = new LinkedHashMap<>();
        for (String header : List.of("X-Kvcache-Epoch", "X-Kvcache-Replid", "X-Kvcache-Offset")) {
            position.put(header, header(replicaState, header));
        }
        String intruder = resp("SET", "intruder", "x");
        long placement = cluster.getJson("/admin/ring").path("placement").asLong();

        List<Endpoint> admin = List.of(
                new Endpoint("GET", "/admin/slaves"),
                new Endpoint("DELETE", "/admin/slaves/slave1/" + replica.replicaId()),
                new Endpoint("GET", "/admin/ring"),
                new Endpoint("GET", "/admin/keys/kept:1"),
                new Endpoint("GET", "/admin/rebalance"),
                new Endpoint("DELETE", "/admin/shards/slave2"),
                new Endpoint("POST", "/admin/shards/slave3"),
                new Endpoint("GET", "/actuator"),
                new Endpoint("GET", "/actuator/prometheus"),
                new Endpoint("GET", "/actuator/topology"),
                new Endpoint("GET", "/actuator/info"));
        List<Endpoint> slaveAdmin = List.of(
                new Endpoint("GET", "/actuator"),
                new Endpoint("GET", "/actuator/prometheus"),
                new Endpoint("GET", "/actuator/info"));
        List<Endpoint> clusterPlane = List.of(
                new Endpoint("GET", "/replication/state"),
                new Endpoint("GET", "/replication/digest"),
                new Endpoint("GET", "/replication/stream"),
                new Endpoint("POST", "/replication/sync/begin", Map.of("X-Kvcache-Epoch", position.get("X-Kvcache-Epoch")), ""),
                new Endpoint("POST", "/replication/sync/chunk", Map.of("X-Kvcache-Epoch", position.get("X-Kvcache-Epoch")), intruder),
                new Endpoint("POST", "/replication/sync/end", position, ""),
                new Endpoint("POST", "/migration/import", Map.of("X-Kvcache-Placement", Long.toString(placement)),
                        resp("SET", "imported", "x")),
                new Endpoint("POST", "/migration/settle", Map.of(), resp("GET", "kept:1")),
                new Endpoint("GET", "/migration/state"));

        SoftAssertions softly = new SoftAssertions();
        int tries = 0;
        for (Endpoint e : withImplicitMethods(admin)) {
            tries += tryEverything(softly, "master", master, e, Plane.ADMIN);
        }
        for (int port : new int[] {primaryHttp, replicaHttp}) {
            for (Endpoint e : withImplicitMethods(slaveAdmin)) {
                tries += tryEverything(softly, "slave :" + port, port, e, Plane.ADMIN);
            }
            for (Endpoint e : withImplicitMethods(clusterPlane)) {
                tries += tryEverything(softly, "slave :" + port, port, e, Plane.CLUSTER);
            }
        }
        softly.assertAll();
        assertThat(tries).isGreaterThan(1000);

        assertThat(state()).as("the cluster after %d refused requests", tries).isEqualTo(before);
        for (SlaveNode slave : cluster.slaves()) {
            try (RawRedisClient direct = cluster.dataClient(slave)) {
                // KEYS reads the slave's own store, whichever shard owns the name (EXISTS would be redirected).
                assertThat(Resp.call(direct, "KEYS", "intruder")).as("%s", slave).isEqualTo("*0\r\n");
                assertThat(Resp.call(direct, "KEYS", "imported")).as("%s", slave).isEqualTo("*0\r\n");
            }
        }
        // No full sync was begun (it would have emptied the replica): it holds what it held.
        try (RawRedisClient direct = cluster.dataClient(replica); RawRedisClient first = cluster.dataClient(primary)) {
            assertThat(Resp.call(direct, "DBSIZE")).isEqualTo(Resp.call(first, "DBSIZE")).isNotEqualTo(":0\r\n");
        }
        try (RawRedisClient client = new RawRedisClient(cluster.clientAddress())) {
            for (int i = 0; i < 40; i++) {
                assertThat(Resp.call(client, "GET", "kept:" + i)).isEqualTo(Resp.bulk("v" + i));
            }
            assertThat(Resp.call(client, "GET", "intruder")).isEqualTo(Resp.NIL);
        }
    }

    @Test
    void pathsNoRuleOpensAreRefusedNotRoutedEvenWithTheToken() {
        for (String path : List.of("/foo", "/admin/nonexistent", "/ADMIN/slaves", "/Admin/slaves", "/error",
                "/replication/nonexistent", "/REPLICATION/state", "/migration")) {
            for (int port : new int[] {master, replicaHttp}) {
                Answer anonymous = send(port, new Endpoint("GET", path));
                assertThat(anonymous.status()).as("GET :%d%s without a credential", port, path).isIn(401, 403);
            }
        }
        // With the admin token, a path outside /admin and /actuator is still closed: 403, not 404.
        for (String path : List.of("/foo", "/ADMIN/slaves", "/error", "/metrics")) {
            Answer withToken = send(master, new Endpoint("GET", path, bearer(cluster.adminToken()), ""));
            assertThat(withToken.status()).as("GET %s with the admin token", path).isEqualTo(403);
        }
        Answer refused = send(master, new Endpoint("GET", "/admin/slaves"));
        assertThat(refused.status()).isEqualTo(401);
        assertThat(refused.hasHeader("WWW-Authenticate", "Bearer")).as(refused.head()).isTrue();
        assertThat(refused.body()).doesNotContain(cluster.adminToken());
    }

    @Test
    void theRightCredentialOpensItsOwnPlaneOnly() {
        Map<String, String> token = bearer(cluster.adminToken());
        Map<String, String> secret = Map.of("X-Kvcache-Secret", cluster.secret());
        assertThat(send(master, new Endpoint("GET", "/admin/slaves", token, "")).status()).isEqualTo(200);
        assertThat(send(master, new Endpoint("GET", "/%61dmin/slaves", token, "")).status())
                .as("the same path to the router and to the rule").isEqualTo(200);
        String basic = Base64.getEncoder().encodeToString(("admin:" + cluster.adminToken()).getBytes(StandardCharsets.UTF_8));
        assertThat(send(master, new Endpoint("GET", "/admin/ring", Map.of("Authorization", "Basic " + basic), ""))
                .status()).as("HTTP Basic with the admin user").isEqualTo(200);
        assertThat(send(master, new Endpoint("GET", "/actuator/prometheus", token, "")).status()).isEqualTo(200);
        assertThat(send(replicaHttp, new Endpoint("GET", "/actuator/prometheus", token, "")).status()).isEqualTo(200);
        assertThat(send(replicaHttp, new Endpoint("GET", "/replication/state", secret, "")).status()).isEqualTo(200);
        assertThat(send(replicaHttp, new Endpoint("GET", "/migration/state", secret, "")).status()).isEqualTo(200);
        // Each credential is refused on the other plane.
        assertThat(send(replicaHttp, new Endpoint("GET", "/replication/state", token, "")).status()).isEqualTo(403);
        assertThat(send(replicaHttp, new Endpoint("GET", "/actuator/prometheus", secret, "")).status()).isEqualTo(401);
        assertThat(send(master, new Endpoint("GET", "/admin/slaves", secret, "")).status()).isEqualTo(401);
    }

    @Test
    void onlyHealthIsOpenAndItTellsNoDetailsWithoutTheToken() {
        for (int port : new int[] {master, primaryHttp, replicaHttp}) {
            for (String path : List.of("/actuator/health", "/actuator/health/liveness", "/actuator/health/readiness")) {
                Answer open = send(port, new Endpoint("GET", path));
                assertThat(open.status()).as(":%d%s", port, path).isEqualTo(200);
                assertThat(open.body()).as(":%d%s", port, path).contains("\"status\":\"UP\"")
                        .doesNotContain("components", "details");
            }
            assertThat(send(port, new Endpoint("POST", "/actuator/health")).status()).isIn(401, 403);
            Answer detailed = send(port, new Endpoint("GET", "/actuator/health", bearer(cluster.adminToken()), ""));
            assertThat(detailed.body()).contains("components");
        }
    }

    // ---- the tries -------------------------------------------------------------------------------------------

    private enum Plane {
        /** The admin token, refused with 401; the paths no rule opens also answer 401 to anonymous requests. */
        ADMIN,
        /** The cluster secret, refused with 403. */
        CLUSTER
    }

    /** GET endpoints also serve HEAD and OPTIONS (Spring MVC answers both for any GET mapping). */
    private static List<Endpoint> withImplicitMethods(List<Endpoint> endpoints) {
        List<Endpoint> all = new ArrayList<>();
        for (Endpoint e : endpoints) {
            all.add(e);
            all.add(e.withMethod("OPTIONS"));
            if (e.method().equals("GET")) {
                all.add(e.withMethod("HEAD"));
            }
        }
        return all;
    }

    /** Every spelling without a credential, then the plain path with every wrong one; returns how many. */
    private static int tryEverything(SoftAssertions softly, String where, int port, Endpoint e, Plane plane) {
        int tries = 0;
        List<String> segments = List.of(e.path().substring(1).split("/"));
        // Spellings the firewall (or the container) rejects before any rule or controller: exactly 400.
        List<String> rejected = new ArrayList<>();
        for (int i = 0; i < segments.size(); i++) {
            rejected.add(join(segments, i, ";x", "/"));                 // ;params on each segment
            rejected.add(join(segments, i, ";jsessionid=1", "/"));
            rejected.add(insert(segments, i, "."));                     // /./
            rejected.add(insert(segments, i, "x/.."));                  // /x/../
            rejected.add(insert(segments, i, "%2e"));                   // /%2e/
            rejected.add(insert(segments, i, ""));                      // //
        }
        rejected.add(e.path() + "/%2e");
        rejected.add(e.path() + "/..");
        List<String> slashed = segments.size() > 1 ? segments : List.of(segments.getFirst(), "x");
        rejected.add("/" + String.join("%2f", slashed));           // encoded slashes
        rejected.add("/" + String.join("%2F", slashed));
        for (String path : rejected) {
            Answer a = send(port, new Endpoint(e.method(), path, e.headers(), e.body()));
            softly.assertThat(a.status()).as("%s: %s %s", where, e.method(), path).isEqualTo(400);
            tries++;
        }
        // Spellings that are the same path to Spring (guarded), or another path (closed): refused as unauthenticated.
        List<String> refused = new ArrayList<>();
        for (int i = 0; i < segments.size(); i++) {
            refused.add(join(segments, i, null, "/"));                  // one letter percent-encoded in each segment
        }
        refused.add(e.path().toUpperCase(Locale.ROOT));
        refused.add("/" + segments.getFirst().toUpperCase(Locale.ROOT)
                + e.path().substring(segments.getFirst().length() + 1));
        refused.add(e.path() + "/");
        refused.add(e.path());
        for (String path : refused) {
            Answer a = send(port, new Endpoint(e.method(), path, e.headers(), e.body()));
            softly.assertThat(a.status()).as("%s: %s %s without a credential", where, e.method(), path)
                    .isIn(401, 403);
            tries++;
        }
        // The plain path with a wrong, an empty, and the other plane's credential.
        List<Map<String, String>> wrong = plane == Plane.ADMIN
                ? List.of(bearer("wrong-" + cluster.adminToken()), bearer(""), Map.of("Authorization", ""),
                        bearer(cluster.adminToken().substring(1)), bearer(cluster.secret()),
                        Map.of("Authorization", "Basic " + Base64.getEncoder().encodeToString(
                                ("admin:" + cluster.secret()).getBytes(StandardCharsets.UTF_8))),
                        Map.of("X-Kvcache-Secret", cluster.secret()))
                : List.of(Map.of("X-Kvcache-Secret", "wrong-" + cluster.secret()), Map.of("X-Kvcache-Secret", ""),
                        Map.of("X-Kvcache-Secret", cluster.secret().substring(1)),
                        Map.of("X-Kvcache-Secret", cluster.adminToken()), bearer(cluster.adminToken()),
                        bearer(cluster.secret()));
        int expected = plane == Plane.ADMIN ? 401 : 403;
        for (Map<String, String> credential : wrong) {
            Map<String, String> headers = new LinkedHashMap<>(e.headers());
            headers.putAll(credential);
            Answer a = send(port, new Endpoint(e.method(), e.path(), headers, e.body()));
            softly.assertThat(a.status()).as("%s: %s with %s", where, e, credential.keySet()).isEqualTo(expected);
            softly.assertThat(a.head() + a.body()).as("%s: %s echoes no credential", where, e)
                    .doesNotContain(cluster.secret()).doesNotContain(cluster.adminToken());
            tries++;
        }
        return tries;
    }

    /**
     * The path with segment i changed: suffix appended (";x"), or, with a null suffix, its first letter
     * percent-encoded in lower-case hex ({@code /%61dmin}).
     */
    private static String join(List<String> segments, int i, String suffix, String separator) {
        List<String> copy = new ArrayList<>(segments);
        String s = copy.get(i);
        copy.set(i, suffix != null ? s + suffix : String.format("%%%02x", (int) s.charAt(0)) + s.substring(1));
        return "/" + String.join(separator, copy);
    }

    /** The path with an extra segment before segment i ("." gives /./, "" gives //). */
    private static String insert(List<String> segments, int i, String extra) {
        List<String> copy = new ArrayList<>(segments);
        copy.add(i, extra);
        return "/" + String.join("/", copy);
    }

    /** What must be the same after the tries: the ring, the rebalance, every replica and its data. */
    private static Map<String, Object> state() {
        Map<String, Object> state = new LinkedHashMap<>();
        JsonNode ring = cluster.getJson("/admin/ring");
        state.put("placement", ring.path("placement").asLong());
        state.put("ring", ring.path("shards").toString());
        state.put("movingTo", ring.path("movingTo").toString());
        JsonNode rebalance = cluster.getJson("/admin/rebalance");
        state.put("rebalance", rebalance.path("state").asString() + " " + rebalance.path("placement").asLong());
        for (JsonNode shard : cluster.getJson("/admin/slaves").path("shards")) {
            List<String> replicas = new ArrayList<>();
            shard.path("replicas").forEach(r -> replicas.add(r.path("id").asString() + " " + r.path("role").asString()
                    + " " + r.path("state").asString()));
            state.put(shard.path("name").asString(), replicas + " primary " + shard.path("primary").asString()
                    + " epoch " + shard.path("epoch").asLong());
        }
        try (RawRedisClient client = new RawRedisClient(cluster.clientAddress())) {
            state.put("dbsize", Resp.call(client, "DBSIZE"));
        } catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
        return state;
    }

    private static int httpPortOf(String shard, String replicaId) {
        for (JsonNode s : cluster.getJson("/admin/slaves").path("shards")) {
            for (JsonNode r : s.path("replicas")) {
                if (s.path("name").asString().equals(shard) && r.path("id").asString().equals(replicaId)) {
                    String address = r.path("httpAddress").asString();
                    return Integer.parseInt(address.substring(address.lastIndexOf(':') + 1));
                }
            }
        }
        throw new AssertionError("no " + shard + "/" + replicaId + " in /admin/slaves");
    }

    private static Map<String, String> bearer(String token) {
        return Map.of("Authorization", "Bearer " + token);
    }

    private static String header(Answer answer, String name) {
        return answer.head().lines().filter(l -> l.regionMatches(true, 0, name + ":", 0, name.length() + 1))
                .map(l -> l.substring(name.length() + 1).trim()).findFirst()
                .orElseThrow(() -> new AssertionError("no " + name + " in " + answer.head()));
    }

    private static String resp(String... argv) {
        return new String(RawRedisClient.encode(List.<byte[][]>of(Resp.argv(argv))), StandardCharsets.ISO_8859_1);
    }

    /**
     * One request over a fresh socket, its request line exactly as given (no client normalizes it), then
     * everything the server sends until it closes.
     */
    private static Answer send(int port, Endpoint e) {
        try (Socket socket = new Socket()) {
            socket.setSoTimeout(10_000);
            socket.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
            byte[] body = e.body().getBytes(StandardCharsets.ISO_8859_1);
            StringBuilder request = new StringBuilder()
                    .append(e.method()).append(' ').append(e.path()).append(" HTTP/1.1\r\n")
                    .append("Host: 127.0.0.1:").append(port).append("\r\n")
                    .append("Connection: close\r\n");
            e.headers().forEach((name, value) -> request.append(name).append(": ").append(value).append("\r\n"));
            if (e.method().equals("POST")) {
                request.append("Content-Type: application/octet-stream\r\n")
                        .append("Content-Length: ").append(body.length).append("\r\n");
            }
            request.append("\r\n");
            OutputStream out = socket.getOutputStream();
            out.write(request.toString().getBytes(StandardCharsets.ISO_8859_1));
            out.write(body);
            out.flush();
            InputStream in = socket.getInputStream();
            ByteArrayOutputStream all = new ByteArrayOutputStream();
            in.transferTo(all);
            String text = all.toString(StandardCharsets.ISO_8859_1);
            int headEnd = text.indexOf("\r\n\r\n");
            String head = headEnd < 0 ? text : text.substring(0, headEnd);
            String statusLine = head.lines().findFirst().orElse("");
            if (!statusLine.startsWith("HTTP/1.1 ")) {
                throw new AssertionError(port + " " + e + " answered no status line: " + text);
            }
            return new Answer(Integer.parseInt(statusLine.substring(9, 12)), head,
                    headEnd < 0 ? "" : text.substring(headEnd + 4));
        } catch (IOException ex) {
            throw new UncheckedIOException(port + " " + e, ex);
        }
    }
}
