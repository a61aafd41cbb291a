package io.kvcache.slave.store;

import static io.kvcache.command.Commands.*;

import java.util.Arrays;

import io.kvcache.command.Arguments;
import io.kvcache.protocol.ErrorReply;
import io.kvcache.protocol.RedisNumbers;
import io.kvcache.protocol.Request;
import io.kvcache.protocol.RespErrors;
import io.kvcache.protocol.RespWriter;
import io.kvcache.command.Handlers;
import io.kvcache.command.Session;

/**
 * The list commands, following Redis 7.0's t_list.c. As in Redis, a list that becomes empty is
 * deleted, so an empty list never exists.
 */
public final class ListCommands {

    private final Keyspace db;

    public ListCommands(Keyspace db) {
        this.db = db;
    }

    public void register(Handlers h) {
        h.on(LPUSH, (r, out, s) -> push(r, out, true, false))
                .on(RPUSH, (r, out, s) -> push(r, out, false, false))
                .on(LPUSHX, (r, out, s) -> push(r, out, true, true))
                .on(RPUSHX, (r, out, s) -> push(r, out, false, true))
                .on(LPOP, (r, out, s) -> pop(r, out, true))
                .on(RPOP, (r, out, s) -> pop(r, out, false))
                .on(LLEN, this::llen)
                .on(LRANGE, this::lrange)
                .on(LINDEX, this::lindex)
                .on(LSET, this::lset)
                .on(LINSERT, this::linsert)
                .on(LTRIM, this::ltrim)
                .on(LREM, this::lrem)
                .on(LPOS, this::lpos)
                .on(RPOPLPUSH, (r, out, s) -> move(r, out, false, true))
                .on(LMOVE, this::lmove)
                .on(LMPOP, this::lmpop);
    }

    static final byte[] LPOP_NAME = {'L', 'P', 'O', 'P'};
    static final byte[] RPOP_NAME = {'R', 'P', 'O', 'P'};

    /**
     * lmpopGenericCommand: the first key holding a list pops up to COUNT elements from the given
     * end, answered as [key, [elements]] and replicated as LPOP or RPOP key count; none: a null
     * array. Only keys up to the first list are type checked, as in Redis.
     */
    private void lmpop(Request r, RespWriter out, Session s) {
        if (!mpop(r, out, MultiPop.parse(r, 1, "left", "right"))) {
            out.nullArray();
        }
    }

    /** LMPOP's pop once parsed (BLMPOP's too): false, with nothing written, when no key holds a list. */
    boolean mpop(Request r, RespWriter out, MultiPop pop) {
        for (int k = 0; k < pop.numkeys(); k++) {
            byte[] key = r.arg(pop.keyAt(k));
            Entry e = db.lookup(key);
            if (e == null) {
                continue;
            }
            QuickList list = Types.list(e);
            int n = (int) Math.min(pop.count(), list.size());
            out.array(2).bulk(key).array(n);
            for (int i = 0; i < n; i++) {
                out.bulk(pop.first() ? list.removeFirst() : list.removeLast());
            }
            deleteIfEmpty(e, list);
            db.replicateAs(new Request(new byte[][] {pop.first() ? LPOP_NAME : RPOP_NAME, key, RedisNumbers.toBytes(n)}));
            return true;
        }
        return false;
    }

    /** pushGenericCommand; the X variants push only onto an existing list. */
    private void push(Request r, RespWriter out, boolean head, boolean onlyIfExists) {
        Entry e = db.lookup(r.arg(1));
        QuickList list;
        if (e == null) {
            if (onlyIfExists) {
                out.integer(0);
                return;
            }
            list = new QuickList();
            db.add(r.arg(1), list);
        } else {
            list = Types.list(e);
        }
        for (int i = 2; i < r.argc(); i++) {
            if (head) {
                list.addFirst(r.arg(i));
            } else {
                list.addLast(r.arg(i));
            }
        }
        out.integer(list.size());
    }

    /** popGenericCommand: with a count the reply is an array (nil array for a missing key). */
    private void pop(Request r, RespWriter out, boolean head) {
        if (r.argc() > 3) {
            throw new ErrorReply(RespErrors.wrongArity(head ? "lpop" : "rpop"));
        }
        boolean hasCount = r.argc() == 3;
        long count = hasCount ? Arguments.positiveLong(r, 2, null) : 0;
        Entry e = db.lookup(r.arg(1));
        if (e == null) {
            if (hasCount) {
                out.nullArray();
            } else {
                out.nullBulk();
            }
            return;
        }
        QuickList list = Types.list(e);
        if (hasCount && count == 0) {
            out.array(0);
            return;
        }
        if (!hasCount) {
            out.bulk(head ? list.removeFirst() : list.removeLast());
        } else {
            int n = (int) Math.min(count, list.size());
            out.array(n);
            for (int i = 0; i < n; i++) {
                out.bulk(head ? list.removeFirst() : list.removeLast());
            }
        }
        deleteIfEmpty(e, list);
    }

