package io.kvcache.master.routing;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import io.kvcache.command.CommandSpec;
import io.kvcache.command.Commands;
import io.kvcache.command.Handlers;
import io.kvcache.command.RequestPolicy;
import io.kvcache.command.Session;
import io.kvcache.command.Transaction;
import io.kvcache.master.routing.Fragmenter.Place;
import io.kvcache.master.topology.Shard;
import io.kvcache.master.topology.Topology;
import io.kvcache.master.upstream.PendingReply;
import io.kvcache.master.upstream.ReplyGroup;
import io.kvcache.protocol.ClientMemory;
import io.kvcache.protocol.Replies;
import io.kvcache.protocol.Request;
import io.kvcache.protocol.RespErrors;
import io.kvcache.protocol.RespWriter;

/**
 * MULTI, EXEC and DISCARD through the master. The master queues a client's transaction itself,
 * answering {@code +QUEUED} (or the error that makes EXEC answer EXECABORT, as Redis's
 * flagTransaction), and checks as it goes that every key lives on one shard, as Redis Cluster
 * does (else {@code -CROSSSLOT}). EXEC sends the whole transaction to that shard's primary as one
 * contiguous {@code MULTI ... EXEC} on a shared link: the primary runs it atomically and
 * replicates it as one unit, and no other client's command can come between its parts. The
 * connection commands the master answers itself (PING, ECHO, CLIENT ...) are answered at EXEC in
 * their place in the reply; the commands that span every shard (DBSIZE, FLUSHALL, KEYS, CONFIG ...)
 * are refused while queuing: one shard's answer would not be the cluster's.
 * <p>
 * WATCH lives on a connection: the master gives a watching client a link of its own to the
 * watched keys' shard primary ({@link DedicatedLink}, as a blocking pop), sends WATCH there, and
 * sends that client's EXEC there too, so the primary checks the keys; EXEC, DISCARD and UNWATCH
 * end the watch and the link serves others again.
 */
final class Transactions {

    static final String NOT_IN_TRANSACTION = "ERR Command not allowed inside a transaction";
    private static final byte[] QUEUED = "+QUEUED\r\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    private static final byte[] OK = "+OK\r\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    private static final Request MULTI = Request.of("MULTI");
    private static final Request EXEC = Request.of("EXEC");

    private static final byte[] CONNECTION_LOST = ShardLinks.error("CLUSTERDOWN The connection to the shard was lost");
    private static final Request UNWATCH = Request.of("UNWATCH");

    private final Handlers localHandlers;
    private final ShardLinks links;
    private final DedicatedLink.Pool pool;
    /** The clients that WATCH keys, each with its link of its own to the keys' shard primary, where the watch lives. */
    private final Map<Session, Watch> watches = new ConcurrentHashMap<>();

    /** A client's WATCH: the link its watched keys' primary knows it by, and that shard. */
    private record Watch(DedicatedLink link, String shard) {
    }

    Transactions(Handlers localHandlers, ShardLinks links, DedicatedLink.Pool pool) {
        this.localHandlers = localHandlers;
        this.links = links;
        this.pool = pool;
    }

    /**
     * Whether the command talks to the client's own link (WATCH, and what ends a watch: EXEC,
     * DISCARD, UNWATCH), with blocking I/O after the batch's earlier requests are answered.
     */
    boolean needsOwnLink(CommandSpec spec, Session s) {
        return spec == Commands.WATCH && s.transaction() == null
                || (spec == Commands.EXEC || spec == Commands.DISCARD || spec == Commands.UNWATCH)
                && watches.containsKey(s);
    }

    /**
     * A command refused before it could run (unknown, arity, NOAUTH) inside MULTI: EXEC will abort.
     * An EXEC refused so ends the transaction, with the reason (execCommandAbort).
     *
     * @return the error to answer
     */
    static byte[] refused(CommandSpec spec, String error, Session s) {
        Transaction tx = s.transaction();
        if (tx == null) {
            return ShardLinks.error(error);
        }
        if (spec == Commands.EXEC) {
            s.endTransaction();
            return ShardLinks.error("EXECABORT Transaction discarded because of: "
                    + (error.startsWith("ERR ") ? error.substring(4) : error));
        }
        tx.abort();
        return ShardLinks.error(error);
    }

    /** Whether the request is queued rather than run: the client is inside MULTI and it is not MULTI, EXEC, DISCARD or QUIT. */
    static boolean queues(CommandSpec spec, Session s) {
        return s.transaction() != null && !Transaction.runsAtOnce(spec);
    }

