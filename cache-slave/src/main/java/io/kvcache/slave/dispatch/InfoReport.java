package io.kvcache.slave.dispatch;

import java.lang.management.ManagementFactory;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.function.Supplier;

import io.kvcache.command.Clients;
import io.kvcache.command.ConnectionCommands;
import io.kvcache.metrics.CommandStats;
import io.kvcache.protocol.Request;
import io.kvcache.slave.store.Keyspace;

/**
 * INFO in Redis's format: "# Section" headers, "field:value" lines, CRLF line ends, a blank
 * line between sections; so redis_exporter and Spring Boot's Redis health indicator read it.
 * Runs inside a command, so under the dispatcher's lock.
 */
public final class InfoReport {

    private static final List<String> DEFAULT_SECTIONS =
            List.of("server", "clients", "memory", "persistence", "stats", "replication", "cpu", "modules",
                    "errorstats", "cluster", "keyspace");
    private static final List<String> ALL_SECTIONS =
            List.of("server", "clients", "memory", "persistence", "stats", "replication", "cpu", "modules",
                    "commandstats", "errorstats", "cluster", "keyspace");

    private final Keyspace db;
    private final Clients clients;
    private final int port;
    private final long startMillis = System.currentTimeMillis();
    private final Supplier<CommandDispatcher> dispatcher;
    private final String runId;

    public InfoReport(Keyspace db, Clients clients, int port, Supplier<CommandDispatcher> dispatcher) {
        this.db = db;
        this.clients = clients;
        this.port = port;
        this.dispatcher = dispatcher;
        this.runId = java.util.HexFormat.of().formatHex(randomBytes(20));
    }

    /** INFO [section ...]: default, all, everything, or section names (any case); unknown ones add nothing. */
    public String render(Request r) {
        Set<String> sections = new LinkedHashSet<>();
        if (r.argc() == 1) {
            sections.addAll(DEFAULT_SECTIONS);
        }
        for (int i = 1; i < r.argc(); i++) {
            String name = r.text(i).toLowerCase(Locale.ROOT);
            switch (name) {
                case "default" -> sections.addAll(DEFAULT_SECTIONS);
                case "all", "everything" -> sections.addAll(ALL_SECTIONS);
                default -> sections.add(name);
            }
        }
        StringBuilder out = new StringBuilder();
        for (String section : ALL_SECTIONS) {
            if (sections.contains(section)) {
                if (!out.isEmpty()) {
                    out.append("\r\n");
                }
                section(section, out);
            }
        }
        return out.toString();
    }

    private void section(String name, StringBuilder out) {
        switch (name) {
            case "server" -> server(out);
            case "clients" -> header(out, "Clients")
                    .field(out, "connected_clients", clients.connected())
                    .field(out, "cluster_connections", 0)
                    .field(out, "maxclients", clients.maxClients())
                    .field(out, "blocked_clients", dispatcher.get().blockedClients())
                    .field(out, "tracking_clients", 0);
            case "memory" -> memory(out);
            case "persistence" -> header(out, "Persistence")
                    .field(out, "loading", 0)
                    .field(out, "rdb_changes_since_last_save", 0)
                    .field(out, "aof_enabled", 0);
            case "stats" -> stats(out);
            case "replication" -> header(out, "Replication")
                    .field(out, "role", "master")
                    .field(out, "connected_slaves", 0)
                    .field(out, "master_repl_offset", 0);
            case "cpu" -> cpu(out);
            case "modules" -> header(out, "Modules");
            case "commandstats" -> commandstats(out);
            case "errorstats" -> errorstats(out);
            case "cluster" -> header(out, "Cluster").field(out, "cluster_enabled", 0);
            case "keyspace" -> keyspace(out);
            default -> {
            }
        }
    }

    private void server(StringBuilder out) {
        long uptime = (System.currentTimeMillis() - startMillis) / 1000;
        header(out, "Server")
                .field(out, "redis_version", ConnectionCommands.REDIS_VERSION)
                .field(out, "redis_git_sha1", "00000000")
                .field(out, "redis_git_dirty", 0)
                .field(out, "redis_build_id", "0")
                .field(out, "redis_mode", "standalone")
                .field(out, "kvcache_role", "slave")
                .field(out, "os", System.getProperty("os.name") + " " + System.getProperty("os.version") + " "
                        + System.getProperty("os.arch"))
                .field(out, "arch_bits", 64)
                .field(out, "process_id", ProcessHandle.current().pid())
                .field(out, "run_id", runId)
                .field(out, "tcp_port", port)
                .field(out, "server_time_usec", System.currentTimeMillis() * 1000)
                .field(out, "uptime_in_seconds", uptime)
                .field(out, "uptime_in_days", uptime / 86400)
                .field(out, "hz", 10)
                .field(out, "executable", "java")
                .field(out, "config_file", "");
    }

