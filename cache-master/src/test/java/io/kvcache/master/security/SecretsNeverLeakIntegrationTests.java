package io.kvcache.master.security;

import static io.kvcache.master.security.ClientPortLimitsIntegrationTests.connect;
import static io.kvcache.master.security.ClientPortLimitsIntegrationTests.multibulk;
import static io.kvcache.master.security.ClientPortLimitsIntegrationTests.readReply;
import static io.kvcache.master.security.ClientPortLimitsIntegrationTests.readUntilClosed;
import static io.kvcache.master.security.ClientPortLimitsIntegrationTests.write;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

import io.kvcache.cluster.ReplicationHeaders;
import io.kvcache.master.support.LocalCluster;
import io.kvcache.master.support.LocalCluster.SlaveMode;
import io.kvcache.master.support.SlaveNode;
import io.kvcache.slave.compat.RawRedisClient;

/**
 * Sets every secret (requirepass, the cluster secret, the admin token), uses and guesses each of
 * them everywhere they are taken, then reads every log line (this JVM's: the master and the in-JVM
 * slaves; the process slave's log file), every error reply, INFO, CLIENT LIST, CONFIG GET, every
 * exposed actuator endpoint and /admin path: none may contain a secret or a wrong guess of one.
 * Also: the secret-guarded slave paths refuse calls without the cluster secret, and heapdump, env,
 * configprops, threaddump and shutdown are not there even with the admin token.
 */