    /** Queues a command of an open transaction: +QUEUED, or the error that aborts it. */
    byte[] queue(CommandSpec spec, Request r, Session s, Topology t, ClientMemory memory) {
        Transaction tx = s.transaction();
        String refusal = shardOf(spec, r, t, tx);
        if (refusal == null && !tx.reserve(memory, r)) {
            refusal = RespErrors.OOM; // the clients' memory budget is spent: queuing stops, as Redis's OOM while queuing
        }
        if (refusal != null) {
            tx.abort();
            return ShardLinks.error(refusal);
        }
        tx.queue(spec, r);
        return QUEUED;
    }

    /** Null when the command may join the transaction (its keys on the transaction's shard, which it may set). */
    private static String shardOf(CommandSpec spec, Request r, Topology t, Transaction tx) {
        RequestPolicy policy = spec.requestPolicy();
        if (policy == RequestPolicy.LOCAL) {
            return null;
        }
        if (policy == RequestPolicy.ALL_SHARDS || policy == RequestPolicy.ALL_NODES) {
            return NOT_IN_TRANSACTION;
        }
        List<Place> places = Fragmenter.placesOf(spec, r, t);
        if (places.size() > 1 && Fragmenter.keysWellFormed(spec, r)) {
            return Router.CROSSSLOT;
        }
        if (places.isEmpty() || places.getFirst().shard() == null) {
            return null; // no key (OBJECT HELP), or no ring yet: EXEC finds out
        }
        String shard = places.getFirst().shard().name();
        if (tx.shard() != null && !tx.shard().equals(shard)) {
            return Router.CROSSSLOT;
        }
        tx.shard(shard);
        return null;
    }

    /**
     * MULTI, EXEC, DISCARD, WATCH or UNWATCH, past the arity and NOAUTH checks; when
     * {@link #needsOwnLink} says so, on a thread that may block.
     */
    Object run(CommandSpec spec, Request r, Session s, ReplyGroup group, Topology t) {
        Transaction tx = s.transaction();
        if (spec == Commands.WATCH) {
            return tx != null ? ShardLinks.error(RespErrors.WATCH_INSIDE_MULTI) : watch(r, s, t);
        }
        if (spec == Commands.UNWATCH) {
            unwatch(s);
            return OK;
        }
        if (spec == Commands.MULTI) {
            if (tx != null) {
                return ShardLinks.error(RespErrors.MULTI_NESTED);
            }
            Watch watch = watches.get(s);
            s.beginTransaction().shard(watch == null ? null : watch.shard());
            return OK;
        }
        if (tx == null) {
            return ShardLinks.error(spec == Commands.EXEC ? RespErrors.EXEC_WITHOUT_MULTI
                    : RespErrors.DISCARD_WITHOUT_MULTI);
        }
        s.endTransaction();
        if (spec == Commands.DISCARD || tx.isAborted()) {
            unwatch(s);
            return spec == Commands.DISCARD ? OK : ShardLinks.error(RespErrors.EXECABORT);
        }
        Watch watch = watches.remove(s);
        if (watch != null) {
            return execWatched(tx, s, watch);
        }
        return exec(tx, s, group, t);
    }

    /**
     * WATCH: on a link of the client's own to the keys' shard primary (a watch belongs to a
     * connection there), which its EXEC then uses; every watched key on one shard, as Redis Cluster.
     */
    private Object watch(Request r, Session s, Topology t) {
        List<Place> places = Fragmenter.placesOf(Commands.WATCH, r, t);
        Shard shard = places.getFirst().shard();
        byte[] unserved = ShardLinks.unserved(shard);
        if (unserved != null) {
            return unserved;
        }
        Watch watch = watches.get(s);
        if (places.size() > 1 || watch != null && !watch.shard().equals(shard.name())) {
            return ShardLinks.error(Router.CROSSSLOT);
        }
        if (t.isMoving()) {
            return ShardLinks.error(RespErrors.TRYAGAIN); // the keys may be on their way to another shard
        }
        try {
            if (watch == null) {
                watch = new Watch(pool.take(shard.primary().dataAddress()), shard.name());
                watches.put(s, watch);
                s.onClose(() -> {
                    Watch left = watches.remove(s);
                    if (left != null) {
                        left.link().close();
                    }
                });
            }
            watch.link().write(r.encode());
            return watch.link().read(timeoutMillis());
        } catch (IOException e) {
            drop(s);
            return CONNECTION_LOST;
        }
    }

    /** UNWATCH, DISCARD, an aborted EXEC: the primary forgets the watch, and the link serves others. */
    private void unwatch(Session s) {
        Watch watch = watches.remove(s);
        if (watch == null) {
            return;
        }
        try {
            watch.link().write(UNWATCH.encode());
            if (Replies.isOk(watch.link().read(timeoutMillis()))) {
                pool.give(watch.link());
                return;
            }
        } catch (IOException e) {
            // closed below
        }
        watch.link().close();
    }

