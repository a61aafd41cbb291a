package io.kvcache.slave.store;

import io.kvcache.protocol.GlobMatcher;
import static io.kvcache.command.Commands.*;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

import io.kvcache.command.Arguments;
import io.kvcache.command.Handlers;
import io.kvcache.command.ScanCursor;
import io.kvcache.command.Session;
import io.kvcache.protocol.ErrorReply;
import io.kvcache.protocol.RedisNumbers;
import io.kvcache.protocol.Request;
import io.kvcache.protocol.RespErrors;
import io.kvcache.protocol.RespWriter;

/**
 * The sorted-set commands, following Redis 7.0's t_zset.c: ZADD with NX XX GT LT CH INCR, ZINCRBY,
 * ZSCORE, ZMSCORE, ZCARD, ZREM, ZRANK, ZREVRANK, ZCOUNT, ZLEXCOUNT, ZRANGE (by rank, BYSCORE and
 * BYLEX, REV, LIMIT, WITHSCORES), ZRANGESTORE, ZRANGEBYSCORE, ZREVRANGEBYSCORE, ZRANGEBYLEX,
 * ZREVRANGEBYLEX, ZREVRANGE, ZPOPMIN, ZPOPMAX, ZREMRANGEBYSCORE, ZREMRANGEBYRANK, ZREMRANGEBYLEX,
 * ZRANDMEMBER and ZSCAN (every member in one reply, cursor 0). A sorted set that becomes empty is
 * deleted. The lex commands answer as Redis where Redis defines them: when every member has the
 * same score.
 */
public final class ZSetCommands {

    private static final ErrorReply OUT_OF_RANGE = new ErrorReply("ERR value is out of range");
    private static final ErrorReply NOT_A_FLOAT = new ErrorReply(RespErrors.NOT_FLOAT);
    private static final ErrorReply MIN_MAX_NOT_FLOAT = new ErrorReply("ERR min or max is not a float");
    private static final ErrorReply MIN_MAX_NOT_LEX = new ErrorReply("ERR min or max not valid string range item");
    private static final ErrorReply NAN_SCORE = new ErrorReply("ERR resulting score is not a number (NaN)");
    private static final ErrorReply XX_AND_NX = new ErrorReply("ERR XX and NX options at the same time are not compatible");
    private static final ErrorReply GT_LT_NX = new ErrorReply(
            "ERR GT, LT, and/or NX options at the same time are not compatible");
    private static final ErrorReply INCR_PAIRS = new ErrorReply("ERR INCR option supports a single increment-element pair");
    private static final ErrorReply LIMIT_WITH_RANK = new ErrorReply(
            "ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX");
    private static final ErrorReply WITHSCORES_WITH_LEX = new ErrorReply(
            "ERR syntax error, WITHSCORES not supported in combination with BYLEX");

    private enum RangeType { AUTO, RANK, SCORE, LEX }

    private final Keyspace db;

    public ZSetCommands(Keyspace db) {
        this.db = db;
    }

    public void register(Handlers h) {
        h.on(ZADD, (r, out, s) -> zadd(r, out, false))
                .on(ZINCRBY, (r, out, s) -> zadd(r, out, true))
                .on(ZSCORE, this::zscore)
                .on(ZMSCORE, this::zmscore)
                .on(ZCARD, this::zcard)
                .on(ZREM, this::zrem)
                .on(ZRANK, (r, out, s) -> zrank(r, out, false))
                .on(ZREVRANK, (r, out, s) -> zrank(r, out, true))
                .on(ZCOUNT, this::zcount)
                .on(ZRANGE, (r, out, s) -> zrange(r, out, RangeType.AUTO, null, false))
                .on(ZRANGESTORE, (r, out, s) -> zrange(r, out, RangeType.AUTO, null, true))
                .on(ZRANGEBYSCORE, (r, out, s) -> zrange(r, out, RangeType.SCORE, false, false))
                .on(ZREVRANGEBYSCORE, (r, out, s) -> zrange(r, out, RangeType.SCORE, true, false))
                .on(ZRANGEBYLEX, (r, out, s) -> zrange(r, out, RangeType.LEX, false, false))
                .on(ZREVRANGEBYLEX, (r, out, s) -> zrange(r, out, RangeType.LEX, true, false))
                .on(ZREVRANGE, (r, out, s) -> zrange(r, out, RangeType.RANK, true, false))
                .on(ZLEXCOUNT, this::zlexcount)
                .on(ZRANDMEMBER, this::zrandmember)
                .on(ZSCAN, this::zscan)
                .on(ZREMRANGEBYLEX, (r, out, s) -> zremrange(r, out, RangeType.LEX))
                .on(ZPOPMIN, (r, out, s) -> zpop(r, out, false))
                .on(ZPOPMAX, (r, out, s) -> zpop(r, out, true))
                .on(ZMPOP, this::zmpop)
                .on(ZREMRANGEBYSCORE, (r, out, s) -> zremrange(r, out, RangeType.SCORE))
                .on(ZREMRANGEBYRANK, (r, out, s) -> zremrange(r, out, RangeType.RANK));
    }

