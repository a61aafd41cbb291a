package io.kvcache.deploy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;

import static io.kvcache.deploy.Repo.at;
import static io.kvcache.deploy.Repo.find;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * docker-compose.yml as Debian's docker-compose reads it ({@code docker-compose config}), the
 * Prometheus configuration it mounts (and promtool's verdict on it), and Grafana's provisioning.
 */
class ComposeTest {

    static final String CLUSTER_SECRET = "test-cluster-secret";
    static final String ADMIN_TOKEN = "test-admin-token";
    static final Set<String> SLAVES = Set.of("slave1-replica1", "slave1-replica2", "slave2-replica1", "slave2-replica2");

    /** Variables the file reads: unset, so the file's own defaults are what is tested. */
    static final List<String> OPTIONAL = List.of("KVCACHE_MASTER_REQUIREPASS", "KVCACHE_MASTER_PROTECTED_MODE",
            "KVCACHE_REPLICATION_ACK", "KVCACHE_REPLICATION_MIN_REPLICAS_TO_WRITE", "KVCACHE_SLAVE_MAXMEMORY", "KVCACHE_SLAVE_MAXMEMORY_POLICY",
            "KVCACHE_IMAGE_TAG", "GRAFANA_ADMIN_PASSWORD", "PROMETHEUS_IMAGE", "GRAFANA_IMAGE",
            "COMPOSE_FILE", "COMPOSE_PROJECT_NAME", "COMPOSE_PROFILES");

    static Path emptyEnvFile;

    @BeforeAll
    static void emptyEnvFile(@TempDir Path dir) throws IOException {
        // --env-file: a developer's .env in the repository root must not change what is tested.
        emptyEnvFile = Files.createFile(dir.resolve("empty.env"));
    }

    static Repo.Result composeConfig(Map<String, String> secrets) {
        Repo.requireCommand("docker-compose", "docker-compose");
        Map<String, String> environment = new HashMap<>();
        OPTIONAL.forEach(name -> environment.put(name, null));
        environment.put("KVCACHE_CLUSTER_SECRET", null);
        environment.put("KVCACHE_ADMIN_TOKEN", null);
        environment.putAll(secrets);
        return Repo.run(List.of("docker-compose", "--env-file", emptyEnvFile.toString(), "-f", "docker-compose.yml",
                "config"), environment, Duration.ofSeconds(60));
    }

    static Map<String, Object> services() {
        Repo.Result result = composeConfig(Map.of("KVCACHE_CLUSTER_SECRET", CLUSTER_SECRET,
                "KVCACHE_ADMIN_TOKEN", ADMIN_TOKEN));
        Repo.assertSucceeded(result, "docker-compose config");
        return at(Repo.yaml(result.stdout()), "services");
    }

    /** deploy/prometheus/prometheus.yml: job name to its targets. */
    static Map<String, List<String>> prometheusJobs() {
        Map<String, List<String>> jobs = new LinkedHashMap<>();
        List<Map<String, Object>> scrapeConfigs = at(prometheusConfig(), "scrape_configs");
        for (Map<String, Object> job : scrapeConfigs) {
            List<String> targets = new ArrayList<>();
            List<Map<String, Object>> staticConfigs = at(job, "static_configs");
            staticConfigs.forEach(sc -> targets.addAll(at(sc, "targets")));
            jobs.put(at(job, "job_name"), targets);
        }
        return jobs;
    }

    static Map<String, Object> prometheusConfig() {
        return Repo.yaml(Repo.read("deploy/prometheus/prometheus.yml"));
    }

    @Test
    void composeRunsAMasterFourSlavesPrometheusAndGrafana() {
        Map<String, Object> services = services();

        Set<String> expected = new HashSet<>(SLAVES);
        expected.addAll(Set.of("master", "prometheus", "grafana"));
        assertThat(services.keySet()).containsExactlyInAnyOrderElementsOf(expected);

        Map<String, Object> master = at(services, "master");
        assertThat((String) at(master, "build", "context")).endsWith("cache-master");
        assertThat((String) at(master, "image")).isEqualTo("kvcache/master:0.1.0");
        assertThat((Map<String, Object>) at(master, "environment"))
                .containsEntry("KVCACHE_CLUSTER_SECRET", CLUSTER_SECRET)
                .containsEntry("KVCACHE_ADMIN_TOKEN", ADMIN_TOKEN)
                .containsEntry("KVCACHE_MASTER_REQUIREPASS", "")
                // the host's clients arrive through Docker's bridge, not loopback; 6666 is on 127.0.0.1 only
                .containsEntry("KVCACHE_MASTER_PROTECTED_MODE", "no");

        Set<List<String>> shardReplicaPairs = new HashSet<>();
        Set<String> shards = new HashSet<>();
        for (String name : SLAVES) {
            Map<String, Object> slave = at(services, name);
            Map<String, Object> env = at(slave, "environment");
            assertThat((String) at(slave, "build", "context")).as(name).endsWith("cache-slave");
            assertThat((String) at(slave, "image")).as(name).isEqualTo("kvcache/slave:0.1.0");
            assertThat(env).as(name)
                    .containsEntry("KVCACHE_SLAVE_MASTER", "master:" + dockerfileEnv("cache-master", "KVCACHE_MASTER_ENROLLMENT_PORT"))
                    .containsEntry("KVCACHE_SLAVE_ADVERTISED_HOST", name)
                    .containsEntry("KVCACHE_CLUSTER_SECRET", CLUSTER_SECRET)
                    .containsEntry("KVCACHE_ADMIN_TOKEN", ADMIN_TOKEN)
                    .containsEntry("KVCACHE_REPLICATION_ACK", "replicas")
                    // 2 replicas per shard: an acknowledged write lives on both (docs/replication.md)
                    .containsEntry("KVCACHE_REPLICATION_MIN_REPLICAS_TO_WRITE", "1")
                    // at most half the heap (75% of mem_limit 1g): docs/operations.md
                    .containsEntry("KVCACHE_SLAVE_MAXMEMORY", "320mb")
                    .containsEntry("KVCACHE_SLAVE_MAXMEMORY_POLICY", "allkeys-lru");
            String shard = (String) env.get("KVCACHE_SLAVE_SHARD");
            String replica = (String) env.get("KVCACHE_SLAVE_REPLICA_ID");
            assertThat(name).isEqualTo(shard + "-" + replica);
            assertThat(shardReplicaPairs.add(List.of(shard, replica))).as("(%s, %s) twice", shard, replica).isTrue();
            shards.add(shard);
            assertThat(published(slave)).as("%s publishes nothing", name).isEmpty();
        }
        assertThat(shards).containsExactlyInAnyOrder("slave1", "slave2");

        // Published on the host's loopback only.
        assertThat(published(master)).containsExactlyInAnyOrder("127.0.0.1:6666->6666", "127.0.0.1:8080->8080");
        assertThat(published(at(services, "prometheus"))).containsExactly("127.0.0.1:9090->9090");
        assertThat(published(at(services, "grafana"))).containsExactly("127.0.0.1:3000->3000");
    }

    @Test
    void clusterSecretAndAdminTokenAreRequired() {
        Repo.Result noSecret = composeConfig(Map.of("KVCACHE_ADMIN_TOKEN", ADMIN_TOKEN));
        Repo.Result noToken = composeConfig(Map.of("KVCACHE_CLUSTER_SECRET", CLUSTER_SECRET));

        assertThat(noSecret.exitCode()).as(noSecret.output()).isNotZero();
        assertThat(noSecret.output()).contains("KVCACHE_CLUSTER_SECRET");
        assertThat(noToken.exitCode()).as(noToken.output()).isNotZero();
        assertThat(noToken.output()).contains("KVCACHE_ADMIN_TOKEN");
    }

    @Test
    void prometheusScrapesTheMasterAndEverySlaveWithTheAdminToken() {
        Map<String, Object> services = services();
        Map<String, Object> prometheus = at(services, "prometheus");

        // Targets: the master's and each slave's HTTP port, as their images set it.
        String masterHttp = dockerfileEnv("cache-master", "KVCACHE_MASTER_HTTP_PORT");
        String slaveHttp = dockerfileEnv("cache-slave", "KVCACHE_SLAVE_HTTP_PORT");
        Map<String, List<String>> jobs = prometheusJobs();
        assertThat(jobs.get("kvcache-master")).containsExactly("master:" + masterHttp);
        assertThat(jobs.get("kvcache-slaves")).containsExactlyInAnyOrderElementsOf(
                SLAVES.stream().map(s -> s + ":" + slaveHttp).toList());
        assertThat(jobs).hasSize(2);

        // Each job: /actuator/prometheus, Bearer token from the file the compose service writes,
        // namespace label, and no target label that would rename the slaves' own shard/replica.
        // docker-compose config prints a compose file again: "$$" there is one "$" in the container.
        String command = String.join(" ", (List<String>) at(prometheus, "command")).replace("$$", "$");
        List<Map<String, Object>> scrapeConfigs = at(prometheusConfig(), "scrape_configs");
        for (Map<String, Object> job : scrapeConfigs) {
            assertThat(job).containsEntry("metrics_path", "/actuator/prometheus");
            assertThat((String) at(job, "authorization", "type")).isEqualTo("Bearer");
            String credentialsFile = at(job, "authorization", "credentials_file");
            assertThat(command).contains("\"$KVCACHE_ADMIN_TOKEN\" > " + credentialsFile);
            assertThat(tmpfs(prometheus)).as("the token is written to a tmpfs")
                    .contains(Path.of(credentialsFile).getParent().toString());
            List<Map<String, Object>> staticConfigs = at(job, "static_configs");
            for (Map<String, Object> sc : staticConfigs) {
                Map<String, Object> labels = at(sc, "labels");
                assertThat(labels).containsEntry("namespace", "kvcache").doesNotContainKeys("shard", "replica", "role");
            }
        }
        assertThat((Map<String, Object>) at(prometheus, "environment")).containsEntry("KVCACHE_ADMIN_TOKEN", ADMIN_TOKEN);

        // The configuration Prometheus reads is this file.
        Matcher configFile = Pattern.compile("--config\\.file=(\\S+)").matcher(command);
        assertThat(configFile.find()).as(command).isTrue();
        assertThat(mounts(prometheus)).containsEntry(configFile.group(1),
                Repo.path("deploy/prometheus/prometheus.yml").toString());
    }

    @Test
    void promtoolAcceptsThePrometheusConfig(@TempDir Path dir) throws IOException {
        Repo.requireCommand("promtool", "prometheus");
        Repo.Result syntax = Repo.run(List.of("promtool", "check", "config", "--syntax-only",
                "deploy/prometheus/prometheus.yml"), Map.of(), Duration.ofSeconds(30));
        Repo.assertSucceeded(syntax, "promtool check config --syntax-only");

        // The full check also wants the token file: the same config, the file in a temp dir.
        Path token = Files.writeString(dir.resolve("admin-token"), ADMIN_TOKEN);
        String config = Repo.read("deploy/prometheus/prometheus.yml")
                .replace("/run/kvcache/admin-token", token.toString());
        assertThat(config).contains(token.toString());
        Path copy = Files.writeString(dir.resolve("prometheus.yml"), config);
        Repo.Result full = Repo.run(List.of("promtool", "check", "config", copy.toString()), Map.of(),
                Duration.ofSeconds(30));
        Repo.assertSucceeded(full, "promtool check config");
        assertThat(full.output()).contains("SUCCESS");
    }

    @Test
    void grafanaGetsThePrometheusDatasourceAndTheDashboard() {
        Map<String, Object> grafana = at(services(), "grafana");
        Map<String, String> mounts = mounts(grafana);

        // Provisioning directory: the datasource, uid "prometheus", at the compose service.
        assertThat(mounts).containsEntry("/etc/grafana/provisioning", Repo.path("deploy/grafana/provisioning").toString());
        List<Map<String, Object>> datasources = at(Repo.yaml(
                Repo.read("deploy/grafana/provisioning/datasources/prometheus.yml")), "datasources");
        assertThat(datasources).hasSize(1);
        assertThat(datasources.getFirst())
                .containsEntry("uid", "prometheus")
                .containsEntry("type", "prometheus")
                .containsEntry("url", "http://prometheus:9090");

        // The dashboard file is mounted where the dashboards provider looks.
        List<Map<String, Object>> providers = at(Repo.yaml(
                Repo.read("deploy/grafana/provisioning/dashboards/kvcache.yml")), "providers");
        String providerPath = at(providers.getFirst(), "options", "path");
        String dashboard = Repo.path("helm/kvcache/files/kvcache-dashboard.json").toString();
        assertThat(mounts).containsValue(dashboard);
        String target = mounts.entrySet().stream().filter(e -> e.getValue().equals(dashboard))
                .map(Map.Entry::getKey).findFirst().orElseThrow();
        assertThat(Path.of(target).getParent()).isEqualTo(Path.of(providerPath));
    }

    @Test
    void dashboardIsJsonAndUsesOnlyThisDatasourceAndTheseJobs() {
        JsonNode dashboard = new ObjectMapper().readTree(Repo.read("helm/kvcache/files/kvcache-dashboard.json"));
        assertThat(dashboard.isObject()).isTrue();

        List<String> datasourceUids = new ArrayList<>();
        collectDatasourceUids(dashboard, datasourceUids);
        assertThat(datasourceUids).allMatch(uid -> uid.equals("prometheus") || uid.startsWith("${"),
                "the provisioned uid 'prometheus' or a dashboard variable");

        Matcher job = Pattern.compile("job=~?\"([^\"]+)\"").matcher(dashboard.toString().replace("\\\"", "\""));
        Set<String> jobsInDashboard = new HashSet<>();
        while (job.find()) {
            jobsInDashboard.add(job.group(1));
        }
        assertThat(prometheusJobs().keySet()).containsAll(jobsInDashboard);
    }

    // helpers

    private static void collectDatasourceUids(JsonNode node, List<String> uids) {
        if (node.isObject()) {
            JsonNode datasource = node.get("datasource");
            if (datasource != null && datasource.isObject() && datasource.has("uid")) {
                uids.add(datasource.get("uid").asString());
            }
            node.values().forEach(child -> collectDatasourceUids(child, uids));
        } else if (node.isArray()) {
            node.values().forEach(child -> collectDatasourceUids(child, uids));
        }
    }

    /** A value its image's Dockerfile sets with ENV (the default compose relies on). */
    static String dockerfileEnv(String module, String variable) {
        Matcher m = Pattern.compile("\\b" + variable + "=(\\S+)").matcher(Repo.read(module + "/Dockerfile"));
        assertThat(m.find()).as("%s/Dockerfile sets %s", module, variable).isTrue();
        return m.group(1);
    }

    /** Published ports as "hostIp:published->target", whichever syntax docker-compose printed. */
    private static List<String> published(Map<String, Object> service) {
        List<Object> ports = find(service, "ports");
        List<String> result = new ArrayList<>();
        if (ports == null) {
            return result;
        }
        for (Object port : ports) {
            if (port instanceof Map<?, ?> p) {
                result.add(p.get("host_ip") + ":" + p.get("published") + "->" + p.get("target"));
            } else {
                String[] parts = port.toString().replaceAll("/tcp$", "").split(":");
                assertThat(parts).as("port %s", port).hasSize(3);
                result.add(parts[0] + ":" + parts[1] + "->" + parts[2]);
            }
        }
        return result;
    }

    private static List<String> tmpfs(Map<String, Object> service) {
        Object tmpfs = at(service, "tmpfs");
        List<String> paths = new ArrayList<>();
        for (Object entry : tmpfs instanceof List<?> list ? list : List.of(tmpfs)) {
            paths.add(entry.toString().split(":")[0]);
        }
        return paths;
    }

    /** Bind mounts as container path to host path, whichever syntax docker-compose printed. */
    private static Map<String, String> mounts(Map<String, Object> service) {
        List<Object> volumes = at(service, "volumes");
        Map<String, String> result = new HashMap<>();
        for (Object volume : volumes) {
            if (volume instanceof Map<?, ?> v) {
                result.put((String) v.get("target"), (String) v.get("source"));
            } else {
                String[] parts = volume.toString().split(":");
                result.put(parts[1], parts[0]);
            }
        }
        return result;
    }
}
