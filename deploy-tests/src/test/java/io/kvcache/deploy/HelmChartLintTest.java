package io.kvcache.deploy;

import java.nio.file.Path;
import java.util.Map;
import java.util.stream.Stream;

import com.marcnuri.helm.LintResult;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code helm lint --strict} (Helm 3 through helm-java): no error and no warning. */
class HelmChartLintTest {

    /** Every optional part of the chart switched on at once. */
    static final Map<String, Object> ALL_OPTIONS = Map.of(
            "metrics.serviceMonitor.enabled", true,
            "metrics.grafanaDashboard.enabled", true,
            "networkPolicy.enabled", true,
            "networkPolicy.allowExternal", false,
            "networkPolicy.allowExternalEgress", false,
            "networkPolicy.metrics.allowExternal", false,
            "auth.existingSecret", "kvcache-credentials");

    static Stream<Arguments> valueSets() {
        return Stream.of(
                Arguments.of("defaults", Map.of()),
                Arguments.of("4 shards x 3 replicas", Map.of("slave.shards", 4, "slave.replicaCount", 3)),
                Arguments.of("serviceMonitor, networkPolicy, grafanaDashboard, existingSecret", ALL_OPTIONS),
                Arguments.of("no client password, LoadBalancer, hard anti-affinity", Map.of(
                        "auth.enabled", false,
                        "master.service.type", "LoadBalancer",
                        "slave.podAntiAffinityPreset", "hard")));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("valueSets")
    void lintsWithoutErrorsOrWarnings(String name, Map<String, Object> values, @TempDir Path workDir) {
        LintResult result = Chart.lint(values, workDir);

        assertThat(result.isFailed()).as("helm lint --strict failed: %s", result.getMessages()).isFalse();
        assertThat(result.getMessages())
                .as("lint messages")
                .noneMatch(message -> message.contains("[ERROR]") || message.contains("[WARNING]"));
    }

    /** The lint above would also pass on a chart that checks nothing: show that bad values fail it. */
    @Test
    void lintRejectsValuesTheSchemaForbids(@TempDir Path workDir) {
        LintResult zeroShards = Chart.lint(Map.of("slave.shards", 0), workDir.resolve("a"));
        LintResult badAckMode = Chart.lint(Map.of("slave.replicationAck", "sometimes"), workDir.resolve("b"));

        assertThat(zeroShards.isFailed()).as("slave.shards=0: %s", zeroShards.getMessages()).isTrue();
        assertThat(String.join("\n", zeroShards.getMessages())).contains("shards");
        assertThat(badAckMode.isFailed()).as("replicationAck=sometimes: %s", badAckMode.getMessages()).isTrue();
        assertThat(String.join("\n", badAckMode.getMessages())).contains("replicationAck");
    }
}
