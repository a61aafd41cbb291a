package io.kvcache.master.routing;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.LongAdder;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.kvcache.command.Arguments;
import io.kvcache.command.CommandErrors;
import io.kvcache.command.CommandSpec;
import io.kvcache.command.CommandTable;
import io.kvcache.command.Commands;
import io.kvcache.command.ConnectionCommands;
import io.kvcache.command.Handlers;
import io.kvcache.command.ResponsePolicy;
import io.kvcache.command.SubcommandPolicies;
import io.kvcache.command.ScanCursor;
import io.kvcache.command.ClientPause;
import io.kvcache.command.Session;
import io.kvcache.command.Subscriptions;
import io.kvcache.pubsub.PubSub;
import io.kvcache.master.tracking.ClientTracking;
import io.kvcache.pubsub.PubSubCommands;
import io.kvcache.master.routing.Fragmenter.Fragment;
import io.kvcache.master.routing.Fragmenter.Place;
import io.kvcache.master.topology.Shard;
import io.kvcache.master.topology.Topology;
import io.kvcache.master.topology.TopologyRegistry;
import io.kvcache.master.upstream.PendingReply;
import io.kvcache.master.upstream.ReplyGroup;
import io.kvcache.metrics.CommandStats;
import io.kvcache.protocol.ErrorReply;
import io.kvcache.protocol.Replies;
import io.kvcache.protocol.Resp3;
import io.kvcache.command.Resp3Shapes;
import io.kvcache.protocol.Request;
import io.kvcache.protocol.RespWriter;

/**
 * Routes each client request by its spec's request policy: answered here (connection
 * commands), forwarded to the shard owning its key, split over shards and merged, sent to all
 * shards, or moved between two shards. A batch of pipelined requests is forwarded at once, all by
 * one topology snapshot; the replies are written in request order once all have arrived, after
 * any redirect among them (a key that moved to another shard) has been followed.
 */
public final class Router {

    private static final Logger log = LoggerFactory.getLogger(Router.class);

    static final String CROSSSLOT = "CROSSSLOT Keys in request don't hash to the same slot";
    private static final int SCAN_SHARD_BITS = 10;

    private final CommandTable table;
    private final Handlers localHandlers;
    private final ConnectionCommands connection;
    private final TopologyRegistry topology;
    private final MasterInfo info;
    private final ClusterConfig config;
    private final CommandStats stats;
    private final LongAdder unknownCommands = new LongAdder();
    private final ShardLinks links;
    private final KeySettler settler;
    private final BlockingPops blockingPops;
    private final Transactions transactions;

    private final PubSub pubsub;
    private final ClientTracking tracking;
    private final ClientPause pause = new ClientPause();

    public Router(CommandTable table, ConnectionCommands connection, TopologyRegistry topology, MasterInfo info,
                  ClusterConfig config, long replyTimeoutMillis, KeySettler settler, PubSub pubsub,
                  ClusterCommands cluster, ClientTracking tracking) {
        this.table = table;
        this.connection = connection;
        this.topology = topology;
        this.info = info;
        this.config = config;
        this.stats = new CommandStats(table);
        this.localHandlers = new Handlers();
        this.settler = settler;
        this.links = new ShardLinks(topology, settler, replyTimeoutMillis);
        this.blockingPops = new BlockingPops(topology, links, settler);
        this.transactions = new Transactions(localHandlers, links, blockingPops.pool());
        this.pubsub = pubsub;
        this.tracking = tracking;
        connection.tracking(tracking);
        connection.pause(pause);
        connection.register(localHandlers);
        new PubSubCommands(pubsub).register(localHandlers);
        cluster.register(localHandlers);
        info.commandStats(stats);
    }

    /** Calls, end-to-end latency and errors by command, as clients of the master see them. */
    public CommandStats stats() {
        return stats;
    }

    /** Requests naming a command kvcache does not have. */
    public long unknownCommands() {
        return unknownCommands.sum();
    }