    private ZSetValue read(byte[] key) {
        Entry e = db.lookupRead(key);
        return e == null ? null : Types.zset(e);
    }

    /** zaddGenericCommand (ZINCRBY is ZADD with INCR, parsed the same way). */
    private void zadd(Request r, RespWriter out, boolean zincrby) {
        boolean nx = false;
        boolean xx = false;
        boolean gt = false;
        boolean lt = false;
        boolean ch = false;
        boolean incr = zincrby;
        int scoreIndex = 2;
        for (; scoreIndex < r.argc(); scoreIndex++) {
            if (r.is(scoreIndex, "nx")) {
                nx = true;
            } else if (r.is(scoreIndex, "xx")) {
                xx = true;
            } else if (r.is(scoreIndex, "ch")) {
                ch = true;
            } else if (r.is(scoreIndex, "incr")) {
                incr = true;
            } else if (r.is(scoreIndex, "gt")) {
                gt = true;
            } else if (r.is(scoreIndex, "lt")) {
                lt = true;
            } else {
                break;
            }
        }
        int elements = r.argc() - scoreIndex;
        if (elements % 2 != 0 || elements == 0) {
            throw Arguments.SYNTAX;
        }
        elements /= 2;
        if (nx && xx) {
            throw XX_AND_NX;
        }
        if ((gt && nx) || (lt && nx) || (gt && lt)) {
            throw GT_LT_NX;
        }
        if (incr && elements > 1) {
            throw INCR_PAIRS;
        }
        double[] scores = new double[elements];
        for (int j = 0; j < elements; j++) {
            scores[j] = strictScore(r.arg(scoreIndex + 2 * j));
        }
        Entry e = db.lookup(r.arg(1));
        ZSetValue zset = e == null ? null : Types.zset(e);
        int added = 0;
        int updated = 0;
        int processed = 0;
        double score = 0;
        if (zset == null && !xx) {
            zset = new ZSetValue();
            db.add(r.arg(1), zset);
        }
        for (int j = 0; zset != null && j < elements; j++) {
            byte[] member = r.arg(scoreIndex + 1 + 2 * j);
            double newScore = scores[j];
            Double current = zset.score(member);
            if (current != null) {
                if (nx) {
                    continue;
                }
                if (incr) {
                    newScore += current;
                    if (Double.isNaN(newScore)) {
                        throw NAN_SCORE;
                    }
                }
                if ((lt && newScore >= current) || (gt && newScore <= current)) {
                    continue;
                }
                if (newScore != current) {
                    zset.put(member, newScore);
                    updated++;
                }
                processed++;
                score = newScore;
            } else if (!xx) {
                zset.put(member, newScore);
                added++;
                processed++;
                score = newScore;
            }
        }
        if (incr) {
            if (processed > 0) {
                out.bulk(Scores.formatBytes(score));
            } else {
                out.nullBulk();
            }
        } else {
            out.integer(ch ? added + updated : added);
        }
    }

    private void zscore(Request r, RespWriter out, Session s) {
        ZSetValue zset = read(r.arg(1));
        Double score = zset == null ? null : zset.score(r.arg(2));
        out.bulkOrNull(score == null ? null : Scores.formatBytes(score));
    }

    private void zmscore(Request r, RespWriter out, Session s) {
        ZSetValue zset = read(r.arg(1));
        out.array(r.argc() - 2);
        for (int i = 2; i < r.argc(); i++) {
            Double score = zset == null ? null : zset.score(r.arg(i));
            out.bulkOrNull(score == null ? null : Scores.formatBytes(score));
        }
    }

