package io.kvcache.slave.store;

import io.kvcache.protocol.GlobMatcher;
import static io.kvcache.command.Commands.*;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

import io.kvcache.command.Arguments;
import io.kvcache.command.Handlers;
import io.kvcache.command.ScanCursor;
import io.kvcache.command.Session;
import io.kvcache.protocol.ErrorReply;
import io.kvcache.protocol.Request;
import io.kvcache.protocol.RespErrors;
import io.kvcache.protocol.RespWriter;

/**
 * The set commands, following Redis 7.0's t_set.c. As in Redis, a set that becomes empty is
 * deleted. SSCAN answers every member in one reply with cursor 0 (a SCAN may return any number of
 * elements; Redis does so for an intset).
 */
public final class SetCommands {

    private static final byte[] SREM_NAME = {'S', 'R', 'E', 'M'};
    private static final byte[] DEL_NAME = {'D', 'E', 'L'};

    private final Keyspace db;

    public SetCommands(Keyspace db) {
        this.db = db;
    }

    public void register(Handlers h) {
        h.on(SADD, this::sadd)
                .on(SREM, this::srem)
                .on(SMEMBERS, this::smembers)
                .on(SISMEMBER, this::sismember)
                .on(SMISMEMBER, this::smismember)
                .on(SCARD, this::scard)
                .on(SPOP, this::spop)
                .on(SRANDMEMBER, this::srandmember)
                .on(SMOVE, this::smove)
                .on(SINTER, (r, out, s) -> inter(r, out, false))
                .on(SINTERSTORE, (r, out, s) -> inter(r, out, true))
                .on(SINTERCARD, this::sintercard)
                .on(SUNION, (r, out, s) -> unionOrDiff(r, out, false, false))
                .on(SUNIONSTORE, (r, out, s) -> unionOrDiff(r, out, false, true))
                .on(SDIFF, (r, out, s) -> unionOrDiff(r, out, true, false))
                .on(SDIFFSTORE, (r, out, s) -> unionOrDiff(r, out, true, true))
                .on(SSCAN, this::sscan);
    }

    /** The set under key for a read (null when absent); WRONGTYPE for another type. */
    private SetValue read(byte[] key) {
        Entry e = db.lookupRead(key);
        return e == null ? null : Types.set(e);
    }

    private void sadd(Request r, RespWriter out, Session s) {
        Entry e = db.lookup(r.arg(1));
        SetValue set;
        if (e == null) {
            set = new SetValue();
            db.add(r.arg(1), set);
        } else {
            set = Types.set(e);
        }
        int added = 0;
        for (int i = 2; i < r.argc(); i++) {
            if (set.add(r.arg(i))) {
                added++;
            }
        }
        out.integer(added);
    }

    private void srem(Request r, RespWriter out, Session s) {
        Entry e = db.lookup(r.arg(1));
        if (e == null) {
            out.integer(0);
            return;
        }
        SetValue set = Types.set(e);
        int removed = 0;
        for (int i = 2; i < r.argc(); i++) {
            if (set.remove(r.arg(i))) {
                removed++;
                if (set.isEmpty()) {
                    db.remove(e);
                    break;
                }
            }
        }
        out.integer(removed);
    }

    private void smembers(Request r, RespWriter out, Session s) {
        SetValue set = read(r.arg(1));
        reply(out, set == null ? List.of() : set.members());
    }

    private void sismember(Request r, RespWriter out, Session s) {
        SetValue set = read(r.arg(1));
        out.integer(set != null && set.contains(r.arg(2)) ? 1 : 0);
    }

    private void smismember(Request r, RespWriter out, Session s) {
        SetValue set = read(r.arg(1));
        out.array(r.argc() - 2);
        for (int i = 2; i < r.argc(); i++) {
            out.integer(set != null && set.contains(r.arg(i)) ? 1 : 0);
        }
    }

    private void scard(Request r, RespWriter out, Session s) {
        SetValue set = read(r.arg(1));
        out.integer(set == null ? 0 : set.size());
    }

