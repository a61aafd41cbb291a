package io.kvcache.slave.store;

import static io.kvcache.command.Commands.*;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

import io.kvcache.command.Arguments;
import io.kvcache.command.Handlers;
import io.kvcache.protocol.ByteKey;
import io.kvcache.protocol.ErrorReply;
import io.kvcache.protocol.Request;
import io.kvcache.protocol.RespWriter;

/**
 * ZUNION, ZINTER, ZDIFF, their STORE forms and ZINTERCARD, as Redis 7.0's
 * zunionInterDiffGenericCommand: inputs may be sorted sets or sets (whose members score 1),
 * WEIGHTS multiply, AGGREGATE SUM|MIN|MAX combines (a SUM of +inf and -inf is 0, as is a weighted
 * NaN), and the inputs are taken smallest first for a union or an intersection, so that a sum adds
 * in Redis's order.
 */
public final class ZSetAlgebra {

    private static final ErrorReply WEIGHT_NOT_FLOAT = new ErrorReply("ERR weight value is not a float");
    private static final String LIMIT_NEGATIVE = "ERR LIMIT can't be negative";

    private enum Op { UNION, INTER, DIFF }

    private enum Aggregate { SUM, MIN, MAX }

    private final Keyspace db;

    public ZSetAlgebra(Keyspace db) {
        this.db = db;
    }

    public void register(Handlers h) {
        h.on(ZUNION, (r, out, s) -> run(r, out, Op.UNION, false, false))
                .on(ZINTER, (r, out, s) -> run(r, out, Op.INTER, false, false))
                .on(ZDIFF, (r, out, s) -> run(r, out, Op.DIFF, false, false))
                .on(ZUNIONSTORE, (r, out, s) -> run(r, out, Op.UNION, true, false))
                .on(ZINTERSTORE, (r, out, s) -> run(r, out, Op.INTER, true, false))
                .on(ZDIFFSTORE, (r, out, s) -> run(r, out, Op.DIFF, true, false))
                .on(ZINTERCARD, (r, out, s) -> run(r, out, Op.INTER, false, true));
    }

    /** One input: a sorted set, a set, or a missing key (empty), with its weight. */
    private static final class Source {
        final ZSetValue zset;
        final SetValue set;
        double weight = 1.0;

        Source(Entry e) {
            if (e == null) {
                zset = null;
                set = null;
            } else if (e.value instanceof ZSetValue z) {
                zset = z;
                set = null;
            } else if (e.value instanceof SetValue s) {
                zset = null;
                set = s;
            } else {
                throw Types.WRONGTYPE;
            }
        }

        int size() {
            return zset != null ? zset.size() : set != null ? set.size() : 0;
        }

        /** The members with their scores, in the input's own order. */
        Iterator<ZSetValue.Scored> iterator() {
            if (zset != null) {
                return zset.iterator(false);
            }
            if (set != null) {
                return set.members().stream().map(m -> new ZSetValue.Scored(1.0, m)).iterator();
            }
            return java.util.Collections.emptyIterator();
        }

        /** The member's score here, or null. */
        Double find(byte[] member) {
            if (zset != null) {
                return zset.score(member);
            }
            return set != null && set.contains(member) ? 1.0 : null;
        }
    }