    private void zcard(Request r, RespWriter out, Session s) {
        ZSetValue zset = read(r.arg(1));
        out.integer(zset == null ? 0 : zset.size());
    }

    private void zrem(Request r, RespWriter out, Session s) {
        Entry e = db.lookup(r.arg(1));
        if (e == null) {
            out.integer(0);
            return;
        }
        ZSetValue zset = Types.zset(e);
        int removed = 0;
        for (int i = 2; i < r.argc(); i++) {
            if (zset.remove(r.arg(i))) {
                removed++;
                if (zset.isEmpty()) {
                    db.remove(e);
                    break;
                }
            }
        }
        out.integer(removed);
    }

    private void zrank(Request r, RespWriter out, boolean reverse) {
        ZSetValue zset = read(r.arg(1));
        long rank = zset == null ? -1 : zset.rank(r.arg(2));
        if (rank < 0) {
            out.nullBulk();
        } else {
            out.integer(reverse ? zset.size() - 1 - rank : rank);
        }
    }

    private void zcount(Request r, RespWriter out, Session s) {
        ZSetValue.ScoreRange range = scoreRange(r.arg(2), r.arg(3));
        ZSetValue zset = read(r.arg(1));
        out.integer(zset == null ? 0 : zset.range(range).size());
    }

    /** zrangeGenericCommand: options, then the range, then the key. */
    private void zrange(Request r, RespWriter out, RangeType type, Boolean reverseFixed, boolean store) {
        int source = store ? 2 : 1; // ZRANGESTORE dst src min max ...
        boolean withScores = false;
        long offset = 0;
        long limit = -1;
        boolean limited = false;
        boolean reverse = reverseFixed != null && reverseFixed;
        for (int j = source + 3; j < r.argc(); j++) {
            int left = r.argc() - j - 1;
            if (!store && r.is(j, "withscores")) {
                withScores = true;
            } else if (r.is(j, "limit") && left >= 2) {
                offset = Arguments.longArg(r, j + 1);
                limit = Arguments.longArg(r, j + 2);
                limited = true;
                j += 2;
            } else if (reverseFixed == null && r.is(j, "rev")) {
                reverse = true;
            } else if (type == RangeType.AUTO && r.is(j, "bylex")) {
                type = RangeType.LEX;
            } else if (type == RangeType.AUTO && r.is(j, "byscore")) {
                type = RangeType.SCORE;
            } else {
                throw Arguments.SYNTAX;
            }
        }
        if (type == RangeType.AUTO) {
            type = RangeType.RANK;
        }
        if (limited && limit != -1 && type == RangeType.RANK) {
            throw LIMIT_WITH_RANK;
        }
        if (withScores && type == RangeType.LEX) {
            throw WITHSCORES_WITH_LEX;
        }
        byte[] min = r.arg(source + 1);
        byte[] max = r.arg(source + 2);
        if (reverse && type != RangeType.RANK) {
            min = r.arg(source + 2);
            max = r.arg(source + 1);
        }
        long start = 0;
        long end = 0;
        ZSetValue.ScoreRange scoreRange = null;
        LexRange lexRange = null;
        switch (type) {
            case RANK -> {
                start = Arguments.longArg(r, source + 1);
                end = Arguments.longArg(r, source + 2);
            }
            case SCORE -> scoreRange = scoreRange(min, max);
            case LEX -> lexRange = lexRange(min, max);
            default -> throw new IllegalStateException();
        }
        ZSetValue zset = read(r.arg(source));
        if (zset == null) {
            if (store) {
                db.delete(r.arg(1));
                out.integer(0);
            } else {
                out.array(0);
            }
            return;
        }
        List<ZSetValue.Scored> result = new ArrayList<>();
        if (type == RangeType.RANK) {
            long size = zset.size();
            if (start < 0) {
                start += size;
            }
            if (end < 0) {
                end += size;
            }
            if (start < 0) {
                start = 0;
            }
            if (start <= end && start < size) {
                end = Math.min(end, size - 1);
                Iterator<ZSetValue.Scored> it = zset.iterator(reverse);
                for (long i = 0; i <= end && it.hasNext(); i++) {
                    ZSetValue.Scored next = it.next();
                    if (i >= start) {
                        result.add(next);
                    }
                }
            }
        } else if (!(offset > 0 && offset >= zset.size())) {
            Iterator<ZSetValue.Scored> it = zset.iterator(reverse);
            long skip = offset;
            long take = limit;
            while (it.hasNext()) {
                ZSetValue.Scored next = it.next();
                boolean inRange = type == RangeType.SCORE ? scoreRange.contains(next.score())
                        : lexRange.contains(next.member());
                if (!inRange) {
                    if (pastRange(type, scoreRange, lexRange, next, reverse)) {
                        break;
                    }
                    continue;
                }
                if (skip != 0) { // a negative offset skips everything, as Redis's "while (offset--)"
                    skip--;
                    continue;
                }
                if (take == 0) {
                    break;
                }
                result.add(next);
                take--;
            }
        }
        if (store) {
            db.delete(r.arg(1));
            if (!result.isEmpty()) {
                ZSetValue stored = new ZSetValue();
                result.forEach(s -> stored.put(s.member(), s.score()));
                db.add(r.arg(1), stored);
            }
            out.integer(result.size());
            return;
        }
        reply(out, result, withScores);
    }

