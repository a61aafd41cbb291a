package io.kvcache.slave.dispatch;

import static io.kvcache.command.Commands.*;

import java.nio.charset.StandardCharsets;
import java.util.IdentityHashMap;
import java.util.Map;

import io.kvcache.command.CommandSpec;
import io.kvcache.config.KeyspaceEventFlags;
import io.kvcache.command.Subscriptions.Kind;
import io.kvcache.protocol.Request;
import io.kvcache.protocol.RespWriter;
import io.kvcache.pubsub.PubSub;
import io.kvcache.slave.store.Keyspace;

/**
 * Keyspace notifications (notify.c) where the write happens: each command's events, named as
 * Redis's commands name them, published on {@code __keyspace@0__:<key>} and
 * {@code __keyevent@0__:<event>} as notify-keyspace-events asks; expirations and evictions from the
 * store itself. The events of a command are declared here, one rule per command, and decided from
 * its reply and from which keys existed before it ran; with notify-keyspace-events empty (Redis's
 * default) nothing is looked at.
 */
final class KeyspaceEvents {

    /** When a command's event fires, judged from its reply. */
    private enum When {
        /** Any reply but an error. */
        ALWAYS,
        /** An integer reply above 0 (SADD added, HDEL deleted, ...). */
        POSITIVE,
        /** A reply that is not nil nor an empty array (a pop that popped). */
        NOT_NULL,
        /** SET: unless NX or XX kept it from setting (a nil reply with one of them). */
        SET_DONE
    }

    /** @param destinationOnly the event is the first key's only (PFMERGE, BITOP: the sources are only read) */
    private record Rule(int type, String event, When when, boolean destinationOnly) {
    }

    private static final Map<CommandSpec, Rule> RULES = new IdentityHashMap<>();

    private static void rule(int type, String event, When when, CommandSpec... specs) {
        for (CommandSpec spec : specs) {
            RULES.put(spec, new Rule(type, event, when, spec == PFMERGE || spec == BITOP));
        }
    }