    /**
     * Runs a batch on the caller's I/O loop without waiting: every request is forwarded, and the
     * replies are written to out in request order, then done runs, on the thread of the last reply.
     * A batch with a step that must wait for the ones before it (a list moved across shards, a
     * keyless command while keys move, a redirect to follow) finishes on a virtual thread instead.
     * A command's latency is the batch's: its reply is written when the last of them arrived.
     */
    public void execute(List<Request> requests, Session session, RespWriter out, Runnable done) {
        Batch b = new Batch(requests, session, out, done, ReplyGroup.deferred(out.remaining(), out.memory()));
        if (!routeUntilWait(b, false)) {
            WAITING.execute(() -> finishWaiting(b));
            return;
        }
        b.group.whenComplete(() -> {
            if (Redirects.anyIn(b.group)) {
                WAITING.execute(() -> finishWaiting(b));
            } else {
                writeAll(b);
            }
        });
    }

    /** Runs a batch in the caller's thread, which waits for the shards' replies (tests, tools). */
    public void execute(List<Request> requests, Session session, RespWriter out) {
        finishWaiting(new Batch(requests, session, out, null, new ReplyGroup(out.remaining(), out.memory())));
    }

    private void finishWaiting(Batch b) {
        try {
            routeUntilWait(b, true);
            links.await(b.group, b.session);
        } catch (RuntimeException e) {
            b.group.release();
            throw e;
        }
        writeAll(b);
    }

    /** Routes the batch's requests from where it stopped; false when it stopped before a step that must wait. */
    private boolean routeUntilWait(Batch b, boolean mayWait) {
        int n = b.requests.size();
        for (; b.routed < n && !b.session.isClosing(); b.routed++) {
            Object result = route(b.requests.get(b.routed), b.session, b.group, b.ran, b.routed, b.topology, mayWait);
            if (result == MUST_WAIT) {
                return false;
            }
            b.results[b.routed] = result;
            b.dropped[b.routed] = b.session.replyDropped(); // CLIENT REPLY OFF or SKIP, as the batch stood here
        }
        return true;
    }

    private void writeAll(Batch b) {
        RespWriter out = b.out;
        try {
            if (b.group.overflowed()) {
                out.overflow();
            }
            long elapsed = System.nanoTime() - b.start;
            for (int i = 0; i < b.routed; i++) {
                int mark = out.size();
                boolean resp3 = b.session.isResp3();
                if (b.results[i] instanceof Transactions.Exec exec) {
                    // Redis counts each command EXEC ran, and its errors, as if sent alone.
                    exec.writeTo(out, (spec, request, o, at) -> {
                        boolean failed = o.size() > at && o.byteAt(at) == '-';
                        stats.called(spec, elapsed, failed);
                        if (failed) {
                            stats.error(o.errorPrefix(at));
                        } else if (resp3) {
                            o.toResp3(at, Resp3Shapes.of(spec, request));
                        }
                    });
                } else {
                    write(b.results[i], out);
                }
                if (resp3) { // the shards speak RESP2 to the master: each reply is converted here
                    out.toResp3(mark, b.results[i] instanceof Transactions.Exec ? Resp3.Shape.PLAIN
                            : Resp3Shapes.of(b.ran[i], b.requests.get(i)));
                }
                boolean failed = out.size() > mark && out.byteAt(mark) == '-';
                if (b.ran[i] != null) {
                    stats.called(b.ran[i], elapsed, failed);
                }
                if (failed) {
                    stats.error(out.errorPrefix(mark));
                }
                if (b.dropped[i]) {
                    out.truncate(mark);
                }
            }
        } finally {
            b.group.release(); // also when a step threw: the reservation must not outlive the batch
        }
        if (b.done != null) {
            b.done.run();
        }
    }

    /** A batch on its way: what was routed so far, by one topology snapshot (requests on one key all take the same way). */
    private final class Batch {
        final List<Request> requests;
        final Session session;
        final RespWriter out;
        final Runnable done;
        final ReplyGroup group;
        final long start = System.nanoTime();
        final Topology topology = Router.this.topology.current();
        final Object[] results;
        final CommandSpec[] ran;
        final boolean[] dropped;
        int routed;

        Batch(List<Request> requests, Session session, RespWriter out, Runnable done, ReplyGroup group) {
            this.requests = requests;
            this.session = session;
            this.out = out;
            this.done = done;
            this.group = group;
            this.results = new Object[requests.size()];
            this.ran = new CommandSpec[requests.size()];
            this.dropped = new boolean[requests.size()];
        }
    }

    /** Returned by a step that would have to wait for the batch's earlier replies, when it may not. */
    private static final Object MUST_WAIT = new Object();

