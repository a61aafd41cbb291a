package io.kvcache.master.routing;

import static io.kvcache.command.Commands.CLUSTER;

import java.net.InetSocketAddress;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.List;

import io.kvcache.cluster.KeySlot;
import io.kvcache.command.Arguments;
import io.kvcache.command.Commands;
import io.kvcache.command.Handlers;
import io.kvcache.command.Session;
import io.kvcache.master.topology.TopologyRegistry;
import io.kvcache.protocol.ErrorReply;
import io.kvcache.protocol.Request;
import io.kvcache.protocol.RespErrors;
import io.kvcache.protocol.RespWriter;

/**
 * CLUSTER as a Redis Cluster node that serves all 16384 slots: a cluster-mode client (JedisCluster,
 * Lettuce's RedisClusterClient, redis-py's RedisCluster, ioredis' Cluster) learns one node, this
 * master, at the address it connected to, and sends it every command; the master routes by its own
 * ring, so the client never sees kvcache's internal moves (docs/master.md).
 */
public final class ClusterCommands {

    private static final int CLUSTER_BUS_OFFSET = 10000;

    private final TopologyRegistry topology;
    /** This master's node id: 40 hex characters, as Redis's, new at each start. */
    private final String nodeId;

    public ClusterCommands(TopologyRegistry topology) {
        this.topology = topology;
        byte[] id = new byte[20];
        new SecureRandom().nextBytes(id);
        this.nodeId = HexFormat.of().formatHex(id);
    }

    public void register(Handlers h) {
        h.on(CLUSTER, this::cluster)
                .on(Commands.ROLE, (r, out, s) -> out.array(3).bulk("master").integer(0).array(0))
                .on(Commands.WAIT, this::waitForReplicas);
    }

    /**
     * WAIT numreplicas timeout: a write the master acknowledged is on every replica in sync of its
     * shard (ack=replicas), so the answer is the fewest replicas in sync over the shards; when that is
     * fewer than asked, WAIT waits for more, up to the timeout (0: for ever), as Redis does. Runs on a
     * virtual thread (the router sends it there).
     */
    private void waitForReplicas(Request r, RespWriter out, Session s) {
        long wanted = Arguments.longArg(r, 1);
        long timeout = Arguments.longArg(r, 2, "ERR timeout is not an integer or out of range");
        if (timeout < 0) {
            throw new ErrorReply("ERR timeout is negative");
        }
        long deadline = timeout == 0 ? Long.MAX_VALUE : System.nanoTime() + timeout * 1_000_000L;
        long inSync = inSyncEverywhere();
        while (inSync < wanted && System.nanoTime() < deadline && !s.isDisconnected()) {
            java.util.concurrent.locks.LockSupport.parkNanos(WAIT_POLL_NANOS);
            inSync = inSyncEverywhere();
        }
        out.integer(inSync);
    }

    private static final long WAIT_POLL_NANOS = 50_000_000;

    private long inSyncEverywhere() {
        long fewest = Long.MAX_VALUE;
        for (io.kvcache.master.topology.Shard shard : topology.current().placedShards()) {
            fewest = Math.min(fewest, shard.inSync() == null ? 0 : shard.inSync().size());
        }
        return fewest == Long.MAX_VALUE ? 0 : fewest;
    }

    private void cluster(Request r, RespWriter out, Session s) {
        String sub = r.text(1).toLowerCase(java.util.Locale.ROOT);
        switch (sub) {
            case "slots" -> {
                arity(r, 2, sub);
                InetSocketAddress at = announced(s);
                out.array(1).array(3).integer(0).integer(KeySlot.SLOTS - 1)
                        .array(4).bulk(at.getHostString()).integer(at.getPort()).bulk(nodeId).array(0);
            }
            case "shards" -> {
                arity(r, 2, sub);
                InetSocketAddress at = announced(s);
                out.array(1).array(4).bulk("slots").array(2).integer(0).integer(KeySlot.SLOTS - 1)
                        .bulk("nodes").array(1).array(14)
                        .bulk("id").bulk(nodeId)
                        .bulk("port").integer(at.getPort())
                        .bulk("ip").bulk(at.getHostString())
                        .bulk("endpoint").bulk(at.getHostString())
                        .bulk("role").bulk("master")
                        .bulk("replication-offset").integer(0)
                        .bulk("health").bulk(up() ? "online" : "failed");
            }
            case "nodes" -> {
                arity(r, 2, sub);
                InetSocketAddress at = announced(s);
                out.bulk(nodeId + " " + at.getHostString() + ":" + at.getPort() + "@" + (at.getPort() + CLUSTER_BUS_OFFSET)
                        + " myself,master - 0 0 1 connected 0-" + (KeySlot.SLOTS - 1) + "\n");
            }
            case "info" -> {
                arity(r, 2, sub);
                String state = up() ? "ok" : "fail";
                out.bulk("cluster_state:" + state + "\r\n"
                        + "cluster_slots_assigned:16384\r\n"
                        + "cluster_slots_ok:" + (up() ? KeySlot.SLOTS : 0) + "\r\n"
                        + "cluster_slots_pfail:0\r\n"
                        + "cluster_slots_fail:" + (up() ? 0 : KeySlot.SLOTS) + "\r\n"
                        + "cluster_known_nodes:1\r\n"
                        + "cluster_size:1\r\n"
                        + "cluster_current_epoch:1\r\n"
                        + "cluster_my_epoch:1\r\n"
                        + "cluster_stats_messages_sent:0\r\n"
                        + "cluster_stats_messages_received:0\r\n"
                        + "total_cluster_links_buffer_limit_exceeded:0\r\n");
            }
            case "myid" -> {
                arity(r, 2, sub);
                out.bulk(nodeId);
            }
            case "keyslot" -> {
                arity(r, 3, sub);
                out.integer(KeySlot.of(r.arg(2)));
            }
            case "help" -> {
                arity(r, 2, sub);
                List<String> lines = List.of(
                        "CLUSTER <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
                        "INFO",
                        "    Return information about the cluster.",
                        "KEYSLOT <key>",
                        "    Return the hash slot for <key>.",
                        "MYID",
                        "    Return the node id.",
                        "NODES",
                        "    Return cluster configuration seen by node. Output format:",
                        "    <id> <ip:port> <flags> <master> <pings> <pongs> <epoch> <link> <slot> ...",
                        "SHARDS",
                        "    Return information about slot range mappings and the nodes associated with them.",
                        "SLOTS",
                        "    Return information about slots range mappings. Each range is made of:",
                        "    start, end, master and replicas IP addresses, ports and ids",
                        "HELP",
                        "    Prints this help.");
                out.array(lines.size());
                lines.forEach(out::simple);
            }
            default -> throw new ErrorReply(String.format(RespErrors.UNKNOWN_SUBCOMMAND_FORMAT, r.text(1), "CLUSTER"));
        }
    }

    private boolean up() {
        return topology.current().allShardsUp();
    }

    /** The address the client reached this master at: the one it can reach it at again. */
    private static InetSocketAddress announced(Session s) {
        InetSocketAddress local = s.localAddress();
        return local != null ? local : new InetSocketAddress("127.0.0.1", 6666);
    }

    private static void arity(Request r, int argc, String sub) {
        if (r.argc() != argc) {
            throw new ErrorReply(RespErrors.wrongArity("cluster|" + sub));
        }
    }
}