    static {
        rule(KeyspaceEventFlags.STRING, "set", When.SET_DONE, SET);
        rule(KeyspaceEventFlags.STRING, "set", When.ALWAYS, SETEX, PSETEX, GETSET, MSET);
        rule(KeyspaceEventFlags.STRING, "set", When.POSITIVE, SETNX, MSETNX);
        rule(KeyspaceEventFlags.STRING, "incrby", When.ALWAYS, INCR, INCRBY, DECR, DECRBY);
        rule(KeyspaceEventFlags.STRING, "incrbyfloat", When.ALWAYS, INCRBYFLOAT);
        rule(KeyspaceEventFlags.STRING, "append", When.ALWAYS, APPEND);
        rule(KeyspaceEventFlags.STRING, "setrange", When.ALWAYS, SETRANGE);
        rule(KeyspaceEventFlags.STRING, "setbit", When.ALWAYS, SETBIT);
        rule(KeyspaceEventFlags.STRING, "set", When.ALWAYS, BITOP);
        rule(KeyspaceEventFlags.STRING, "pfadd", When.POSITIVE, PFADD);
        rule(KeyspaceEventFlags.STRING, "pfadd", When.ALWAYS, PFMERGE);
        rule(KeyspaceEventFlags.GENERIC, "del", When.NOT_NULL, GETDEL);
        rule(KeyspaceEventFlags.GENERIC, "persist", When.POSITIVE, PERSIST);
        rule(KeyspaceEventFlags.GENERIC, "expire", When.POSITIVE, EXPIRE, PEXPIRE, EXPIREAT, PEXPIREAT);
        rule(KeyspaceEventFlags.GENERIC, "restore", When.ALWAYS, RESTORE);
        rule(KeyspaceEventFlags.LIST, "lpush", When.ALWAYS, LPUSH);
        rule(KeyspaceEventFlags.LIST, "rpush", When.ALWAYS, RPUSH);
        rule(KeyspaceEventFlags.LIST, "lpush", When.POSITIVE, LPUSHX);
        rule(KeyspaceEventFlags.LIST, "rpush", When.POSITIVE, RPUSHX);
        rule(KeyspaceEventFlags.LIST, "lpop", When.NOT_NULL, LPOP);
        rule(KeyspaceEventFlags.LIST, "rpop", When.NOT_NULL, RPOP);
        rule(KeyspaceEventFlags.LIST, "linsert", When.POSITIVE, LINSERT);
        rule(KeyspaceEventFlags.LIST, "lset", When.ALWAYS, LSET);
        rule(KeyspaceEventFlags.LIST, "ltrim", When.ALWAYS, LTRIM);
        rule(KeyspaceEventFlags.LIST, "lrem", When.POSITIVE, LREM);
        rule(KeyspaceEventFlags.HASH, "hset", When.ALWAYS, HSET, HMSET);
        rule(KeyspaceEventFlags.HASH, "hset", When.POSITIVE, HSETNX);
        rule(KeyspaceEventFlags.HASH, "hdel", When.POSITIVE, HDEL);
        rule(KeyspaceEventFlags.HASH, "hincrby", When.ALWAYS, HINCRBY);
        rule(KeyspaceEventFlags.HASH, "hincrbyfloat", When.ALWAYS, HINCRBYFLOAT);
        rule(KeyspaceEventFlags.SET, "sadd", When.POSITIVE, SADD);
        rule(KeyspaceEventFlags.SET, "srem", When.POSITIVE, SREM);
        rule(KeyspaceEventFlags.SET, "spop", When.NOT_NULL, SPOP);
        rule(KeyspaceEventFlags.ZSET, "zadd", When.ALWAYS, ZADD);
        rule(KeyspaceEventFlags.ZSET, "zincr", When.ALWAYS, ZINCRBY);
        rule(KeyspaceEventFlags.ZSET, "zrem", When.POSITIVE, ZREM);
        rule(KeyspaceEventFlags.ZSET, "zpopmin", When.NOT_NULL, ZPOPMIN);
        rule(KeyspaceEventFlags.ZSET, "zpopmax", When.NOT_NULL, ZPOPMAX);
        rule(KeyspaceEventFlags.ZSET, "zremrangebyscore", When.POSITIVE, ZREMRANGEBYSCORE);
        rule(KeyspaceEventFlags.ZSET, "zremrangebyrank", When.POSITIVE, ZREMRANGEBYRANK);
        rule(KeyspaceEventFlags.ZSET, "zremrangebylex", When.POSITIVE, ZREMRANGEBYLEX);
    }

    /** The commands whose events are written out below, not by a rule. */
    private static final java.util.Set<CommandSpec> SPECIAL = java.util.Set.of(DEL, UNLINK, RENAME, RENAMENX,
            RPOPLPUSH, LMOVE, BRPOPLPUSH, BLMOVE, SMOVE, COPY, GETEX);

    /** The commands that store a result at their first key: the event when it holds something, else "del". */
    private static final Map<CommandSpec, Rule> STORES = new IdentityHashMap<>();

    /** The pops whose reply names the key popped (the first element): its event, and "del" once empty. */
    private static final Map<CommandSpec, Rule> POPS_NAMING_THE_KEY = new IdentityHashMap<>();