    /**
     * used_memory is what the store holds (Keyspace#usedMemory, the figure maxmemory limits), not
     * the heap; the JVM's heap in use and its maximum follow as kvcache_heap_*, and
     * mem_fragmentation_ratio is heap in use over used_memory (Redis's is RSS over used_memory).
     * The scripts' figures are their source bytes (Redis also counts its Lua VM's own memory).
     */
    private void memory(StringBuilder out) {
        Runtime rt = Runtime.getRuntime();
        long heapUsed = rt.totalMemory() - rt.freeMemory();
        long used = db.usedMemory();
        long peak = db.peakMemory();
        long system = totalSystemMemory();
        var eviction = dispatcher.get().eviction();
        var scripts = dispatcher.get().scripts();
        header(out, "Memory")
                .field(out, "used_memory", used)
                .field(out, "used_memory_human", human(used))
                .field(out, "used_memory_peak", peak)
                .field(out, "used_memory_peak_human", human(peak))
                .field(out, "total_system_memory", system)
                .field(out, "total_system_memory_human", human(system))
                .field(out, "used_memory_scripts_eval", scripts.bodyBytes())
                .field(out, "number_of_cached_scripts", scripts.size())
                .field(out, "number_of_functions", scripts.functionCount())
                .field(out, "used_memory_functions", scripts.libraryBytes())
                .field(out, "maxmemory", eviction.maxmemory())
                .field(out, "maxmemory_human", human(eviction.maxmemory()))
                .field(out, "maxmemory_policy", eviction.policy().redisName())
                .field(out, "mem_fragmentation_ratio", String.format(Locale.ROOT, "%.2f", (double) heapUsed / used))
                .field(out, "kvcache_heap_used", heapUsed)
                .field(out, "kvcache_heap_max", rt.maxMemory());
    }

    private static long totalSystemMemory() {
        if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
            return os.getTotalMemorySize();
        }
        return 0;
    }

    private void stats(StringBuilder out) {
        CommandStats stats = dispatcher.get().stats();
        header(out, "Stats")
                .field(out, "total_connections_received", clients.totalConnectionsReceived())
                .field(out, "total_commands_processed", stats.processed())
                .field(out, "instantaneous_ops_per_sec", 0)
                .field(out, "rejected_connections", clients.rejectedConnections())
                .field(out, "expired_keys", db.expiredKeys())
                .field(out, "evicted_keys", dispatcher.get().eviction().evictedKeys())
                .field(out, "keyspace_hits", db.hits())
                .field(out, "keyspace_misses", db.misses())
                .field(out, "total_error_replies", stats.errorReplies());
    }

    private void cpu(StringBuilder out) {
        double cpuSeconds = 0;
        if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
            cpuSeconds = os.getProcessCpuTime() / 1e9;
        }
        header(out, "CPU")
                .field(out, "used_cpu_sys", "0.000000")
                .field(out, "used_cpu_user", String.format(Locale.ROOT, "%.6f", cpuSeconds));
    }

    private void commandstats(StringBuilder out) {
        header(out, "Commandstats");
        dispatcher.get().stats().appendCommandstats(out);
    }

    private void errorstats(StringBuilder out) {
        header(out, "Errorstats");
        dispatcher.get().stats().appendErrorstats(out);
    }

    private void keyspace(StringBuilder out) {
        header(out, "Keyspace");
        if (db.size() > 0) {
            field(out, "db0", "keys=" + db.size() + ",expires=" + db.volatileCount() + ",avg_ttl=" + db.averageTtl());
        }
    }

    private InfoReport header(StringBuilder out, String title) {
        out.append("# ").append(title).append("\r\n");
        return this;
    }

    private InfoReport field(StringBuilder out, String name, Object value) {
        out.append(name).append(':').append(value).append("\r\n");
        return this;
    }

    /** bytesToHuman in Redis's style: 1.00K, 2.50M, ... */
    static String human(long bytes) {
        return io.kvcache.config.MemoryValue.human(bytes);
    }

    private static byte[] randomBytes(int n) {
        byte[] b = new byte[n];
        java.util.concurrent.ThreadLocalRandom.current().nextBytes(b);
        return b;
    }
}