    private void run(Request r, RespWriter out, Op op, boolean store, boolean cardinalityOnly) {
        int numkeysAt = store ? 2 : 1;
        String name = new String(r.arg(0), java.nio.charset.StandardCharsets.ISO_8859_1).toLowerCase(java.util.Locale.ROOT);
        long setnum = Arguments.longArg(r, numkeysAt);
        if (setnum < 1) {
            throw new ErrorReply("ERR at least 1 input key is needed for '" + name + "' command");
        }
        if (setnum > r.argc() - (numkeysAt + 1)) {
            throw Arguments.SYNTAX;
        }
        int n = (int) setnum;
        List<Source> sources = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            byte[] key = r.arg(numkeysAt + 1 + i);
            sources.add(new Source(store ? db.lookup(key) : db.lookupRead(key)));
        }
        Aggregate aggregate = Aggregate.SUM;
        boolean withScores = false;
        long limit = 0;
        for (int j = numkeysAt + 1 + n; j < r.argc(); j++) {
            int remaining = r.argc() - j;
            if (op != Op.DIFF && !cardinalityOnly && remaining >= n + 1 && r.is(j, "weights")) {
                for (Source source : sources) {
                    source.weight = weight(r.arg(++j));
                }
            } else if (op != Op.DIFF && !cardinalityOnly && remaining >= 2 && r.is(j, "aggregate")) {
                j++;
                if (r.is(j, "sum")) {
                    aggregate = Aggregate.SUM;
                } else if (r.is(j, "min")) {
                    aggregate = Aggregate.MIN;
                } else if (r.is(j, "max")) {
                    aggregate = Aggregate.MAX;
                } else {
                    throw Arguments.SYNTAX;
                }
            } else if (!store && !cardinalityOnly && r.is(j, "withscores")) {
                withScores = true;
            } else if (cardinalityOnly && remaining >= 2 && r.is(j, "limit")) {
                limit = Arguments.positiveLong(r, ++j, LIMIT_NEGATIVE);
            } else {
                throw Arguments.SYNTAX;
            }
        }
        if (op != Op.DIFF) {
            sources.sort(Comparator.comparingInt(Source::size)); // stable, as glibc's qsort (a merge sort)
        }
        if (cardinalityOnly) {
            out.integer(intersectionSize(sources, limit));
            return;
        }
        List<ZSetValue.Scored> result = switch (op) {
            case UNION -> union(sources, aggregate);
            case INTER -> intersection(sources, aggregate);
            case DIFF -> difference(sources);
        };
        result.sort(null);
        if (!store) {
            out.array(withScores ? 2 * result.size() : result.size());
            for (ZSetValue.Scored s : result) {
                out.bulk(s.member());
                if (withScores) {
                    out.bulk(Scores.formatBytes(s.score()));
                }
            }
            return;
        }
        db.delete(r.arg(1));
        if (!result.isEmpty()) {
            db.add(r.arg(1), ZSetValue.built(result));
        }
        out.integer(result.size());
    }

    private static double weight(byte[] arg) {
        try {
            return Scores.parseStrict(arg);
        } catch (Scores.NotAScore e) {
            throw WEIGHT_NOT_FLOAT;
        }
    }

    private static List<ZSetValue.Scored> union(List<Source> sources, Aggregate aggregate) {
        Map<ByteKey, double[]> accumulator = new HashMap<>();
        List<ByteKey> order = new ArrayList<>();
        for (Source source : sources) {
            for (Iterator<ZSetValue.Scored> it = source.iterator(); it.hasNext(); ) {
                ZSetValue.Scored next = it.next();
                double score = weighted(source.weight, next.score());
                ByteKey m = new ByteKey(next.member());
                double[] total = accumulator.get(m);
                if (total == null) {
                    accumulator.put(m, new double[] {score});
                    order.add(m);
                } else {
                    total[0] = aggregate(total[0], score, aggregate);
                }
            }
        }
        List<ZSetValue.Scored> result = new ArrayList<>(order.size());
        for (ByteKey m : order) {
            result.add(new ZSetValue.Scored(accumulator.get(m)[0], m.bytes()));
        }
        return result;
    }

    private static List<ZSetValue.Scored> intersection(List<Source> sources, Aggregate aggregate) {
        List<ZSetValue.Scored> result = new ArrayList<>();
        Source first = sources.getFirst();
        outer:
        for (Iterator<ZSetValue.Scored> it = first.iterator(); it.hasNext(); ) {
            ZSetValue.Scored next = it.next();
            double score = weighted(first.weight, next.score());
            for (int j = 1; j < sources.size(); j++) {
                Double value = sources.get(j).find(next.member());
                if (value == null) {
                    continue outer;
                }
                score = aggregate(score, value * sources.get(j).weight, aggregate);
            }
            result.add(new ZSetValue.Scored(score, next.member()));
        }
        return result;
    }

    private static long intersectionSize(List<Source> sources, long limit) {
        long count = 0;
        outer:
        for (Iterator<ZSetValue.Scored> it = sources.getFirst().iterator(); it.hasNext(); ) {
            byte[] member = it.next().member();
            for (int j = 1; j < sources.size(); j++) {
                if (sources.get(j).find(member) == null) {
                    continue outer;
                }
            }
            count++;
            if (limit != 0 && count >= limit) {
                break;
            }
        }
        return count;
    }

    private static List<ZSetValue.Scored> difference(List<Source> sources) {
        List<ZSetValue.Scored> result = new ArrayList<>();
        outer:
        for (Iterator<ZSetValue.Scored> it = sources.getFirst().iterator(); it.hasNext(); ) {
            ZSetValue.Scored next = it.next();
            for (int j = 1; j < sources.size(); j++) {
                if (sources.get(j).find(next.member()) != null) {
                    continue outer;
                }
            }
            result.add(next);
        }
        return result;
    }

    /** A weighted score: inf times 0 is NaN, which Redis takes as 0. */
    private static double weighted(double weight, double score) {
        double v = weight * score;
        return Double.isNaN(v) ? 0 : v;
    }

    /** zunionInterAggregate. */
    private static double aggregate(double target, double value, Aggregate aggregate) {
        return switch (aggregate) {
            case SUM -> {
                double sum = target + value;
                yield Double.isNaN(sum) ? 0.0 : sum;
            }
            case MIN -> value < target ? value : target;
            case MAX -> value > target ? value : target;
        };
    }
}
