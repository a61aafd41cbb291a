package io.kvcache.slave.store;

import static io.kvcache.command.Commands.SORT;
import static io.kvcache.command.Commands.SORT_RO;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;

import io.kvcache.command.Arguments;
import io.kvcache.command.Handlers;
import io.kvcache.protocol.ErrorReply;
import io.kvcache.protocol.Request;
import io.kvcache.protocol.RespWriter;

/**
 * SORT and SORT_RO, as Redis 7.0's sort.c: a list, set or sorted set sorted by its elements'
 * numeric value or (ALPHA) their bytes, or by the values of other keys (BY weight_*, hash fields
 * with BY weight_*->field), or not at all (BY a pattern without '*'), with LIMIT, GET patterns
 * and STORE into a list. Comparisons are Redis's: numeric ties fall back to the elements' bytes;
 * ALPHA compares as C's strcoll in the C locale (up to a NUL) unless the result is stored (then
 * binary). In a cluster, BY patterns and GET answer Redis Cluster's refusals: the keys they name may
 * live on other shards.
 */
final class SortCommand {

    private static final ErrorReply BY_IN_CLUSTER = new ErrorReply("ERR BY option of SORT denied in Cluster mode.");
    private static final ErrorReply GET_IN_CLUSTER = new ErrorReply("ERR GET option of SORT denied in Cluster mode.");
    private static final ErrorReply NOT_DOUBLE = new ErrorReply("ERR One or more scores can't be converted into double");

    private final Keyspace db;
    private final boolean cluster;

    /** @param cluster a slave of a cluster, where BY patterns and GET are refused */
    SortCommand(Keyspace db, boolean cluster) {
        this.db = db;
        this.cluster = cluster;
    }

    void register(Handlers h) {
        h.on(SORT, (r, out, s) -> sort(r, out, false))
                .on(SORT_RO, (r, out, s) -> sort(r, out, true));
    }

    /** One element being sorted, with what it sorts by. */
    private static final class Item {
        final byte[] element;
        double score;
        byte[] by;

        Item(byte[] element) {
            this.element = element;
        }
    }

    private void sort(Request r, RespWriter out, boolean readOnly) {
        boolean desc = false;
        boolean alpha = false;
        boolean dontSort = false;
        long limitStart = 0;
        long limitCount = -1;
        byte[] store = null;
        byte[] sortBy = null;
        List<byte[]> gets = new ArrayList<>();
        for (int j = 2; j < r.argc(); j++) {
            int left = r.argc() - j - 1;
            if (r.is(j, "asc")) {
                desc = false;
            } else if (r.is(j, "desc")) {
                desc = true;
            } else if (r.is(j, "alpha")) {
                alpha = true;
            } else if (r.is(j, "limit") && left >= 2) {
                limitStart = Arguments.longArg(r, j + 1);
                limitCount = Arguments.longArg(r, j + 2);
                j += 2;
            } else if (!readOnly && r.is(j, "store") && left >= 1) {
                store = r.arg(++j);
            } else if (r.is(j, "by") && left >= 1) {
                sortBy = r.arg(++j);
                if (indexOf(sortBy, 0, (byte) '*') < 0) {
                    dontSort = true;
                } else if (cluster) {
                    throw BY_IN_CLUSTER;
                }
            } else if (r.is(j, "get") && left >= 1) {
                if (cluster) {
                    throw GET_IN_CLUSTER;
                }
                gets.add(r.arg(++j));
            } else {
                throw Arguments.SYNTAX;
            }
        }
        Entry e = db.lookupRead(r.arg(1));
        Value value = e == null ? null : e.value;
        if (value != null && !(value instanceof QuickList || value instanceof SetValue || value instanceof ZSetValue)) {
            throw Types.WRONGTYPE;
        }
        if (value instanceof ZSetValue z) {
            z.toSkiplist(); // "Destructively convert encoded sorted sets for SORT", as Redis 7.0 does
        }
        if (dontSort && value instanceof SetValue && store != null) {
            dontSort = false; // a set has no order of its own: what is stored must not depend on it
            alpha = true;
            sortBy = null;
        }
        int size = switch (value) {
            case QuickList l -> l.size();
            case SetValue s -> s.size();
            case ZSetValue z -> z.size();
            case null, default -> 0;
        };
        long start = limitStart < 0 ? 0 : limitStart;
        long end = limitCount < 0 ? size - 1 : start + limitCount - 1;
        if (start >= size) {
            start = size - 1;
            end = size - 2;
        }
        if (end >= size) {
            end = size - 1;
        }
        List<Item> items = new ArrayList<>();
        if (dontSort && (value instanceof QuickList || value instanceof ZSetValue)) {
            if (end >= start) { // only the range, in the value's own order (reversed by DESC)
                Iterator<byte[]> it = elements(value, desc);
                for (long skip = start; skip > 0; skip--) {
                    it.next();
                }
                for (long n = end - start + 1; n > 0 && it.hasNext(); n--) {
                    items.add(new Item(it.next()));
                }
                end -= start;
                start = 0;
            }
        } else {
            for (Iterator<byte[]> it = elements(value, false); it.hasNext(); ) {
                items.add(new Item(it.next()));
            }
        }
        if (!dontSort) {
            boolean unconvertible = false;
            for (Item item : items) {
                byte[] by = sortBy == null ? item.element : byPattern(sortBy, item.element);
                if (by == null) {
                    continue;
                }
                if (alpha) {
                    if (sortBy != null) {
                        item.by = by;
                    }
                } else {
                    try {
                        item.score = Scores.parseSortWeight(by);
                    } catch (Scores.NotAScore x) {
                        unconvertible = true;
                    }
                }
            }
            if (unconvertible) {
                throw NOT_DOUBLE;
            }
            Comparator<Item> order = comparator(alpha, sortBy != null, store != null);
            items.sort(desc ? order.reversed() : order);
        }
        int count = (int) (end - start + 1);
        if (store == null) {
            out.array(gets.isEmpty() ? count : count * gets.size());
            for (long j = start; j <= end; j++) {
                byte[] element = items.get((int) j).element;
                if (gets.isEmpty()) {
                    out.bulk(element);
                }
                for (byte[] get : gets) {
                    out.bulkOrNull(byPattern(get, element));
                }
            }
            return;
        }
        QuickList stored = new QuickList();
        for (long j = start; j <= end; j++) {
            byte[] element = items.get((int) j).element;
            if (gets.isEmpty()) {
                stored.addLast(element);
            }
            for (byte[] get : gets) {
                byte[] v = byPattern(get, element);
                stored.addLast(v == null ? new byte[0] : v);
            }
        }
        db.delete(store);
        if (stored.size() > 0) {
            db.add(store, stored);
        }
        out.integer(stored.size());
    }

