package io.kvcache.master.admin;

import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import io.kvcache.master.topology.Replica;
import io.kvcache.master.topology.Topology;
import io.kvcache.master.upstream.PendingReply;
import io.kvcache.master.upstream.ReplyGroup;
import io.kvcache.protocol.Replies;
import io.kvcache.protocol.Request;

/** Asks every live replica for its DBSIZE, for the admin view (a short wait, never a client's). */
final class ReplicaProbe {

    private static final Request DBSIZE_REQUEST = Request.of("DBSIZE");
    private static final byte[] DBSIZE = DBSIZE_REQUEST.encode();

    private ReplicaProbe() {
    }

    static Map<Replica, Long> keys(Topology topology) {
        ReplyGroup group = new ReplyGroup();
        Map<Replica, PendingReply> pending = new HashMap<>();
        topology.shards().values().forEach(shard -> shard.liveReplicas().forEach(r -> {
            PendingReply reply = group.expect(DBSIZE_REQUEST, shard.name());
            r.pool().send(-1, DBSIZE, reply);
            pending.put(r, reply);
        }));
        group.await(2, TimeUnit.SECONDS);
        Map<Replica, Long> keys = new HashMap<>();
        pending.forEach((replica, reply) -> {
            byte[] bytes = reply.reply();
            if (bytes != null && bytes.length > 0 && bytes[0] == ':') {
                keys.put(replica, Replies.integer(bytes));
            }
        });
        return keys;
    }
}
