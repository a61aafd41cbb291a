package io.kvcache.master.routing;

import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.kvcache.command.ResponsePolicy;
import io.kvcache.command.Session;
import io.kvcache.config.ConfigCommand;
import io.kvcache.config.ConfigParameter;
import io.kvcache.master.topology.Replica;
import io.kvcache.master.topology.Shard;
import io.kvcache.master.topology.Topology;
import io.kvcache.master.topology.TopologyRegistry;
import io.kvcache.master.upstream.PendingReply;
import io.kvcache.master.upstream.ReplyGroup;
import io.kvcache.master.upstream.UpstreamPool;
import io.kvcache.protocol.Replies;
import io.kvcache.protocol.Request;

/**
 * CONFIG for the cluster. CONFIG SET is checked here as a Redis checks it (same errors), then
 * sent to every live slave, the replicas of each shard as well as its primary, and answered OK
 * once all applied it (Redis's ALL_NODES / ALL_SUCCEEDED tips). The master remembers what it
 * set and sends the same CONFIG SET, over the data port, to each slave that enrolls or comes back
 * later, so every slave of the cluster runs with the same settings. CONFIG GET and the others
 * are answered by one shard's primary (all slaves hold the same values).
 * <p>
 * What the master remembers lasts as long as the master runs, as a Redis's CONFIG SET lasts
 * until it restarts; a slave's own settings at start are kvcache.slave.* (docs/operations.md).
 */
public final class ClusterConfig {

    private static final Logger log = LoggerFactory.getLogger(ClusterConfig.class);
    /** The client id the master's own CONFIG SETs go under (it picks the upstream connection). */
    private static final long MASTER_SESSION = -1;

    private final TopologyRegistry topology;
    private final long replyTimeoutMillis;
    private final Map<ConfigParameter, String> applied = new LinkedHashMap<>();
    /** The upstream pools (one per enrollment of a replica) that were up and have been sent the settings. */
    private final Set<UpstreamPool> configured = Collections.newSetFromMap(new IdentityHashMap<>());

    public ClusterConfig(TopologyRegistry topology, long replyTimeoutMillis) {
        this.topology = topology;
        this.replyTimeoutMillis = replyTimeoutMillis;
        topology.onPublished(this::published);
    }

    Object route(Request r, Session s, ReplyGroup group, Topology t, ShardLinks links) {
        return switch (ConfigCommand.subcommand(r)) {
            case SET -> {
                Map<ConfigParameter, String> values = ConfigCommand.parseSet(r);
                // Remembered, then sent to the slaves of the topology as it is after that: a slave
                // enrolling in between is in that topology or gets the settings from published().
                synchronized (this) {
                    applied.putAll(values);
                }
                yield toEveryNode(r, s, group, topology.current(), links);
            }
            case RESETSTAT -> toEveryNode(r, s, group, t, links);
            default -> toOnePrimary(r, s, group, t, links);
        };
    }

    /** What CONFIG SET set through this master, in canonical form. */
    public synchronized Map<ConfigParameter, String> applied() {
        return Map.copyOf(applied);
    }

    private Object toEveryNode(Request r, Session s, ReplyGroup group, Topology t, ShardLinks links) {
        List<PendingReply> parts = new ArrayList<>();
        for (Shard shard : t.orderedShards()) {
            for (Replica replica : shard.liveReplicas()) {
                parts.add(links.forwardTo(replica, r, s, group));
            }
        }
        if (parts.isEmpty()) {
            return ShardLinks.error(ShardLinks.CLUSTER_DOWN);
        }
        return new Merge(ResponsePolicy.ALL_SUCCEEDED, null, parts, 0);
    }

    private Object toOnePrimary(Request r, Session s, ReplyGroup group, Topology t, ShardLinks links) {
        for (Shard shard : t.orderedShards()) {
            if (shard.isUp()) {
                return links.forward(shard, r, s, group);
            }
        }
        return ShardLinks.error(ShardLinks.CLUSTER_DOWN);
    }

    /** Sends the remembered settings to each slave that is up and has not had them since it (re-)enrolled or came back. */
    private void published(Topology t) {
        List<Replica> due = new ArrayList<>();
        Request set;
        synchronized (this) {
            Set<UpstreamPool> current = Collections.newSetFromMap(new IdentityHashMap<>());
            for (Shard shard : t.shards().values()) {
                for (Replica replica : shard.replicas()) {
                    if (replica.isUp()) {
                        current.add(replica.pool());
                        if (configured.add(replica.pool())) {
                            due.add(replica);
                        }
                    }
                }
            }
            configured.retainAll(current); // a replica down, gone or re-enrolled gets them again when up
            if (applied.isEmpty() || due.isEmpty()) {
                return;
            }
            set = setRequest();
        }
        for (Replica replica : due) {
            Thread.ofVirtual().name("config-" + replica.shard() + "-" + replica.id()).start(() -> send(replica, set));
        }
    }

    private Request setRequest() {
        byte[][] argv = new byte[2 + 2 * applied.size()][];
        argv[0] = "CONFIG".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        argv[1] = "SET".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        int i = 2;
        for (Map.Entry<ConfigParameter, String> e : applied.entrySet()) {
            argv[i++] = e.getKey().redisName().getBytes(java.nio.charset.StandardCharsets.US_ASCII);
            argv[i++] = e.getValue().getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
        }
        return new Request(argv);
    }

    private void send(Replica replica, Request set) {
        ReplyGroup group = new ReplyGroup();
        PendingReply reply = group.expect(set, replica.shard());
        replica.pool().send(MASTER_SESSION, set.encode(), reply);
        if (!group.await(replyTimeoutMillis, TimeUnit.MILLISECONDS) || Replies.isError(reply.reply())) {
            log.warn("Could not apply the cluster's settings {} to {}/{}: {}", applied(), replica.shard(), replica.id(),
                    reply.reply() == null ? "no reply in time" : new String(reply.reply(),
                            java.nio.charset.StandardCharsets.ISO_8859_1).strip());
        } else {
            log.info("Applied the cluster's settings {} to {}/{}", applied(), replica.shard(), replica.id());
        }
    }
}
