package io.kvcache.master.routing;

import static io.kvcache.command.Commands.*;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.kvcache.command.Arguments;
import io.kvcache.command.CommandSpec;
import io.kvcache.command.Session;
import io.kvcache.master.topology.Replica;
import io.kvcache.master.topology.Shard;
import io.kvcache.master.topology.Topology;
import io.kvcache.master.topology.TopologyRegistry;
import io.kvcache.protocol.Replies;
import io.kvcache.protocol.Request;
import io.kvcache.protocol.RespErrors;
import io.kvcache.protocol.RespWriter;

/**
 * BLPOP, BRPOP, BLMPOP, BZPOPMIN, BZPOPMAX, BZMPOP, BLMOVE and BRPOPLPUSH through the proxy. Each
 * waits on a {@link DedicatedLink} of its own to the keys' shard, whose primary blocks it as Redis
 * does (first blocked, first served; its timeout), so a blocked client never holds up the shared
 * links. Runs on the batch's virtual thread, which waits with it.
 * <ul>
 * <li>The shard's primary fails or restarts, or the keys move to another shard (MOVED, ASK, or a
 * replica's refusal): the command is sent again where the keys now are, with what is left of its
 * timeout.</li>
 * <li>The client disconnects while blocked: the link is half-closed, so the slave drops the client
 * without popping; an element popped just before is pushed back where it came from.</li>
 * <li>BLMOVE and BRPOPLPUSH between two shards: a blocking pop of one element from the source (as
 * BLMPOP), then a push to the destination; if that push fails (a destination of another type) the
 * element goes back to the source, and the client hears the error, as Redis answers.</li>
 * </ul>
 */
final class BlockingPops {

    private static final Logger log = LoggerFactory.getLogger(BlockingPops.class);

