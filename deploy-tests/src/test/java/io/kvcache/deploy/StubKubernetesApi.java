package io.kvcache.deploy;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

/**
 * A loopback stand-in for the few Kubernetes API calls the chart's {@code lookup} makes: API
 * discovery, and GET of a Secret, which is 404 unless a test put one. helm-java's template
 * (unlike the helm CLI's) evaluates lookup against the kubeconfig's server; the surefire
 * configuration points KUBECONFIG at the file this class writes, so Helm never reaches a real
 * cluster nor whatever listens on localhost:8080 (a kvcache master, say).
 */
final class StubKubernetesApi {

    private static StubKubernetesApi instance;

    private final HttpServer server;
    private final Map<String, String> secrets = new ConcurrentHashMap<>();
    private final List<String> requests = new CopyOnWriteArrayList<>();

    private StubKubernetesApi() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", this::handle);
        server.start();
    }

    /** Started once per test JVM; writes the kubeconfig KUBECONFIG names. */
    static synchronized StubKubernetesApi get() {
        if (instance == null) {
            String kubeconfig = System.getenv("KUBECONFIG");
            if (kubeconfig == null || kubeconfig.isBlank() || kubeconfig.equals("/dev/null")) {
                throw new IllegalStateException("KUBECONFIG must name a file these tests write "
                        + "(deploy-tests/pom.xml sets it for surefire); run the tests with Maven");
            }
            try {
                instance = new StubKubernetesApi();
                Path file = Path.of(kubeconfig);
                Files.createDirectories(file.getParent());
                Files.writeString(file, instance.kubeconfig(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return instance;
    }

    private String kubeconfig() {
        return """
                apiVersion: v1
                kind: Config
                clusters:
                  - name: stub
                    cluster:
                      server: http://127.0.0.1:%d
                contexts:
                  - name: stub
                    context:
                      cluster: stub
                      user: stub
                current-context: stub
                users:
                  - name: stub
                    user: {}
                """.formatted(server.getAddress().getPort());
    }

    /** Serves {@code secretJson} for GET of that Secret until {@link #clearSecrets()}. */
    void putSecret(String namespace, String name, String secretJson) {
        secrets.put("/api/v1/namespaces/" + namespace + "/secrets/" + name, secretJson);
    }

    void clearSecrets() {
        secrets.clear();
    }

    List<String> requests() {
        return List.copyOf(requests);
    }

    private void handle(HttpExchange exchange) throws IOException {
        String path = exchange.getRequestURI().getPath();
        requests.add(exchange.getRequestMethod() + " " + path);
        String secret = secrets.get(path);
        if (!"GET".equals(exchange.getRequestMethod())) {
            reply(exchange, 405, status(405, "MethodNotAllowed"));
        } else if (path.equals("/api")) {
            reply(exchange, 200, """
                    {"kind":"APIVersions","versions":["v1"],"serverAddressByClientCIDRs":[]}""");
        } else if (path.equals("/apis")) {
            reply(exchange, 200, """
                    {"kind":"APIGroupList","apiVersion":"v1","groups":[]}""");
        } else if (path.equals("/api/v1")) {
            reply(exchange, 200, """
                    {"kind":"APIResourceList","groupVersion":"v1","resources":[
                      {"name":"secrets","singularName":"secret","namespaced":true,"kind":"Secret",
                       "verbs":["get","list"]}]}""");
        } else if (path.equals("/version")) {
            reply(exchange, 200, """
                    {"major":"1","minor":"33","gitVersion":"v1.33.0"}""");
        } else if (secret != null) {
            reply(exchange, 200, secret);
        } else {
            reply(exchange, 404, status(404, "NotFound"));
        }
    }

    private static String status(int code, String reason) {
        return """
                {"kind":"Status","apiVersion":"v1","status":"Failure","reason":"%s","code":%d}"""
                .formatted(reason, code);
    }

    private static void reply(HttpExchange exchange, int code, String json) throws IOException {
        byte[] body = json.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.sendResponseHeaders(code, body.length);
        try (var out = exchange.getResponseBody()) {
            out.write(body);
        }
    }
}
