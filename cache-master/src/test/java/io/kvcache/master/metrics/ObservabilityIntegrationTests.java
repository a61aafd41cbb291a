package io.kvcache.master.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import tools.jackson.databind.JsonNode;

import io.kvcache.master.support.LocalCluster;
import io.kvcache.master.support.Resp;
import io.kvcache.slave.compat.RawRedisClient;
import io.kvcache.slave.support.FreePorts;

/**
 * Metrics as an operator meets them: the guarded /actuator/prometheus of the master and of a
 * slave, checked by promtool (Debian's prometheus package, which .ci/run installs), scraped by a
 * real Prometheus on loopback, and the Grafana dashboard's every query run against that
 * Prometheus and naming only series the services export.
 */
class ObservabilityIntegrationTests {

    private static final Path DASHBOARD = Path.of("..", "helm", "kvcache", "files", "kvcache-dashboard.json");
    private static final Pattern SAMPLE_NAME = Pattern.compile("^([a-zA-Z_:][a-zA-Z0-9_:]*)[{ ]");
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private static LocalCluster cluster;
    private static String masterHttp;
    private static List<String> slaveHttp;

    @BeforeAll
    static void start() throws Exception {
        cluster = LocalCluster.builder().shards(2).replicas(2).start();
        cluster.awaitHealthy();
        masterHttp = "127.0.0.1:" + cluster.httpPort();
        slaveHttp = new ArrayList<>();
        for (JsonNode shard : cluster.getJson("/admin/slaves").path("shards")) {
            for (JsonNode replica : shard.path("replicas")) {
                slaveHttp.add(replica.path("httpAddress").asString());
            }
        }
        assertThat(slaveHttp).hasSize(4);
        try (RawRedisClient client = new RawRedisClient(cluster.clientAddress())) {
            for (int i = 0; i < 50; i++) {
                assertThat(Resp.call(client, "SET", "k" + i, "v" + i)).isEqualTo(Resp.OK);
                assertThat(Resp.call(client, "GET", "k" + i)).isEqualTo(Resp.bulk("v" + i));
            }
            assertThat(Resp.call(client, "GET", "missing")).isEqualTo(Resp.NIL);
            assertThat(Resp.call(client, "INCR", "k0")).startsWith("-ERR value is not an integer");
            assertThat(Resp.call(client, "NOSUCHCOMMAND")).startsWith("-ERR unknown command");
            assertThat(Resp.call(client, "GET")).startsWith("-ERR wrong number of arguments");
        }
    }

    @AfterAll
    static void stop() {
        cluster.close();
    }

    @Test
    void onlyHealthIsOpenWithoutTheAdminToken() throws Exception {
        for (String host : List.of(masterHttp, slaveHttp.getFirst())) {
            assertThat(status(host, "/actuator/prometheus", null)).as(host).isEqualTo(401);
            assertThat(status(host, "/actuator/prometheus", "Bearer wrong-token")).as(host).isEqualTo(401);
            assertThat(status(host, "/actuator/prometheus", "Bearer " + cluster.adminToken())).as(host).isEqualTo(200);
            assertThat(status(host, "/actuator/health/liveness", null)).as(host).isEqualTo(200);
            assertThat(status(host, "/actuator/health/readiness", null)).as(host).isEqualTo(200);
            assertThat(status(host, "/actuator/info", null)).as(host).isEqualTo(401);
            assertThat(status(host, "/actuator/info", "Bearer " + cluster.adminToken())).as(host).isEqualTo(200);
            assertThat(status(host, "/actuator/env", "Bearer " + cluster.adminToken())).as(host).isEqualTo(404);
            assertThat(status(host, "/actuator/heapdump", "Bearer " + cluster.adminToken())).as(host).isEqualTo(404);
        }
        assertThat(status(masterHttp, "/admin/slaves", null)).isEqualTo(401);
        String basic = java.util.Base64.getEncoder().encodeToString(("admin:" + cluster.adminToken()).getBytes());
        assertThat(status(masterHttp, "/admin/slaves", "Basic " + basic)).isEqualTo(200);
        assertThat(status(masterHttp, "/actuator/topology", "Bearer " + cluster.adminToken())).isEqualTo(200);
    }

