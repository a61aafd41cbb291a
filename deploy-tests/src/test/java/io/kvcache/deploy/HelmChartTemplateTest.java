package io.kvcache.deploy;

import java.util.Base64;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.IntStream;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import static io.kvcache.deploy.Chart.containers;
import static io.kvcache.deploy.Chart.env;
import static io.kvcache.deploy.Chart.envValue;
import static io.kvcache.deploy.Chart.name;
import static io.kvcache.deploy.Chart.named;
import static io.kvcache.deploy.Chart.ofKind;
import static io.kvcache.deploy.Repo.at;
import static io.kvcache.deploy.Repo.find;
import static org.assertj.core.api.Assertions.assertThat;

/** {@code helm template} of helm/kvcache, parsed, and what the manifests must say. */
class HelmChartTemplateTest {

    static final String FULLNAME = "kvcache";
    static final String MASTER = "kvcache-master";
    static final String ENROLLMENT = "kvcache-master-enrollment";

    /** A rendering: the values set, and the shape they ask for. */
    record Case(String name, Map<String, Object> values, int shards, int replicas, String secretName,
                String clusterSecretKey, String adminTokenKey) {
        @Override
        public String toString() {
            return name;
        }
    }

    static final Case DEFAULTS = new Case("defaults", Map.of(), 2, 2, FULLNAME, "cluster-secret", "admin-token");
    static final Case FOUR_BY_THREE = new Case("4 shards x 3 replicas",
            Map.of("slave.shards", 4, "slave.replicaCount", 3), 4, 3, FULLNAME, "cluster-secret", "admin-token");
    static final Case ALL_OPTIONS = new Case("all options, existingSecret", withCustomKeys(), 2, 2,
            "kvcache-credentials", "cluster", "token");

    private static Map<String, Object> withCustomKeys() {
        Map<String, Object> values = new HashMap<>(HelmChartLintTest.ALL_OPTIONS);
        values.put("auth.existingSecretClusterSecretKey", "cluster");
        values.put("auth.existingSecretAdminTokenKey", "token");
        return values;
    }

    static Stream<Arguments> cases() {
        return Stream.of(DEFAULTS, FOUR_BY_THREE, ALL_OPTIONS).map(Arguments::of);
    }