    static {
        STORES.put(SINTERSTORE, new Rule(KeyspaceEventFlags.SET, "sinterstore", When.POSITIVE, true));
        STORES.put(SUNIONSTORE, new Rule(KeyspaceEventFlags.SET, "sunionstore", When.POSITIVE, true));
        STORES.put(SDIFFSTORE, new Rule(KeyspaceEventFlags.SET, "sdiffstore", When.POSITIVE, true));
        STORES.put(ZUNIONSTORE, new Rule(KeyspaceEventFlags.ZSET, "zunionstore", When.POSITIVE, true));
        STORES.put(ZINTERSTORE, new Rule(KeyspaceEventFlags.ZSET, "zinterstore", When.POSITIVE, true));
        STORES.put(ZDIFFSTORE, new Rule(KeyspaceEventFlags.ZSET, "zdiffstore", When.POSITIVE, true));
        STORES.put(ZRANGESTORE, new Rule(KeyspaceEventFlags.ZSET, "zrangestore", When.POSITIVE, true));
        POPS_NAMING_THE_KEY.put(BLPOP, new Rule(KeyspaceEventFlags.LIST, "lpop", When.NOT_NULL, false));
        POPS_NAMING_THE_KEY.put(BRPOP, new Rule(KeyspaceEventFlags.LIST, "rpop", When.NOT_NULL, false));
        POPS_NAMING_THE_KEY.put(BZPOPMIN, new Rule(KeyspaceEventFlags.ZSET, "zpopmin", When.NOT_NULL, false));
        POPS_NAMING_THE_KEY.put(BZPOPMAX, new Rule(KeyspaceEventFlags.ZSET, "zpopmax", When.NOT_NULL, false));
        POPS_NAMING_THE_KEY.put(LMPOP, new Rule(KeyspaceEventFlags.LIST, "lpop", When.NOT_NULL, false));
        POPS_NAMING_THE_KEY.put(BLMPOP, new Rule(KeyspaceEventFlags.LIST, "lpop", When.NOT_NULL, false));
        POPS_NAMING_THE_KEY.put(ZMPOP, new Rule(KeyspaceEventFlags.ZSET, "zpopmin", When.NOT_NULL, false));
        POPS_NAMING_THE_KEY.put(BZMPOP, new Rule(KeyspaceEventFlags.ZSET, "zpopmin", When.NOT_NULL, false));
    }

    /** Which types empty containers leave behind a "del" for (a list popped to nothing is deleted). */
    private static final int CONTAINERS =
            KeyspaceEventFlags.LIST | KeyspaceEventFlags.SET | KeyspaceEventFlags.HASH | KeyspaceEventFlags.ZSET;

    private final PubSub pubsub;
    private final Keyspace keyspace;
    private volatile int flags;

    KeyspaceEvents(PubSub pubsub, Keyspace keyspace) {
        this.pubsub = pubsub;
        this.keyspace = keyspace;
    }

    void flags(int flags) {
        this.flags = flags;
    }

    int flags() {
        return flags;
    }

    /** Whether a command's events must be looked at: some event goes somewhere, and the command has any. */
    boolean watches(CommandSpec spec) {
        int f = flags;
        return (f & (KeyspaceEventFlags.KEYSPACE | KeyspaceEventFlags.KEYEVENT)) != 0 && (f & ~(KeyspaceEventFlags.KEYSPACE | KeyspaceEventFlags.KEYEVENT)) != 0
                && spec != null && (RULES.containsKey(spec) || SPECIAL.contains(spec) || STORES.containsKey(spec)
                || POPS_NAMING_THE_KEY.containsKey(spec));
    }

    /** Before the command runs: which of its keys exist (bit k for key k, up to 64). */
    long existing(CommandSpec spec, Request r) {
        long bits = 0;
        int keys = Math.min(64, spec.keys().count(r));
        for (int k = 0; k < keys; k++) {
            if (keyspace.typeOf(r.arg(spec.keys().position(r, k))) != null) {
                bits |= 1L << k;
            }
        }
        return bits;
    }

