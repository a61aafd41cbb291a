package io.kvcache.master.routing;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

import io.kvcache.command.Clients;
import io.kvcache.command.ConnectionCommands;
import io.kvcache.command.Session;
import io.kvcache.config.MemoryValue;
import io.kvcache.master.topology.Shard;
import io.kvcache.master.upstream.PendingReply;
import io.kvcache.master.upstream.ReplyGroup;
import io.kvcache.metrics.CommandStats;
import io.kvcache.protocol.Replies;
import io.kvcache.protocol.Request;
import io.kvcache.protocol.RespWriter;

/**
 * INFO for the cluster, in Redis's format: the master's own sections (server, clients, stats,
 * cluster) and, summed over every shard's primary, the keyspace, memory (used_memory and
 * maxmemory: the cluster's data and capacity) and the store's counters in stats (hits, misses,
 * expired and evicted keys).
 */
public final class MasterInfo {

    private static final List<String> DEFAULT_SECTIONS = List.of("server", "clients", "memory", "stats",
            "replication", "errorstats", "cluster", "keyspace");
    private static final List<String> ALL_SECTIONS = List.of("server", "clients", "memory", "stats", "replication",
            "commandstats", "errorstats", "cluster", "keyspace");
    /** The sections whose figures come from the shards' primaries. */
    private static final List<String> SHARD_SECTIONS = List.of("memory", "stats", "keyspace");
    private static final List<String> SUMMED_STATS = List.of("keyspace_hits", "keyspace_misses", "expired_keys",
            "evicted_keys");

    private final Clients clients;
    private final int port;
    private final long startMillis = System.currentTimeMillis();
    private CommandStats commandStats;

    public MasterInfo(Clients clients, int port) {
        this.clients = clients;
        this.port = port;
    }

    void commandStats(CommandStats stats) {
        this.commandStats = stats;
    }

    Collected collect(Request r, List<Shard> shards, Session s, ReplyGroup group, ShardLinks links) {
        Set<String> sections = sections(r);
        List<PendingReply> parts = new ArrayList<>();
        List<String> asked = new ArrayList<>(List.of("INFO"));
        SHARD_SECTIONS.stream().filter(sections::contains).forEach(asked::add);
        if (asked.size() > 1) {
            for (Shard shard : shards) {
                Object part = links.forward(shard, Request.of(asked.toArray(String[]::new)), s, group);
                if (part instanceof PendingReply pending) {
                    parts.add(pending);
                }
            }
        }
        return new Collected(sections, parts, shards.size());
    }

    private static Set<String> sections(Request r) {
        Set<String> sections = new LinkedHashSet<>();
        if (r.argc() == 1) {
            sections.addAll(DEFAULT_SECTIONS);
        }
        for (int i = 1; i < r.argc(); i++) {
            String name = r.text(i).toLowerCase(Locale.ROOT);
            if (name.equals("default")) {
                sections.addAll(DEFAULT_SECTIONS);
            } else if (name.equals("all") || name.equals("everything")) {
                sections.addAll(ALL_SECTIONS);
            } else {
                sections.add(name);
            }
        }
        return sections;
    }

    /** The shards' keyspace lines being awaited, rendered with the master's own sections. */
    final class Collected {
        private final Set<String> sections;
        private final List<PendingReply> parts;
        private final int shardCount;

        Collected(Set<String> sections, List<PendingReply> parts, int shardCount) {
            this.sections = sections;
            this.parts = parts;
            this.shardCount = shardCount;
        }