    @AfterEach
    void forgetSecrets() {
        StubKubernetesApi.get().clearSecrets();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void masterServiceExposesClientAndHttpPortsAndEnrollmentHasItsOwnClusterIpService(Case c) {
        List<Map<String, Object>> docs = Chart.render(c.values());

        Map<String, Object> master = named(docs, "Service", MASTER);
        assertThat(ports(master)).containsExactlyInAnyOrderEntriesOf(Map.of("redis", 6666, "http", 8080));
        Map<String, Object> enrollment = named(docs, "Service", ENROLLMENT);
        assertThat(ports(enrollment)).containsExactlyEntriesOf(Map.of("enrollment", 6667));
        assertThat((String) at(enrollment, "spec", "type")).isEqualTo("ClusterIP");

        // Both select the master pod, and only it.
        Map<String, Object> deployment = named(docs, "Deployment", MASTER);
        assertThat((Integer) at(deployment, "spec", "replicas")).isEqualTo(1);
        Map<String, Object> podLabels = at(deployment, "spec", "template", "metadata", "labels");
        for (Map<String, Object> service : List.of(master, enrollment)) {
            Map<String, Object> selector = at(service, "spec", "selector");
            assertThat(podLabels).containsAllEntriesOf(selector);
            for (Map<String, Object> sts : ofKind(docs, "StatefulSet")) {
                assertThat((Map<String, Object>) at(sts, "spec", "template", "metadata", "labels"))
                        .as("%s must not select slave pods", name(service))
                        .doesNotContainEntry("app.kubernetes.io/component", selector.get("app.kubernetes.io/component"));
            }
        }
        // The target ports are container ports of the master.
        Map<String, Object> masterContainer = containers(deployment).getFirst();
        assertThat(containerPorts(masterContainer))
                .containsExactlyInAnyOrderEntriesOf(Map.of("redis", 6666, "enrollment", 6667, "http", 8080));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void oneStatefulSetPerShardWithReplicaCountPodsAHeadlessServiceAndAPdb(Case c) {
        List<Map<String, Object>> docs = Chart.render(c.values());

        List<Map<String, Object>> statefulSets = ofKind(docs, "StatefulSet");
        List<String> expectedNames = IntStream.rangeClosed(1, c.shards()).mapToObj(i -> FULLNAME + "-slave" + i).toList();
        assertThat(statefulSets).extracting(Chart::name).containsExactlyInAnyOrderElementsOf(expectedNames);
        assertThat(ofKind(docs, "PodDisruptionBudget")).hasSize(c.shards());

        Set<String> shardsSeen = new HashSet<>();
        for (Map<String, Object> sts : statefulSets) {
            String shard = name(sts).substring(FULLNAME.length() + 1);
            assertThat((Integer) at(sts, "spec", "replicas")).as("replicas of %s", name(sts)).isEqualTo(c.replicas());

            Map<String, Object> selector = at(sts, "spec", "selector", "matchLabels");
            Map<String, Object> podLabels = at(sts, "spec", "template", "metadata", "labels");
            assertThat(podLabels).as("pod labels of %s contain its selector", name(sts)).containsAllEntriesOf(selector);
            assertThat(selector).containsEntry("kvcache.io/shard", shard);

            Map<String, Object> slave = containers(sts).getFirst();
            assertThat(envValue(slave, "KVCACHE_SLAVE_SHARD")).isEqualTo(shard);
            assertThat(shardsSeen.add(envValue(slave, "KVCACHE_SLAVE_SHARD"))).isTrue();

            // The headless Service the StatefulSet names exists and selects exactly this shard.
            Map<String, Object> headless = named(docs, "Service", at(sts, "spec", "serviceName"));
            assertThat((String) at(headless, "spec", "clusterIP")).isEqualTo("None");
            assertThat((Map<String, Object>) at(headless, "spec", "selector")).isEqualTo(selector);
            assertThat(ports(headless)).containsExactlyInAnyOrderEntriesOf(Map.of("data", 7001, "http", 8001));

            // Its PDB: at most one pod of this shard down, selecting this shard only.
            Map<String, Object> pdb = named(docs, "PodDisruptionBudget", name(sts));
            assertThat((Integer) at(pdb, "spec", "maxUnavailable")).isEqualTo(1);
            assertThat((Map<String, Object>) at(pdb, "spec", "selector", "matchLabels")).isEqualTo(selector);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void everyContainerHasActuatorProbesOnItsHttpPort(Case c) {
        List<Map<String, Object>> docs = Chart.render(c.values());

        List<Map<String, Object>> workloads = workloads(docs);
        assertThat(workloads).hasSize(1 + c.shards());
        for (Map<String, Object> workload : workloads) {
            for (Map<String, Object> container : containers(workload)) {
                String what = name(workload) + "/" + container.get("name");
                assertThat(containerPorts(container)).as(what).containsKey("http");
                assertThat((String) at(container, "livenessProbe", "httpGet", "path")).as(what)
                        .isEqualTo("/actuator/health/liveness");
                assertThat((Object) at(container, "livenessProbe", "httpGet", "port")).as(what).isEqualTo("http");
                assertThat((String) at(container, "readinessProbe", "httpGet", "path")).as(what)
                        .isEqualTo("/actuator/health/readiness");
                assertThat((Object) at(container, "readinessProbe", "httpGet", "port")).as(what).isEqualTo("http");
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void secretsComeFromTheSecretAndNeverAsLiterals(Case c) {
        List<Map<String, Object>> docs = Chart.render(c.values());

        for (Map<String, Object> workload : workloads(docs)) {
            for (Map<String, Object> container : containers(workload)) {
                String what = name(workload) + "/" + container.get("name");
                assertSecretRef(container, "KVCACHE_CLUSTER_SECRET", c.secretName(), c.clusterSecretKey(), what);
                assertSecretRef(container, "KVCACHE_ADMIN_TOKEN", c.secretName(), c.adminTokenKey(), what);
                List<Map<String, Object>> env = at(container, "env");
                for (Map<String, Object> variable : env) {
                    String name = (String) variable.get("name");
                    if (name.matches(".*(SECRET|PASS|TOKEN).*")) {
                        assertThat(variable).as("%s env %s", what, name).doesNotContainKey("value");
                    }
                }
            }
        }
        Map<String, Object> master = containers(named(docs, "Deployment", MASTER)).getFirst();
        assertThat((String) at(env(master, "KVCACHE_MASTER_REQUIREPASS"), "valueFrom", "secretKeyRef", "name"))
                .isEqualTo(c.secretName());

        if (c.secretName().equals(FULLNAME)) {
            // The chart's own Secret holds every key the pods read, each a non-empty generated value.
            Map<String, String> data = at(named(docs, "Secret", FULLNAME), "data");
            assertThat(data).containsOnlyKeys("cluster-secret", "admin-token", "redis-password");
            data.forEach((key, value) ->
                    assertThat(new String(Base64.getDecoder().decode(value))).as(key).hasSize(32).isAlphanumeric());
            assertThat(Set.copyOf(data.values())).as("three distinct values").hasSize(3);
        } else {
            assertThat(ofKind(docs, "Secret")).as("no Secret when auth.existingSecret is set").isEmpty();
        }
    }

    @Test
    void givenValuesAreUsedAndAnUpgradeKeepsTheGeneratedOnes() {
        // Given values win.
        Map<String, String> given = at(named(Chart.render(Map.of(
                "auth.clusterSecret", "given-cluster-secret",
                "auth.password", "given-password",
                "auth.adminToken", "given-token")), "Secret", FULLNAME), "data");
        assertThat(decode(given)).isEqualTo(Map.of(
                "cluster-secret", "given-cluster-secret",
                "redis-password", "given-password",
                "admin-token", "given-token"));

        // Upgrade: the Secret exists in the cluster (served by the stub API), its values are kept.
        Map<String, String> existing = Map.of(
                "cluster-secret", b64("kept-cluster-secret"),
                "admin-token", b64("kept-admin-token"),
                "redis-password", b64("kept-password"));
        StubKubernetesApi api = StubKubernetesApi.get();
        api.putSecret(Chart.NAMESPACE, FULLNAME, """
                {"apiVersion":"v1","kind":"Secret","type":"Opaque",
                 "metadata":{"name":"%s","namespace":"%s"},
                 "data":{"cluster-secret":"%s","admin-token":"%s","redis-password":"%s"}}"""
                .formatted(FULLNAME, Chart.NAMESPACE, existing.get("cluster-secret"),
                        existing.get("admin-token"), existing.get("redis-password")));
        Map<String, String> upgraded = at(named(Chart.render(Map.of()), "Secret", FULLNAME), "data");
        assertThat(upgraded).isEqualTo(existing);
        assertThat(api.requests()).contains("GET /api/v1/namespaces/cache/secrets/kvcache");

        // A fresh install (no Secret yet) generates new ones.
        api.clearSecrets();
        Map<String, String> fresh = at(named(Chart.render(Map.of()), "Secret", FULLNAME), "data");
        assertThat(decode(fresh).values()).noneMatch(value -> value.startsWith("kept-"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void slavesEnrollAtTheEnrollmentServiceAndAdvertiseTheirPod(Case c) {
        List<Map<String, Object>> docs = Chart.render(c.values());
        Map<String, Object> enrollment = named(docs, "Service", ENROLLMENT);

        for (Map<String, Object> sts : ofKind(docs, "StatefulSet")) {
            Map<String, Object> slave = containers(sts).getFirst();
            String master = envValue(slave, "KVCACHE_SLAVE_MASTER");
            assertThat(master).isEqualTo(ENROLLMENT + "." + Chart.NAMESPACE + ".svc.cluster.local:6667");
            String host = master.substring(0, master.indexOf('.'));
            int port = Integer.parseInt(master.substring(master.lastIndexOf(':') + 1));
            assertThat(host).isEqualTo(name(enrollment));
            assertThat(ports(enrollment)).containsValue(port);

            assertThat((String) at(env(slave, "KVCACHE_SLAVE_REPLICA_ID"), "valueFrom", "fieldRef", "fieldPath"))
                    .isEqualTo("metadata.name");
            assertThat((String) at(env(slave, "KVCACHE_SLAVE_ADVERTISED_HOST"), "valueFrom", "fieldRef", "fieldPath"))
                    .isEqualTo("status.podIP");
            assertThat(envValue(slave, "KVCACHE_SLAVE_BIND")).isEqualTo("0.0.0.0");
            assertThat(envValue(slave, "KVCACHE_REPLICATION_ACK")).isEqualTo("replicas");
            assertThat(envValue(slave, "KVCACHE_SLAVE_MAXMEMORY")).isEqualTo("320mb");
            assertThat(envValue(slave, "KVCACHE_SLAVE_MAXMEMORY_POLICY")).isEqualTo("allkeys-lru");
            assertThat(envValue(slave, "KVCACHE_SLAVE_MAXMEMORY_SAMPLES")).isEqualTo("5");
        }
        Map<String, Object> master = containers(named(docs, "Deployment", MASTER)).getFirst();
        assertThat(envValue(master, "KVCACHE_MASTER_BIND")).isEqualTo("0.0.0.0");
        assertThat(envValue(master, "KVCACHE_MASTER_PROTECTED_MODE")).as("Redis's protected mode, on").isEqualTo("true");
        assertThat(envValue(master, "KVCACHE_MASTER_ENROLLMENT_PORT")).isEqualTo("6667");
    }

    @Test
    void minReplicasToWriteIsOneWhereAShardHasTwoPodsUnlessGiven() {
        List<Map<String, Object>> docs = Chart.render(Map.of("slave.replicaCountPerShard.slave2", 1));
        Map<String, String> byShard = new java.util.TreeMap<>();
        for (Map<String, Object> sts : ofKind(docs, "StatefulSet")) {
            byShard.put(name(sts), envValue(containers(sts).getFirst(), "KVCACHE_REPLICATION_MIN_REPLICAS_TO_WRITE"));
        }
        assertThat(byShard).containsExactly(Map.entry(FULLNAME + "-slave1", "1"), Map.entry(FULLNAME + "-slave2", "0"));

        for (Map<String, Object> sts : ofKind(Chart.render(Map.of("slave.minReplicasToWrite", 2)), "StatefulSet")) {
            assertThat(envValue(containers(sts).getFirst(), "KVCACHE_REPLICATION_MIN_REPLICAS_TO_WRITE")).isEqualTo("2");
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void podsRunAsNonRootOnAReadOnlyRootWithAWritableTmp(Case c) {
        List<Map<String, Object>> docs = Chart.render(c.values());

        for (Map<String, Object> workload : workloads(docs)) {
            Map<String, Object> pod = at(workload, "spec", "template", "spec");
            assertThat(pod).as(name(workload)).containsEntry("enableServiceLinks", false)
                    .containsEntry("automountServiceAccountToken", false);
            List<Map<String, Object>> volumes = at(pod, "volumes");
            for (Map<String, Object> container : containers(workload)) {
                String what = name(workload) + "/" + container.get("name");
                Map<String, Object> security = at(container, "securityContext");
                assertThat(security).as(what)
                        .containsEntry("runAsNonRoot", true)
                        .containsEntry("runAsUser", 1001)
                        .containsEntry("readOnlyRootFilesystem", true)
                        .containsEntry("allowPrivilegeEscalation", false)
                        .containsEntry("privileged", false)
                        .doesNotContainKey("enabled");
                assertThat((List<String>) at(security, "capabilities", "drop")).as(what).containsExactly("ALL");
                assertThat((String) at(security, "seccompProfile", "type")).as(what).isEqualTo("RuntimeDefault");

                List<Map<String, Object>> mounts = at(container, "volumeMounts");
                Map<String, Object> tmp = mounts.stream().filter(m -> "/tmp".equals(m.get("mountPath")))
                        .findFirst().orElseThrow(() -> new AssertionError(what + " mounts nothing at /tmp"));
                assertThat(volumes).as(what).anySatisfy(volume -> {
                    assertThat(volume.get("name")).isEqualTo(tmp.get("name"));
                    assertThat(volume).containsKey("emptyDir");
                });
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void everyResourceCarriesTheStandardLabels(Case c) {
        List<Map<String, Object>> docs = Chart.render(c.values());

        assertThat(docs).isNotEmpty();
        for (Map<String, Object> doc : docs) {
            Map<String, Object> labels = at(doc, "metadata", "labels");
            assertThat(labels).as(doc.get("kind") + "/" + name(doc))
                    .containsEntry("app.kubernetes.io/name", "kvcache")
                    .containsEntry("app.kubernetes.io/instance", Chart.RELEASE)
                    .containsEntry("app.kubernetes.io/managed-by", "Helm")
                    .containsEntry("app.kubernetes.io/version", "0.1.0")
                    .containsEntry("helm.sh/chart", "kvcache-0.1.0");
            assertThat((String) at(doc, "metadata", "namespace")).isEqualTo(Chart.NAMESPACE);
        }
        for (Map<String, Object> doc : docs) {
            String kind = (String) doc.get("kind");
            if (Set.of("Deployment", "StatefulSet", "Service", "PodDisruptionBudget").contains(kind)) {
                assertThat((Map<String, Object>) at(doc, "metadata", "labels")).as(kind + "/" + name(doc))
                        .containsKey("app.kubernetes.io/component");
            }
        }
        assertThat((String) at(containers(named(docs, "Deployment", MASTER)).getFirst(), "image"))
                .isEqualTo("docker.io/kvcache/master:0.1.0");
        assertThat((String) at(containers(ofKind(docs, "StatefulSet").getFirst()).getFirst(), "image"))
                .isEqualTo("docker.io/kvcache/slave:0.1.0");
    }

    @Test
    void serviceMonitorScrapesMasterAndSlavesWithTheAdminToken() {
        List<Map<String, Object>> docs = Chart.render(ALL_OPTIONS.values());

        Map<String, Object> monitor = named(docs, "ServiceMonitor", FULLNAME);
        List<Map<String, Object>> endpoints = at(monitor, "spec", "endpoints");
        assertThat(endpoints).hasSize(1);
        Map<String, Object> endpoint = endpoints.getFirst();
        assertThat(endpoint).containsEntry("port", "http").containsEntry("path", "/actuator/prometheus");
        assertThat((String) at(endpoint, "authorization", "type")).isEqualTo("Bearer");
        assertThat((Map<String, Object>) at(endpoint, "authorization", "credentials"))
                .isEqualTo(Map.of("name", "kvcache-credentials", "key", "token"));

        // It selects the master's client Service and every shard's headless Service, each with an
        // http port, and names their jobs as docker-compose's Prometheus and the dashboard do.
        Map<String, Object> selector = at(monitor, "spec", "selector", "matchLabels");
        List<Map<String, Object>> expressions = at(monitor, "spec", "selector", "matchExpressions");
        assertThat(expressions).containsExactly(Map.of("key", "kvcache.io/job", "operator", "Exists"));
        String jobLabel = at(monitor, "spec", "jobLabel");
        Map<String, String> jobs = new HashMap<>();
        for (Map<String, Object> service : ofKind(docs, "Service")) {
            Map<String, Object> labels = at(service, "metadata", "labels");
            if (labels.entrySet().containsAll(selector.entrySet()) && labels.containsKey("kvcache.io/job")) {
                assertThat(ports(service)).as(name(service)).containsKey("http");
                jobs.put(name(service), (String) labels.get(jobLabel));
            }
        }
        assertThat(jobs).isEqualTo(Map.of(
                MASTER, "kvcache-master",
                "kvcache-slave1-headless", "kvcache-slaves",
                "kvcache-slave2-headless", "kvcache-slaves"));
        assertThat(Set.copyOf(jobs.values())).isEqualTo(ComposeTest.prometheusJobs().keySet());
        assertThat((List<String>) at(monitor, "spec", "namespaceSelector", "matchNames")).containsExactly(Chart.NAMESPACE);
    }

    @Test
    void networkPolicyLetsOnlyThisReleasesSlavesEnroll() {
        List<Map<String, Object>> docs = Chart.render(ALL_OPTIONS.values());

        Map<String, Object> policy = named(docs, "NetworkPolicy", MASTER);
        Map<String, Object> masterPods = at(named(docs, "Deployment", MASTER), "spec", "template", "metadata", "labels");
        assertThat(masterPods).containsAllEntriesOf(at(policy, "spec", "podSelector", "matchLabels"));

        List<Map<String, Object>> ingress = at(policy, "spec", "ingress");
        Map<String, Object> enrollRule = ingress.stream()
                .filter(rule -> ((List<Map<String, Object>>) rule.get("ports")).stream().anyMatch(p -> Integer.valueOf(6667).equals(p.get("port"))))
                .findFirst().orElseThrow(() -> new AssertionError("no ingress rule for 6667"));
        List<Map<String, Object>> from = at(enrollRule, "from");
        assertThat(from).hasSize(1);
        Map<String, Object> allowed = at(from.getFirst(), "podSelector", "matchLabels");
        for (Map<String, Object> sts : ofKind(docs, "StatefulSet")) {
            assertThat((Map<String, Object>) at(sts, "spec", "template", "metadata", "labels")).containsAllEntriesOf(allowed);
        }
        assertThat(masterPods).as("the master itself is not a slave").doesNotContainEntry(
                "app.kubernetes.io/component", allowed.get("app.kubernetes.io/component"));

        // allowExternal=false: clients need the client label.
        Map<String, Object> clientRule = ingress.stream()
                .filter(rule -> ((List<Map<String, Object>>) rule.get("ports")).stream().anyMatch(p -> Integer.valueOf(6666).equals(p.get("port"))))
                .findFirst().orElseThrow();
        assertThat(clientRule.toString()).contains("kvcache-client=true");
        assertThat(named(docs, "NetworkPolicy", "kvcache-slave")).isNotNull();
    }

    @Test
    void grafanaDashboardConfigMapShipsTheDashboardFile() {
        List<Map<String, Object>> docs = Chart.render(ALL_OPTIONS.values());

        Map<String, Object> configMap = named(docs, "ConfigMap", "kvcache-dashboard");
        assertThat((Map<String, Object>) at(configMap, "metadata", "labels")).containsEntry("grafana_dashboard", "1");
        assertThat(((String) at(configMap, "data", "kvcache-dashboard.json")).strip())
                .isEqualTo(Repo.read("helm/kvcache/files/kvcache-dashboard.json").strip());
    }

    @Test
    void notesSayWhereToConnectAndHowToReadThePassword() {
        String notes = Chart.notes(Map.of());
        assertThat(notes)
                .contains("kvcache-master.cache.svc.cluster.local:6666")
                .contains("kvcache-master-enrollment.cache.svc.cluster.local:6667")
                .contains("kvcache-slave2-<ordinal>.kvcache-slave2-headless.cache.svc.cluster.local:7001")
                .contains("kubectl get secret --namespace cache kvcache -o jsonpath=\"{.data.redis-password}\" | base64 -d")
                .contains("redis-cli -h kvcache-master -p 6666")
                .contains("kubectl port-forward --namespace cache svc/kvcache-master 6666:6666 8080:8080")
                .contains("jsonpath=\"{.data.cluster-secret}\"")
                .contains("REDISCLI_AUTH=$KVCACHE_CLUSTER_SECRET redis-cli -h 127.0.0.1 -p 7001");
        assertThat(Chart.notes(Map.of("metrics.serviceMonitor.enabled", true)))
                .contains("networkPolicy.metrics.ingressNSMatchLabels");

        // With a Secret of one's own, and a NetworkPolicy that wants the client label.
        String custom = Chart.notes(Map.of("auth.existingSecret", "mine", "auth.existingSecretPasswordKey", "pw",
                "networkPolicy.enabled", true, "networkPolicy.allowExternal", false));
        assertThat(custom)
                .contains("kubectl get secret --namespace cache mine -o jsonpath=\"{.data.pw}\"")
                .contains("--labels=\"kvcache-client=true\"");
    }

    @Test
    void networkPolicyLetsOnlyThisReleasesPodsReachTheSlavesDataAndHttpPorts() {
        List<Map<String, Object>> docs = Chart.render(Map.of());

        Map<String, Object> policy = named(docs, "NetworkPolicy", "kvcache-slave");
        for (Map<String, Object> sts : ofKind(docs, "StatefulSet")) {
            assertThat((Map<String, Object>) at(sts, "spec", "template", "metadata", "labels"))
                    .containsAllEntriesOf(at(policy, "spec", "podSelector", "matchLabels"));
        }
        assertThat((List<String>) at(policy, "spec", "policyTypes")).contains("Ingress");
        Map<String, Object> release = Map.of("app.kubernetes.io/name", "kvcache", "app.kubernetes.io/instance", "kvcache");
        List<Map<String, Object>> ingress = at(policy, "spec", "ingress");
        assertThat(ingress).as("a rule for the slaves' ports").isNotEmpty();
        for (Map<String, Object> rule : ingress) {
            List<Map<String, Object>> from = (List<Map<String, Object>>) rule.get("from");
            assertThat(from).as("every rule of the slaves names who may connect: %s", rule).isNotEmpty();
            for (Map<String, Object> peer : from) {
                assertThat(peer).as("only pods of this namespace").containsOnlyKeys("podSelector");
                assertThat((Map<String, Object>) at(peer, "podSelector", "matchLabels"))
                        .as("this release's pods, master and slaves").isEqualTo(release);
            }
        }
        assertThat(ingressPorts(ingress)).containsExactlyInAnyOrder(7001, 8001);
        // Every pod of the release carries those labels: the master reaches the data ports, slaves each other.
        for (Map<String, Object> workload : workloads(docs)) {
            assertThat((Map<String, Object>) at(workload, "spec", "template", "metadata", "labels"))
                    .containsAllEntriesOf(release);
        }

        // The master stays reachable as before: clients and its HTTP port from any pod, enrollment from slaves.
        List<Map<String, Object>> masterRules = at(named(docs, "NetworkPolicy", MASTER), "spec", "ingress");
        for (int open : List.of(6666, 8080)) {
            assertThat(masterRules.stream().filter(rule -> ingressPorts(List.of(rule)).contains(open)))
                    .as("port %d", open).singleElement().satisfies(rule -> assertThat(rule).doesNotContainKey("from"));
        }
    }

    @Test
    void prometheusNamespaceMayReachTheSlavesHttpPortButNeverTheirDataPort() {
        List<Map<String, Object>> docs = Chart.render(Map.of(
                "networkPolicy.metrics.ingressNSMatchLabels.team", "monitoring",
                "networkPolicy.metrics.ingressNSPodMatchLabels.app", "prometheus"));

        List<Map<String, Object>> ingress = at(named(docs, "NetworkPolicy", "kvcache-slave"), "spec", "ingress");
        Map<String, Object> metricsRule = ingress.stream().filter(rule -> rule.toString().contains("namespaceSelector"))
                .findFirst().orElseThrow(() -> new AssertionError("no rule for the metrics namespace: " + ingress));
        assertThat(ingressPorts(List.of(metricsRule))).containsExactly(8001);
        Map<String, Object> peer = ((List<Map<String, Object>>) metricsRule.get("from")).getFirst();
        assertThat((Map<String, Object>) at(peer, "namespaceSelector", "matchLabels")).isEqualTo(Map.of("team", "monitoring"));
        assertThat((Map<String, Object>) at(peer, "podSelector", "matchLabels")).isEqualTo(Map.of("app", "prometheus"));
        for (Map<String, Object> rule : ingress) {
            if (ingressPorts(List.of(rule)).contains(7001)) {
                assertThat(rule.toString()).as("the data port rule").doesNotContain("namespaceSelector");
            }
        }
        // metrics.allowExternal (Bitnami's default, true) opens the master's HTTP port, never a slave's.
        assertThat(Chart.render(Map.of("networkPolicy.metrics.allowExternal", true)).stream()
                .filter(doc -> "NetworkPolicy".equals(doc.get("kind")) && name(doc).equals("kvcache-slave"))
                .flatMap(doc -> ((List<Map<String, Object>>) at(doc, "spec", "ingress")).stream()))
                .allSatisfy(rule -> assertThat(rule).containsKey("from"));
    }

    @Test
    void optionalResourcesAreOffByDefaultButTheNetworkPolicy() {
        List<Map<String, Object>> docs = Chart.render(Map.of());

        assertThat(docs).extracting(doc -> (String) doc.get("kind"))
                .doesNotContain("ServiceMonitor", "ConfigMap")
                .contains("NetworkPolicy");
        String memoryLimit = find(containers(named(docs, "Deployment", MASTER)).getFirst(), "resources", "limits", "memory");
        assertThat(memoryLimit).isEqualTo("768Mi");
    }

    // helpers

    private static List<Map<String, Object>> workloads(List<Map<String, Object>> docs) {
        return Stream.concat(ofKind(docs, "Deployment").stream(), ofKind(docs, "StatefulSet").stream()).toList();
    }

    private static List<Integer> ingressPorts(List<Map<String, Object>> rules) {
        return rules.stream().flatMap(rule -> ((List<Map<String, Object>>) rule.get("ports")).stream())
                .map(port -> (Integer) port.get("port")).toList();
    }

    private static Map<String, Integer> ports(Map<String, Object> service) {
        List<Map<String, Object>> ports = at(service, "spec", "ports");
        Map<String, Integer> byName = new HashMap<>();
        ports.forEach(p -> byName.put((String) p.get("name"), (Integer) p.get("port")));
        return byName;
    }

    private static Map<String, Integer> containerPorts(Map<String, Object> container) {
        List<Map<String, Object>> ports = at(container, "ports");
        Map<String, Integer> byName = new HashMap<>();
        ports.forEach(p -> byName.put((String) p.get("name"), (Integer) p.get("containerPort")));
        return byName;
    }

    private static void assertSecretRef(Map<String, Object> container, String variable, String secret, String key,
                                        String what) {
        Map<String, Object> entry = env(container, variable);
        assertThat(entry).as("%s %s", what, variable).doesNotContainKey("value");
        assertThat((Map<String, Object>) at(entry, "valueFrom", "secretKeyRef"))
                .as("%s %s", what, variable)
                .isEqualTo(Map.of("name", secret, "key", key));
    }

    private static Map<String, String> decode(Map<String, String> data) {
        Map<String, String> decoded = new HashMap<>();
        data.forEach((k, v) -> decoded.put(k, new String(Base64.getDecoder().decode(v))));
        return decoded;
    }

    private static String b64(String text) {
        return Base64.getEncoder().encodeToString(text.getBytes());
    }
}
