package io.kvcache.slave.migration;

import java.util.ArrayList;
import java.util.List;

import io.kvcache.cluster.Placement;
import io.kvcache.command.Session;
import io.kvcache.protocol.ProtocolError;
import io.kvcache.protocol.ProtocolLimits;
import io.kvcache.protocol.ReplyScanner;
import io.kvcache.protocol.Request;
import io.kvcache.protocol.RespReader;
import io.kvcache.protocol.RespWriter;
import io.kvcache.slave.replication.ReplicationManager;

/**
 * Takes a batch of keys another shard gives this one: the commands that recreate each key (they
 * replace whatever an earlier, failed attempt left), run as writes of this primary, so they reach
 * its replicas like any other; answered once they applied them in the default ack mode.
 */
final class KeyImporter {

    /** Why a batch was refused (HTTP 409 or 500 with this reason). */
    record Refusal(int status, String reason) {
    }

    private final String self;
    private final KeyOwnership ownership;
    private final ReplicationManager replication;
    private final ProtocolLimits limits;

    KeyImporter(String self, KeyOwnership ownership, ReplicationManager replication, ProtocolLimits limits) {
        this.self = self;
        this.ownership = ownership;
        this.replication = replication;
        this.limits = limits;
    }

    /** Null when the batch is applied, else why not. */
    Refusal importBatch(long placementVersion, byte[] body) {
        Placement.Rings rings = ownership.rings();
        if (rings.placement().version() != placementVersion || !rings.isMoving()) {
            return new Refusal(409, "placement " + rings.placement().version() + " here, not " + placementVersion);
        }
        if (!replication.state().primary()) {
            return new Refusal(409, "not-primary");
        }
        List<Request> commands = parse(body);
        if (commands == null) {
            return new Refusal(400, "malformed batch");
        }
        for (Request command : commands) {
            if (command.argc() < 2 || !self.equals(rings.finalOwner(command.arg(1)))) {
                return new Refusal(409, "not-owner");
            }
        }
        RespWriter out = new RespWriter(commands.size() * 8);
        // A session per batch: batches from several sources may arrive at once.
        replication.execute(commands, new Session(0, "migration-import", "migration").internal(), out);
        String error = firstError(out.toByteArray());
        return error == null ? null : new Refusal(500, error);
    }

    private List<Request> parse(byte[] body) {
        RespReader reader = new RespReader(limits);
        reader.feed(body, 0, body.length);
        List<Request> requests = new ArrayList<>();
        for (Object next = reader.next(); next != null; next = reader.next()) {
            if (next instanceof ProtocolError) {
                return null;
            }
            requests.add((Request) next);
        }
        return reader.buffered() == 0 ? requests : null;
    }

    private static String firstError(byte[] replies) {
        for (int p = 0; p < replies.length; p = ReplyScanner.end(replies, p, replies.length)) {
            if (replies[p] == '-') {
                int end = ReplyScanner.end(replies, p, replies.length);
                return new String(replies, p + 1, end - p - 3, java.nio.charset.StandardCharsets.UTF_8);
            }
        }
        return null;
    }
}