    private void llen(Request r, RespWriter out, Session s) {
        Entry e = db.lookupRead(r.arg(1));
        out.integer(e == null ? 0 : Types.list(e).size());
    }

    private void lrange(Request r, RespWriter out, Session s) {
        long start = Arguments.longArg(r, 2);
        long end = Arguments.longArg(r, 3);
        Entry e = db.lookupRead(r.arg(1));
        if (e == null) {
            out.array(0);
            return;
        }
        QuickList list = Types.list(e);
        int[] range = range(start, end, list.size());
        if (range == null) {
            out.array(0);
            return;
        }
        out.array(range[1] - range[0] + 1);
        for (int i = range[0]; i <= range[1]; i++) {
            out.bulk(list.get(i));
        }
    }

    /**
     * LRANGE's and LTRIM's reading of start and end (negative from the tail, clamped to the list):
     * the inclusive [start, end] indexes, or null when the range is empty.
     */
    private static int[] range(long start, long end, long len) {
        if (start < 0) {
            start = len + start;
        }
        if (end < 0) {
            end = len + end;
        }
        if (start < 0) {
            start = 0;
        }
        if (start > end || start >= len) {
            return null;
        }
        return new int[] {(int) start, (int) Math.min(end, len - 1)};
    }

    /** LINDEX looks the key up before it parses the index, as Redis does. */
    private void lindex(Request r, RespWriter out, Session s) {
        Entry e = db.lookupRead(r.arg(1));
        if (e == null) {
            out.nullBulk();
            return;
        }
        QuickList list = Types.list(e);
        long index = Arguments.longArg(r, 2);
        long i = index < 0 ? list.size() + index : index;
        out.bulkOrNull(i < 0 || i >= list.size() ? null : list.get((int) i));
    }

    private void lset(Request r, RespWriter out, Session s) {
        Entry e = db.lookup(r.arg(1));
        if (e == null) {
            throw new ErrorReply(RespErrors.NO_SUCH_KEY);
        }
        QuickList list = Types.list(e);
        long index = Arguments.longArg(r, 2);
        long i = index < 0 ? list.size() + index : index;
        if (i < 0 || i >= list.size()) {
            throw new ErrorReply(RespErrors.INDEX_OUT_OF_RANGE);
        }
        list.set((int) i, r.arg(3));
        out.ok();
    }

    private void linsert(Request r, RespWriter out, Session s) {
        boolean after;
        if (r.is(2, "after")) {
            after = true;
        } else if (r.is(2, "before")) {
            after = false;
        } else {
            throw Arguments.SYNTAX;
        }
        Entry e = db.lookup(r.arg(1));
        if (e == null) {
            out.integer(0);
            return;
        }
        QuickList list = Types.list(e);
        byte[] pivot = r.arg(3);
        for (int i = 0; i < list.size(); i++) {
            if (Arrays.equals(list.get(i), pivot)) {
                list.insert(after ? i + 1 : i, r.arg(4));
                out.integer(list.size());
                return;
            }
        }
        out.integer(-1);
    }

    private void ltrim(Request r, RespWriter out, Session s) {
        long start = Arguments.longArg(r, 2);
        long end = Arguments.longArg(r, 3);
        Entry e = db.lookup(r.arg(1));
        if (e == null) {
            out.ok();
            return;
        }
        QuickList list = Types.list(e);
        int[] range = range(start, end, list.size());
        if (range == null) {
            db.remove(e);
        } else {
            list.retainRange(range[0], range[1]);
        }
        out.ok();
    }

