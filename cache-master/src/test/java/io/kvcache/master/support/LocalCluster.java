package io.kvcache.master.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;

import org.awaitility.Awaitility;

import io.kvcache.slave.compat.RawRedisClient;
import io.kvcache.slave.support.FreePorts;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * A whole kvcache cluster on loopback for end-to-end tests: an in-JVM master and N shards
 * ({@code slave1..slaveN}) of R replicas each ({@code replica1..replicaR}), as in-JVM slaves or as
 * separate processes from cache-slave's runnable jar. {@link Builder#start()} returns once the master's
 * {@code /actuator/health} is UP, i.e. every shard has enrolled.
 * <pre>
 * try (LocalCluster cluster = LocalCluster.builder().shards(3).start()) {
 *     new Jedis("127.0.0.1", cluster.clientPort()).set("k", "v");
 *     cluster.stopSlave("slave2", "replica1");   // in-JVM close, or kill -9 of the process
 *     cluster.startSlave("slave2", "replica1");  // same data port; it enrolls again
 *     cluster.awaitHealthy();
 * }
 * </pre>
 * A master restart on the same ports ({@link #restartMaster()}) needs {@link Builder#fixedMasterPorts()}:
 * the slaves keep the enrollment port they were given.
 */
public final class LocalCluster implements AutoCloseable {

    /** How slaves run. */
    public enum SlaveMode {
        /** Spring contexts in this JVM: quick to start; stopping closes the context. */
        IN_JVM,
        /** Child JVMs from cache-slave's exec jar; stopping kills them with SIGKILL. */
        PROCESS
    }

    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(60);

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final MasterNode master;
    private final String secret;
    private final String adminToken;
    private final List<String> enrollment;
    private final String slaveHeap;
    private final Map<String, List<SlaveNode>> shards = new LinkedHashMap<>();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private LocalCluster(Builder b) {
        secret = "local-cluster-" + UUID.randomUUID();
        adminToken = "local-admin-" + UUID.randomUUID();
        slaveHeap = b.slaveHeap;
        boolean fixed = b.fixedMasterPorts || b.masterProcess;
        int clientPort = fixed ? FreePorts.next() : 0;
        int enrollmentPort = fixed ? FreePorts.next() : 0;
        int httpPort = fixed ? FreePorts.next() : 0;
        List<String> masterArgs = new ArrayList<>();
        masterArgs.add("--kvcache.master.heartbeat-timeout=" + b.heartbeatTimeout.toMillis() + "ms");
        masterArgs.add("--kvcache.admin.token=" + adminToken);
        masterArgs.addAll(b.masterArgs);
        master = new MasterNode(secret, clientPort, enrollmentPort, httpPort, masterArgs, b.masterProcess);
        master.start();
        List<String> slaveArgs = new ArrayList<>(List.of(
                "--kvcache.slave.master=127.0.0.1:" + master.enrollmentPort(),
                "--kvcache.cluster.secret=" + secret,
                "--kvcache.admin.token=" + adminToken,
                "--kvcache.slave.heartbeat-interval=" + b.heartbeatInterval.toMillis() + "ms"));
        slaveArgs.addAll(b.slaveArgs);
        enrollment = List.copyOf(slaveArgs);
        for (int s = 1; s <= b.shards; s++) {
            String shard = "slave" + s;
            List<SlaveNode> replicas = new ArrayList<>();
            for (int r = 1; r <= b.replicas; r++) {
                String replica = "replica" + r;
                SlaveMode mode = b.modeOverrides.getOrDefault(shard + "/" + replica, b.mode);
                replicas.add(mode == SlaveMode.IN_JVM ? new InJvmSlave(shard, replica, enrollment)
                        : new ProcessSlave(shard, replica, enrollment, slaveHeap));
            }
            shards.put(shard, replicas);
        }
    }

    public static Builder builder() {
        return new Builder();
    }

    /** How many shards and replicas, how slaves run, and the master's settings. */
    public static final class Builder {
        private int shards = 3;
        private int replicas = 1;
        private SlaveMode mode = SlaveMode.IN_JVM;
        private boolean fixedMasterPorts;
        private boolean masterProcess;
        private final List<String> slaveArgs = new ArrayList<>();
        private Duration heartbeatInterval = Duration.ofMillis(500);
        // Generous: a loaded machine must not flap replicas; a stopped slave is seen at once anyway,
        // because its enrollment connection closes.
        private Duration heartbeatTimeout = Duration.ofSeconds(10);
        private String slaveHeap = "128m";
        private final List<String> masterArgs = new ArrayList<>();
        private final Map<String, SlaveMode> modeOverrides = new LinkedHashMap<>();

        private Builder() {
        }

        public Builder shards(int shards) {
            this.shards = shards;
            return this;
        }

        public Builder replicas(int replicas) {
            this.replicas = replicas;
            return this;
        }

        /** How every slave runs (default {@link SlaveMode#IN_JVM}). */
        public Builder slaveMode(SlaveMode mode) {
            this.mode = mode;
            return this;
        }

        /** How one slave runs, e.g. one process among in-JVM slaves (cheaper than all processes). */
        public Builder slaveMode(String shard, String replicaId, SlaveMode mode) {
            modeOverrides.put(shard + "/" + replicaId, mode);
            return this;
        }

        /** Chooses the master's three ports up front, so {@link #restartMaster()} can reuse them. */
        public Builder fixedMasterPorts() {
            this.fixedMasterPorts = true;
            return this;
        }

        public Builder heartbeat(Duration interval, Duration timeout) {
            this.heartbeatInterval = interval;
            this.heartbeatTimeout = timeout;
            return this;
        }

        /** The heap of each slave process (-Xmx; default 128m). */
        public Builder slaveHeap(String heap) {
            this.slaveHeap = heap;
            return this;
        }

        /** Runs the master as a separate JVM, which {@link #stopMaster()} kills with SIGKILL (fixes its ports). */
        public Builder masterProcess() {
            this.masterProcess = true;
            return this;
        }

        /** Extra Spring Boot arguments for every slave ("--name=value"). */
        public Builder slaveArg(String arg) {
            slaveArgs.add(arg);
            return this;
        }

        /** Extra Spring Boot arguments for the master ("--name=value"). */
        public Builder masterArg(String arg) {
            masterArgs.add(arg);
            return this;
        }

        /** Starts everything and waits until every shard has enrolled (health UP). */
        public LocalCluster start() {
            LocalCluster cluster = new LocalCluster(this);
            try {
                cluster.startAllSlaves();
                cluster.awaitHealthy();
                return cluster;
            } catch (RuntimeException | Error e) {
                cluster.close();
                throw e;
            }
        }
    }

    private void startAllSlaves() {
        // Child JVMs are launched first and start in parallel while the in-JVM contexts start one after the
        // other (they share this JVM anyway).
        List<CompletableFuture<Void>> processes = slaves().stream().filter(s -> s instanceof ProcessSlave)
                .map(s -> CompletableFuture.runAsync(s::start)).toList();
        slaves().stream().filter(s -> s instanceof InJvmSlave).forEach(SlaveNode::start);
        CompletableFuture.allOf(processes.toArray(CompletableFuture[]::new)).join();
    }

    // ---- addresses -----------------------------------------------------------------------------------------

    /** The Redis-protocol port clients use. */
    public int clientPort() {
        return master.clientPort();
    }

    public InetSocketAddress clientAddress() {
        return master.clientAddress();
    }

    public int httpPort() {
        return master.httpPort();
    }

    public int enrollmentPort() {
        return master.enrollmentPort();
    }

    /** The shard names, slave1..slaveN. */
    public List<String> shardNames() {
        return List.copyOf(shards.keySet());
    }

    public List<SlaveNode> replicasOf(String shard) {
        List<SlaveNode> replicas = shards.get(shard);
        if (replicas == null) {
            throw new IllegalArgumentException("no shard " + shard + "; shards are " + shards.keySet());
        }
        return List.copyOf(replicas);
    }

    public SlaveNode slave(String shard, String replicaId) {
        return replicasOf(shard).stream().filter(s -> s.replicaId().equals(replicaId)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no replica " + replicaId + " in " + shard));
    }

    public List<SlaveNode> slaves() {
        return shards.values().stream().flatMap(List::stream).toList();
    }

    // ---- stopping and starting -----------------------------------------------------------------------------

    /** The token of /admin/** and the guarded actuator endpoints, on the master and every slave. */
    public String adminToken() {
        return adminToken;
    }

    /** The cluster secret every slave enrolls (and replicates) with. */
    public String secret() {
        return secret;
    }

    /**
     * A raw client of a slave's data port, authenticated with the cluster secret (every command but
     * AUTH gets {@code -NOAUTH} before it).
     */
    public RawRedisClient dataClient(SlaveNode slave) {
        return dataClient(slave, RawRedisClient.DEFAULT_TIMEOUT);
    }

    public RawRedisClient dataClient(SlaveNode slave, Duration timeout) {
        try {
            return RawRedisClient.authenticated(slave.dataAddress(), timeout, secret);
        } catch (IOException e) {
            throw new UncheckedIOException("connecting to " + slave, e);
        }
    }

    /**
     * Starts a new replica in this JVM, of a shard of this cluster or of a new one (which then joins the
     * ring: await the end of the rebalance).
     */
    public SlaveNode addSlave(String shard, String replicaId) {
        InJvmSlave slave = new InJvmSlave(shard, replicaId, enrollment);
        shards.computeIfAbsent(shard, s -> new ArrayList<>()).add(slave);
        slave.start();
        return slave;
    }

    /** Starts a new replica process in a shard; it enrolls and takes a full sync by itself. */
    public SlaveNode addProcessSlave(String shard, String replicaId) {
        ProcessSlave slave = new ProcessSlave(shard, replicaId, enrollment, slaveHeap);
        shards.computeIfAbsent(shard, s -> new ArrayList<>()).add(slave);
        slave.start();
        return slave;
    }

    /** Stops and forgets a shard's slaves (after it was drained out of the ring). */
    public void removeShard(String shard) {
        replicasOf(shard).forEach(SlaveNode::stop);
        shards.remove(shard);
    }

    /** Stops one slave: in-JVM close, or kill -9 of its process. */
    public void stopSlave(String shard, String replicaId) {
        slave(shard, replicaId).stop();
    }

    /** Starts a stopped slave again on its data port; it enrolls again by itself (await it with the health). */
    public void startSlave(String shard, String replicaId) {
        slave(shard, replicaId).start();
    }

    /** Stops the master and starts it again on the same ports; needs {@link Builder#fixedMasterPorts()}. */
    public void restartMaster() {
        stopMaster();
        startMaster();
    }

    public void stopMaster() {
        master.stop();
    }

    public void startMaster() {
        master.start();
    }

    public boolean masterRunning() {
        return master.isRunning();
    }

    /** A bean of the running master (its settings, its client memory, ...). */
    public <T> T masterBean(Class<T> type) {
        return master.context().getBean(type);
    }

    // ---- health and the admin API ----------------------------------------------------------------------------

    /**
     * Waits until every running slave has enrolled: /actuator/health is UP and its {@code cluster} component
     * lists every shard of this cluster on the ring, with as many live replicas as are running, and no key
     * moving. (UP alone is not enough: the health only covers the shards on the ring, which after a master
     * restart or while a shard joins may not be all.)
     */
    public void awaitHealthy() {
        Awaitility.await("every running slave enrolled").atMost(DEFAULT_TIMEOUT).pollInterval(Duration.ofMillis(100))
                .ignoreExceptions()
                .until(this::everyRunningSlaveEnrolled);
    }

    private boolean everyRunningSlaveEnrolled() {
        JsonNode health = health();
        if (!"UP".equals(health.path("status").asString())) {
            return false;
        }
        JsonNode details = health.path("components").path("cluster").path("details");
        JsonNode known = details.path("shards");
        for (Map.Entry<String, List<SlaveNode>> shard : shards.entrySet()) {
            long running = shard.getValue().stream().filter(SlaveNode::isRunning).count();
            if (known.path(shard.getKey()).path("liveReplicas").asLong(-1) != running
                    || !known.path(shard.getKey()).path("placed").asBoolean()) {
                return false;
            }
        }
        // Every shard on the ring and no key moving: the ring is the one of all these shards.
        return details.path("movingTo").isEmpty();
    }

    /** Waits until /actuator/health reports the given status ("UP" or "DOWN"). */
    public void awaitHealth(String status, Duration timeout) {
        Awaitility.await("master health " + status).atMost(timeout).pollInterval(Duration.ofMillis(100))
                .ignoreExceptions()
                .until(() -> status.equals(health().path("status").asString()));
    }

    /** The master's /actuator/health as JSON (its status code is 503 when DOWN; the body is there anyway). */
    public JsonNode health() {
        return json(get("/actuator/health").body());
    }

    /** GET on the master's HTTP port, with the admin token. */
    public HttpResponse<String> get(String path) {
        return send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPort() + path)).GET(), path);
    }

    /** DELETE on the master's HTTP port, with the admin token. */
    public HttpResponse<String> delete(String path) {
        return send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPort() + path)).DELETE(), path);
    }

    /** POST without a body on the master's HTTP port, with the admin token. */
    public HttpResponse<String> post(String path) {
        return send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPort() + path))
                .POST(HttpRequest.BodyPublishers.noBody()), path);
    }

    /** GET on any HTTP port of the cluster (a slave's), with the admin token. */
    public HttpResponse<String> get(InetSocketAddress http, String path) {
        return send(HttpRequest.newBuilder(URI.create("http://" + http.getHostString() + ":" + http.getPort() + path))
                .GET(), path);
    }

    private HttpResponse<String> send(HttpRequest.Builder request, String path) {
        try {
            return http.send(request.header("Authorization", "Bearer " + adminToken)
                    .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException(path, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted: " + path, e);
        }
    }

    /** GET that must answer 200, as JSON. */
    public JsonNode getJson(String path) {
        HttpResponse<String> response = get(path);
        if (response.statusCode() != 200) {
            throw new AssertionError("GET " + path + " answered " + response.statusCode() + ": " + response.body());
        }
        return json(response.body());
    }

    /** The shard owning a key, asked from {@code GET /admin/keys/{key}}. */
    public String shardOf(String key) {
        return getJson("/admin/keys/" + URLEncoder.encode(key, StandardCharsets.UTF_8).replace("+", "%20"))
                .path("shard").asString();
    }

    public static JsonNode json(String body) {
        return JSON.readTree(body);
    }

    @Override
    public void close() {
        RuntimeException failure = null;
        for (SlaveNode slave : slaves()) {
            try {
                slave.stop();
            } catch (RuntimeException e) {
                failure = e;
            }
        }
        try {
            master.stop();
        } catch (RuntimeException e) {
            failure = e;
        }
        if (failure != null) {
            throw failure;
        }
    }

    /** Whether cache-slave's runnable jar is built (needed by {@link SlaveMode#PROCESS}). */
    public static boolean slaveExecJarAvailable() {
        return ProcessSlave.execJarAvailable();
    }

    @Override
    public String toString() {
        return "LocalCluster[client " + clientPort() + ", http " + httpPort() + ", enrollment " + enrollmentPort()
                + ", shards " + shards + "]";
    }
}