    /** After the command answered without error: its events, as Redis's command would have fired them. */
    void after(CommandSpec spec, Request r, RespWriter out, int mark, long existedBefore) {
        if (SPECIAL.contains(spec)) {
            special(spec, r, out, mark, existedBefore);
            return;
        }
        Rule store = STORES.get(spec);
        if (store != null) {
            byte[] destination = r.arg(spec.keys().position(r, 0));
            if (fires(When.POSITIVE, out, mark)) {
                notify(store.type, store.event, destination);
            } else if ((existedBefore & 1) != 0) {
                notify(KeyspaceEventFlags.GENERIC, "del", destination);
            }
            return;
        }
        Rule pop = POPS_NAMING_THE_KEY.get(spec);
        if (pop != null) {
            if (!fires(When.NOT_NULL, out, mark)) {
                return;
            }
            byte[] key = firstBulk(out, mark);
            String event = pop.event;
            if (spec == LMPOP || spec == BLMPOP || spec == ZMPOP || spec == BZMPOP) {
                event = endOf(spec, r);
            }
            notify(pop.type, event, key);
            if (keyspace.typeOf(key) == null) {
                notify(KeyspaceEventFlags.GENERIC, "del", key);
            }
            return;
        }
        Rule rule = RULES.get(spec);
        if (rule.when == When.SET_DONE ? !setDone(r, out, mark) : !fires(rule.when, out, mark)) {
            return;
        }
        int keys = rule.destinationOnly ? 1 : spec.keys().count(r);
        for (int k = 0; k < keys; k++) {
            byte[] key = r.arg(spec.keys().position(r, k));
            if (rule.type == KeyspaceEventFlags.GENERIC && rule.event.equals("expire") && keyspace.typeOf(key) == null) {
                notify(KeyspaceEventFlags.GENERIC, "del", key); // a deadline in the past deletes the key
                continue;
            }
            notify(rule.type, rule.event, key);
            if ((spec == SET && hasExpiry(r, 3)) || spec == SETEX || spec == PSETEX) {
                notify(KeyspaceEventFlags.GENERIC, "expire", key);
            }
            if ((rule.type & CONTAINERS) != 0 && (existedBefore & (1L << k)) != 0 && keyspace.typeOf(key) == null) {
                notify(KeyspaceEventFlags.GENERIC, "del", key);
            }
        }
    }

    private void special(CommandSpec spec, Request r, RespWriter out, int mark, long existedBefore) {
        if (spec == DEL || spec == UNLINK) {
            int keys = spec.keys().count(r);
            for (int k = 0; k < keys; k++) {
                if ((existedBefore & (1L << k)) != 0) {
                    notify(KeyspaceEventFlags.GENERIC, "del", r.arg(spec.keys().position(r, k)));
                }
            }
        } else if (spec == RENAME || spec == RENAMENX) {
            if (spec == RENAME || fires(When.POSITIVE, out, mark)) {
                notify(KeyspaceEventFlags.GENERIC, "rename_from", r.arg(1));
                notify(KeyspaceEventFlags.GENERIC, "rename_to", r.arg(2));
            }
        } else if (spec == COPY) {
            if (fires(When.POSITIVE, out, mark)) {
                notify(KeyspaceEventFlags.GENERIC, "copy_to", r.arg(2));
            }
        } else if (spec == GETEX) {
            if (fires(When.NOT_NULL, out, mark)) {
                if (hasExpiry(r, 2)) {
                    notify(KeyspaceEventFlags.GENERIC, "expire", r.arg(1));
                } else if (r.argc() > 2 && r.is(2, "persist")) {
                    notify(KeyspaceEventFlags.GENERIC, "persist", r.arg(1));
                }
            }
        } else if (spec == SMOVE) {
            if (fires(When.POSITIVE, out, mark)) {
                notify(KeyspaceEventFlags.SET, "srem", r.arg(1));
                if (keyspace.typeOf(r.arg(1)) == null) {
                    notify(KeyspaceEventFlags.GENERIC, "del", r.arg(1));
                }
                notify(KeyspaceEventFlags.SET, "sadd", r.arg(2));
            }
        } else if (fires(When.NOT_NULL, out, mark)) { // RPOPLPUSH, LMOVE and their blocking kin: push, then pop
            boolean fromLeft = (spec == LMOVE || spec == BLMOVE) && r.is(3, "left");
            boolean toLeft = spec == RPOPLPUSH || spec == BRPOPLPUSH || r.is(4, "left");
            notify(KeyspaceEventFlags.LIST, toLeft ? "lpush" : "rpush", r.arg(2));
            notify(KeyspaceEventFlags.LIST, fromLeft ? "lpop" : "rpop", r.arg(1));
            if (keyspace.typeOf(r.arg(1)) == null) {
                notify(KeyspaceEventFlags.GENERIC, "del", r.arg(1));
            }
        }
    }