    private static void reply(RespWriter out, List<ZSetValue.Scored> members, boolean withScores) {
        out.array(withScores ? 2 * members.size() : members.size());
        for (ZSetValue.Scored s : members) {
            out.bulk(s.member());
            if (withScores) {
                out.bulk(Scores.formatBytes(s.score()));
            }
        }
    }

    /** zlexcountCommand: the range first, then the key. */
    private void zlexcount(Request r, RespWriter out, Session s) {
        LexRange range = lexRange(r.arg(2), r.arg(3));
        ZSetValue zset = read(r.arg(1));
        long count = 0;
        if (zset != null) {
            for (Iterator<ZSetValue.Scored> it = zset.iterator(false); it.hasNext(); ) {
                if (range.contains(it.next().member())) {
                    count++;
                }
            }
        }
        out.integer(count);
    }

    /** zrandmemberCommand and zrandmemberWithCountCommand (RESP2: WITHSCORES as a flat array). */
    private void zrandmember(Request r, RespWriter out, Session s) {
        if (r.argc() == 2) {
            ZSetValue zset = read(r.arg(1));
            if (zset == null) {
                out.nullBulk();
                return;
            }
            out.bulk(nth(zset, ThreadLocalRandom.current().nextInt(zset.size())).member());
            return;
        }
        long count = Arguments.rangeLong(r, 2, -Long.MAX_VALUE, Long.MAX_VALUE, null);
        boolean withScores = false;
        if (r.argc() > 4 || (r.argc() == 4 && !r.is(3, "withscores"))) {
            throw Arguments.SYNTAX;
        } else if (r.argc() == 4) {
            withScores = true;
            if (count < -Long.MAX_VALUE / 2 || count > Long.MAX_VALUE / 2) {
                throw OUT_OF_RANGE;
            }
        }
        ZSetValue zset = read(r.arg(1));
        if (zset == null || count == 0) {
            out.array(0);
            return;
        }
        List<ZSetValue.Scored> all = new ArrayList<>(zset.size());
        zset.iterator(false).forEachRemaining(all::add);
        ThreadLocalRandom random = ThreadLocalRandom.current();
        List<ZSetValue.Scored> picked = new ArrayList<>();
        if (count < 0) {
            for (long i = 0; i < -count; i++) { // repetitions allowed
                picked.add(all.get(random.nextInt(all.size())));
            }
        } else if (count >= all.size()) {
            picked = all.reversed(); // the whole set, as Redis's zui iterator walks it: from the highest
        } else {
            for (int i = 0; i < count; i++) { // a partial Fisher-Yates shuffle: count distinct members
                int j = i + random.nextInt(all.size() - i);
                ZSetValue.Scored t = all.get(i);
                all.set(i, all.get(j));
                all.set(j, t);
                picked.add(all.get(i));
            }
        }
        reply(out, picked, withScores);
    }

    private static ZSetValue.Scored nth(ZSetValue zset, int n) {
        Iterator<ZSetValue.Scored> it = zset.iterator(false);
        for (int i = 0; i < n; i++) {
            it.next();
        }
        return it.next();
    }