    /** Where batches that must wait between steps finish: never an I/O loop. */
    private static final Executor WAITING =
            Executors.newThreadPerTaskExecutor(Thread.ofVirtual().name("router-wait-", 0).factory());

    private Object route(Request r, Session s, ReplyGroup group, CommandSpec[] ran, int index, Topology t,
                         boolean mayWait) {
        CommandSpec spec = table.lookup(r.arg(0));
        if (spec == null) {
            unknownCommands.increment();
            return Transactions.refused(null, CommandErrors.unknownCommand(r), s);
        }
        String arityError = CommandErrors.checkArity(spec, r.argc());
        if (arityError != null) {
            stats.rejected(spec);
            return Transactions.refused(spec, arityError, s);
        }
        if (connection.authRequired(s, spec)) {
            stats.rejected(spec);
            return Transactions.refused(spec, ConnectionCommands.NOAUTH, s);
        }
        String subscribed = PubSubCommands.refusal(spec, r, s);
        if (subscribed != null) {
            stats.rejected(spec);
            return Transactions.refused(spec, subscribed, s);
        }
        if (Transactions.queues(spec, s)) {
            return transactions.queue(spec, r, s, t, group.memory());
        }
        if (pause.holds(spec, s)) { // CLIENT PAUSE: the command waits for its end, off the I/O loop
            if (!mayWait) {
                return MUST_WAIT;
            }
            links.await(group, s);
            pause.await(spec, s);
        }
        if (s.isTracking()) {
            tracking.routed(spec, r, s);
        }
        ran[index] = spec;
        try {
            return switch (spec.requestPolicy()) {
                case LOCAL -> {
                    if (!mayWait && tracking.wouldListen(spec, r)) {
                        yield MUST_WAIT; // the first CLIENT TRACKING ON answers once the shards tell it changes
                    }
                    yield local(spec, r, s);
                }
                case LOCAL_WAITING -> mayWait ? local(spec, r, s) : MUST_WAIT;
                case SINGLE_SHARD -> singleShard(spec, r, s, group, t);
                case MULTI_SHARD -> multiShard(spec, r, s, group, t);
                case ALL_SHARDS -> allShards(spec, r, s, group, t, mayWait);
                case ALL_NODES -> config.route(r, s, group, t, links);
                case TWO_KEYS_MOVE -> twoKeys(spec, r, s, group, t, mayWait);
                case BLOCKING -> blocking(spec, r, s, group, t, mayWait);
                case SUBSCRIPTION -> {
                    if (!mayWait) {
                        yield MUST_WAIT; // a subscription answers once the shards have it: never on an I/O loop
                    }
                    links.await(group, s);
                    yield local(spec, r, s);
                }
                case CHANNEL -> publish(spec, r, s, group, t);
                case TRANSACTION -> {
                    if (transactions.needsOwnLink(spec, s)) {
                        if (!mayWait) {
                            yield MUST_WAIT;
                        }
                        links.await(group, s); // the batch's earlier requests come first
                    }
                    yield transactions.run(spec, r, s, group, t);
                }
            };
        } catch (ErrorReply e) {
            return ShardLinks.error(e.getMessage());
        }
    }

    private Object local(CommandSpec spec, Request r, Session s) {
        RespWriter out = new RespWriter(64);
        localHandlers.answer(spec, r, out, s);
        return out.toByteArray();
    }

    /**
     * One key, or keys that must share a shard (MSETNX: atomic only there). While keys move, they
     * must also share the shard they move to.
     */
    private Object singleShard(CommandSpec spec, Request r, Session s, ReplyGroup group, Topology t) {
        List<Place> places = Fragmenter.placesOf(spec, r, t);
        if (places.size() > 1 && Fragmenter.keysWellFormed(spec, r)) {
            return ShardLinks.error(CROSSSLOT);
        }
        if (places.isEmpty()) { // OBJECT HELP: no key, and any shard answers it alike
            return links.forward(Fragmenter.Place.of(r.arg(0), t).shard(), r, spec, s, group);
        }
        return links.forward(places.getFirst().shard(), r, spec, s, group);
    }