        void writeTo(RespWriter out) {
            StringBuilder sb = new StringBuilder();
            long uptime = (System.currentTimeMillis() - startMillis) / 1000;
            for (String section : ALL_SECTIONS) {
                if (!sections.contains(section)) {
                    continue;
                }
                if (!sb.isEmpty()) {
                    sb.append("\r\n");
                }
                switch (section) {
                    case "server" -> sb.append("# Server\r\n")
                            .append("redis_version:").append(ConnectionCommands.REDIS_VERSION).append("\r\n")
                            .append("redis_mode:cluster\r\n")
                            .append("kvcache_role:master\r\n")
                            .append("process_id:").append(ProcessHandle.current().pid()).append("\r\n")
                            .append("tcp_port:").append(port).append("\r\n")
                            .append("uptime_in_seconds:").append(uptime).append("\r\n")
                            .append("uptime_in_days:").append(uptime / 86400).append("\r\n");
                    case "clients" -> sb.append("# Clients\r\n")
                            .append("connected_clients:").append(clients.connected()).append("\r\n")
                            .append("maxclients:").append(clients.maxClients()).append("\r\n");
                    case "memory" -> memory(sb);
                    case "stats" -> {
                        sb.append("# Stats\r\n")
                                .append("total_connections_received:").append(clients.totalConnectionsReceived())
                                .append("\r\n")
                                .append("total_commands_processed:").append(commandStats.processed()).append("\r\n")
                                .append("rejected_connections:").append(clients.rejectedConnections()).append("\r\n")
                                .append("total_error_replies:").append(commandStats.errorReplies()).append("\r\n");
                        for (String field : SUMMED_STATS) {
                            sb.append(field).append(':').append(sum(field)).append("\r\n");
                        }
                    }
                    case "replication" -> sb.append("# Replication\r\nrole:master\r\n");
                    case "commandstats" -> commandStats.appendCommandstats(sb.append("# Commandstats\r\n"));
                    case "errorstats" -> commandStats.appendErrorstats(sb.append("# Errorstats\r\n"));
                    case "cluster" -> sb.append("# Cluster\r\ncluster_enabled:0\r\n")
                            .append("kvcache_shards:").append(shardCount).append("\r\n");
                    case "keyspace" -> keyspace(sb);
                    default -> {
                    }
                }
            }
            out.bulk(sb.toString().getBytes(StandardCharsets.ISO_8859_1));
        }

        /** used_memory and maxmemory summed over the primaries; the policy of the first (CONFIG SET sets all alike). */
        private void memory(StringBuilder sb) {
            long used = sum("used_memory");
            long max = sum("maxmemory");
            String policy = "noeviction";
            for (PendingReply part : parts) {
                String p = field(part, "maxmemory_policy");
                if (p != null) {
                    policy = p;
                    break;
                }
            }
            sb.append("# Memory\r\n")
                    .append("used_memory:").append(used).append("\r\n")
                    .append("used_memory_human:").append(MemoryValue.human(used)).append("\r\n")
                    .append("maxmemory:").append(max).append("\r\n")
                    .append("maxmemory_human:").append(MemoryValue.human(max)).append("\r\n")
                    .append("maxmemory_policy:").append(policy).append("\r\n");
        }

        /** A numeric INFO field summed over the primaries that answered. */
        private long sum(String name) {
            long total = 0;
            for (PendingReply part : parts) {
                String value = field(part, name);
                if (value != null) {
                    total += Long.parseLong(value);
                }
            }
            return total;
        }

        /** One field of a primary's INFO reply, or null. */
        private static String field(PendingReply part, String name) {
            byte[] reply = ShardLinks.reply(part);
            if (Replies.isError(reply)) {
                return null;
            }
            String prefix = name + ":";
            for (String line : new String(Replies.bulk(reply), StandardCharsets.ISO_8859_1).split("\r\n")) {
                if (line.startsWith(prefix)) {
                    return line.substring(prefix.length());
                }
            }
            return null;
        }

        /** Sums "db0:keys=..,expires=..,avg_ttl=.." over the shards (avg_ttl weighted by expires). */
        private void keyspace(StringBuilder sb) {
            long keys = 0;
            long expires = 0;
            long ttlWeighted = 0;
            for (PendingReply part : parts) {
                byte[] reply = ShardLinks.reply(part);
                if (Replies.isError(reply)) {
                    continue;
                }
                for (String line : new String(Replies.bulk(reply), StandardCharsets.ISO_8859_1).split("\r\n")) {
                    if (!line.startsWith("db0:")) {
                        continue;
                    }
                    long shardExpires = 0;
                    long shardAvgTtl = 0;
                    for (String field : line.substring(4).split(",")) {
                        String[] kv = field.split("=");
                        long v = Long.parseLong(kv[1]);
                        switch (kv[0]) {
                            case "keys" -> keys += v;
                            case "expires" -> shardExpires = v;
                            case "avg_ttl" -> shardAvgTtl = v;
                            default -> {
                            }
                        }
                    }
                    expires += shardExpires;
                    ttlWeighted += shardAvgTtl * shardExpires;
                }
            }
            sb.append("# Keyspace\r\n");
            if (keys > 0) {
                sb.append("db0:keys=").append(keys).append(",expires=").append(expires)
                        .append(",avg_ttl=").append(expires == 0 ? 0 : ttlWeighted / expires).append("\r\n");
            }
        }
    }
}
