package io.kvcache.master.routing;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

import io.kvcache.command.Session;
import io.kvcache.master.topology.Shard;
import io.kvcache.master.topology.Topology;
import io.kvcache.master.topology.TopologyRegistry;
import io.kvcache.master.upstream.PendingReply;
import io.kvcache.master.upstream.ReplyGroup;
import io.kvcache.protocol.RespErrors;

/**
 * Follows the redirects slaves answer while keys move (Redis Cluster's MOVED, ASK and TRYAGAIN,
 * kept inside the master: clients never see them). After a batch's replies arrived, each redirect
 * is replaced, in request order, by the answer of the shard it points to; TRYAGAIN first has the
 * shard move the request's keys now. The order is a client's order: a request on a key is
 * redirected only if every later request on that key in the batch is too (a shard never takes a
 * key back once it has sent it away), and redirects are followed one at a time in request order.
 */
final class Redirects {

    private static final int MAX_HOPS = 6;
    private static final byte[] ASK = ("-" + RespErrors.ASK + " ").getBytes(StandardCharsets.US_ASCII);
    private static final byte[] MOVED = ("-" + RespErrors.MOVED + " ").getBytes(StandardCharsets.US_ASCII);
    private static final byte[] TRYAGAIN = ShardLinks.error(RespErrors.TRYAGAIN);

    private final ShardLinks links;
    private final TopologyRegistry topology;
    private final KeySettler settler;

    Redirects(ShardLinks links, TopologyRegistry topology, KeySettler settler) {
        this.links = links;
        this.topology = topology;
        this.settler = settler;
    }

    /** Replaces every redirect among the group's replies by the answer it leads to. */
    void resolve(ReplyGroup group, Session s) {
        for (int i = 0; i < group.expected().size(); i++) {
            PendingReply p = group.expected().get(i);
            byte[] reply = p.reply();
            if (reply != null && p.redirectable() && isRedirect(reply)) {
                p.replace(follow(p, reply, s));
            }
        }
    }

    private byte[] follow(PendingReply p, byte[] reply, Session s) {
        String at = p.shard();
        for (int hop = 0; hop < MAX_HOPS; hop++) {
            Topology t = topology.current();
            String next;
            if (startsWith(reply, ASK) || startsWith(reply, MOVED)) {
                next = shardNamed(reply);
            } else if (isTryAgain(reply)) {
                Shard here = t.shards().get(at);
                if (here != null) {
                    settler.settle(here, p.request());
                }
                next = at;
            } else {
                return reply;
            }
            reply = links.callDirect(t.shards().get(next), p.request(), s);
            at = next;
        }
        return isRedirect(reply) ? TRYAGAIN : reply;
    }

    /** Whether any reply of the group is a redirect to follow (checked before writing: one byte each, mostly). */
    static boolean anyIn(ReplyGroup group) {
        for (PendingReply p : group.expected()) {
            byte[] reply = p.reply();
            if (reply != null && p.redirectable() && isRedirect(reply)) {
                return true;
            }
        }
        return false;
    }

    static boolean isRedirect(byte[] reply) {
        return reply.length > 1 && reply[0] == '-' && (reply[1] == 'A' || reply[1] == 'M' || reply[1] == 'T')
                && (startsWith(reply, ASK) || startsWith(reply, MOVED) || isTryAgain(reply));
    }

    private static boolean isTryAgain(byte[] reply) {
        return Arrays.equals(reply, TRYAGAIN);
    }

    static String shardNamed(byte[] reply) {
        int from = reply[1] == 'A' ? ASK.length : MOVED.length;
        return new String(reply, from, reply.length - 2 - from, StandardCharsets.UTF_8);
    }

    private static boolean startsWith(byte[] reply, byte[] prefix) {
        return reply.length > prefix.length && java.util.Arrays.equals(reply, 0, prefix.length, prefix, 0, prefix.length);
    }
}