    /** spopCommand and spopWithCountCommand: the count is checked before the key. */
    private void spop(Request r, RespWriter out, Session s) {
        if (r.argc() > 3) {
            throw Arguments.SYNTAX;
        }
        long count = r.argc() == 3 ? Arguments.positiveLong(r, 2, null) : -1;
        Entry e = db.lookup(r.arg(1));
        if (e == null) {
            if (count < 0) {
                out.nullBulk();
            } else {
                out.array(0);
            }
            return;
        }
        SetValue set = Types.set(e);
        if (count == 0) {
            out.array(0);
            return;
        }
        List<byte[]> members = set.members();
        List<byte[]> popped;
        if (count < 0 || count < members.size()) {
            popped = pickDistinct(members, count < 0 ? 1 : (int) count);
        } else {
            popped = members; // the whole set, in its order
        }
        for (byte[] m : popped) {
            set.remove(m);
        }
        if (set.isEmpty()) {
            db.remove(e);
            db.replicateAs(new Request(new byte[][] {DEL_NAME, r.arg(1)}));
        } else {
            // As Redis: replicas remove what was popped here, not members of their own choosing.
            byte[][] srem = new byte[2 + popped.size()][];
            srem[0] = SREM_NAME;
            srem[1] = r.arg(1);
            for (int i = 0; i < popped.size(); i++) {
                srem[2 + i] = popped.get(i);
            }
            db.replicateAs(new Request(srem));
        }
        if (count < 0) {
            out.bulk(popped.getFirst());
        } else {
            reply(out, popped);
        }
    }

    /** srandmemberCommand and srandmemberWithCountCommand. */
    private void srandmember(Request r, RespWriter out, Session s) {
        if (r.argc() > 3) {
            throw Arguments.SYNTAX;
        }
        if (r.argc() == 2) {
            SetValue set = read(r.arg(1));
            if (set == null) {
                out.nullBulk();
            } else {
                List<byte[]> members = set.members();
                out.bulk(members.get(ThreadLocalRandom.current().nextInt(members.size())));
            }
            return;
        }
        long count = Arguments.rangeLong(r, 2, -Long.MAX_VALUE, Long.MAX_VALUE, null);
        SetValue set = read(r.arg(1));
        if (set == null || count == 0) {
            out.array(0);
            return;
        }
        List<byte[]> members = set.members();
        if (count < 0) {
            // Repetitions allowed: -count independent picks.
            long n = -count;
            out.array((int) Math.min(Integer.MAX_VALUE, n));
            ThreadLocalRandom random = ThreadLocalRandom.current();
            for (long i = 0; i < n; i++) {
                out.bulk(members.get(random.nextInt(members.size())));
            }
            return;
        }
        reply(out, count >= members.size() ? members : pickDistinct(members, (int) count));
    }

    /** smoveCommand: a missing source answers 0 before any type check. */
    private void smove(Request r, RespWriter out, Session s) {
        Entry source = db.lookup(r.arg(1));
        Entry destination = db.lookup(r.arg(2));
        if (source == null) {
            out.integer(0);
            return;
        }
        SetValue from = Types.set(source);
        SetValue to = destination == null ? null : Types.set(destination);
        byte[] member = r.arg(3);
        if (source == destination) {
            out.integer(from.contains(member) ? 1 : 0);
            return;
        }
        if (!from.remove(member)) {
            out.integer(0);
            return;
        }
        if (from.isEmpty()) {
            db.remove(source);
        }
        if (to == null) {
            to = new SetValue();
            db.add(r.arg(2), to);
        }
        to.add(member);
        out.integer(1);
    }

    /**
     * sinterGenericCommand: every key is type checked; a missing one makes the result empty. The
     * members come in the order of the smallest set.
     */
    private void inter(Request r, RespWriter out, boolean store) {
        List<SetValue> sets = lookUp(r, store);
        if (sets.contains(null)) {
            finish(r, out, store, List.of());
            return;
        }
        sets.sort(Comparator.comparingInt(SetValue::size));
        List<byte[]> result = new ArrayList<>();
        outer:
        for (byte[] m : sets.getFirst().members()) {
            for (int j = 1; j < sets.size(); j++) {
                if (!sets.get(j).contains(m)) {
                    continue outer;
                }
            }
            result.add(m);
        }
        finish(r, out, store, result);
    }