    /**
     * {@code LREM key count value} as Redis (count > 0 from the head, < 0 from the tail, 0 all);
     * the seed's {@code LREM key value} removes the first occurrence (count 1).
     */
    private void lrem(Request r, RespWriter out, Session s) {
        if (r.argc() > 4) {
            throw new ErrorReply(RespErrors.wrongArity("lrem"));
        }
        boolean seedForm = r.argc() == 3;
        long toRemove = seedForm ? 1 : Arguments.longArg(r, 2);
        byte[] value = r.arg(seedForm ? 2 : 3);
        Entry e = db.lookup(r.arg(1));
        if (e == null) {
            out.integer(0);
            return;
        }
        QuickList list = Types.list(e);
        // As t_list.c: a negative count walks from the tail; the limit is compared with ==, so
        // -2^63 (which negates to itself) removes every occurrence, as 0 does.
        boolean fromTail = toRemove < 0;
        long limit = fromTail ? -toRemove : toRemove;
        long removed = 0;
        if (!fromTail) {
            for (int i = 0; i < list.size(); ) {
                if (Arrays.equals(list.get(i), value)) {
                    list.removeAt(i);
                    if (++removed == limit) {
                        break;
                    }
                } else {
                    i++;
                }
            }
        } else {
            for (int i = list.size() - 1; i >= 0; i--) {
                if (Arrays.equals(list.get(i), value)) {
                    list.removeAt(i);
                    if (++removed == limit) {
                        break;
                    }
                }
            }
        }
        deleteIfEmpty(e, list);
        out.integer(removed);
    }

    /** lposCommand: RANK (not 0; negative searches from the tail), COUNT (0 = all), MAXLEN. */
    private void lpos(Request r, RespWriter out, Session s) {
        long rank = 1;
        long count = -1;
        long maxlen = 0;
        for (int j = 3; j < r.argc(); j++) {
            boolean more = j < r.argc() - 1;
            if (r.is(j, "rank") && more) {
                // Redis 7.0 takes any long here; -2^63 negates to itself and so matches from the tail.
                rank = Arguments.longArg(r, ++j);
                if (rank == 0) {
                    throw new ErrorReply(RespErrors.LPOS_RANK);
                }
            } else if (r.is(j, "count") && more) {
                count = Arguments.positiveLong(r, ++j, RespErrors.LPOS_COUNT);
            } else if (r.is(j, "maxlen") && more) {
                maxlen = Arguments.positiveLong(r, ++j, RespErrors.LPOS_MAXLEN);
            } else {
                throw Arguments.SYNTAX;
            }
        }
        boolean fromTail = rank < 0;
        if (fromTail) {
            rank = -rank;
        }
        Entry e = db.lookupRead(r.arg(1));
        if (e == null) {
            if (count != -1) {
                out.array(0);
            } else {
                out.nullBulk();
            }
            return;
        }
        QuickList list = Types.list(e);
        byte[] element = r.arg(2);
        int size = list.size();
        long matches = 0;
        long[] found = new long[count > 0 ? (int) Math.min(count, size) : 4];
        int foundCount = 0;
        for (int index = 0; index < size && (maxlen == 0 || index < maxlen); index++) {
            int position = fromTail ? size - index - 1 : index;
            if (!Arrays.equals(list.get(position), element)) {
                continue;
            }
            matches++;
            if (matches < rank) {
                continue;
            }
            if (foundCount == found.length) {
                found = Arrays.copyOf(found, found.length * 2);
            }
            found[foundCount++] = position;
            if (count == -1 || (count != 0 && matches - rank + 1 >= count)) {
                break;
            }
        }
        if (count != -1) {
            out.array(foundCount);
            for (int i = 0; i < foundCount; i++) {
                out.integer(found[i]);
            }
        } else if (foundCount > 0) {
            out.integer(found[0]);
        } else {
            out.nullBulk();
        }
    }

    private void lmove(Request r, RespWriter out, Session s) {
        boolean fromLeft = Arguments.listEnd(r, 3);
        boolean toLeft = Arguments.listEnd(r, 4);
        move(r, out, fromLeft, toLeft);
    }

    /** lmoveGenericCommand: both types are checked before anything moves; source == destination rotates. */
    void move(Request r, RespWriter out, boolean fromLeft, boolean toLeft) {
        Entry source = db.lookup(r.arg(1));
        if (source == null) {
            out.nullBulk();
            return;
        }
        QuickList from = Types.list(source);
        Entry target = db.lookup(r.arg(2));
        QuickList to = target == null ? null : Types.list(target);
        byte[] value = fromLeft ? from.removeFirst() : from.removeLast();
        if (to == null) {
            to = new QuickList();
            db.add(r.arg(2), to);
        }
        if (toLeft) {
            to.addFirst(value);
        } else {
            to.addLast(value);
        }
        deleteIfEmpty(source, from);
        out.bulk(value);
    }

    private void deleteIfEmpty(Entry e, QuickList list) {
        if (list.isEmpty()) {
            db.remove(e);
        }
    }
}