    /** zscanCommand over scanGenericCommand: every member with its score, cursor 0 (as for a listpack). */
    private void zscan(Request r, RespWriter out, Session s) {
        ScanCursor.parse(r.arg(2));
        ZSetValue zset = read(r.arg(1));
        if (zset == null) {
            out.array(2).bulk("0").array(0);
            return;
        }
        byte[] pattern = ScanOptions.pattern(r, 3);
        List<ZSetValue.Scored> matched = new ArrayList<>();
        for (Iterator<ZSetValue.Scored> it = zset.iterator(false); it.hasNext(); ) {
            ZSetValue.Scored next = it.next();
            if (pattern == null || GlobMatcher.matches(pattern, next.member())) {
                matched.add(next);
            }
        }
        out.array(2).bulk("0");
        reply(out, matched, true);
    }

    /** Whether, walking in this direction, every member after next is out of the range too. */
    private static boolean pastRange(RangeType type, ZSetValue.ScoreRange scores, LexRange lex,
                                     ZSetValue.Scored next, boolean reverse) {
        if (type == RangeType.SCORE) {
            return reverse ? !scores.aboveMin(next.score()) : !scores.belowMax(next.score());
        }
        return false; // members are in lex order only when the scores are equal: look at them all
    }

    /** genericZpopCommand for one key: a missing key or a count of 0 answers an empty array. */
    private void zpop(Request r, RespWriter out, boolean max) {
        if (r.argc() > 3) {
            throw Arguments.SYNTAX;
        }
        long count = r.argc() == 3 ? Arguments.positiveLong(r, 2, null) : 1;
        Entry e = db.lookup(r.arg(1));
        if (e == null) {
            out.array(0);
            return;
        }
        ZSetValue zset = Types.zset(e);
        if (count == 0) {
            out.array(0);
            return;
        }
        List<ZSetValue.Scored> popped = pop(e, zset, count, max);
        out.array(2 * popped.size());
        for (ZSetValue.Scored s : popped) {
            out.bulk(s.member()).bulk(Scores.formatBytes(s.score()));
        }
    }

    static final byte[] ZPOPMIN_NAME = "ZPOPMIN".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    static final byte[] ZPOPMAX_NAME = "ZPOPMAX".getBytes(java.nio.charset.StandardCharsets.US_ASCII);

    /**
     * zmpopGenericCommand: the first key holding a sorted set pops up to COUNT members from the
     * given end, answered as [key, [[member, score] ...]] and replicated as ZPOPMIN or ZPOPMAX key
     * count; none: a null array. Only keys up to the first sorted set are type checked, as in Redis.
     */
    private void zmpop(Request r, RespWriter out, Session s) {
        if (!mpop(r, out, MultiPop.parse(r, 1, "min", "max"))) {
            out.nullArray();
        }
    }

    /** ZMPOP's pop once parsed (BZMPOP's too): false, with nothing written, when no key holds a sorted set. */
    boolean mpop(Request r, RespWriter out, MultiPop pop) {
        for (int k = 0; k < pop.numkeys(); k++) {
            byte[] key = r.arg(pop.keyAt(k));
            Entry e = db.lookup(key);
            if (e == null) {
                continue;
            }
            List<ZSetValue.Scored> popped = pop(e, Types.zset(e), pop.count(), !pop.first());
            out.array(2).bulk(key).array(popped.size());
            for (ZSetValue.Scored m : popped) {
                out.array(2).bulk(m.member()).bulk(Scores.formatBytes(m.score()));
            }
            db.replicateAs(new Request(new byte[][] {pop.first() ? ZPOPMIN_NAME : ZPOPMAX_NAME, key,
                    RedisNumbers.toBytes(popped.size())}));
            return true;
        }
        return false;
    }

    /** Removes up to count members from the lowest (max: the highest) score; an emptied set is deleted. */
    List<ZSetValue.Scored> pop(Entry e, ZSetValue zset, long count, boolean max) {
        List<ZSetValue.Scored> popped = new ArrayList<>();
        Iterator<ZSetValue.Scored> it = zset.iterator(max);
        while (popped.size() < count && it.hasNext()) {
            popped.add(it.next());
        }
        for (ZSetValue.Scored m : popped) {
            zset.remove(m.member());
        }
        if (zset.isEmpty()) {
            db.remove(e);
        }
        return popped;
    }

