package io.kvcache.deploy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;

/** yamllint (strict: warnings fail too) with the repository's .yamllint, on the deployment YAML. */
class YamlLintTest {

    static final List<String> FILES = List.of(".yamllint", "docker-compose.yml", "deploy",
            "helm/kvcache/Chart.yaml", "helm/kvcache/values.yaml");

    @Test
    void deploymentYamlIsLintClean() {
        Repo.requireCommand("yamllint", "yamllint");
        List<String> command = new java.util.ArrayList<>(List.of("yamllint", "--strict", "-c", ".yamllint", "-f", "parsable"));
        command.addAll(FILES);

        Repo.Result result = Repo.run(command, Map.of(), Duration.ofSeconds(30));

        assertThat(result.exitCode()).as("yamllint:%n%s", result.output()).isZero();
        assertThat(result.stdout()).isEmpty();
    }

    /** The same configuration rejects what it should: a duplicated key and trailing spaces. */
    @Test
    void theConfigurationCatchesMistakes(@TempDir Path dir) throws IOException {
        Repo.requireCommand("yamllint", "yamllint");
        Path bad = Files.writeString(dir.resolve("bad.yml"), "services:\n  master: {}\n  master: {}  \n");

        Repo.Result result = Repo.run(List.of("yamllint", "--strict", "-c", ".yamllint", "-f", "parsable",
                bad.toString()), Map.of(), Duration.ofSeconds(30));

        assertThat(result.exitCode()).isNotZero();
        assertThat(result.stdout()).contains("key-duplicates").contains("trailing-spaces");
    }
}