    @Test
    void theMasterExportsCommandsByResultLatencyAndTheClusterAsRedisExporterNamesThem() {
        String text = scrape(masterHttp);
        assertThat(value(text, "redis_commands_total", "cmd=\"set\"")).isGreaterThanOrEqualTo(50);
        assertThat(value(text, "redis_commands_total", "cmd=\"get\"")).isGreaterThanOrEqualTo(51);
        assertThat(value(text, "redis_commands_failed_calls_total", "cmd=\"incr\"")).isEqualTo(1);
        assertThat(value(text, "redis_commands_rejected_calls_total", "cmd=\"get\"")).isEqualTo(1);
        assertThat(value(text, "kvcache_command_latency_seconds_count", "cmd=\"get\"", "result=\"ok\"")).isGreaterThanOrEqualTo(51);
        assertThat(value(text, "kvcache_command_latency_seconds_count", "cmd=\"incr\"", "result=\"error\"")).isEqualTo(1);
        assertThat(value(text, "kvcache_command_latency_seconds_bucket", "cmd=\"set\"", "result=\"ok\"", "le=\"+Inf\""))
                .isGreaterThanOrEqualTo(50);
        assertThat(value(text, "redis_errors_total", "err=\"ERR\"")).isGreaterThanOrEqualTo(3);
        assertThat(value(text, "kvcache_unsupported_commands_total")).isEqualTo(1);
        assertThat(value(text, "kvcache_shards")).isEqualTo(2);
        for (String shard : List.of("slave1", "slave2")) {
            assertThat(value(text, "kvcache_shard_up", "shard=\"" + shard + "\"")).isEqualTo(1);
            assertThat(value(text, "kvcache_failovers_total", "shard=\"" + shard + "\"")).isZero();
            assertThat(value(text, "kvcache_forward_errors_total", "shard=\"" + shard + "\"")).isZero();
            assertThat(value(text, "kvcache_proxy_queue_depth", "shard=\"" + shard + "\"")).isZero();
            for (String replica : List.of("replica1", "replica2")) {
                String tags = "replica=\"" + replica + "\"";
                assertThat(value(text, "kvcache_replica_up", "shard=\"" + shard + "\"", tags)).isEqualTo(1);
                assertThat(value(text, "kvcache_replication_lag_bytes", "shard=\"" + shard + "\"", tags))
                        .isGreaterThanOrEqualTo(0);
            }
        }
        assertThat(value(text, "kvcache_enrollments_total")).isGreaterThanOrEqualTo(4);
        assertThat(value(text, "redis_commands_processed_total")).isGreaterThanOrEqualTo(102);
    }

    @Test
    void everySlaveExportsItsStoreTaggedWithItsShardAndReplica() {
        double keys = 0;
        double hits = 0;
        for (String host : slaveHttp) {
            String text = scrape(host);
            assertThat(text).contains("shard=\"slave").contains("replica=\"replica");
            double primary = value(text, "kvcache_replication_primary");
            if (primary == 1) {
                keys += value(text, "redis_db_keys", "db=\"db0\"");
                hits += value(text, "redis_keyspace_hits_total");
                assertThat(value(text, "redis_commands_total", "cmd=\"set\"")).isPositive();
            }
            assertThat(value(text, "redis_memory_used_bytes")).isPositive();
        }
        assertThat(keys).as("keys on the primaries").isEqualTo(50);
        assertThat(hits).as("hits on the primaries").isEqualTo(50);
    }