    /**
     * PUBLISH, SPUBLISH: to the shard owning the channel's hash, which delivers it to every master
     * relaying the channel; the reply counts this master's receivers, as a Redis Cluster node counts
     * its own clients.
     */
    private Object publish(CommandSpec spec, Request r, Session s, ReplyGroup group, Topology t) {
        Subscriptions.Kind kind = spec == Commands.SPUBLISH ? Subscriptions.Kind.SHARD : Subscriptions.Kind.CHANNEL;
        Object part = links.forward(Place.of(r.arg(1), t).shard(), r, spec, s, group);
        if (part instanceof byte[] failure) {
            return failure;
        }
        return new Published((PendingReply) part, pubsub.receivers(kind, r.arg(1)));
    }

    /** A PUBLISH the shard took: answered with this master's count of receivers (or the shard's error). */
    private record Published(PendingReply part, int receivers) {
        void writeTo(RespWriter out) {
            byte[] reply = ShardLinks.reply(part);
            if (Replies.isError(reply)) {
                out.raw(reply);
            } else {
                out.integer(receivers);
            }
        }
    }

    /** MGET, MSET, DEL, UNLINK, EXISTS, TOUCH: one sub-request per shard, merged by response policy. */
    private Object multiShard(CommandSpec spec, Request r, Session s, ReplyGroup group, Topology t) {
        List<Place> places = Fragmenter.placesOf(spec, r, t);
        if (places.size() == 1 || !Fragmenter.keysWellFormed(spec, r)) {
            return links.forward(places.getFirst().shard(), r, spec, s, group);
        }
        List<Fragment> fragments = Fragmenter.split(spec, r, t);
        List<PendingReply> parts = new ArrayList<>(fragments.size());
        for (Fragment f : fragments) {
            Object part = links.forward(f.shard(), f.request(), spec, s, group);
            if (part instanceof byte[] failure) {
                return failure;
            }
            parts.add((PendingReply) part);
        }
        int keys = fragments.stream().mapToInt(f -> f.keyPositions().size()).sum();
        return new Merge(spec.responsePolicy(), fragments, parts, keys);
    }

    /**
     * DBSIZE, KEYS, FLUSHALL, FLUSHDB, RANDOMKEY, INFO over every shard holding keys; SCAN walks
     * them in turn. While keys move, earlier requests of the batch are done first (a redirected
     * write must not land after a later FLUSHALL, nor be missed by a later KEYS).
     */
    private Object allShards(CommandSpec spec, Request r, Session s, ReplyGroup group, Topology t, boolean mayWait) {
        List<Shard> shards = t.placedShards();
        if (spec.responsePolicy() == ResponsePolicy.INFO) {
            return info.collect(r, shards, s, group, links);
        }
        if (shards.isEmpty() || !t.allShardsUp()) {
            return ShardLinks.error(ShardLinks.CLUSTER_DOWN);
        }
        if (t.isMoving()) {
            if (!mayWait) {
                return MUST_WAIT;
            }
            links.await(group, s);
            if (spec.isWrite()) { // FLUSHALL, FLUSHDB
                return flushDuringMove(spec, r, s, t);
            }
        }
        if (spec.responsePolicy() == ResponsePolicy.CURSOR) {
            return scan(r, s, group, shards);
        }
        List<PendingReply> parts = new ArrayList<>(shards.size());
        for (Shard shard : shards) {
            parts.add((PendingReply) links.forward(shard, r, spec, s, group));
        }
        return new Merge(SubcommandPolicies.of(spec, r), null, parts, 0);
    }

    /**
     * A flush while keys move: a batch a source sent just before its flush could land after the
     * destination's. So: flush every shard, let the sources finish what they had in flight, and
     * flush again.
     */
    private Object flushDuringMove(CommandSpec spec, Request r, Session s, Topology t) {
        byte[] first = null;
        for (int round = 0; round < 2; round++) {
            ReplyGroup group = new ReplyGroup();
            List<PendingReply> parts = new ArrayList<>();
            for (Shard shard : t.placedShards()) {
                parts.add((PendingReply) links.forward(shard, r, spec, s, group));
            }
            links.await(group, s);
            RespWriter merged = new RespWriter(16);
            new Merge(spec.responsePolicy(), null, parts, 0).writeTo(merged);
            if (first == null) {
                first = merged.toByteArray();
                for (String source : t.placement().committed()) {
                    Shard shard = t.shards().get(source);
                    if (shard != null) {
                        settler.settle(shard, r);
                    }
                }
            }
        }
        return first;
    }

