package io.kvcache.slave.store;

import static io.kvcache.command.Commands.*;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import io.kvcache.command.Arguments;
import io.kvcache.command.Blocking;
import io.kvcache.command.Handlers;
import io.kvcache.command.Session;
import io.kvcache.protocol.Request;
import io.kvcache.protocol.RespWriter;

/**
 * The blocking pops, as Redis 7.0's t_list.c and t_zset.c: when a key holds something, they answer
 * as their non-blocking forms do (and reach replicas as those: BLPOP as LPOP, BLMOVE as LMOVE, ...);
 * when none does, they {@link Session#block} the client, and the dispatcher runs them again once a
 * key is created with a value of their type, or answers null when the timeout passes. Keys are
 * type checked in order up to the first that holds a value.
 */
public final class BlockingCommands {

    private static final byte[] LMOVE_NAME = bytes("LMOVE");
    private static final byte[] RPOPLPUSH_NAME = bytes("RPOPLPUSH");
    private static final byte[] LEFT = bytes("LEFT");
    private static final byte[] RIGHT = bytes("RIGHT");

    private final Keyspace db;
    private final ListCommands lists;
    private final ZSetCommands zsets;

    BlockingCommands(Keyspace db, ListCommands lists, ZSetCommands zsets) {
        this.db = db;
        this.lists = lists;
        this.zsets = zsets;
    }

    public void register(Handlers h) {
        h.on(BLPOP, (r, out, s) -> bpop(r, out, s, true))
                .on(BRPOP, (r, out, s) -> bpop(r, out, s, false))
                .on(BRPOPLPUSH, (r, out, s) -> bmove(r, out, s, false, true, 3))
                .on(BLMOVE, (r, out, s) -> bmove(r, out, s, Arguments.listEnd(r, 3), Arguments.listEnd(r, 4), 5))
                .on(BLMPOP, this::blmpop)
                .on(BZPOPMIN, (r, out, s) -> bzpop(r, out, s, false))
                .on(BZPOPMAX, (r, out, s) -> bzpop(r, out, s, true))
                .on(BZMPOP, this::bzmpop);
    }

    /** blockingPopGenericCommand: [key, element] from the first key holding a list. */
    private void bpop(Request r, RespWriter out, Session s, boolean head) {
        long timeout = BlockingTimeout.millis(r, r.argc() - 1, db.now());
        for (int i = 1; i < r.argc() - 1; i++) {
            Entry e = db.lookup(r.arg(i));
            if (e == null) {
                continue;
            }
            QuickList list = Types.list(e);
            byte[] value = head ? list.removeFirst() : list.removeLast();
            if (list.isEmpty()) {
                db.remove(e);
            }
            out.array(2).bulk(r.arg(i)).bulk(value);
            db.replicateAs(new Request(new byte[][] {head ? ListCommands.LPOP_NAME : ListCommands.RPOP_NAME, r.arg(i)}));
            return;
        }
        s.block(new Blocking(keys(r, 1, r.argc() - 1), "list", timeout));
    }

    /** blmoveGenericCommand: the source is type checked; when it holds a list, LMOVE runs. */
    private void bmove(Request r, RespWriter out, Session s, boolean fromLeft, boolean toLeft, int timeoutAt) {
        long timeout = BlockingTimeout.millis(r, timeoutAt, db.now());
        Entry source = db.lookup(r.arg(1));
        if (source == null) {
            s.block(new Blocking(List.of(r.arg(1)), "list", timeout));
            return;
        }
        Types.list(source);
        int mark = out.size();
        lists.move(r, out, fromLeft, toLeft);
        if (out.byteAt(mark) != '-') {
            db.replicateAs(timeoutAt == 3
                    ? new Request(new byte[][] {RPOPLPUSH_NAME, r.arg(1), r.arg(2)})
                    : new Request(new byte[][] {LMOVE_NAME, r.arg(1), r.arg(2), fromLeft ? LEFT : RIGHT,
                            toLeft ? LEFT : RIGHT}));
        }
    }

    /** BLMPOP timeout numkeys key ... LEFT|RIGHT [COUNT n]: its arguments first, then the timeout. */
    private void blmpop(Request r, RespWriter out, Session s) {
        MultiPop pop = MultiPop.parse(r, 2, "left", "right");
        long timeout = BlockingTimeout.millis(r, 1, db.now());
        if (!lists.mpop(r, out, pop)) {
            s.block(new Blocking(keys(r, 3, 3 + pop.numkeys()), "list", timeout));
        }
    }

    /** blockingGenericZpopCommand: [key, member, score] from the first key holding a sorted set. */
    private void bzpop(Request r, RespWriter out, Session s, boolean max) {
        long timeout = BlockingTimeout.millis(r, r.argc() - 1, db.now());
        for (int i = 1; i < r.argc() - 1; i++) {
            Entry e = db.lookup(r.arg(i));
            if (e == null) {
                continue;
            }
            ZSetValue.Scored popped = zsets.pop(e, Types.zset(e), 1, max).getFirst();
            out.array(3).bulk(r.arg(i)).bulk(popped.member()).bulk(Scores.formatBytes(popped.score()));
            db.replicateAs(new Request(new byte[][] {max ? ZSetCommands.ZPOPMAX_NAME : ZSetCommands.ZPOPMIN_NAME,
                    r.arg(i)}));
            return;
        }
        s.block(new Blocking(keys(r, 1, r.argc() - 1), "zset", timeout));
    }

    /** BZMPOP timeout numkeys key ... MIN|MAX [COUNT n]. */
    private void bzmpop(Request r, RespWriter out, Session s) {
        MultiPop pop = MultiPop.parse(r, 2, "min", "max");
        long timeout = BlockingTimeout.millis(r, 1, db.now());
        if (!zsets.mpop(r, out, pop)) {
            s.block(new Blocking(keys(r, 3, 3 + pop.numkeys()), "zset", timeout));
        }
    }

    private static List<byte[]> keys(Request r, int from, int to) {
        List<byte[]> keys = new ArrayList<>(to - from);
        for (int i = from; i < to; i++) {
            keys.add(r.arg(i));
        }
        return keys;
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }
}
