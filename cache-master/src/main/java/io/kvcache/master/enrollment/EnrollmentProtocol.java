package io.kvcache.master.enrollment;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.List;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.kvcache.cluster.InSyncReplicas;
import io.kvcache.cluster.Placement;
import io.kvcache.cluster.ReplicationStatus;
import io.kvcache.command.Session;
import io.kvcache.master.topology.TopologyRegistry;
import io.kvcache.protocol.Request;
import io.kvcache.protocol.RespWriter;

/**
 * The enrollment port's commands, in RESP like everything else:
 * <ul>
 * <li>{@code ENROLL secret shard replica dataHost dataPort httpHost httpPort placement role epoch
 * replid offset} → {@code *4 +OK $placement $assignment $primaries}: the placement of keys on
 * shards ({@link Placement#format()}), the slave's assignment (see
 * {@link TopologyRegistry#assignmentFor}) and the HTTP address of every shard's primary
 * ({@code shard=host:port,...}, where keys in a move are sent); a wrong secret gets an error and
 * the connection is closed.</li>
 * <li>{@code HEARTBEAT role epoch replid offset [inSync [minReplicasToWrite]]} → the same frame, or
 * an error when this connection has not enrolled; a primary lists the replicas it holds in sync
 * ({@code id,...} or {@code -}), which the master records and answers in the primary's assignment,
 * and its min-replicas-to-write, which a shard must meet to join the ring.</li>
 * </ul>
 * Every frame carries the placement, so each slave can give a restarted master the ring (and a
 * move under way) back. The master also pushes the same frame unasked when a shard's primary or
 * replicas, or the placement, change ({@link AssignmentPusher}); slaves treat every frame alike.
 */
public final class EnrollmentProtocol {

    private static final Logger log = LoggerFactory.getLogger(EnrollmentProtocol.class);

    private final TopologyRegistry registry;
    private final byte[] secret;

    public EnrollmentProtocol(TopologyRegistry registry, String secret) {
        this.registry = registry;
        this.secret = secret.getBytes(StandardCharsets.UTF_8);
    }

    public void execute(List<Request> requests, Session session, RespWriter out) {
        for (Request r : requests) {
            if (session.isClosing()) {
                return;
            }
            if (r.is(0, "heartbeat") && r.argc() >= 5 && r.argc() <= 7) {
                ReplicationStatus report = report(r, 1);
                Integer minReplicas = r.argc() == 7 ? minReplicas(r.text(6)) : null;
                if (report == null || (r.argc() == 7 && minReplicas == null)) {
                    out.error("ERR invalid replication state");
                } else if (registry.heartbeat(session.connectionId(), report,
                        r.argc() >= 6 ? InSyncReplicas.parse(r.text(5)) : null, minReplicas)) {
                    frame(session.connectionId(), out);
                } else {
                    out.error("ERR not enrolled");
                }
            } else if (r.is(0, "enroll") && r.argc() >= 2) {
                enroll(r, session, out);
            } else {
                out.error("ERR unknown enrollment command");
                session.closeAfterReply();
            }
        }
    }

    private void enroll(Request r, Session session, RespWriter out) {
        // Constant time: the comparison must not tell how much of a guessed secret was right.
        if (!MessageDigest.isEqual(secret, r.arg(1))) {
            log.warn("Refused an enrollment from {}: wrong cluster secret", session.address());
            out.error("ERR invalid cluster secret");
            session.closeAfterReply();
            return;
        }
        if (r.argc() != 13) {
            out.error("ERR wrong number of arguments for ENROLL");
            session.closeAfterReply();
            return;
        }
        String shard = r.text(2);
        String replica = r.text(3);
        InetSocketAddress data;
        InetSocketAddress http;
        try {
            data = InetSocketAddress.createUnresolved(r.text(4), Integer.parseInt(r.text(5)));
            http = InetSocketAddress.createUnresolved(r.text(6), Integer.parseInt(r.text(7)));
        } catch (IllegalArgumentException e) {
            out.error("ERR invalid address");
            return;
        }
        ReplicationStatus report = report(r, 9);
        if (report == null) {
            out.error("ERR invalid replication state");
            return;
        }
        Placement placement;
        try {
            placement = Placement.parse(r.text(8));
        } catch (IllegalArgumentException e) {
            out.error("ERR invalid placement");
            return;
        }
        if (registry.enroll(session.connectionId(), shard, replica,
                new InetSocketAddress(data.getHostString(), data.getPort()),
                new InetSocketAddress(http.getHostString(), http.getPort()), placement, report)) {
            frame(session.connectionId(), out);
        } else {
            decommissionedFrame(out);
        }
    }

    /** The frame for one slave: {@code *4 +OK $placement $assignment $primaries}. */
    public void frame(String connectionId, RespWriter out) {
        out.array(4).ok().bulk(registry.placement().format()).bulk(registry.assignmentFor(connectionId))
                .bulk(registry.primaries());
    }

    /** Tells a decommissioned slave to stop enrolling: the assignment {@code decommissioned}. */
    public void decommissionedFrame(RespWriter out) {
        out.array(4).ok().bulk(registry.placement().format()).bulk("decommissioned").bulk("");
    }

    /** A reported min-replicas-to-write, or null when it is not a count. */
    private static Integer minReplicas(String text) {
        try {
            int n = Integer.parseInt(text);
            return n < 0 ? null : n;
        } catch (NumberFormatException e) {
            return null;
        }
    }

    private static ReplicationStatus report(Request r, int from) {
        try {
            return ReplicationStatus.parse(r.text(from), r.text(from + 1), r.text(from + 2), r.text(from + 3));
        } catch (IllegalArgumentException e) {
            return null;
        }
    }
}