    private static Iterator<byte[]> elements(Value value, boolean reverse) {
        return switch (value) {
            case QuickList l -> new Iterator<>() {
                private int i = 0;

                @Override
                public boolean hasNext() {
                    return i < l.size();
                }

                @Override
                public byte[] next() {
                    return l.get(reverse ? l.size() - 1 - i++ : i++);
                }
            };
            case SetValue s -> s.members().iterator();
            case ZSetValue z -> {
                Iterator<ZSetValue.Scored> it = z.iterator(reverse);
                yield new Iterator<>() {
                    @Override
                    public boolean hasNext() {
                        return it.hasNext();
                    }

                    @Override
                    public byte[] next() {
                        return it.next().member();
                    }
                };
            }
            case null, default -> java.util.Collections.emptyIterator();
        };
    }

    /** sortCompare, ascending. */
    private static Comparator<Item> comparator(boolean alpha, boolean byPattern, boolean storing) {
        if (!alpha) {
            return (a, b) -> a.score > b.score ? 1 : a.score < b.score ? -1 : Arrays.compareUnsigned(a.element, b.element);
        }
        Comparator<byte[]> strings = storing ? Arrays::compareUnsigned : SortCommand::strcoll;
        if (!byPattern) {
            return (a, b) -> strings.compare(a.element, b.element);
        }
        return (a, b) -> {
            if (a.by == null || b.by == null) {
                return a.by == b.by ? 0 : a.by == null ? -1 : 1;
            }
            return strings.compare(a.by, b.by);
        };
    }

    /** strcoll in the C locale: strcmp, up to the first NUL of each. */
    private static int strcoll(byte[] a, byte[] b) {
        for (int i = 0; ; i++) {
            int x = i < a.length ? a[i] & 0xff : 0;
            int y = i < b.length ? b[i] & 0xff : 0;
            if (x != y || x == 0) {
                return x - y;
            }
        }
    }

    /**
     * lookupKeyByPattern: "#" is the element itself; otherwise the first '*' is replaced by the
     * element, "->field" after it reads a hash field, and the key's string (or field) is the value;
     * null when there is none or the pattern has no '*'.
     */
    private byte[] byPattern(byte[] pattern, byte[] element) {
        if (pattern.length >= 1 && pattern[0] == '#' && (pattern.length == 1 || pattern[1] == 0)) {
            return element;
        }
        int star = indexOf(pattern, 0, (byte) '*');
        if (star < 0) {
            return null;
        }
        int arrow = arrow(pattern, star + 1);
        boolean field = arrow >= 0 && arrow + 2 < pattern.length && pattern[arrow + 2] != 0;
        int fieldLen = field ? pattern.length - arrow - 2 : 0;
        int postfixLen = pattern.length - (star + 1) - (field ? fieldLen + 2 : 0);
        byte[] key = new byte[star + element.length + postfixLen];
        System.arraycopy(pattern, 0, key, 0, star);
        System.arraycopy(element, 0, key, star, element.length);
        System.arraycopy(pattern, star + 1, key, star + element.length, postfixLen);
        Entry e = db.lookupRead(key);
        if (e == null) {
            return null;
        }
        if (field) {
            return e.value instanceof HashValue hash ? hash.get(Arrays.copyOfRange(pattern, arrow + 2, pattern.length))
                    : null;
        }
        return e.value instanceof StringValue s ? s.bytes() : null;
    }

    /** strchr: the index of c from from on, stopping at a NUL (C strings), or -1. */
    private static int indexOf(byte[] s, int from, byte c) {
        for (int i = from; i < s.length && s[i] != 0; i++) {
            if (s[i] == c) {
                return i;
            }
        }
        return -1;
    }

    /** strstr(s + from, "->"), stopping at a NUL, or -1. */
    private static int arrow(byte[] s, int from) {
        for (int i = from; i + 1 < s.length && s[i] != 0 && s[i + 1] != 0; i++) {
            if (s[i] == '-' && s[i + 1] == '>') {
                return i;
            }
        }
        return -1;
    }
}