    private static final byte[] NULL_ARRAY = "*-1\r\n".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] UNBLOCKED = ("-" + RespErrors.UNBLOCKED + "\r\n").getBytes(StandardCharsets.US_ASCII);
    private static final long RETRY_PAUSE_MILLIS = 50;
    private static final int QUICK_REDIRECTS = 4;

    private final TopologyRegistry topology;
    private final ShardLinks links;
    private final KeySettler settler;
    private final DedicatedLink.Pool pool;

    BlockingPops(TopologyRegistry topology, ShardLinks links, KeySettler settler) {
        this.topology = topology;
        this.links = links;
        this.settler = settler;
        this.pool = new DedicatedLink.Pool(topology.upstreamSettings().greeting(),
                topology.upstreamSettings().connectTimeoutMillis());
    }

    /** The links of clients' own to slaves, shared with WATCH. */
    DedicatedLink.Pool pool() {
        return pool;
    }

    byte[] run(CommandSpec spec, Request r, Session s, Topology t) {
        if (spec == BLMOVE || spec == BRPOPLPUSH) {
            Fragmenter.Place from = Fragmenter.Place.of(r.arg(1), t);
            Fragmenter.Place to = Fragmenter.Place.of(r.arg(2), t);
            if (!from.equals(to)) {
                return moveAcross(spec, r, s);
            }
        }
        return waitFor(spec, r, s);
    }

    /**
     * CLIENT UNBLOCK's order to a client waiting here: the reply it gets instead (set once) and the
     * link its command waits on, whose output is cut so that its shard lets the command go.
     */
    private static final class Unblocking {
        private volatile byte[] reply;
        private volatile DedicatedLink link;

        synchronized boolean unblock(boolean withError) {
            if (reply != null) {
                return false;
            }
            reply = withError ? UNBLOCKED : NULL_ARRAY; // as a timeout: a null array
            DedicatedLink waitingOn = link;
            if (waitingOn != null) {
                waitingOn.shutdownOutput();
            }
            return true;
        }
    }

    /** Sends the command to the shard of its keys until it answers there, following the keys and the primary. */
    private byte[] waitFor(CommandSpec spec, Request r, Session s) {
        Unblocking unblocking = new Unblocking();
        s.onUnblock(unblocking::unblock);
        try {
            return waitFor(spec, r, s, unblocking);
        } finally {
            s.onUnblock(null);
        }
    }

    private byte[] waitFor(CommandSpec spec, Request r, Session s, Unblocking unblocking) {
        int timeoutAt = timeoutIndex(spec, r);
        double seconds = seconds(r.arg(timeoutAt));
        // Not a number: sent as it is, the shard answers Redis's error at once.
        long deadline = Double.isNaN(seconds) || seconds <= 0 ? Long.MAX_VALUE
                : System.currentTimeMillis() + (long) (seconds * 1000);
        String askedShard = null;
        int redirects = 0;
        while (!s.isDisconnected()) {
            if (unblocking.reply != null) {
                return unblocking.reply;
            }
            Request attempt = r;
            if (deadline != Long.MAX_VALUE) {
                long left = deadline - System.currentTimeMillis();
                if (left <= 0) {
                    return NULL_ARRAY; // Redis's timeout reply for every blocking command
                }
                attempt = withTimeout(r, timeoutAt, left);
            }
            Topology t = topology.current();
            Shard shard = askedShard != null ? t.shards().get(askedShard) : shardOf(spec, r, t);
            askedShard = null;
            Replica primary = shard == null ? null : shard.primary();
            byte[] reply = primary == null ? null : callOnce(primary, attempt, s, unblocking);
            if (reply == null) {
                if (unblocking.reply == null) {
                    pause(); // no primary, or it went away: failover or restart
                }
                continue;
            }
            if (unblocking.reply != null && !s.isDisconnected() && !Redirects.isRedirect(reply) && !isRefusedByReplica(reply)) {
                return reply; // served before CLIENT UNBLOCK reached its shard: what it popped is its
            }
            if (Redirects.isRedirect(reply)) {
                if (++redirects > QUICK_REDIRECTS) {
                    pause(); // the shards do not agree yet on where the keys are: a placement on its way
                }
                if (reply[1] == 'T') {
                    settler.settle(shard, r);
                } else {
                    askedShard = Redirects.shardNamed(reply);
                }
                continue;
            }
            if (isRefusedByReplica(reply)) {
                pause(); // demoted while it blocked: the new primary is about to be known
                continue;
            }
            if (s.isDisconnected()) {
                putBack(spec, r, reply, s);
            }
            return reply;
        }
        return NULL_ARRAY; // nobody is listening
    }

    /** One attempt on a link of its own: the reply, or null when the connection failed without one. */
    private byte[] callOnce(Replica primary, Request attempt, Session s, Unblocking unblocking) {
        DedicatedLink link;
        try {
            link = pool.take(primary.dataAddress());
        } catch (IOException e) {
            return null;
        }
        s.onDisconnect(link::shutdownOutput);
        unblocking.link = link;
        if (s.isDisconnected() || unblocking.reply != null) {
            link.shutdownOutput(); // gone or unblocked before the hooks were in place
        }
        try {
            link.write(attempt.encode());
            byte[] reply = link.read();
            s.onDisconnect(null);
            unblocking.link = null;
            if (s.isDisconnected() || unblocking.reply != null) {
                link.close();
            } else {
                pool.give(link);
            }
            return reply;
        } catch (IOException e) {
            s.onDisconnect(null);
            unblocking.link = null;
            link.close();
            return null;
        }
    }

    /**
     * BLMOVE or BRPOPLPUSH with source and destination on two shards: pop one element from the
     * source (blocking), push it to the destination; on a failed push, put it back and answer the error.
     */
    private byte[] moveAcross(CommandSpec spec, Request r, Session s) {
        boolean fromLeft = spec == BLMOVE && Arguments.listEnd(r, 3);
        boolean toLeft = spec != BLMOVE || Arguments.listEnd(r, 4);
        byte[] timeout = r.arg(spec == BLMOVE ? 5 : 3);
        byte[] source = r.arg(1);
        byte[] destination = r.arg(2);
        byte[] popped = waitFor(BLMPOP, new Request(new byte[][] {bytes("BLMPOP"), timeout, bytes("1"), source,
                bytes(fromLeft ? "LEFT" : "RIGHT")}), s);
        if (Replies.isError(popped)) {
            return popped;
        }
        if (popped[0] == '*' && popped[1] == '-') {
            return NULL_ARRAY; // timed out
        }
        byte[] value = Replies.bulk(Replies.elements(Replies.elements(popped).get(1)).getFirst());
        byte[] pushed = links.call(topology.current().shardFor(destination), s, bytes(toLeft ? "LPUSH" : "RPUSH"),
                destination, value);
        if (!Replies.isError(pushed)) {
            return new RespWriter(value.length + 16).bulk(value).toByteArray();
        }
        restore(source, bytes(fromLeft ? "LPUSH" : "RPUSH"), List.of(value), s);
        return pushed;
    }

    /** The client left while its element was on its way: the element goes back where it was. */
    private void putBack(CommandSpec spec, Request r, byte[] reply, Session s) {
        if (reply[0] != '*' || reply[1] == '-' || spec == BLMOVE || spec == BRPOPLPUSH) {
            return; // nothing popped, or it already is in its destination
        }
        List<byte[]> parts = Replies.elements(reply);
        byte[] key = Replies.bulk(parts.get(0));
        if (spec == BLPOP || spec == BRPOP) {
            restore(key, bytes(spec == BLPOP ? "LPUSH" : "RPUSH"), List.of(Replies.bulk(parts.get(1))), s);
        } else if (spec == BZPOPMIN || spec == BZPOPMAX) {
            restore(key, bytes("ZADD"), List.of(bytes("NX"), Replies.bulk(parts.get(2)), Replies.bulk(parts.get(1))), s);
        } else if (spec == BLMPOP) {
            boolean left = r.is(3 + (int) Arguments.longArg(r, 2), "left");
            List<byte[]> values = new ArrayList<>();
            for (byte[] element : Replies.elements(parts.get(1))) {
                values.addFirst(Replies.bulk(element)); // the last popped goes back first
            }
            restore(key, bytes(left ? "LPUSH" : "RPUSH"), values, s);
        } else if (spec == BZMPOP) {
            List<byte[]> args = new ArrayList<>(List.of(bytes("NX")));
            for (byte[] pair : Replies.elements(parts.get(1))) {
                List<byte[]> ms = Replies.elements(pair);
                args.add(Replies.bulk(ms.get(1)));
                args.add(Replies.bulk(ms.get(0)));
            }
            restore(key, bytes("ZADD"), args, s);
        }
    }

    private void restore(byte[] key, byte[] command, List<byte[]> args, Session s) {
        byte[][] argv = new byte[2 + args.size()][];
        argv[0] = command;
        argv[1] = key;
        for (int i = 0; i < args.size(); i++) {
            argv[2 + i] = args.get(i);
        }
        byte[] reply = links.call(topology.current().shardFor(key), s, argv);
        if (Replies.isError(reply)) {
            log.error("A popped element could not be put back ({}); it is lost",
                    new String(reply, StandardCharsets.ISO_8859_1).trim());
        }
    }

    private static Shard shardOf(CommandSpec spec, Request r, Topology t) {
        int first = spec.keys().firstPosition(r);
        return Fragmenter.Place.of(r.arg(first > 0 ? first : 0), t).shard();
    }

    private static int timeoutIndex(CommandSpec spec, Request r) {
        if (spec == BLMOVE) {
            return 5;
        }
        if (spec == BRPOPLPUSH) {
            return 3;
        }
        if (spec == BLMPOP || spec == BZMPOP) {
            return 1;
        }
        return r.argc() - 1;
    }

    /** The timeout in seconds, NaN when it is not one the shard would accept (it answers the error). */
    private static double seconds(byte[] arg) {
        try {
            double v = Double.parseDouble(new String(arg, StandardCharsets.US_ASCII));
            return Double.isFinite(v) && v >= 0 ? v : Double.NaN;
        } catch (NumberFormatException e) {
            return Double.NaN;
        }
    }

    /** The request with what is left of its timeout (at least a millisecond: 0 would wait for ever). */
    private static Request withTimeout(Request r, int at, long leftMillis) {
        byte[][] argv = r.argv().clone();
        argv[at] = String.format(Locale.ROOT, "%.3f", Math.max(1, leftMillis) / 1000.0).getBytes(StandardCharsets.US_ASCII);
        return new Request(argv);
    }

    private static boolean isRefusedByReplica(byte[] reply) {
        return reply.length > 9 && reply[0] == '-' && new String(reply, 1, 8, StandardCharsets.US_ASCII).equals("READONLY");
    }

    private static void pause() {
        try {
            Thread.sleep(RETRY_PAUSE_MILLIS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }
}
