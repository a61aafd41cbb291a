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
import io.kvcache.master.topology.Shard;
import io.kvcache.master.upstream.PendingReply;
import io.kvcache.master.upstream.ReplyGroup;
import io.kvcache.metrics.CommandStats;
import io.kvcache.protocol.Replies;
import io.kvcache.protocol.Request;
import io.kvcache.protocol.RespWriter;

/**
 * INFO for the cluster, in Redis's format: the master's own sections (server, clients, stats,
 * cluster) and a keyspace summed over every shard's primary.
 */
public final class MasterInfo {

    private static final List<String> DEFAULT_SECTIONS = List.of("server", "clients", "stats", "replication",
            "errorstats", "cluster", "keyspace");
    private static final List<String> ALL_SECTIONS = List.of("server", "clients", "stats", "replication",
            "commandstats", "errorstats", "cluster", "keyspace");

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

    Collected collect(Request r, List<Shard> shards, Session s, ReplyGroup group, Router router) {
        Set<String> sections = sections(r);
        List<PendingReply> parts = new ArrayList<>();
        if (sections.contains("keyspace")) {
            for (Shard shard : shards) {
                Object part = router.forward(shard, Request.of("INFO", "keyspace"), s, group);
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
                    case "stats" -> sb.append("# Stats\r\n")
                            .append("total_connections_received:").append(clients.totalConnectionsReceived())
                            .append("\r\n")
                            .append("total_commands_processed:").append(commandStats.processed()).append("\r\n")
                            .append("rejected_connections:").append(clients.rejectedConnections()).append("\r\n")
                            .append("total_error_replies:").append(commandStats.errorReplies()).append("\r\n");
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

        /** Sums "db0:keys=..,expires=..,avg_ttl=.." over the shards (avg_ttl weighted by expires). */
        private void keyspace(StringBuilder sb) {
            long keys = 0;
            long expires = 0;
            long ttlWeighted = 0;
            for (PendingReply part : parts) {
                byte[] reply = Router.reply(part);
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