    /** WATCH and EXEC wait for their primary no longer than any shard reply: a frozen slave cannot hold a client forever. */
    private int timeoutMillis() {
        return (int) Math.min(Integer.MAX_VALUE, Math.max(1, links.replyTimeoutMillis()));
    }

    private void drop(Session s) {
        Watch watch = watches.remove(s);
        if (watch != null) {
            watch.link().close();
        }
    }

    /** EXEC after WATCH: the whole transaction on the watch's link, where the primary checks the watched keys. */
    private Object execWatched(Transaction tx, Session s, Watch watch) {
        List<Request> forwarded = forwarded(tx);
        RespWriter all = new RespWriter(256);
        for (Request r : forwarded) {
            all.raw(r.encode());
        }
        List<byte[]> replies = new ArrayList<>(forwarded.size());
        try {
            watch.link().write(all.toByteArray());
            for (int i = 0; i < forwarded.size(); i++) {
                replies.add(watch.link().read(timeoutMillis()));
            }
        } catch (IOException e) {
            watch.link().close();
            return CONNECTION_LOST;
        }
        pool.give(watch.link()); // EXEC unwatched everything there
        return new Exec(tx, s, replies, localHandlers);
    }

    /** MULTI, the commands a shard answers, EXEC. */
    private static List<Request> forwarded(Transaction tx) {
        List<Request> requests = tx.requests();
        List<Request> forwarded = new ArrayList<>(requests.size() + 2);
        forwarded.add(MULTI);
        for (int i = 0; i < requests.size(); i++) {
            if (tx.specs().get(i).requestPolicy() != RequestPolicy.LOCAL) {
                forwarded.add(requests.get(i));
            }
        }
        forwarded.add(EXEC);
        return forwarded;
    }

    private Object exec(Transaction tx, Session s, ReplyGroup group, Topology t) {
        List<Request> forwarded = forwarded(tx);
        if (forwarded.size() == 2) {
            return new Exec(tx, s, List.of(), localHandlers); // only what the master answers itself
        }
        if (t.isMoving()) {
            // Keys may be on their way between shards: the transaction could run where they no longer are.
            return ShardLinks.error("EXECABORT Transaction discarded because of: " + RespErrors.TRYAGAIN);
        }
        Shard shard = tx.shard() != null ? t.shards().get(tx.shard())
                : Place.of(forwarded.get(1).arg(0), t).shard();
        Object sent = links.forwardTogether(shard, forwarded, s, group);
        if (sent instanceof byte[] failure) {
            return failure;
        }
        @SuppressWarnings("unchecked")
        List<PendingReply> parts = (List<PendingReply>) sent;
        return new Exec(tx, s, parts, localHandlers);
    }

    /**
     * EXEC's reply once the shard answered: the shard's EXEC array, with the replies of the commands
     * the master answers itself put back in their places. A shard's error for EXEC (EXECABORT after a
     * command it refused while queuing, a lost connection) is the reply as it is.
     */
    record Exec(Transaction tx, Session session, List<?> parts, Handlers localHandlers) {

        /** What EXEC ran, one call per queued command: whether its reply is an error (for commandstats). */
        @FunctionalInterface
        interface Ran {
            void ran(CommandSpec spec, Request request, RespWriter out, int replyAt);
        }

        void writeTo(RespWriter out) {
            writeTo(out, (spec, request, o, at) -> { });
        }

        void writeTo(RespWriter out, Ran ran) {
            List<byte[]> shardReplies = List.of();
            if (!parts.isEmpty()) {
                byte[] exec = ShardLinks.reply(parts.getLast());
                if (exec.length < 2 || exec[0] != '*' || exec[1] == '-') { // an error, or a null array
                    out.raw(exec);
                    return;
                }
                shardReplies = Replies.elements(exec);
            }
            List<Request> requests = tx.requests();
            out.array(requests.size());
            int next = 0;
            for (int i = 0; i < requests.size(); i++) {
                CommandSpec spec = tx.specs().get(i);
                int at = out.size();
                if (spec.requestPolicy() == RequestPolicy.LOCAL) {
                    localHandlers.answer(spec, requests.get(i), out, session);
                } else {
                    out.raw(next < shardReplies.size() ? shardReplies.get(next) : ShardLinks.error(ShardLinks.CLUSTER_DOWN));
                    next++;
                }
                ran.ran(spec, requests.get(i), out, at);
            }
        }

    }
}