    /**
     * SCAN's cursor carries the shard being walked in its low bits and that shard's own cursor
     * above them; a shard's end moves on to the next shard, the last one's end is cursor 0.
     */
    private Object scan(Request r, Session s, ReplyGroup group, List<Shard> shards) {
        long cursor = ScanCursor.parse(r.arg(1));
        int shardIndex = (int) (cursor & ((1 << SCAN_SHARD_BITS) - 1));
        long shardCursor = cursor >>> SCAN_SHARD_BITS;
        if (shardIndex >= shards.size()) {
            // Not a cursor this master issued (Redis accepts any number): walk the last shard, so the
            // options are still checked there and the iteration ends.
            shardIndex = shards.size() - 1;
        }
        byte[][] argv = r.argv().clone();
        argv[1] = Long.toUnsignedString(shardCursor).getBytes(StandardCharsets.US_ASCII);
        PendingReply part = (PendingReply) links.forward(shards.get(shardIndex), new Request(argv), s, group);
        return new ScanStep(part, shardIndex, shards.size());
    }

    /**
     * RPOPLPUSH, LMOVE: keys of one place forward as is; across shards (or, while keys move,
     * across places) the master moves the element.
     */
    private Object twoKeys(CommandSpec spec, Request r, Session s, ReplyGroup group, Topology t, boolean mayWait) {
        Place from = Place.of(r.arg(1), t);
        Place to = Place.of(r.arg(2), t);
        Shard source = from.shard();
        Shard target = to.shard();
        if (from.equals(to)) {
            return links.forward(source, r, s, group);
        }
        // RPOPLPUSH source destination is LMOVE source destination RIGHT LEFT.
        boolean fromLeft = r.argc() > 3 && Arguments.listEnd(r, 3);
        boolean toLeft = r.argc() <= 3 || Arguments.listEnd(r, 4);
        if (!mayWait) {
            return MUST_WAIT;
        }
        // Later requests of this batch must see the move done: wait for everything before it.
        links.await(group, s);
        return new ListMove(links, s).move(r.arg(1), source, r.arg(2), target, fromLeft, toLeft);
    }

    /**
     * The blocking pops: after the batch's earlier requests, on a link of their own (BlockingPops);
     * keys on several shards are CROSSSLOT, as in Redis Cluster, but for the two lists of BLMOVE
     * and BRPOPLPUSH, between which the master moves the element.
     */
    private Object blocking(CommandSpec spec, Request r, Session s, ReplyGroup group, Topology t, boolean mayWait) {
        boolean move = spec == Commands.BLMOVE || spec == Commands.BRPOPLPUSH;
        if (!move && Fragmenter.placesOf(spec, r, t).size() > 1) {
            return ShardLinks.error(CROSSSLOT);
        }
        if (!mayWait) {
            return MUST_WAIT;
        }
        links.await(group, s);
        return blockingPops.run(spec, r, s, topology.current());
    }

    private static void write(Object result, RespWriter out) {
        switch (result) {
            case Merge merge -> merge.writeTo(out);
            case ScanStep step -> step.writeTo(out);
            case MasterInfo.Collected collected -> collected.writeTo(out);
            case Transactions.Exec exec -> exec.writeTo(out);
            case Published published -> published.writeTo(out);
            default -> out.raw(ShardLinks.reply(result));
        }
    }


    /** One step of a SCAN over the shards: relays the keys, rewrites the cursor. */
    private record ScanStep(PendingReply part, int shardIndex, int shardCount) {
        void writeTo(RespWriter out) {
            byte[] reply = ShardLinks.reply(part);
            if (Replies.isError(reply)) {
                out.raw(reply);
                return;
            }
            List<byte[]> elements = Replies.elements(reply);
            long next = Long.parseUnsignedLong(new String(Replies.bulk(elements.get(0)), StandardCharsets.US_ASCII));
            long cursor;
            if (next != 0) {
                cursor = (next << SCAN_SHARD_BITS) | shardIndex;
            } else if (shardIndex + 1 < shardCount) {
                cursor = shardIndex + 1;
            } else {
                cursor = 0;
            }
            out.array(2).bulk(Long.toUnsignedString(cursor)).raw(elements.get(1));
        }
    }
}