    /**
     * sinterCardCommand: how many members the sets share, counting up to LIMIT (0: no limit). A
     * missing key makes it 0; every key is type checked first.
     */
    private void sintercard(Request r, RespWriter out, Session s) {
        long numkeys = Arguments.rangeLong(r, 1, 1, Long.MAX_VALUE, RespErrors.NUMKEYS_NOT_POSITIVE);
        if (numkeys > r.argc() - 2) {
            throw new ErrorReply("ERR Number of keys can't be greater than number of args");
        }
        long limit = 0;
        for (int j = 2 + (int) numkeys; j < r.argc(); j++) {
            if (r.is(j, "limit") && j < r.argc() - 1) {
                limit = Arguments.positiveLong(r, ++j, "ERR LIMIT can't be negative");
            } else {
                throw Arguments.SYNTAX;
            }
        }
        List<SetValue> sets = new ArrayList<>();
        for (int i = 2; i < 2 + numkeys; i++) {
            Entry e = db.lookupRead(r.arg(i));
            sets.add(e == null ? null : Types.set(e));
        }
        if (sets.contains(null)) {
            out.integer(0);
            return;
        }
        sets.sort(Comparator.comparingInt(SetValue::size));
        long count = 0;
        outer:
        for (byte[] m : sets.getFirst().members()) {
            for (int j = 1; j < sets.size(); j++) {
                if (!sets.get(j).contains(m)) {
                    continue outer;
                }
            }
            if (++count == limit) {
                break;
            }
        }
        out.integer(count);
    }

    /** sunionDiffGenericCommand: every key is type checked; a missing one is an empty set. */
    private void unionOrDiff(Request r, RespWriter out, boolean diff, boolean store) {
        List<SetValue> sets = lookUp(r, store);
        SetValue result = new SetValue();
        if (!diff) {
            for (SetValue set : sets) {
                if (set != null) {
                    set.members().forEach(result::add);
                }
            }
        } else if (sets.getFirst() != null) {
            for (byte[] m : sets.getFirst().members()) {
                boolean elsewhere = false;
                for (int j = 1; j < sets.size() && !elsewhere; j++) {
                    elsewhere = sets.get(j) != null && sets.get(j).contains(m);
                }
                if (!elsewhere) {
                    result.add(m);
                }
            }
        }
        finish(r, out, store, result.members());
    }

    /** The sets of the command's source keys, in order (null for a missing key); WRONGTYPE for another type. */
    private List<SetValue> lookUp(Request r, boolean store) {
        List<SetValue> sets = new ArrayList<>();
        for (int i = store ? 2 : 1; i < r.argc(); i++) {
            Entry e = store ? db.lookup(r.arg(i)) : db.lookupRead(r.arg(i));
            sets.add(e == null ? null : Types.set(e));
        }
        return sets;
    }

    /** Replies the members, or stores them under the first argument's key and replies their number. */
    private void finish(Request r, RespWriter out, boolean store, List<byte[]> members) {
        if (!store) {
            reply(out, members);
            return;
        }
        db.delete(r.arg(1));
        if (!members.isEmpty()) {
            SetValue stored = new SetValue();
            members.forEach(stored::add);
            db.add(r.arg(1), stored);
        }
        out.integer(members.size());
    }

    /** sscanCommand over scanGenericCommand: the cursor first, then the key, then the options. */
    private void sscan(Request r, RespWriter out, Session s) {
        ScanCursor.parse(r.arg(2));
        SetValue set = read(r.arg(1));
        if (set == null) {
            out.array(2).bulk("0").array(0);
            return;
        }
        byte[] pattern = ScanOptions.pattern(r, 3);
        List<byte[]> matched = new ArrayList<>();
        for (byte[] m : set.members()) {
            if (pattern == null || GlobMatcher.matches(pattern, m)) {
                matched.add(m);
            }
        }
        out.array(2).bulk("0");
        reply(out, matched);
    }

    private static void reply(RespWriter out, List<byte[]> members) {
        out.array(members.size());
        for (byte[] m : members) {
            out.bulk(m);
        }
    }

    /** count distinct members at random (a partial Fisher-Yates shuffle of a copy). */
    private static List<byte[]> pickDistinct(List<byte[]> members, int count) {
        List<byte[]> pool = new ArrayList<>(members);
        ThreadLocalRandom random = ThreadLocalRandom.current();
        for (int i = 0; i < count; i++) {
            int j = i + random.nextInt(pool.size() - i);
            byte[] t = pool.get(i);
            pool.set(i, pool.get(j));
            pool.set(j, t);
        }
        return new ArrayList<>(pool.subList(0, count));
    }
}