@ExtendWith(OutputCaptureExtension.class)
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class SecretsNeverLeakIntegrationTests {

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    /** What was answered, by where it was asked. */
    private final Map<String, String> seen = new LinkedHashMap<>();

    @Test
    void noSecretAndNoGuessOfOneAppearsInALogAReplyOrAnEndpoint(CapturedOutput output) throws Exception {
        String password = "pw-" + UUID.randomUUID();
        String passwordGuess = "pw-guess-" + UUID.randomUUID();
        String secretGuess = "secret-guess-" + UUID.randomUUID();
        String tokenGuess = "token-guess-" + UUID.randomUUID();
        LocalCluster.Builder builder = LocalCluster.builder().shards(1).replicas(2)
                .masterArg("--kvcache.master.requirepass=" + password);
        if (LocalCluster.slaveExecJarAvailable()) {
            builder.slaveMode("slave1", "replica2", SlaveMode.PROCESS);
        }
        List<String> secrets;
        try (LocalCluster cluster = builder.start()) {
            secrets = List.of(password, cluster.secret(), cluster.adminToken(), passwordGuess, secretGuess,
                    tokenGuess);
            exerciseTheClientPort(cluster, password, passwordGuess);
            exerciseTheEnrollmentPort(cluster, secretGuess);
            for (SlaveNode slave : cluster.slaves()) {
                exerciseADataPort(slave.dataAddress());
            }
            exerciseTheMastersHttp(cluster, tokenGuess);
            for (String http : slaveHttpAddresses(cluster)) {
                exerciseASlavesHttp(cluster, http, tokenGuess, secretGuess);
            }
        }

        assertThat(seen).hasSizeGreaterThan(60);
        for (Map.Entry<String, String> answer : seen.entrySet()) {
            assertNoSecret(answer.getKey(), answer.getValue(), secrets);
        }
        assertNoSecret("this JVM's log (master, in-JVM slaves)", output.getAll(), secrets);
        for (Map.Entry<Path, String> log : processSlaveLogs().entrySet()) {
            assertNoSecret(log.getKey().toString(), log.getValue(), secrets);
        }
        // The refusals were logged, without what was tried.
        assertThat(output.getAll()).contains("wrong cluster secret");
    }

    private void exerciseTheClientPort(LocalCluster cluster, String password, String guess) throws IOException {
        try (RawRedisClient client = new RawRedisClient(cluster.clientAddress())) {
            record("PING before AUTH", client.call("PING"));
            record("AUTH wrong", client.call("AUTH", guess));
            record("AUTH user wrong", client.call("AUTH", "default", guess));
            record("HELLO AUTH wrong", client.call("HELLO", "2", "AUTH", "default", guess));
            record("AUTH right", client.call("AUTH", password));
            record("HELLO AUTH right", client.call("HELLO", "2", "AUTH", "default", password));
            record("SET", client.call("SET", "secrets:k", "v"));
            record("INFO everything", client.call("INFO", "everything"));
            record("CLIENT LIST", client.call("CLIENT", "LIST"));
            record("CLIENT INFO", client.call("CLIENT", "INFO"));
            record("CONFIG GET *", client.call("CONFIG", "GET", "*"));
            record("CONFIG GET requirepass", client.call("CONFIG", "GET", "requirepass"));
            record("COMMAND GETKEYS AUTH", client.call("COMMAND", "GETKEYS", "AUTH", password));
        }
        // A password sent where a command name goes, and over the unauthenticated limits.
        try (Socket s = connect(cluster.clientAddress(), null)) {
            write(s, ("AUTH " + guess + "\r\n" + "*11\r\n").getBytes(StandardCharsets.US_ASCII));
            record("unauthenticated limit after a wrong AUTH", readUntilClosed(s));
        }
    }

    private void exerciseTheEnrollmentPort(LocalCluster cluster, String guess) throws IOException {
        InetSocketAddress enrollment = new InetSocketAddress("127.0.0.1", cluster.enrollmentPort());
        try (Socket s = connect(enrollment, null)) {
            write(s, multibulk("ENROLL", guess, "intruder", "replica9", "127.0.0.1", "1", "127.0.0.1", "2", "",
                    "replica", "0", "-", "0"));
            record("ENROLL with a wrong secret", readUntilClosed(s));
        }
        try (Socket s = connect(enrollment, null)) {
            write(s, multibulk("HEARTBEAT", guess, "0", "-", "0"));
            record("HEARTBEAT unenrolled", readReply(s));
        }
    }

    private void exerciseADataPort(InetSocketAddress data) throws IOException {
        try (RawRedisClient client = new RawRedisClient(data)) {
            record(data + " INFO everything", client.call("INFO", "everything"));
            record(data + " CLIENT LIST", client.call("CLIENT", "LIST"));
            record(data + " CONFIG GET *", client.call("CONFIG", "GET", "*"));
        }
    }

    private void exerciseTheMastersHttp(LocalCluster cluster, String tokenGuess) throws Exception {
        String master = "127.0.0.1:" + cluster.httpPort();
        List<String> open = new ArrayList<>(List.of("/actuator", "/actuator/health", "/actuator/health/liveness",
                "/actuator/health/readiness", "/actuator/info", "/actuator/prometheus", "/actuator/topology",
                "/admin/slaves", "/admin/ring", "/admin/keys/secrets:k"));
        for (String path : open) {
            assertThat(get(master, path, cluster.adminToken()).statusCode()).as(path).isEqualTo(200);
            get(master, path, null);
            get(master, path, tokenGuess);
        }
        assertNotExposed(master, cluster.adminToken());
    }

    private void exerciseASlavesHttp(LocalCluster cluster, String http, String tokenGuess, String secretGuess)
            throws Exception {
        for (String path : List.of("/actuator", "/actuator/health", "/actuator/info", "/actuator/prometheus")) {
            assertThat(get(http, path, cluster.adminToken()).statusCode()).as(http + path).isEqualTo(200);
            get(http, path, tokenGuess);
        }
        assertNotExposed(http, cluster.adminToken());
        // Every path under /replication and /migration needs the cluster secret, even an unknown one.
        for (String path : List.of("/replication/state", "/replication/digest", "/replication/anything",
                "/migration/keys", "/migration")) {
            assertThat(withSecret(http, path, null).statusCode()).as(http + path + " without the secret")
                    .isEqualTo(403);
            assertThat(withSecret(http, path, secretGuess).statusCode()).as(http + path + " with a guess")
                    .isEqualTo(403);
        }
        HttpResponse<String> poll = send(HttpRequest.newBuilder(URI.create("http://" + http
                + "/replication/log?replica=replica2&epoch=99&offset=0")).header(ReplicationHeaders.SECRET, secretGuess)
                .GET(), "GET " + http + " log");
        assertThat(poll.statusCode()).as("a forged poll of the stream").isEqualTo(403);
        assertThat(poll.body()).isEmpty();
        HttpResponse<String> sync = send(HttpRequest.newBuilder(URI.create("http://" + http + "/replication/sync/chunk"))
                .header(ReplicationHeaders.SECRET, secretGuess).header(ReplicationHeaders.EPOCH, "99")
                .POST(HttpRequest.BodyPublishers.ofString("*1\r\n$8\r\nFLUSHALL\r\n")), "POST " + http + " sync");
        assertThat(sync.statusCode()).as("a forged full-sync chunk").isEqualTo(403);
        assertThat(withSecret(http, "/replication/state", cluster.secret()).statusCode()).isEqualTo(200);
        assertThat(withSecret(http, "/replication/digest", cluster.secret()).statusCode()).isEqualTo(200);
    }

    /** The endpoints that would give the heap, the environment or the process away: not there at all. */
    private void assertNotExposed(String host, String token) throws Exception {
        for (String path : List.of("/actuator/heapdump", "/actuator/env", "/actuator/configprops",
                "/actuator/threaddump", "/actuator/beans", "/actuator/mappings", "/actuator/loggers",
                "/actuator/shutdown")) {
            assertThat(get(host, path, token).statusCode()).as(host + path).isEqualTo(404);
        }
        HttpResponse<String> shutdown = send(HttpRequest.newBuilder(URI.create("http://" + host + "/actuator/shutdown"))
                .header("Authorization", "Bearer " + token).POST(HttpRequest.BodyPublishers.noBody()),
                "POST " + host + "/actuator/shutdown");
        assertThat(shutdown.statusCode()).isEqualTo(404);
    }

    private HttpResponse<String> get(String host, String path, String token) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://" + host + path)).GET();
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        return send(request, "GET " + host + path + (token == null ? "" : " (token)"));
    }

    private HttpResponse<String> withSecret(String host, String path, String secret) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://" + host + path)).GET();
        if (secret != null) {
            request.header(ReplicationHeaders.SECRET, secret);
        }
        return send(request, "GET " + host + path + (secret == null ? "" : " (secret)"));
    }

    private HttpResponse<String> send(HttpRequest.Builder request, String what) throws Exception {
        HttpResponse<String> response = HTTP.send(request.timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString());
        seen.put(what, response.statusCode() + " " + response.headers().map() + " " + response.body());
        return response;
    }

    private void record(String what, byte[] reply) {
        record(what, new String(reply, StandardCharsets.ISO_8859_1));
    }

    private void record(String what, String reply) {
        seen.put(what, reply);
    }

    private static List<String> slaveHttpAddresses(LocalCluster cluster) {
        List<String> http = new ArrayList<>();
        cluster.getJson("/admin/slaves").path("shards").forEach(shard -> shard.path("replicas")
                .forEach(replica -> http.add(replica.path("httpAddress").asString())));
        assertThat(http).hasSize(2);
        return http;
    }

    /** Fails naming the line that holds a secret (the secret itself masked in the message). */
    private static void assertNoSecret(String where, String text, List<String> secrets) {
        for (String secret : secrets) {
            int at = text.indexOf(secret);
            if (at >= 0) {
                int from = Math.max(0, text.lastIndexOf('\n', at) + 1);
                int to = text.indexOf('\n', at);
                String line = text.substring(from, to < 0 ? text.length() : to).replace(secret, "<SECRET>");
                throw new AssertionError("a secret in " + where + ": " + line);
            }
        }
    }

    private static Map<Path, String> processSlaveLogs() throws IOException {
        Path dir = Path.of("target", "local-cluster");
        Map<Path, String> logs = new LinkedHashMap<>();
        if (Files.isDirectory(dir)) {
            try (Stream<Path> files = Files.list(dir)) {
                for (Path file : files.filter(p -> p.toString().endsWith(".log")).toList()) {
                    logs.put(file, Files.readString(file, StandardCharsets.ISO_8859_1));
                }
            }
        }
        return logs;
    }
}
