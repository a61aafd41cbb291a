package io.kvcache.command;

import static io.kvcache.command.Commands.*;

import java.util.IdentityHashMap;
import java.util.Map;

import io.kvcache.protocol.Request;
import io.kvcache.protocol.Resp3.Shape;

/**
 * The RESP3 shape of each command's reply, as Redis 7.0 writes it to a HELLO 3 client (its
 * addReplyMap, addReplySet, addReplyDouble, addReplyVerbatim and nested pair arrays): one
 * declaration per command, some decided by an option (WITHSCORES, a count, a subcommand).
 * Commands not named here change only their nils.
 */
public final class Resp3Shapes {

    private static final Map<CommandSpec, Shape> FIXED = new IdentityHashMap<>();

    static {
        for (CommandSpec spec : new CommandSpec[] {HGETALL, HELLO}) {
            FIXED.put(spec, Shape.MAP);
        }
        for (CommandSpec spec : new CommandSpec[] {SMEMBERS, SINTER, SUNION, SDIFF}) {
            FIXED.put(spec, Shape.SET);
        }
        for (CommandSpec spec : new CommandSpec[] {ZSCORE, ZINCRBY}) {
            FIXED.put(spec, Shape.DOUBLE);
        }
        FIXED.put(ZMSCORE, Shape.DOUBLES);
        FIXED.put(INFO, Shape.VERBATIM);
        for (CommandSpec spec : new CommandSpec[] {BZPOPMIN, BZPOPMAX}) {
            FIXED.put(spec, Shape.KEY_MEMBER_SCORE);
        }
        for (CommandSpec spec : new CommandSpec[] {ZMPOP, BZMPOP}) {
            FIXED.put(spec, Shape.KEY_SCORED_PAIRS);
        }
        for (CommandSpec spec : new CommandSpec[] {SUBSCRIBE, PSUBSCRIBE, SSUBSCRIBE, UNSUBSCRIBE, PUNSUBSCRIBE,
                SUNSUBSCRIBE}) {
            FIXED.put(spec, Shape.PUSH);
        }
    }

    private Resp3Shapes() {
    }

    /** The shape of this request's reply in RESP3. */
    public static Shape of(CommandSpec spec, Request r) {
        if (spec == null) {
            return Shape.PLAIN;
        }
        Shape fixed = FIXED.get(spec);
        if (fixed != null) {
            return fixed;
        }
        if (spec == ZRANGE || spec == ZRANGEBYSCORE || spec == ZREVRANGEBYSCORE || spec == ZREVRANGE
                || spec == ZRANDMEMBER || spec == ZUNION || spec == ZINTER || spec == ZDIFF) {
            return has(r, 2, "withscores") ? Shape.SCORED_PAIRS : Shape.PLAIN;
        }
        if (spec == HRANDFIELD) {
            return has(r, 2, "withvalues") ? Shape.PAIRS : Shape.PLAIN;
        }
        if (spec == ZPOPMIN || spec == ZPOPMAX) {
            return r.argc() > 2 ? Shape.SCORED_PAIRS : Shape.SCORED_PAIR;
        }
        if (spec == ZADD) {
            return has(r, 2, "incr") ? Shape.DOUBLE : Shape.PLAIN;
        }
        if (spec == SPOP) {
            return r.argc() > 2 ? Shape.SET : Shape.PLAIN;
        }
        if (spec == LCS) {
            return has(r, 3, "idx") ? Shape.MAP : Shape.PLAIN;
        }
        if (spec == CONFIG) {
            return r.argc() > 1 && r.is(1, "get") ? Shape.MAP : Shape.PLAIN;
        }
        if (spec == FUNCTION && r.argc() > 1) {
            return r.is(1, "list") ? Shape.FUNCTION_LIST : r.is(1, "stats") ? Shape.FUNCTION_STATS : Shape.PLAIN;
        }
        if (spec == COMMAND) {
            return r.argc() > 1 && r.is(1, "docs") ? Shape.MAP : Shape.PLAIN;
        }
        if (spec == CLIENT) {
            return r.argc() > 1 && (r.is(1, "list") || r.is(1, "info")) ? Shape.VERBATIM : Shape.PLAIN;
        }
        if (spec == CLUSTER) {
            return r.argc() > 1 && (r.is(1, "info") || r.is(1, "nodes")) ? Shape.VERBATIM : Shape.PLAIN;
        }
        return Shape.PLAIN;
    }

    private static boolean has(Request r, int from, String option) {
        for (int j = from; j < r.argc(); j++) {
            if (r.is(j, option)) {
                return true;
            }
        }
        return false;
    }
}