    /** LMPOP's LEFT|RIGHT, ZMPOP's MIN|MAX (after numkeys and the keys; BLMPOP and BZMPOP after their timeout). */
    private static String endOf(CommandSpec spec, Request r) {
        int numkeysAt = spec == BLMPOP || spec == BZMPOP ? 2 : 1;
        int at = numkeysAt + 1 + Integer.parseInt(r.text(numkeysAt));
        boolean list = spec == LMPOP || spec == BLMPOP;
        if (list) {
            return r.is(at, "left") ? "lpop" : "rpop";
        }
        return r.is(at, "min") ? "zpopmin" : "zpopmax";
    }

    /** The first bulk of the array reply at mark: the key a pop names. */
    private static byte[] firstBulk(RespWriter out, int mark) {
        int p = mark;
        while (out.byteAt(p) != '\n') {
            p++;
        }
        p++; // past the array's header, at "$<len>"
        int len = 0;
        int q = p + 1;
        while (out.byteAt(q) != '\r') {
            len = len * 10 + (out.byteAt(q) - '0');
            q++;
        }
        byte[] key = new byte[len];
        for (int i = 0; i < len; i++) {
            key[i] = out.byteAt(q + 2 + i);
        }
        return key;
    }

    /** Whether an expiry option (EX, PX, EXAT, PXAT) is among the arguments from position from on. */
    private static boolean hasExpiry(Request r, int from) {
        for (int j = from; j < r.argc(); j++) {
            if (r.is(j, "ex") || r.is(j, "px") || r.is(j, "exat") || r.is(j, "pxat")) {
                return true;
            }
        }
        return false;
    }

    private static boolean setDone(Request r, RespWriter out, int mark) {
        if (fires(When.NOT_NULL, out, mark)) {
            return true;
        }
        for (int j = 3; j < r.argc(); j++) {
            if (r.is(j, "nx") || r.is(j, "xx")) {
                return false;
            }
        }
        return true; // SET ... GET of a key that did not exist: it was set
    }

    private static boolean fires(When when, RespWriter out, int mark) {
        return switch (when) {
            case ALWAYS, SET_DONE -> true;
            case POSITIVE -> out.byteAt(mark) == ':' && out.byteAt(mark + 1) != '0' && out.byteAt(mark + 1) != '-';
            case NOT_NULL -> {
                byte type = out.byteAt(mark);
                yield !((type == '$' || type == '*') && (out.byteAt(mark + 1) == '-' || out.byteAt(mark + 1) == '0'));
            }
        };
    }

    /** notifyKeyspaceEvent: the event, if its class is asked for, on the channels asked for. */
    void notify(int type, String event, byte[] key) {
        int f = flags;
        if ((f & type) == 0) {
            return;
        }
        byte[] eventBytes = event.getBytes(StandardCharsets.US_ASCII);
        if ((f & KeyspaceEventFlags.KEYSPACE) != 0) {
            pubsub.publish(Kind.CHANNEL, concat(KEYSPACE_PREFIX, key), eventBytes);
        }
        if ((f & KeyspaceEventFlags.KEYEVENT) != 0) {
            pubsub.publish(Kind.CHANNEL, concat(KEYEVENT_PREFIX, eventBytes), key);
        }
    }

    private static final byte[] KEYSPACE_PREFIX = "__keyspace@0__:".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] KEYEVENT_PREFIX = "__keyevent@0__:".getBytes(StandardCharsets.US_ASCII);

    private static byte[] concat(byte[] prefix, byte[] rest) {
        byte[] b = java.util.Arrays.copyOf(prefix, prefix.length + rest.length);
        System.arraycopy(rest, 0, b, prefix.length, rest.length);
        return b;
    }
}