    @Test
    void promtoolFindsNoProblemInTheMasterOrASlave() throws Exception {
        for (String host : List.of(masterHttp, slaveHttp.getFirst())) {
            Process promtool = new ProcessBuilder("promtool", "check", "metrics").redirectErrorStream(true).start();
            promtool.getOutputStream().write(scrape(host).getBytes(StandardCharsets.UTF_8));
            promtool.getOutputStream().close();
            String report = new String(promtool.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(promtool.waitFor(30, TimeUnit.SECONDS)).isTrue();
            assertThat(report).as("promtool check metrics on " + host).isEmpty();
            assertThat(promtool.exitValue()).isZero();
        }
    }

    @Test
    void aRealPrometheusScrapesTheClusterAndEveryDashboardQueryRunsOnIt(@TempDir Path dir) throws Exception {
        Path token = Files.writeString(dir.resolve("token"), cluster.adminToken());
        int port = FreePorts.next();
        Path config = Files.writeString(dir.resolve("prometheus.yml"), """
                global:
                  scrape_interval: 1s
                scrape_configs:
                  - job_name: kvcache-master
                    metrics_path: /actuator/prometheus
                    authorization: {type: Bearer, credentials_file: %s}
                    static_configs: [{targets: ['%s']}]
                  - job_name: kvcache-slaves
                    metrics_path: /actuator/prometheus
                    authorization: {type: Bearer, credentials_file: %s}
                    static_configs: [{targets: ['%s']}]
                """.formatted(token, masterHttp, token, String.join("', '", slaveHttp)));
        Process prometheus = new ProcessBuilder("prometheus", "--config.file=" + config,
                "--storage.tsdb.path=" + dir.resolve("data"), "--web.listen-address=127.0.0.1:" + port)
                .redirectErrorStream(true).redirectOutput(dir.resolve("prometheus.log").toFile()).start();
        AtomicBoolean load = new AtomicBoolean(true);
        Thread client = Thread.ofVirtual().start(() -> {
            try (RawRedisClient c = new RawRedisClient(cluster.clientAddress())) {
                for (int i = 0; load.get(); i++) {
                    Resp.call(c, "INCR", "counter");
                    Resp.call(c, "GET", "k" + (i % 60));
                }
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        try {
            String prom = "127.0.0.1:" + port;
            Awaitility.await("Prometheus sees a command rate on the master and the slaves")
                    .atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500)).ignoreExceptions()
                    .until(() -> scalar(prom, "sum(rate(redis_commands_processed_total{job=\"kvcache-master\"}[5s]))") > 0
                            && scalar(prom, "sum(rate(redis_commands_processed_total{job=\"kvcache-slaves\"}[5s]))") > 0);
            assertThat(scalar(prom, "count(up{job=\"kvcache-slaves\"} == 1)")).isEqualTo(4);

            Set<String> exported = new LinkedHashSet<>();
            exported.addAll(sampleNames(scrape(masterHttp)));
            slaveHttp.forEach(host -> exported.addAll(sampleNames(scrape(host))));
            exported.add("up"); // Prometheus's own series per target
            List<String> queries = dashboardQueries();
            assertThat(queries).hasSizeGreaterThan(20);
            for (String query : queries) {
                assertThat(DashboardQueries.metricNames(query)).as(query).isNotEmpty().allSatisfy(
                        name -> assertThat(exported).as("series named in " + query).contains(name));
                String runnable = query.replace("$__rate_interval", "10s");
                JsonNode answer = LocalCluster.json(get(prom, "/api/v1/query?query=" + encode(runnable)));
                assertThat(answer.path("status").asString()).as(runnable + ": " + answer).isEqualTo("success");
            }
            // The topology row and the lag panel have data now, not just valid syntax.
            assertThat(scalar(prom, "count(kvcache_replication_lag_bytes)")).isEqualTo(4);
            assertThat(scalar(prom, "sum(kvcache_shard_up)")).isEqualTo(2);
        } finally {
            load.set(false);
            client.join(Duration.ofSeconds(10));
            prometheus.destroy();
            if (!prometheus.waitFor(10, TimeUnit.SECONDS)) {
                prometheus.destroyForcibly();
            }
        }
    }

    private static List<String> dashboardQueries() throws IOException {
        JsonNode dashboard = LocalCluster.json(Files.readString(DASHBOARD));
        assertThat(dashboard.path("panels").isArray()).isTrue();
        List<String> queries = new ArrayList<>();
        for (JsonNode panel : dashboard.path("panels")) {
            for (JsonNode target : panel.path("targets")) {
                queries.add(target.path("expr").asString());
            }
        }
        return queries;
    }

    private static Set<String> sampleNames(String exposition) {
        Set<String> names = new LinkedHashSet<>();
        for (String line : exposition.split("\n")) {
            Matcher m = SAMPLE_NAME.matcher(line);
            if (!line.startsWith("#") && m.find()) {
                names.add(m.group(1));
            }
        }
        return names;
    }

    /** The value of the first sample of a series whose labels include every given label. */
    private static double value(String exposition, String name, String... labels) {
        for (String line : exposition.split("\n")) {
            if (!line.startsWith(name + "{") && !line.startsWith(name + " ")) {
                continue;
            }
            boolean all = true;
            for (String label : labels) {
                all &= line.contains(label);
            }
            if (all) {
                return Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            }
        }
        throw new AssertionError("no sample " + name + " " + List.of(labels));
    }

    private static String scrape(String host) {
        try {
            HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create("http://" + host + "/actuator/prometheus"))
                    .header("Authorization", "Bearer " + cluster.adminToken()).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).as("scrape " + host).isEqualTo(200);
            return r.body();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static int status(String host, String path, String authorization) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://" + host + path));
        if (authorization != null) {
            request.header("Authorization", authorization);
        }
        return HTTP.send(request.build(), HttpResponse.BodyHandlers.discarding()).statusCode();
    }

    private static String get(String host, String pathAndQuery) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create("http://" + host + pathAndQuery)).build(),
                HttpResponse.BodyHandlers.ofString()).body();
    }

    /** A query's single value (the first series), or NaN when it has none yet. */
    private static double scalar(String prom, String query) throws Exception {
        JsonNode result = LocalCluster.json(get(prom, "/api/v1/query?query=" + encode(query))).path("data").path("result");
        return result.isEmpty() ? Double.NaN : Double.parseDouble(result.get(0).path("value").get(1).asString());
    }

    private static String encode(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }
}
