package io.kvcache.master.routing;

import java.util.List;
import java.util.concurrent.TimeUnit;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.kvcache.command.CommandFlag;
import io.kvcache.command.CommandSpec;
import io.kvcache.command.Session;
import io.kvcache.master.topology.Replica;
import io.kvcache.master.topology.Shard;
import io.kvcache.master.topology.TopologyRegistry;
import io.kvcache.master.upstream.PendingReply;
import io.kvcache.master.upstream.ReplyGroup;
import io.kvcache.protocol.Request;
import io.kvcache.protocol.RespWriter;

/**
 * The way down from the router to the shards: sends a request to a shard's primary (or, for a
 * READONLY client's read, a synced replica) through its upstream links, and, for the steps that
 * must follow one another, waits for replies and follows the redirects among them. The router and
 * its helpers (INFO, CONFIG, list moves) call this; nothing here calls back up.
 */
final class ShardLinks {

    private static final Logger log = LoggerFactory.getLogger(ShardLinks.class);

    static final String CLUSTER_DOWN = "CLUSTERDOWN The cluster is down";
    static final String SLOT_NOT_SERVED = "CLUSTERDOWN Hash slot not served";
    private static final byte[] TIMEOUT = error("CLUSTERDOWN The shard did not answer in time");

    private final TopologyRegistry topology;
    private final long replyTimeoutMillis;
    private final Redirects redirects;

    ShardLinks(TopologyRegistry topology, KeySettler settler, long replyTimeoutMillis) {
        this.topology = topology;
        this.replyTimeoutMillis = replyTimeoutMillis;
        this.redirects = new Redirects(this, topology, settler);
    }

    /**
     * Sends a request to a shard's primary, which replicates writes to its replicas itself.
     *
     * @return the primary's pending reply, or the error bytes when the shard cannot be served
     */
    Object forward(Shard shard, Request r, Session s, ReplyGroup group) {
        return forward(shard, r, false, s, group);
    }

    /**
     * As {@link #forward(Shard, Request, Session, ReplyGroup)} for a command of the table: a read of
     * keys from a client that sent READONLY may go to a synced replica (as in Redis Cluster), spreading reads;
     * keyless reads (SCAN, KEYS, DBSIZE) stay on the primary, whose cursors and counts they continue.
     * While keys move, every read goes to a primary: only primaries know which keys have left. A
     * read is a command flagged readonly: EVAL is neither read nor write, so it stays on the primary.
     */
    Object forward(Shard shard, Request r, CommandSpec spec, Session s, ReplyGroup group) {
        return forward(shard, r, spec.is(CommandFlag.READONLY) && spec.keys().hasKeys() && s.isReadOnly()
                && !topology.current().isMoving(), s, group);
    }

    private Object forward(Shard shard, Request r, boolean replicaRead, Session s, ReplyGroup group) {
        byte[] unserved = unserved(shard);
        if (unserved != null) {
            return unserved;
        }
        Replica target = shard.primary();
        if (replicaRead) {
            List<Replica> readable = shard.replicas().stream().filter(x -> x.isUp() && x.report().synced()).toList();
            if (!readable.isEmpty()) {
                target = readable.get((int) Math.floorMod(s.id(), (long) readable.size()));
            }
        }
        PendingReply reply = group.expect(r, shard.name());
        target.pool().send(s.id(), r.encode(), reply);
        return reply;
    }

    /** The error for a shard that cannot take requests now (none on the ring, no primary), or null. */
    static byte[] unserved(Shard shard) {
        if (shard == null) {
            return error(CLUSTER_DOWN);
        }
        return shard.primary() == null ? error(SLOT_NOT_SERVED) : null;
    }

    /**
     * Sends requests to a shard's primary back to back on one link (a transaction's MULTI ...
     * EXEC, which nothing of another client may split), their replies relayed as they come.
     *
     * @return the pending replies, in order, or the error bytes when the shard cannot be served
     */
    Object forwardTogether(Shard shard, List<Request> requests, Session s, ReplyGroup group) {
        byte[] unserved = unserved(shard);
        if (unserved != null) {
            return unserved;
        }
        Replica target = shard.primary();
        List<byte[]> encoded = new java.util.ArrayList<>(requests.size());
        List<PendingReply> replies = new java.util.ArrayList<>(requests.size());
        for (Request r : requests) {
            encoded.add(r.encode());
            replies.add(group.expectAsIs(r, shard.name()));
        }
        target.pool().sendAll(s.id(), encoded, replies);
        return replies;
    }

    /** Sends a request to one replica of a shard, whatever its role (CONFIG SET reaches every node). */
    PendingReply forwardTo(Replica target, Request r, Session s, ReplyGroup group) {
        PendingReply reply = group.expect(r, target.shard());
        target.pool().send(s.id(), r.encode(), reply);
        return reply;
    }

    /** How long a shard may take to answer before the master gives up on the reply. */
    long replyTimeoutMillis() {
        return replyTimeoutMillis;
    }

    /** Sends and waits, redirects followed: for the steps of a command that must happen one after another. */
    byte[] call(Shard shard, Session s, byte[]... argv) {
        ReplyGroup group = new ReplyGroup();
        Object result = forward(shard, new Request(argv), s, group);
        await(group, s);
        return reply(result);
    }

    /** Sends to the shard's primary and waits, redirects left as they are (for {@link Redirects}). */
    byte[] callDirect(Shard shard, Request r, Session s) {
        ReplyGroup group = new ReplyGroup();
        Object result = forward(shard, r, s, group);
        awaitReplies(group);
        return reply(result);
    }

    /** Waits for the group's replies, then follows the redirects among them. Never on an I/O loop. */
    void await(ReplyGroup group, Session s) {
        awaitReplies(group);
        redirects.resolve(group, s);
    }

    private void awaitReplies(ReplyGroup group) {
        if (!group.await(replyTimeoutMillis, TimeUnit.MILLISECONDS)) {
            log.warn("Replies from shards took longer than {} ms", replyTimeoutMillis);
        }
    }

    /** The reply a routing step produced: its bytes, or the pending reply's once awaited. */
    static byte[] reply(Object result) {
        if (result instanceof byte[] bytes) {
            return bytes;
        }
        byte[] reply = ((PendingReply) result).reply();
        return reply != null ? reply : TIMEOUT;
    }

    static byte[] error(String message) {
        return RespWriter.encodedError(message);
    }
}
