package io.kvcache.deploy;

import java.nio.file.FileSystems;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The two Dockerfiles, read as text (no Docker daemon or registry here to build them): each copies
 * the jar its module builds, runs as uid 1001, listens on every interface and checks liveness.
 */
class DockerfileTest {

    static final String VERSION = System.getProperty("kvcache.version", "0.1.0-SNAPSHOT");

    @ParameterizedTest(name = "{0}")
    @CsvSource({
            "cache-master, '', MASTER, '6666 6667 8080'",
            "cache-slave, -exec, SLAVE, '7001 8001'"})
    void dockerfileCopiesTheModulesJarAndRunsItSafely(String module, String classifier, String component, String ports) {
        String dockerfile = Repo.read(module + "/Dockerfile");
        String jar = "target/" + module + "-" + VERSION + classifier + ".jar";

        assertThat(dockerfile).containsPattern("(?m)^FROM eclipse-temurin:25-jre-alpine$");
        assertThat(dockerfile).containsPattern("(?m)^ARG JAR_FILE=" + Pattern.quote(jar) + "$");
        assertThat(dockerfile).containsPattern("(?m)^COPY \\$\\{JAR_FILE} /app/[\\w-]+\\.jar$");
        assertThat(dockerfile).containsPattern("(?m)^USER 1001:1001$");
        assertThat(dockerfile).contains("adduser -S -D -H -u 1001");
        assertThat(dockerfile).contains("KVCACHE_" + component + "_BIND=0.0.0.0");
        assertThat(dockerfile).contains("JAVA_TOOL_OPTIONS=\"-XX:MaxRAMPercentage=75");
        assertThat(dockerfile).containsPattern("(?m)^EXPOSE " + ports + "$");
        assertThat(dockerfile).contains("CMD wget -q -O /dev/null \"http://127.0.0.1:${KVCACHE_" + component
                + "_HTTP_PORT}/actuator/health/liveness\"");
        // Extracted and trained into JDK 25's AOT cache at build time; the entry point runs from it.
        assertThat(dockerfile).contains("-Djarmode=tools -jar /tmp/kvcache-");
        assertThat(dockerfile).containsPattern("-XX:AOTCacheOutput=/app/app\\.aot -Dspring\\.context\\.exit=onRefresh");
        assertThat(dockerfile).containsPattern(
                "(?m)^ENTRYPOINT \\[\"java\", \"-XX:AOTCache=/app/app\\.aot\", \"-jar\", \"/app/[\\w-]+\\.jar\"]$");
        assertThat(dockerfile).doesNotContainPattern("(?i)(SECRET|TOKEN|REQUIREPASS)=");

        // .dockerignore sends that jar, and nothing else, to the daemon.
        List<String> ignore = Repo.read(module + "/.dockerignore").lines()
                .filter(line -> !line.isBlank() && !line.startsWith("#")).toList();
        assertThat(ignore.getFirst()).isEqualTo("*");
        assertThat(ignore).hasSize(2);
        PathMatcher included = FileSystems.getDefault().getPathMatcher("glob:" + ignore.get(1).substring(1));
        assertThat(included.matches(Path.of(jar))).as("%s matches %s", ignore.get(1), jar).isTrue();
        assertThat(included.matches(Path.of("target/" + module + "-" + VERSION + ".jar.original"))).isFalse();
        assertThat(included.matches(Path.of("src/main/resources/application.yml"))).isFalse();
    }
}
