package io.kvcache.master.enrollment;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.List;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.kvcache.command.Session;
import io.kvcache.master.topology.TopologyRegistry;
import io.kvcache.protocol.Request;
import io.kvcache.protocol.RespWriter;

/**
 * The enrollment port's commands, in RESP like everything else:
 * <ul>
 * <li>{@code ENROLL secret shard replica dataHost dataPort httpHost httpPort [knownShards]} →
 * {@code *2 +OK $shards} (every shard name the master knows, comma-separated); a wrong secret
 * gets an error and the connection is closed.</li>
 * <li>{@code HEARTBEAT} → {@code *2 +OK $shards}, or an error when this connection has not enrolled.
 * Every reply carries every shard name, so each slave can give a restarted master the whole
 * ring back, not only the names that were known when it enrolled.</li>
 * </ul>
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
            if (r.is(0, "heartbeat") && r.argc() == 1) {
                if (registry.heartbeat(session.connectionId())) {
                    out.array(2).ok().bulk(String.join(",", registry.knownShards()));
                } else {
                    out.error("ERR not enrolled");
                }
            } else if (r.is(0, "enroll") && (r.argc() == 8 || r.argc() == 9)) {
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
        List<String> known = r.argc() == 9 && r.arg(8).length > 0
                ? Arrays.asList(r.text(8).split(",")) : List.of();
        List<String> shards = registry.enroll(session.connectionId(), shard, replica,
                new InetSocketAddress(data.getHostString(), data.getPort()),
                new InetSocketAddress(http.getHostString(), http.getPort()), known);
        out.array(2).ok().bulk(String.join(",", shards));
    }
}