    /** zremrangeGenericCommand: the range first, then the key. */
    private void zremrange(Request r, RespWriter out, RangeType type) {
        long start = 0;
        long end = 0;
        ZSetValue.ScoreRange range = null;
        LexRange lex = null;
        if (type == RangeType.RANK) {
            start = Arguments.longArg(r, 2);
            end = Arguments.longArg(r, 3);
        } else if (type == RangeType.SCORE) {
            range = scoreRange(r.arg(2), r.arg(3));
        } else {
            lex = lexRange(r.arg(2), r.arg(3));
        }
        Entry e = db.lookup(r.arg(1));
        if (e == null) {
            out.integer(0);
            return;
        }
        ZSetValue zset = Types.zset(e);
        List<ZSetValue.Scored> doomed = new ArrayList<>();
        if (type == RangeType.RANK) {
            long size = zset.size();
            if (start < 0) {
                start += size;
            }
            if (end < 0) {
                end += size;
            }
            if (start < 0) {
                start = 0;
            }
            if (start > end || start >= size) {
                out.integer(0);
                return;
            }
            end = Math.min(end, size - 1);
            Iterator<ZSetValue.Scored> it = zset.iterator(false);
            for (long i = 0; i <= end; i++) {
                ZSetValue.Scored next = it.next();
                if (i >= start) {
                    doomed.add(next);
                }
            }
        } else if (type == RangeType.SCORE) {
            doomed.addAll(zset.range(range));
        } else {
            for (Iterator<ZSetValue.Scored> it = zset.iterator(false); it.hasNext(); ) {
                ZSetValue.Scored next = it.next();
                if (lex.contains(next.member())) {
                    doomed.add(next);
                }
            }
        }
        for (ZSetValue.Scored s : doomed) {
            zset.remove(s.member());
        }
        if (zset.isEmpty()) {
            db.remove(e);
        }
        out.integer(doomed.size());
    }

    private static double strictScore(byte[] arg) {
        try {
            return Scores.parseStrict(arg);
        } catch (Scores.NotAScore e) {
            throw NOT_A_FLOAT;
        }
    }

    /** zslParseRange: "(" makes a bound exclusive. */
    private static ZSetValue.ScoreRange scoreRange(byte[] min, byte[] max) {
        try {
            boolean minExclusive = min.length > 0 && min[0] == '(';
            boolean maxExclusive = max.length > 0 && max[0] == '(';
            return new ZSetValue.ScoreRange(Scores.parseBound(min, minExclusive ? 1 : 0), minExclusive,
                    Scores.parseBound(max, maxExclusive ? 1 : 0), maxExclusive);
        } catch (Scores.NotAScore e) {
            throw MIN_MAX_NOT_FLOAT;
        }
    }

    /** zslParseLexRange: "-", "+", or "(" / "[" before the bound. */
    private static LexRange lexRange(byte[] min, byte[] max) {
        return new LexRange(lexItem(min), lexItem(max));
    }

    private static LexItem lexItem(byte[] item) {
        if (item.length == 1 && item[0] == '+') {
            return new LexItem(null, true, false);
        }
        if (item.length == 1 && item[0] == '-') {
            return new LexItem(null, false, true);
        }
        if (item.length > 0 && (item[0] == '(' || item[0] == '[')) {
            return new LexItem(Arrays.copyOfRange(item, 1, item.length), false, false, item[0] == '(');
        }
        throw MIN_MAX_NOT_LEX;
    }

    /** A lex bound: +, -, or bytes, exclusive or not. */
    private record LexItem(byte[] bytes, boolean plusInfinity, boolean minusInfinity, boolean exclusive) {

        LexItem(byte[] bytes, boolean plusInfinity, boolean minusInfinity) {
            this(bytes, plusInfinity, minusInfinity, false);
        }
    }

    /** zlexrangespec. */
    private record LexRange(LexItem min, LexItem max) {

        boolean contains(byte[] member) {
            return aboveMin(member) && belowMax(member);
        }

        private boolean aboveMin(byte[] m) {
            if (min.minusInfinity()) {
                return true;
            }
            if (min.plusInfinity()) {
                return false;
            }
            int c = Arrays.compareUnsigned(m, min.bytes());
            return min.exclusive() ? c > 0 : c >= 0;
        }

        private boolean belowMax(byte[] m) {
            if (max.plusInfinity()) {
                return true;
            }
            if (max.minusInfinity()) {
                return false;
            }
            int c = Arrays.compareUnsigned(m, max.bytes());
            return max.exclusive() ? c < 0 : c <= 0;
        }
    }
}
