package io.kvcache.slave.compat;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.function.Supplier;

/**
 * Generates a reproducible stream of random Redis commands (string, list, key-space and expiry
 * commands) from a seed, mixing valid and invalid usage: wrong arity, wrong types, non-integers,
 * overflows, bad or conflicting options and mixed-case names.
 * <p>
 * The key space is deliberately tiny ({@link #KEYS}) so that commands keep colliding on the same
 * keys and on keys of the other type.
 * <p>
 * <b>Determinism.</b> Two correct servers must answer every generated command identically, so the
 * generator avoids everything whose reply depends on timing or randomness:
 * <ul>
 * <li>A deadline is either already in the past (the key expires at once on both servers) or at
 * least 100 s in the future; nothing in between can expire during a run.</li>
 * <li>EXPIRE/PEXPIRE with GT or LT compare the new deadline with the old one. Relative deadlines are
 * "now + n" and "now" differs a little between the servers, so two deadlines with the same n set in
 * the same or in different milliseconds would compare differently. Every family of deadlines therefore
 * lives in its own range, days apart: ordinary relative ones (100 s .. 1 day, plus ~3000 years),
 * absolute ones (~30 days ahead and beyond, see {@code farFutureEpochSeconds}), and the relative ones
 * used with GT/LT, which start at 10^7 s and strictly increase (each at least 1 s above the previous), so
 * "new > old" has the same answer on both servers.</li>
 * <li>No DBSIZE (it counts expired keys not yet reclaimed), RANDOMKEY, INFO, TIME, COMMAND, QUIT or
 * FLUSHALL.</li>
 * </ul>
 * Arguments are built as ISO-8859-1 strings, one char per byte, so binary keys and values are plain
 * string literals here.
 * <p>
 * <b>Cluster mode</b> (off by default; for a candidate that is the sharded master): RENAME, RENAMENX and
 * MSETNX only use the keys sharing {@code {tag}} ({@link #TAGGED_KEYS}), because Redis Cluster, and the
 * master with it, answers CROSSSLOT when their keys hash to different slots. Every other command is
 * generated exactly as without it; without cluster mode the stream is unchanged.
 */
public final class CommandGenerator {

    /** The whole key space: 13 plain keys, 5 binary ones and 3 sharing a {tag}. */
    static final List<String> KEYS = List.of(
            "k0", "k1", "k2", "k3", "k4", "k5", "k6", "h0", "h1", "s0", "s1", "z0", "z1",
            "k\u0000\u00ff", "k\r\n\u00e9", "h\u0000", "s\u00ff", "z\u00ff",
            "{tag}a", "{tag}b", "{tag}c");
    /**
     * String commands prefer one half of the key space and list commands the other: SET overwrites a list
     * but LPUSH cannot overwrite a string, so with uniform keys most keys would hold strings and most list
     * commands would only test WRONGTYPE. Some picks still cross over (one in ten for string commands, one
     * in five for list commands), so WRONGTYPE and type changes stay frequent.
     */
    private static final List<String> STRING_LEANING_KEYS = List.of("k0", "k1", "k2", "k3", "k\u0000\u00ff", "{tag}a");
    private static final List<String> LIST_LEANING_KEYS = List.of("k4", "k5", "k6", "k\r\n\u00e9", "{tag}b", "{tag}c");
    /** Hash commands prefer these keys, and cross over to any key one time in eight. */
    private static final List<String> HASH_LEANING_KEYS = List.of("h0", "h1", "h\u0000");
    /** Set commands prefer these keys, and cross over to any key one time in eight. */
    private static final List<String> SET_LEANING_KEYS = List.of("s0", "s1", "s\u00ff");
    /**
     * Members: mostly integers, so that sets often stay intsets (sorted by value on Redis), with
     * strings and integer look-alikes (007, -0, +1) that make Redis turn them into hashtables.
     */
    private static final String[] MEMBERS = {"1", "2", "3", "10", "-5", "0", "42", "9223372036854775807",
            "-9223372036854775808", "a", "b", "x y", "007", "-0", "+1", "\u00e9", ""};
    /** Sorted-set commands prefer these keys, and cross over to any key one time in eight. */
    private static final List<String> ZSET_LEANING_KEYS = List.of("z0", "z1", "z\u00ff");
    /** Scores strtod takes. */
    private static final String[] SCORES = {"1", "2", "0", "-1", "1.5", "-0", "+inf", "-inf", "inf", "0.1", "1e3",
            "3.0", "10", "-2.5", "5.", ".5", "1E2", "-1.5e-3", "0x10", "Infinity", "-INF", "123456789.123456789",
            "4.9e-324", "1.7976931348623157e308"};
    /** Scores Redis refuses: overflow, underflow, NaN, blanks, a dangling exponent, nothing. */
    private static final String[] BAD_SCORES = {"1e400", "1e-400", "nan", "abc", "", " 1", "1 ", "1e", "+", "0x"};
    /**
     * The one key of the lex commands, outside {@link #KEYS} so that nothing else writes it: every
     * member it holds has the score 0, the only case where Redis defines a lex range's answer.
     */
    static final String LEX_KEY = "zlex";
    private static final String[] LEX_BOUNDS = {"-", "+", "[a", "(a", "[b", "(b", "[x y", "(1", "[", "(", "a", "",
            "+x", "[\u00e9", "(\u00e9"};
    /** Score bounds of ZRANGEBYSCORE and its kin, "(" for an exclusive one. */
    private static final String[] SCORE_BOUNDS = {"-inf", "+inf", "inf", "0", "1", "(1", "1.5", "(1.5", "2", "(2", "-1",
            "10", "(10", "abc", "(", "", " 2", "(inf", "(-inf", "nan", "1e400"};
    private static final String[] RANKS = {"0", "1", "2", "-1", "-2", "10", "-100", "100", "abc", "9223372036854775807",
            "-9223372036854775808"};
    /** Few fields, so that fields keep colliding; hashes stay far below Redis's 128-field listpack limit. */
    private static final String[] FIELDS = {"f", "g", "h", "name", "0", "", "f\u0000", "x y", "\u00e9"};
    /** The keys of one hash slot: in cluster mode, the only keys of RENAME, RENAMENX and MSETNX. */
    static final List<String> TAGGED_KEYS = List.of("{tag}a", "{tag}b", "{tag}c");

    /** Few distinct short values, so LREM, LPOS, LINSERT pivots and SET GET results keep matching. */
    private static final String[] SHORT_VALUES = {"a", "b", "c", "hello", "x y", "v1", "v2", "foo\r\nbar", "k0"};
    private static final String[] INTEGER_VALUES = {"0", "1", "-1", "2", "10", "42", "-42", "100", "123456789",
            "9223372036854775807", "-9223372036854775808", "9223372036854775806", "-9223372036854775807",
            "9223372036854775808", "-9223372036854775809", "99999999999999999999",
            "007", "+1", " 1", "1 ", "-0", "1.5", "0x1A", "1e3"};
    private static final String[] FLOAT_VALUES = {"3.14", "-0.5", "0.1", "1e3", "1.5e-3", "-2E2", ".5", "5.",
            "1e308", "-1e308", "1e400", "inf", "-inf", "nan", "+inf", "1.0000000000000001"};
    private static final String[] BINARY_VALUES = {"\u0000", "\u00ff\u00fe", "a\u0000b", "\r\n", "\u00e9t\u00e9"};
    private static final String[] GARBAGE_NUMBERS = {"abc", "1.5", "", " 1", "1 ", "+1", "0x10", "1e2", "-", "--1",
            "9223372036854775808", "-9223372036854775809", "99999999999999999999"};
    private static final String[] INCRBYFLOAT_INCREMENTS = {"1", "-1", "0", "1.5", "-0.25", "0.1", "3.0e-2",
            "1e3", "5E+2", "1e308", "-1e308", "1e400", "inf", "-inf", "+inf", "nan", "abc", "", " 1", "1 ",
            "0x10", "1.5.5", "9223372036854775807", "-9223372036854775808", "1e-400", "00.5"};
    /**
     * INCRBYFLOAT's increments but 1e308, -1e308 and 1e400 (a long double's range reaches 1e4932),
     * whose sums print as hundreds of digits: a value over 64 bytes turns Redis's hash into a
     * hashtable, whose order (HGETALL, HKEYS, HSCAN) is its dict's.
     */
    private static final String[] HINCRBYFLOAT_INCREMENTS = Arrays.stream(INCRBYFLOAT_INCREMENTS)
            .filter(s -> !s.endsWith("e308") && !s.endsWith("e400")).toArray(String[]::new);
    private static final String[] JUNK_ARGUMENTS = {"junk", "0", "nx"};

    /** Ordinary relative durations: at least 100 s, and never compared with GT/LT (see class comment). */
    private static final long[] FAR_SECONDS = {100, 150, 1000, 3600, 86400};
    private static final String[] HUGE_SECONDS = {"100000000000", "9223372036854"};
    private static final String[] HUGE_MILLIS = {"100000000000000", "9223372036854775"};
    /** Relative expire times that are already over: the key is deleted at once, identically on both servers. */
    private static final String[] NOT_POSITIVE = {"0", "-1", "-100", "-9223372036854775808"};
    /** Out of range once converted to milliseconds and added to "now": "invalid expire time". */
    private static final String[] OVERFLOWING_SECONDS = {"9223372036854775807", "9223372036854775"};
    private static final String[] OVERFLOWING_MILLIS = {"9223372036854775807", "9223372036854775000"};
    private static final long FIRST_COMPARED_SECONDS = 10_000_000;

    private final Random random;
    private final long farFutureEpochSeconds;
    private final boolean clusterMode;
    private final List<Choice> choices = new ArrayList<>();
    private final int totalWeight;
    private long comparedSeconds = FIRST_COMPARED_SECONDS;

    /**
     * @param seed                  makes the stream reproducible
     * @param farFutureEpochSeconds base of the absolute future deadlines (EXAT, PXAT, EXPIREAT, PEXPIREAT);
     *                              must be at least now + 100 s, and should be days away from now + 10^7 s and
     *                              from now + 1 day, see {@link #defaultFarFuture()}
     */
    public CommandGenerator(long seed, long farFutureEpochSeconds) {
        this(seed, farFutureEpochSeconds, false);
    }

    /**
     * @param clusterMode RENAME, RENAMENX and MSETNX only on keys of one hash slot (see the class comment);
     *                    false generates the standard stream
     */
    public CommandGenerator(long seed, long farFutureEpochSeconds, boolean clusterMode) {
        this.random = new Random(seed);
        this.farFutureEpochSeconds = farFutureEpochSeconds;
        this.clusterMode = clusterMode;
        registerCommands();
        totalWeight = choices.stream().mapToInt(Choice::weight).sum();
    }

    /**
     * Midnight UTC 30 days from today: far enough to be future for the whole run, stable within a day so
     * a replayed seed on the same day generates exactly the same bytes.
     */
    public static long defaultFarFuture() {
        long day = 86_400;
        return (System.currentTimeMillis() / 1000 / day + 30) * day;
    }

    public byte[][] next() {
        int pick = random.nextInt(totalWeight);
        for (Choice choice : choices) {
            pick -= choice.weight();
            if (pick < 0) {
                return choice.generate().get();
            }
        }
        throw new AssertionError("weights out of sync");
    }

    private record Choice(int weight, Supplier<byte[][]> generate) {
    }

    private void add(int weight, Supplier<byte[][]> generate) {
        choices.add(new Choice(weight, generate));
    }

    private void registerCommands() {
        // connection and unknown commands
        add(1, this::ping);
        add(1, this::echo);
        add(1, () -> exact("SELECT", "0"));
        add(1, this::unknownCommand);
        // key space
        add(3, () -> command("TYPE", key()));
        add(3, () -> command(withKeys("EXISTS", 1 + random.nextInt(4))));
        add(3, () -> command(withKeys("DEL", random.nextInt(10) == 0 ? 0 : 1 + random.nextInt(3))));
        add(2, () -> command(withKeys("UNLINK", random.nextInt(10) == 0 ? 0 : 1 + random.nextInt(3))));
        add(2, () -> command("RENAME", sameSlotKey(), sameSlotKey()));
        add(2, () -> command("RENAMENX", sameSlotKey(), sameSlotKey()));
        add(3, this::copy);
        add(3, this::sort);
        add(2, this::restore);
        // MEMORY: the byte counts are this store's, not jemalloc's; compared are nil, errors and help
        add(1, () -> switch (random.nextInt(6)) {
            case 0 -> exact("MEMORY", option("USAGE"), "nokey");
            case 1 -> exact("MEMORY", option("USAGE"), "nokey", option("SAMPLES"), pick("0", "5", "-1", "abc"));
            case 2 -> exact("MEMORY", option("USAGE"), key(), pick("SAMPLES", "junk"));
            case 3 -> exact("MEMORY", option(pick("HELP", "PURGE")));
            case 4 -> exact("MEMORY", option(pick("USAGE", "HELP", "PURGE")), pick("x", "nokey", "SAMPLES", "1"),
                    pick("x", "SAMPLES", "1"));
            default -> exact("MEMORY", pick("foo", "DOCTORS", ""));
        });
        add(1, () -> exact("RPUSH", clusterMode ? "{tag}sl" : pick(SORT_LISTS), pick(SORT_VALUES), pick(SORT_VALUES)));
        if (!clusterMode) { // weights for SORT ... BY w_* and BY wh_*->f: integers, or words
            add(1, () -> exact("SET", "w_" + pick(SORT_VALUES), pick(SORT_VALUES)));
            add(1, () -> exact("HSET", "wh_" + pick(SORT_VALUES), "f", pick(SORT_VALUES)));
        }
        add(2, this::keys);
        // OBJECT: no IDLETIME, whose seconds depend on when each server ran it
        add(4, () -> exact("OBJECT", option("ENCODING"), key()));
        add(2, () -> exact("OBJECT", option("REFCOUNT"), key()));
        add(1, () -> switch (random.nextInt(5)) {
            case 0 -> exact("OBJECT", option("FREQ"), key());
            case 1 -> exact("OBJECT", option("HELP"));
            case 2 -> exact("OBJECT", pick("foo", "ENCODINGS", ""), key());
            case 3 -> exact("OBJECT", option("ENCODING"));
            default -> exact("OBJECT", option(pick("HELP", "ENCODING")), key(), key());
        });
        add(1, this::scan);
        // expiry
        add(3, () -> expire("EXPIRE", false, false));
        add(3, () -> expire("PEXPIRE", true, false));
        add(2, () -> expire("EXPIREAT", false, true));
        add(2, () -> expire("PEXPIREAT", true, true));
        add(3, () -> command("TTL", key()));
        add(3, () -> command("PTTL", key()));
        add(2, () -> command("EXPIRETIME", key()));
        add(2, () -> command("PEXPIRETIME", key()));
        add(2, () -> command("PERSIST", key()));
        // strings
        add(10, this::set);
        add(2, () -> command("SETNX", stringKey(), value()));
        add(2, () -> command("SETEX", stringKey(), relativeTime(false, false), value()));
        add(2, () -> command("PSETEX", stringKey(), relativeTime(true, false), value()));
        add(6, () -> command("GET", stringKey()));
        add(2, () -> command("GETSET", stringKey(), value()));
        add(2, () -> command("GETDEL", stringKey()));
        add(3, this::getex);
        add(3, () -> command(withKeys("MGET", 1 + random.nextInt(5))));
        add(3, () -> mset("MSET"));
        add(2, () -> mset("MSETNX"));
        add(3, () -> command("INCR", stringKey()));
        add(2, () -> command("DECR", stringKey()));
        add(3, () -> command("INCRBY", stringKey(), integer()));
        add(2, () -> command("DECRBY", stringKey(), integer()));
        add(4, () -> command("INCRBYFLOAT", stringKey(), pick(INCRBYFLOAT_INCREMENTS)));
        add(3, () -> command("APPEND", stringKey(), value()));
        add(2, () -> command("STRLEN", stringKey()));
        add(2, () -> command("GETRANGE", stringKey(), index(), index()));
        add(1, () -> command("SUBSTR", stringKey(), index(), index()));
        add(1, () -> exact("SET", pick(LCS_KEYS), randomText("abcde", random.nextInt(14))));
        add(2, this::lcs);
        // HyperLogLog: strings of their own, read back raw too (GET, GETRANGE of the header) to compare bytes
        add(4, this::pfadd);
        add(3, () -> multiKey(withHllKeys("PFCOUNT", keyCount())));
        add(1, () -> multiKey(withHllKeys("PFMERGE", 1 + keyCount())));
        add(1, () -> command("GET", pick(HLL_KEYS)));
        add(1, () -> exact("GETRANGE", pick(HLL_KEYS), pick("0", "4", "8", "15"), pick("4", "15", "-1")));
        add(3, () -> command("SETRANGE", stringKey(), offset(), value()));
        // bitmaps (strings)
        add(4, () -> command("SETBIT", stringKey(), bitOffset(), pick("0", "1", "1", "2", "-1", "abc")));
        add(3, () -> command("GETBIT", stringKey(), bitOffset()));
        add(3, this::bitcount);
        add(3, this::bitpos);
        add(2, this::bitop);
        add(4, this::bitfield);
        // lists
        add(6, () -> push("LPUSH"));
        add(6, () -> push("RPUSH"));
        add(2, () -> push("LPUSHX"));
        add(2, () -> push("RPUSHX"));
        add(3, () -> pop("LPOP"));
        add(3, () -> pop("RPOP"));
        add(3, () -> command("LLEN", listKey()));
        add(4, () -> command("LRANGE", listKey(), index(), index()));
        add(2, () -> command("LINDEX", listKey(), index()));
        add(2, () -> command("LSET", listKey(), index(), element()));
        add(2, this::linsert);
        add(2, () -> command("LTRIM", listKey(), index(), index()));
        // LREM only in its 4-argument form: kvcache deliberately accepts a 3-argument form Redis rejects.
        add(2, () -> exact("LREM", listKey(), index(), element()));
        add(3, this::lpos);
        add(2, () -> command("RPOPLPUSH", listKey(), listKey()));
        add(2, this::lmove);
        add(2, () -> multiPop("LMPOP", () -> clusterMode ? taggedKey() : listKey(), "LEFT", "RIGHT"));
        // blocking pops: a short timeout, so one that finds nothing answers nil on both servers
        add(1, () -> blockingListPop());
        // hashes
        add(6, () -> hashSet("HSET"));
        add(2, () -> hashSet("HMSET"));
        add(2, () -> command("HSETNX", hashKey(), field(), hashValue()));
        add(5, () -> command("HGET", hashKey(), field()));
        add(2, () -> command(withFields("HMGET", 1 + random.nextInt(4))));
        add(3, () -> command(withFields("HDEL", 1 + random.nextInt(3))));
        add(2, () -> command("HLEN", hashKey()));
        add(2, () -> command("HSTRLEN", hashKey(), field()));
        add(2, () -> command("HEXISTS", hashKey(), field()));
        add(2, () -> command("HKEYS", hashKey()));
        add(2, () -> command("HVALS", hashKey()));
        add(3, () -> command("HGETALL", hashKey()));
        add(3, () -> command("HINCRBY", hashKey(), field(), random.nextInt(4) == 0 ? pick(GARBAGE_NUMBERS) : integer()));
        add(3, () -> command("HINCRBYFLOAT", hashKey(), field(), pick(HINCRBYFLOAT_INCREMENTS)));
        add(2, this::hrandfield);
        add(2, () -> elementScan("HSCAN", hashKey(), "*", "f*", "?", "[fg]", "name", "*\u0000"));
        // sets (in cluster mode, the commands of several keys only on keys of one slot)
        add(8, () -> command(withMembers("SADD", setKey(), 1 + random.nextInt(4))));
        add(3, () -> command(withMembers("SREM", setKey(), 1 + random.nextInt(3))));
        add(3, () -> command("SMEMBERS", setKey()));
        add(2, () -> command("SISMEMBER", setKey(), member()));
        add(2, () -> command(withMembers("SMISMEMBER", setKey(), 1 + random.nextInt(3))));
        add(2, () -> command("SCARD", setKey()));
        add(2, this::spop);
        add(2, this::srandmember);
        add(2, () -> command("SMOVE", sameSlotSetKey(), sameSlotSetKey(), member()));
        for (String op : List.of("SINTER", "SUNION", "SDIFF")) {
            add(2, () -> multiKey(withSetKeys(op, 1 + random.nextInt(3))));
            add(1, () -> multiKey(withSetKeys(op + "STORE", 2 + random.nextInt(3))));
        }
        add(2, () -> elementScan("SSCAN", setKey(), "*", "1*", "?", "[ab]", "-*"));
        add(2, () -> intersectionSize("SINTERCARD", () -> clusterMode ? taggedKey()
                : SET_LEANING_KEYS.get(random.nextInt(SET_LEANING_KEYS.size()))));
        // sorted sets
        add(8, this::zadd);
        add(3, () -> command("ZINCRBY", zsetKey(), score(), member()));
        add(3, () -> command("ZSCORE", zsetKey(), member()));
        add(2, () -> command(withMembers("ZMSCORE", zsetKey(), 1 + random.nextInt(3))));
        add(2, () -> command("ZCARD", zsetKey()));
        add(3, () -> command(withMembers("ZREM", zsetKey(), 1 + random.nextInt(3))));
        add(2, () -> command("ZRANK", zsetKey(), member()));
        add(2, () -> command("ZREVRANK", zsetKey(), member()));
        add(2, () -> command("ZCOUNT", zsetKey(), pick(SCORE_BOUNDS), pick(SCORE_BOUNDS)));
        add(6, this::zrange);
        add(2, () -> withRangeOptions("ZRANGEBYSCORE", pick(SCORE_BOUNDS), pick(SCORE_BOUNDS), true));
        add(2, () -> withRangeOptions("ZREVRANGEBYSCORE", pick(SCORE_BOUNDS), pick(SCORE_BOUNDS), true));
        add(2, () -> withRangeOptions("ZREVRANGE", pick(RANKS), pick(RANKS), false));
        add(2, () -> zpop("ZPOPMIN"));
        add(2, () -> zpop("ZPOPMAX"));
        add(1, () -> command("ZREMRANGEBYSCORE", zsetKey(), pick(SCORE_BOUNDS), pick(SCORE_BOUNDS)));
        add(1, () -> command("ZREMRANGEBYRANK", zsetKey(), pick(RANKS), pick(RANKS)));
        add(2, this::zrangestore);
        add(2, this::zrandmember);
        add(2, () -> elementScan("ZSCAN", zsetKey(), "*", "1*", "?", "[ab]", "-*"));
        for (String op : List.of("ZUNION", "ZINTER", "ZDIFF")) {
            add(1, () -> zsetAlgebra(op, false));
            add(1, () -> zsetAlgebra(op + "STORE", true));
        }
        add(2, () -> intersectionSize("ZINTERCARD", this::zsetOrSetKey));
        add(1, () -> blockingZsetPop());
        add(2, () -> multiPop("ZMPOP", () -> clusterMode ? taggedKey() : zsetKey(), "MIN", "MAX"));
        // the lex commands, on members of one score
        add(4, () -> command(zeroScored()));
        add(2, () -> command("ZLEXCOUNT", LEX_KEY, pick(LEX_BOUNDS), pick(LEX_BOUNDS)));
        add(2, () -> lexRange("ZRANGEBYLEX"));
        add(2, () -> lexRange("ZREVRANGEBYLEX"));
        add(1, () -> command("ZREMRANGEBYLEX", LEX_KEY, pick(LEX_BOUNDS), pick(LEX_BOUNDS)));
        add(2, () -> command("ZRANGE", LEX_KEY, pick(LEX_BOUNDS), pick(LEX_BOUNDS), option("BYLEX"),
                random.nextBoolean() ? option("REV") : option("BYLEX")));
        add(1, () -> command("ZREM", LEX_KEY, member()));
    }

    /**
     * Lists that only RPUSH fills and only SORT reads, with canonical integers and words only: their
     * order is certain, and none of their elements (nor of the weights) is a number Redis parses with
     * strtod (an empty string would be: it parses as 0). Redis 7.0's SORT tests errno after strtod
     * without clearing it first, so a stale ERANGE left by an earlier command of the connection (a
     * rejected 1e400) makes it refuse a valid "1.5"; integers it reads without strtod.
     */
    private static final String[] SORT_LISTS = {"sl:a", "sl:b"};
    private static final String[] SORT_VALUES = {"0", "1", "2", "3", "10", "-5", "42", "100", "a", "b", "x y"};

    /**
     * SORT and SORT_RO with options drawn so that both servers must agree: the keys any command
     * writes (a set among them, ordered by Redis's hash table, with numbers strtod must parse) are
     * sorted ALPHA without BY only; the lists of {@link #SORT_LISTS} any way. No BY pattern nor GET in
     * cluster mode (Redis Cluster refuses them), and keys of one slot there.
     */
    private byte[][] sort() {
        boolean readOnly = random.nextInt(4) == 0;
        boolean ownList = clusterMode ? random.nextInt(3) == 0 : random.nextInt(2) == 0;
        String key = ownList ? (clusterMode ? "{tag}sl" : pick(SORT_LISTS))
                : clusterMode ? taggedKey() : pick(listKey(), setKey(), zsetKey());
        List<String> args = new ArrayList<>(List.of(readOnly ? "SORT_RO" : "SORT", key));
        boolean alpha = !ownList || random.nextInt(3) == 0;
        boolean byPattern = ownList && !clusterMode && random.nextInt(3) == 0;
        boolean byConstant = ownList && !byPattern && random.nextInt(4) == 0;
        if (byPattern) {
            addAll(args, option("BY"), pick("w_*", "wh_*->f", "nokey_*"));
        } else if (byConstant) {
            addAll(args, option("BY"), pick("nosort", "constant"));
        }
        if (random.nextInt(3) == 0 && !(alpha && byPattern)) { // pqsort is not stable: ties must not reach it
            addAll(args, option("LIMIT"), pick("0", "1", "2", "-1", "100", "abc"), pick("0", "1", "3", "-1", "100"));
        }
        if (!clusterMode && random.nextInt(4) == 0) {
            for (int g = 1 + random.nextInt(2); g > 0; g--) {
                addAll(args, option("GET"), pick("#", "w_*", "wh_*->f", "w_*->f", "nostar"));
            }
        }
        if (random.nextBoolean()) {
            args.add(option(pick("ASC", "DESC")));
        }
        if (alpha) {
            args.add(option("ALPHA"));
        }
        if (!readOnly && random.nextInt(3) == 0) {
            addAll(args, option("STORE"), clusterMode ? taggedKey() : pick("sorted", listKey()));
        }
        return exactList(args); // a dropped ALPHA would sort a shared key by number
    }

    /** HyperLogLog keys: (one slot, for PFCOUNT and PFMERGE of several in cluster mode). */
    private static final String[] HLL_KEYS = {"{hll}a", "{hll}b", "{hll}c"};

    /** PFADD key element ...: mostly a few elements, now and then hundreds (to turn a sparse one dense). */
    private byte[][] pfadd() {
        List<String> args = new ArrayList<>(List.of("PFADD",
                !clusterMode && random.nextInt(15) == 0 ? pick("k0", "h0", "s0", "{lcs}a") : pick(HLL_KEYS)));
        int elements = random.nextInt(20) == 0 ? 100 + random.nextInt(400) : random.nextInt(6);
        for (int i = 0; i < elements; i++) {
            args.add(random.nextInt(10) == 0 ? pick("", "a", "\u0000", "x y") : "e" + random.nextInt(200_000));
        }
        return exactList(args);
    }

    /** PFCOUNT or PFMERGE of HyperLogLog keys, now and then a key of another type (not in cluster mode). */
    private List<String> withHllKeys(String command, int count) {
        List<String> args = new ArrayList<>(List.of(command));
        for (int i = 0; i < count; i++) {
            args.add(!clusterMode && random.nextInt(20) == 0 ? pick("k0", "h0", "{lcs}a") : pick(HLL_KEYS));
        }
        return args;
    }

    /** Short strings of a few letters, so that LCS finds common runs (and its table stays small). */
    private static final String[] LCS_KEYS = {"{lcs}a", "{lcs}b", "{lcs}c"};

    private String randomText(String alphabet, int length) {
        StringBuilder sb = new StringBuilder(length);
        for (int i = 0; i < length; i++) {
            sb.append(alphabet.charAt(random.nextInt(alphabet.length())));
        }
        return sb.toString();
    }

    /** LCS a b [LEN] [IDX] [MINMATCHLEN n] [WITHMATCHLEN]; now and then a key of another type. */
    private byte[][] lcs() {
        List<String> args = new ArrayList<>(List.of("LCS", pick(LCS_KEYS),
                !clusterMode && random.nextInt(12) == 0 ? pick("h0", "k4", "s0") : pick(LCS_KEYS)));
        for (int options = random.nextInt(4); options > 0; options--) {
            switch (random.nextInt(5)) {
                case 0 -> args.add(option("LEN"));
                case 1, 2 -> args.add(option("IDX"));
                case 3 -> addAll(args, option("MINMATCHLEN"), pick("0", "1", "2", "3", "-1", "abc"));
                default -> args.add(option("WITHMATCHLEN"));
            }
        }
        return command(args);
    }

    /**
     * Redis 7.0's DUMP of a string, a list, an intset, a sorted set and a hash (listpack encodings),
     * taken from redis-server: RESTORE of them must build the same values on both servers.
     */
    private static final String[] DUMPS = {
            "\u0000\u0005hello\n\u0000cr\u00dfve4 \n",
            "\u0012\u0001\u0002\u000f\u000f\u0000\u0000\u0000\u0003\u0000\u0081a\u0002\u0081b\u0002\u0003\u0001\u00ff\n\u0000\u00dc\u00a1\u00e6}P\u0005PH",
            "\u000b\u000c\u0002\u0000\u0000\u0000\u0002\u0000\u0000\u0000\u0001\u0000\u0002\u0000\n\u0000oy8\u00b14\u00eb .",
            "\u0011\u0014\u0014\u0000\u0000\u0000\u0004\u0000\u0081a\u0002\u0001\u0001\u0081b\u0002\u00832.5\u0004\u00ff\n\u0000\u00d4Ln\u00a4\u00f6D\u00d9\u00d7",
            "\u0010\u0012\u0012\u0000\u0000\u0000\u0004\u0000\u0081f\u0002\u0081v\u0002\u0081n\u0002\u0001\u0001\u00ff\n\u0000\u00fc\u00e4\u0008\u00f1y\"\u00e0\u0016"};

    /** RESTORE of Redis's own payloads (and of broken ones), DUMP of keys that are not there. */
    private byte[][] restore() {
        String key = clusterMode ? taggedKey() : key();
        return switch (random.nextInt(6)) {
            case 0, 1, 2 -> exact("RESTORE", key, pick("0", "0", "100000", "-1", "abc"), pick(DUMPS),
                    random.nextBoolean() ? option("REPLACE") : option(pick("ABSTTL", "REPLACE")));
            case 3 -> exact("RESTORE", key, "0", pick("garbage", "", pick(DUMPS).substring(1)));
            case 4 -> exact("RESTORE", key, "0", pick(DUMPS), option(pick("IDLETIME", "FREQ")), pick("-1", "5", "300"));
            default -> exact("DUMP", pick("nokey", "{tag}nokey"));
        };
    }

    /** BITFIELD[_RO] key with up to 4 GET / SET / INCRBY / OVERFLOW operations, valid or not. */
    private byte[][] bitfield() {
        boolean readOnly = random.nextInt(5) == 0;
        List<String> args = new ArrayList<>(List.of(readOnly ? "BITFIELD_RO" : "BITFIELD", stringKey()));
        for (int ops = random.nextInt(5); ops > 0; ops--) {
            String type = random.nextInt(12) == 0 ? pick("u64", "i65", "x8", "u0", "I8", "", "u")
                    : (random.nextBoolean() ? "i" : "u") + (1 + random.nextInt(random.nextBoolean() ? 8 : 63));
            String offset = random.nextInt(12) == 0 ? pick("-1", "abc", "#-1", "#", "4294967296")
                    : (random.nextInt(3) == 0 ? "#" : "") + random.nextInt(40);
            String number = pick("0", "1", "-1", "100", "127", "128", "255", "-128", "9223372036854775807",
                    "-9223372036854775808", "abc");
            switch (random.nextInt(readOnly ? 5 : 4)) {
                case 0 -> addAll(args, option("GET"), type, offset);
                case 1 -> addAll(args, option("SET"), type, offset, number);
                case 2 -> addAll(args, option("INCRBY"), type, offset, number);
                case 3 -> addAll(args, option("OVERFLOW"), random.nextInt(10) == 0 ? "BOUNCE" : option(pick("WRAP", "SAT", "FAIL")));
                default -> args.add(pick("GET", "SET", "junk"));
            }
        }
        return command(args);
    }

    /** A numkeys argument: mostly n, sometimes one Redis refuses. */
    private String numkeys(int n) {
        return random.nextInt(25) == 0 ? pick("0", "-1", "abc", "100", "", "9223372036854775807") : Integer.toString(n);
    }

    /** Either type a sorted-set operation takes; in cluster mode keys of one slot. */
    private String zsetOrSetKey() {
        if (clusterMode) {
            return taggedKey();
        }
        if (random.nextInt(16) == 0) {
            return key();
        }
        List<String> leaning = random.nextInt(3) == 0 ? SET_LEANING_KEYS : ZSET_LEANING_KEYS;
        return leaning.get(random.nextInt(leaning.size()));
    }

    /** How many keys a command of several takes: mostly one or two, so that a wrong type is not too likely. */
    private int keyCount() {
        return random.nextInt(4) == 0 ? 3 : 1 + random.nextInt(2);
    }

    /** ZUNION|ZINTER|ZDIFF[STORE] [destination] numkeys key ... [WEIGHTS w ...] [AGGREGATE a] [WITHSCORES]. */
    private byte[][] zsetAlgebra(String command, boolean store) {
        List<String> args = new ArrayList<>(List.of(command));
        if (store) {
            args.add(zsetOrSetKey());
        }
        int n = keyCount();
        args.add(numkeys(n));
        for (int i = 0; i < n; i++) {
            args.add(zsetOrSetKey());
        }
        boolean diff = command.startsWith("ZDIFF");
        if (random.nextInt(diff ? 12 : 3) == 0) {
            args.add(option("WEIGHTS"));
            for (int i = 0; i < n; i++) {
                args.add(random.nextInt(16) == 0 ? pick("abc", "nan", "inf", "-inf", "0", "") : pick("1", "2", "0.5", "-1", "3"));
            }
        }
        if (random.nextInt(diff ? 12 : 3) == 0) {
            args.add(option("AGGREGATE"));
            args.add(random.nextInt(10) == 0 ? pick("AVG", "") : option(pick("SUM", "MIN", "MAX")));
        }
        if (random.nextInt(store ? 12 : 2) == 0) {
            args.add(option("WITHSCORES"));
        }
        return command(args);
    }

    /** SINTERCARD|ZINTERCARD numkeys key ... [LIMIT n]. */
    private byte[][] intersectionSize(String command, Supplier<String> key) {
        List<String> args = new ArrayList<>(List.of(command));
        int n = keyCount();
        args.add(numkeys(n));
        for (int i = 0; i < n; i++) {
            args.add(key.get());
        }
        if (random.nextInt(3) == 0) {
            addAll(args, option("LIMIT"), pick("0", "1", "2", "-1", "abc"));
        }
        return command(args);
    }

    /** LMPOP|ZMPOP numkeys key ... end [COUNT n]. */
    private byte[][] multiPop(String command, Supplier<String> key, String firstEnd, String lastEnd) {
        List<String> args = new ArrayList<>(List.of(command));
        int n = keyCount();
        args.add(numkeys(n));
        for (int i = 0; i < n; i++) {
            args.add(key.get());
        }
        args.add(random.nextInt(25) == 0 ? pick("UP", "", "COUNT") : option(pick(firstEnd, lastEnd)));
        if (random.nextInt(2) == 0) {
            addAll(args, option("COUNT"), random.nextInt(12) == 0 ? pick("0", "-1", "abc") : pick("1", "2", "3", "10"));
        }
        return command(args);
    }

    /** A blocking command's timeout: a few milliseconds, or one Redis refuses. */
    private String blockingTimeout() {
        return random.nextInt(12) == 0 ? pick("abc", "-1", "", "1e400", "nan", "-0.5", "9.3e15", "inf") : pick("0.01", "0.02", ".015");
    }

    private byte[][] blockingListPop() {
        Supplier<String> key = () -> clusterMode ? taggedKey() : listKey();
        return switch (random.nextInt(5)) {
            case 0, 1 -> {
                List<String> args = new ArrayList<>(List.of(random.nextBoolean() ? "BLPOP" : "BRPOP"));
                for (int i = keyCount(); i > 0; i--) {
                    args.add(key.get());
                }
                args.add(blockingTimeout());
                yield exactList(args);
            }
            case 2 -> exact("BRPOPLPUSH", key.get(), key.get(), blockingTimeout());
            case 3 -> exact("BLMOVE", key.get(), key.get(), direction(), direction(), blockingTimeout());
            default -> {
                byte[][] mpop = multiPop("BLMPOP", key, "LEFT", "RIGHT");
                yield withTimeoutFirst(mpop);
            }
        };
    }

    private byte[][] blockingZsetPop() {
        Supplier<String> key = () -> clusterMode ? taggedKey() : zsetKey();
        if (random.nextInt(3) == 0) {
            return withTimeoutFirst(multiPop("BZMPOP", key, "MIN", "MAX"));
        }
        List<String> args = new ArrayList<>(List.of(random.nextBoolean() ? "BZPOPMIN" : "BZPOPMAX"));
        for (int i = keyCount(); i > 0; i--) {
            args.add(key.get());
        }
        args.add(blockingTimeout());
        return exactList(args);
    }

    /** BLMPOP and BZMPOP: LMPOP's and ZMPOP's arguments after a timeout. */
    private byte[][] withTimeoutFirst(byte[][] mpop) {
        byte[][] argv = new byte[mpop.length + 1][];
        argv[0] = mpop[0];
        argv[1] = Escaping.ascii(blockingTimeout());
        System.arraycopy(mpop, 1, argv, 2, mpop.length - 1);
        return argv;
    }

    private byte[][] exactList(List<String> args) {
        args.set(0, name(args.getFirst()));
        return raw(args);
    }

    /** ZADD zlex 0 m [0 m ...]: members of score 0 only. */
    private List<String> zeroScored() {
        List<String> args = new ArrayList<>(List.of("ZADD", LEX_KEY));
        if (random.nextInt(4) == 0) {
            args.add(option(pick("NX", "XX", "CH")));
        }
        for (int n = 1 + random.nextInt(3); n > 0; n--) {
            addAll(args, pick("0", "0", "-0", "0.0"), pick(MEMBERS));
        }
        return args;
    }

    private byte[][] lexRange(String command) {
        List<String> args = new ArrayList<>(List.of(command, LEX_KEY, pick(LEX_BOUNDS), pick(LEX_BOUNDS)));
        if (random.nextInt(3) == 0) {
            addAll(args, option("LIMIT"), pick("0", "1", "-1", "abc"), pick("1", "2", "-1", "0"));
        }
        if (random.nextInt(10) == 0) {
            args.add(option("WITHSCORES"));
        }
        return command(args);
    }

    /** ZRANGESTORE dst src ...: in cluster mode both on one slot. */
    private byte[][] zrangestore() {
        String dst = clusterMode ? taggedKey() : zsetKey();
        String src = clusterMode ? taggedKey() : zsetKey();
        List<String> args = new ArrayList<>(List.of("ZRANGESTORE", dst, src));
        switch (random.nextInt(3)) {
            case 0 -> addAll(args, pick(SCORE_BOUNDS), pick(SCORE_BOUNDS), option("BYSCORE"));
            default -> addAll(args, pick(RANKS), pick(RANKS));
        }
        if (random.nextInt(3) == 0) {
            args.add(option("REV"));
        }
        if (random.nextInt(6) == 0) {
            args.add(option(pick("WITHSCORES", "LIMIT")));
        }
        return clusterMode ? multiKey(args) : command(args);
    }

    /** Only the deterministic forms, as HRANDFIELD's. */
    private byte[][] zrandmember() {
        return switch (random.nextInt(6)) {
            case 0, 1 -> exact("ZRANDMEMBER", zsetKey(), pick("100", "20", "9223372036854775807"));
            case 2 -> exact("ZRANDMEMBER", zsetKey(), pick("100", "4611686018427387904", "-4611686018427387904"),
                    option("WITHSCORES"));
            case 3 -> exact("ZRANDMEMBER", zsetKey(), "0");
            case 4 -> exact("ZRANDMEMBER", zsetKey(), pick(GARBAGE_NUMBERS));
            default -> exact("ZRANDMEMBER", zsetKey(), "100", pick("WITHSCORE", "junk"));
        };
    }

    /** COPY on one slot in cluster mode; DB only 0 or bad ones (the reference has 16 databases, kvcache one). */
    private byte[][] copy() {
        List<String> args = new ArrayList<>(List.of("COPY", sameSlotKey(), sameSlotKey()));
        if (random.nextBoolean()) {
            args.add(option("REPLACE"));
        }
        if (random.nextInt(4) == 0) {
            addAll(args, option("DB"), pick("0", "0", "16", "-1", "abc"));
        }
        if (random.nextInt(20) == 0) {
            args.add(pick("junk", "DB"));
        }
        return raw(args.stream().map(a -> a.equals("COPY") ? name("COPY") : a).toList());
    }

    /** Bit offsets: small ones, past the end, and bad ones (negative, not a number, beyond 2^32 bits). */
    private String bitOffset() {
        return random.nextInt(6) == 0 ? pick("-1", "abc", "4294967296", "", "1.5") : Integer.toString(random.nextInt(90));
    }

    private byte[][] bitcount() {
        List<String> args = new ArrayList<>(List.of("BITCOUNT", stringKey()));
        if (random.nextInt(4) != 0) {
            addAll(args, pick(RANKS), pick(RANKS));
            if (random.nextBoolean()) {
                args.add(option(pick("BYTE", "BIT", "BIT", "bits")));
            }
        }
        return command(args);
    }

    private byte[][] bitpos() {
        List<String> args = new ArrayList<>(List.of("BITPOS", stringKey(), pick("0", "1", "1", "0", "2", "-1", "x")));
        int extra = random.nextInt(4);
        if (extra >= 1) {
            args.add(pick(RANKS));
        }
        if (extra >= 2) {
            args.add(pick(RANKS));
        }
        if (extra >= 3) {
            args.add(option(pick("BYTE", "BIT", "BIT", "bits")));
        }
        return command(args);
    }

    /** BITOP over string keys; in cluster mode on one slot only. */
    private byte[][] bitop() {
        List<String> args = new ArrayList<>(List.of("BITOP", option(pick("AND", "OR", "XOR", "NOT", "NOT", "NAND"))));
        for (int n = 2 + random.nextInt(3); n > 0; n--) {
            args.add(clusterMode ? taggedKey() : stringKey());
        }
        return clusterMode ? multiKey(args) : command(args);
    }

    /** ZADD with options in any order (and the incompatible ones), then one to three pairs. */
    private byte[][] zadd() {
        List<String> args = new ArrayList<>(List.of("ZADD", zsetKey()));
        for (int n = random.nextInt(3); n > 0; n--) {
            args.add(option(pick("NX", "XX", "GT", "LT", "CH", "INCR", "CH", "GT")));
        }
        for (int n = 1 + (random.nextInt(4) == 0 ? random.nextInt(3) : 0); n > 0; n--) {
            addAll(args, score(), member());
        }
        return command(args);
    }

    /**
     * ZRANGE by rank, BYSCORE or BYLEX, with REV, LIMIT and WITHSCORES. BYLEX only over "-" and "+"
     * (or with bad bounds): Redis's answer to a lex range is defined only when every score is equal.
     */
    private byte[][] zrange() {
        List<String> args = new ArrayList<>(List.of("ZRANGE", zsetKey()));
        String by = pick("", "", "BYSCORE", "BYSCORE", "BYLEX");
        switch (by) {
            case "BYSCORE" -> addAll(args, pick(SCORE_BOUNDS), pick(SCORE_BOUNDS));
            case "BYLEX" -> addAll(args, pick("-", "-", "+", "a", ""), pick("+", "+", "-", "a"));
            default -> addAll(args, pick(RANKS), pick(RANKS));
        }
        List<String> options = new ArrayList<>();
        if (!by.isEmpty()) {
            options.add(option(by));
        }
        if (random.nextInt(3) == 0) {
            options.add(option("REV"));
        }
        if (random.nextInt(3) == 0) {
            options.add(option("WITHSCORES"));
        }
        if (random.nextInt(4) == 0) {
            addAll(options, option("LIMIT"), pick("0", "1", "2", "-1", "abc"), pick("1", "2", "-1", "0", "100"));
        }
        java.util.Collections.shuffle(options.subList(0, Math.min(options.size(), options.size())), random);
        args.addAll(options);
        return command(args);
    }

    private byte[][] withRangeOptions(String command, String min, String max, boolean limit) {
        List<String> args = new ArrayList<>(List.of(command, zsetKey(), min, max));
        if (random.nextBoolean()) {
            args.add(option("WITHSCORES"));
        }
        if (limit ? random.nextInt(3) == 0 : random.nextInt(10) == 0) {
            addAll(args, option("LIMIT"), pick("0", "1", "-1", "abc"), pick("1", "2", "-1", "0"));
        }
        return command(args);
    }

    private byte[][] zpop(String command) {
        return switch (random.nextInt(4)) {
            case 0, 1 -> exact(command, zsetKey());
            case 2 -> exact(command, zsetKey(), pick("1", "2", "100", "0", "-1", "abc"));
            default -> exact(command, zsetKey(), "1", "junk");
        };
    }

    private List<String> withMembers(String command, String key, int count) {
        List<String> args = new ArrayList<>(List.of(command, key));
        for (int i = 0; i < count; i++) {
            args.add(member());
        }
        return args;
    }

    private List<String> withSetKeys(String command, int count) {
        List<String> args = new ArrayList<>(List.of(command));
        for (int i = 0; i < count; i++) {
            args.add(sameSlotSetKey());
        }
        return args;
    }

    /**
     * A command whose every argument is a key: in cluster mode its arity is left alone, since a junk
     * argument would be one more key, outside the slot.
     */
    private byte[][] multiKey(List<String> nameAndKeys) {
        if (!clusterMode) {
            return command(nameAndKeys);
        }
        List<String> all = new ArrayList<>(nameAndKeys);
        all.set(0, name(all.getFirst()));
        return raw(all);
    }

    /** Only the deterministic forms: counts at least the set's size, zero, and bad ones. */
    private byte[][] spop() {
        return switch (random.nextInt(4)) {
            case 0, 1 -> exact("SPOP", setKey(), pick("100", "20"));
            case 2 -> exact("SPOP", setKey(), pick("0", "-1", "abc", "9223372036854775808"));
            default -> exact("SPOP", setKey(), "100", "junk");
        };
    }

    /** Only the deterministic forms: counts at least the set's size, zero, and bad ones. */
    private byte[][] srandmember() {
        return switch (random.nextInt(4)) {
            case 0, 1 -> exact("SRANDMEMBER", setKey(), pick("100", "20", "9223372036854775807"));
            case 2 -> exact("SRANDMEMBER", setKey(), pick("0", "abc", "-9223372036854775808", "9223372036854775808"));
            default -> exact("SRANDMEMBER", setKey(), "100", "junk");
        };
    }

    /** HSET/HMSET with one to three pairs, or (one time in ten) a field without its value. */
    private byte[][] hashSet(String command) {
        List<String> args = new ArrayList<>(List.of(command, hashKey()));
        for (int n = 1 + random.nextInt(3); n > 0; n--) {
            addAll(args, field(), hashValue());
        }
        if (random.nextInt(10) == 0) {
            args.add(field());
        }
        return command(args);
    }

    private List<String> withFields(String command, int count) {
        List<String> args = new ArrayList<>(List.of(command, hashKey()));
        for (int i = 0; i < count; i++) {
            args.add(field());
        }
        return args;
    }

    /**
     * Only the deterministic forms: a count at least the hash's size answers the whole hash in
     * order; zero, bad counts and options answer the same everywhere. Exact arity: without its count,
     * HRANDFIELD picks at random.
     */
    private byte[][] hrandfield() {
        return switch (random.nextInt(6)) {
            case 0, 1 -> exact("HRANDFIELD", hashKey(), pick("100", "20", "9223372036854775807"));
            case 2 -> exact("HRANDFIELD", hashKey(), pick("100", "4611686018427387904", "-4611686018427387904"),
                    option("WITHVALUES"));
            case 3 -> exact("HRANDFIELD", hashKey(), "0");
            case 4 -> exact("HRANDFIELD", hashKey(), pick(GARBAGE_NUMBERS));
            default -> exact("HRANDFIELD", hashKey(), "100", pick("WITHVALUE", "junk"));
        };
    }

    /**
     * HSCAN, SSCAN or ZSCAN of key: a cursor (good or bad), then up to two of MATCH, COUNT and an
     * option these commands do not take.
     */
    private byte[][] elementScan(String command, String key, String... patterns) {
        List<String> args = new ArrayList<>(List.of(command, key, pick("0", "0", "1", "abc", "-1", "")));
        for (int n = random.nextInt(3); n > 0; n--) {
            switch (random.nextInt(5)) {
                case 0, 1 -> addAll(args, option("MATCH"), pick(patterns));
                case 2, 3 -> addAll(args, option("COUNT"), pick("1", "10", "0", "-1", "abc"));
                default -> args.add(pick("TYPE", "NOVALUES", "junk"));
            }
        }
        return command(args);
    }

    // ---- commands ------------------------------------------------------------------------------------------

    private byte[][] ping() {
        return switch (random.nextInt(10)) {
            case 0 -> exact("PING", "a", "b"); // wrong arity
            case 1, 2, 3 -> exact("PING", value());
            default -> exact("PING");
        };
    }

    private byte[][] echo() {
        return switch (random.nextInt(10)) {
            case 0 -> exact("ECHO");
            case 1 -> exact("ECHO", "a", "b");
            default -> exact("ECHO", value());
        };
    }

    private byte[][] unknownCommand() {
        return switch (random.nextInt(4)) {
            case 0 -> raw("FOOBAR", "a", "b");
            case 1 -> raw("foobar");
            case 2 -> raw("GETT", key());
            default -> raw("LPUSHH", key(), "v");
        };
    }

    private byte[][] set() {
        List<String> args = new ArrayList<>(List.of(name("SET"), stringKey(), value()));
        int options = switch (random.nextInt(10)) {
            case 0, 1, 2 -> 0;
            case 3, 4, 5, 6 -> 1;
            case 7, 8 -> 2;
            default -> 3;
        };
        for (int i = 0; i < options; i++) {
            switch (random.nextInt(9)) {
                case 0 -> args.add(option("NX"));
                case 1 -> args.add(option("XX"));
                case 2 -> args.add(option("GET"));
                case 3 -> args.add(option("KEEPTTL"));
                case 4 -> addAll(args, option("EX"), relativeTime(false, false));
                case 5 -> addAll(args, option("PX"), relativeTime(true, false));
                case 6 -> addAll(args, option("EXAT"), absoluteTime(false));
                case 7 -> addAll(args, option("PXAT"), absoluteTime(true));
                default -> args.add(random.nextBoolean() ? "FOO" : option("EX")); // unknown option / missing value
            }
        }
        return maybeBreakArity(args);
    }

    private byte[][] getex() {
        List<String> args = new ArrayList<>(List.of(name("GETEX"), stringKey()));
        int options = random.nextInt(10) < 7 ? random.nextInt(2) : 2;
        for (int i = 0; i < options; i++) {
            switch (random.nextInt(7)) {
                case 0 -> addAll(args, option("EX"), relativeTime(false, false));
                case 1 -> addAll(args, option("PX"), relativeTime(true, false));
                case 2 -> addAll(args, option("EXAT"), absoluteTime(false));
                case 3 -> addAll(args, option("PXAT"), absoluteTime(true));
                case 4, 5 -> args.add(option("PERSIST"));
                default -> args.add(random.nextBoolean() ? "FOO" : option("PX"));
            }
        }
        return maybeBreakArity(args);
    }

    /**
     * EXPIRE family. With GT or LT the new deadline is compared with the current one, so relative times
     * then come from the strictly increasing range (see the class comment).
     */
    private byte[][] expire(String command, boolean millis, boolean absolute) {
        List<String> options = new ArrayList<>();
        switch (random.nextInt(20)) {
            case 0, 1, 2, 3 -> options.add(option(pick("NX", "XX", "GT", "LT")));
            case 4, 5 -> options.add(option(pick("GT", "LT")));
            case 6 -> addAll(options, option(pick("NX", "XX", "GT", "LT")), option(pick("NX", "XX", "GT", "LT")));
            case 7 -> options.add(pick("FOO", "EX", ""));
            default -> {
            }
        }
        boolean comparesDeadlines = options.stream().anyMatch(o -> o.equalsIgnoreCase("GT") || o.equalsIgnoreCase("LT"));
        String time = absolute ? absoluteTime(millis) : relativeTime(millis, comparesDeadlines);
        List<String> args = new ArrayList<>(List.of(name(command), key(), time));
        args.addAll(options);
        return maybeBreakArity(args);
    }

    private byte[][] keys() {
        String pattern = switch (random.nextInt(3)) {
            case 0 -> composedPattern();
            default -> pick("*", "k*", "K*", "k?", "k[0-3]", "k[^0-3]", "k[a-c]", "k[3-1]", "{tag}*", "\\{tag\\}?",
                    "{tag}[ab]", "{tag}[^a]", "k\\*", "*\\", "k[", "[", "?", "??", "???", "*a", "*\u00ff*", "k\u0000*",
                    "k[\\]]", "", "*[!0]", "k[0-", "k\\?", "*\r\n*", "k[\u0000-\u00ff]*", "*}*", "**", "k*?");
        };
        return command("KEYS", pattern);
    }

    private String composedPattern() {
        StringBuilder pattern = new StringBuilder();
        int pieces = 1 + random.nextInt(4);
        for (int i = 0; i < pieces; i++) {
            pattern.append(pick("k", "*", "?", "[0-3]", "[^a]", "\\", "{", "}", "tag", "a", "\u00ff", "[", "]", "-", "^"));
        }
        return pattern.toString();
    }

    /** The harness compares SCAN by a full iteration with the same options; see {@link ScanComparison}. */
    private byte[][] scan() {
        List<String> args = new ArrayList<>();
        args.add(name("SCAN"));
        args.add(random.nextInt(10) < 7 ? "0"
                : pick("7", "12345", "18446744073709551615", "18446744073709551616", "abc", "-1", "", "1.5"));
        int options = random.nextInt(4);
        for (int i = 0; i < options; i++) {
            switch (random.nextInt(7)) {
                case 0, 1 -> addAll(args, option("MATCH"), random.nextBoolean() ? composedPattern()
                        : pick("*", "k*", "{tag}*", "k[0-3]", "k?", "*\u00ff*"));
                case 2, 3 -> addAll(args, option("COUNT"), pick("1", "2", "5", "10", "100", "1000",
                        "0", "-1", "abc", "9223372036854775808"));
                // No TYPE none: it matches the keys whose deadline has passed but that active expiry
                // has not reclaimed yet, which is a matter of timing on each server.
                case 4, 5 -> addAll(args, option("TYPE"), pick("string", "list", "STRING", "List", "hash", "Hash", "garbage"));
                default -> args.add(pick("FOO", "MATCH", "COUNT", "TYPE")); // unknown option or missing value
            }
        }
        return raw(args);
    }

    private byte[][] mset(String command) {
        List<String> args = new ArrayList<>(List.of(name(command)));
        int pairs = random.nextInt(10) == 0 ? 0 : 1 + random.nextInt(3);
        boolean sameSlot = clusterMode && command.equals("MSETNX");
        for (int i = 0; i < pairs; i++) {
            addAll(args, sameSlot ? taggedKey() : stringKey(), value());
        }
        if (random.nextInt(8) == 0 && args.size() > 1) {
            args.removeLast(); // odd number of arguments
        }
        return raw(args);
    }

    private byte[][] push(String command) {
        List<String> args = new ArrayList<>(List.of(name(command), listKey()));
        int values = random.nextInt(15) == 0 ? 0 : 1 + random.nextInt(4);
        for (int i = 0; i < values; i++) {
            args.add(element());
        }
        return raw(args);
    }

    private byte[][] pop(String command) {
        return switch (random.nextInt(10)) {
            case 0, 1, 2, 3, 4 -> command(command, listKey());
            case 5, 6, 7 -> command(command, listKey(), pick("1", "2", "3", "10"));
            default -> command(command, listKey(), pick("0", "-1", "abc", "9223372036854775807", "-9223372036854775808",
                    "1.5", ""));
        };
    }

    private byte[][] linsert() {
        String where = random.nextInt(10) == 0 ? pick("MIDDLE", "", "BEFOREE") : option(pick("BEFORE", "AFTER"));
        return command("LINSERT", listKey(), where, element(), element());
    }

    private byte[][] lpos() {
        List<String> args = new ArrayList<>(List.of(name("LPOS"), listKey(), element()));
        int options = random.nextInt(4);
        for (int i = 0; i < options; i++) {
            switch (random.nextInt(7)) {
                case 0, 1 -> addAll(args, option("RANK"), pick("1", "2", "-1", "-2", "3", "0", "-9223372036854775808",
                        "9223372036854775807", "abc"));
                case 2, 3 -> addAll(args, option("COUNT"), pick("0", "1", "2", "5", "-1", "abc"));
                case 4, 5 -> addAll(args, option("MAXLEN"), pick("0", "1", "2", "5", "-1", "abc"));
                default -> args.add(pick("FOO", "RANK", "COUNT", "MAXLEN"));
            }
        }
        return maybeBreakArity(args);
    }

    private byte[][] lmove() {
        return command("LMOVE", listKey(), listKey(), direction(), direction());
    }

    private String direction() {
        return random.nextInt(12) == 0 ? pick("UP", "", "LEFTT") : option(pick("LEFT", "RIGHT"));
    }

    // ---- arguments -----------------------------------------------------------------------------------------

    private String key() {
        return KEYS.get(random.nextInt(KEYS.size()));
    }

    /** Any key; in cluster mode one of the keys sharing {tag}, so that two of them are in one slot. */
    private String sameSlotKey() {
        return clusterMode ? taggedKey() : key();
    }

    private String taggedKey() {
        return TAGGED_KEYS.get(random.nextInt(TAGGED_KEYS.size()));
    }

    private String stringKey() {
        return random.nextInt(10) == 0 ? key() : STRING_LEANING_KEYS.get(random.nextInt(STRING_LEANING_KEYS.size()));
    }

    private String listKey() {
        return random.nextInt(5) == 0 ? key() : LIST_LEANING_KEYS.get(random.nextInt(LIST_LEANING_KEYS.size()));
    }

    private String hashKey() {
        return random.nextInt(8) == 0 ? key() : HASH_LEANING_KEYS.get(random.nextInt(HASH_LEANING_KEYS.size()));
    }

    private String score() {
        return random.nextInt(8) == 0 ? pick(BAD_SCORES) : pick(SCORES);
    }

    private String zsetKey() {
        return random.nextInt(8) == 0 ? key() : ZSET_LEANING_KEYS.get(random.nextInt(ZSET_LEANING_KEYS.size()));
    }

    private String setKey() {
        return random.nextInt(8) == 0 ? key() : SET_LEANING_KEYS.get(random.nextInt(SET_LEANING_KEYS.size()));
    }

    /** A set key; in cluster mode one of the keys sharing {tag}, so that several are in one slot. */
    private String sameSlotSetKey() {
        return clusterMode ? taggedKey() : setKey();
    }

    private String member() {
        return pick(MEMBERS);
    }

    private String field() {
        return pick(FIELDS);
    }

    /**
     * A value of at most 64 bytes: a longer one turns Redis's hash into a hashtable, whose order
     * (HGETALL, HKEYS, HSCAN) is its dict's.
     */
    private String hashValue() {
        return random.nextInt(10) == 0 ? pick(HINCRBYFLOAT_INCREMENTS) : pick(SHORT_VALUES);
    }

    private List<String> withKeys(String command, int count) {
        List<String> args = new ArrayList<>(List.of(command));
        for (int i = 0; i < count; i++) {
            args.add(key());
        }
        return args;
    }

    private String value() {
        int r = random.nextInt(200);
        if (r < 60) {
            return pick(SHORT_VALUES);
        } else if (r < 120) {
            return pick(INTEGER_VALUES);
        } else if (r < 140) {
            return pick(FLOAT_VALUES);
        } else if (r < 150) {
            return "";
        } else if (r < 175) {
            return pick(BINARY_VALUES);
        } else if (r < 198) {
            return randomBytes(1 + random.nextInt(8));
        }
        return bigValue();
    }

    /** List elements come mostly from a small pool so that LREM, LPOS and LINSERT find them. */
    private String element() {
        return random.nextInt(10) < 7 ? pick("a", "b", "c", "1", "0", "hello", "") : value();
    }

    /** An occasional 1-10 KB value exercises multi-segment reads and big replies. */
    private String bigValue() {
        int length = 1024 + random.nextInt(9 * 1024);
        if (random.nextBoolean()) {
            return randomBytes(length);
        }
        char[] text = new char[length];
        for (int i = 0; i < length; i++) {
            text[i] = (char) ('a' + random.nextInt(26));
        }
        return new String(text);
    }

    private String randomBytes(int length) {
        char[] bytes = new char[length];
        for (int i = 0; i < length; i++) {
            bytes[i] = (char) random.nextInt(256);
        }
        return new String(bytes);
    }

    private String integer() {
        int r = random.nextInt(10);
        if (r < 6) {
            return Integer.toString(random.nextInt(21) - 10);
        } else if (r < 8) {
            return pick("9223372036854775807", "-9223372036854775808", "9223372036854775806", "-9223372036854775807",
                    "1000000", "-1000000");
        }
        return pick(GARBAGE_NUMBERS);
    }

    /** Indexes for ranges: mostly inside small lists and strings, sometimes extreme or not a number. */
    private String index() {
        int r = random.nextInt(20);
        if (r < 15) {
            return Integer.toString(random.nextInt(15) - 7);
        } else if (r < 17) {
            return pick("-100", "100", "1000");
        } else if (r < 19) {
            return pick("9223372036854775807", "-9223372036854775808");
        }
        return pick(GARBAGE_NUMBERS);
    }

    /** SETRANGE offsets: never near the 512 MB limit, which would make both servers allocate it. */
    private String offset() {
        int r = random.nextInt(20);
        if (r < 14) {
            return Integer.toString(random.nextInt(12));
        } else if (r < 17) {
            return pick("100", "1000", "10000", "100000");
        }
        return pick("-1", "-100", "abc", "1.5", "", "9223372036854775808");
    }

    /**
     * A relative expire time in seconds or milliseconds: far future, already over (EXPIRE deletes the key;
     * SET, SETEX and GETEX reject it), overflowing or not a number. When the command compares deadlines
     * (GT/LT) the future values come from the strictly increasing range instead.
     */
    private String relativeTime(boolean millis, boolean comparesDeadlines) {
        int r = random.nextInt(20);
        if (r < 12) {
            long seconds = comparesDeadlines ? nextComparedSeconds() : FAR_SECONDS[random.nextInt(FAR_SECONDS.length)];
            return Long.toString(millis ? seconds * 1000 : seconds);
        } else if (r < 13 && !comparesDeadlines) {
            return pick(millis ? HUGE_MILLIS : HUGE_SECONDS);
        } else if (r < 16) {
            return pick(NOT_POSITIVE);
        } else if (r < 18) {
            return pick(millis ? OVERFLOWING_MILLIS : OVERFLOWING_SECONDS);
        }
        return pick(GARBAGE_NUMBERS);
    }

    private long nextComparedSeconds() {
        comparedSeconds += 1 + random.nextInt(3);
        return comparedSeconds;
    }

    /**
     * An absolute deadline (unix time in seconds or milliseconds): far future, in the past (the key expires
     * at once), the largest valid value, or invalid.
     */
    private String absoluteTime(boolean millis) {
        int r = random.nextInt(20);
        long scale = millis ? 1000 : 1;
        if (r < 10) {
            long seconds = farFutureEpochSeconds + pick(0L, 1L, 3600L, 86400L);
            return Long.toString(seconds * scale + (millis ? pick(0L, 1L, 999L) : 0L));
        } else if (r < 12) {
            return millis ? pick("4102444800000", "9223372036854775807") : pick("4102444800", "9223372036854775");
        } else if (r < 16) {
            return millis ? pick("1", "1000000000000") : pick("1", "1000000000");
        } else if (r < 18) {
            return millis ? pick("0", "-1", "-9223372036854775808") : pick("0", "-1", "9223372036854776");
        }
        return pick(GARBAGE_NUMBERS);
    }

    // ---- assembling ----------------------------------------------------------------------------------------

    /** Upper case mostly; Redis matches command names case-insensitively, so mix the case sometimes. */
    private String name(String canonical) {
        return switch (random.nextInt(20)) {
            case 0, 1 -> canonical.toLowerCase();
            case 2 -> mixedCase(canonical);
            default -> canonical;
        };
    }

    private String option(String canonical) {
        return name(canonical);
    }

    private String mixedCase(String text) {
        char[] chars = text.toCharArray();
        for (int i = 0; i < chars.length; i++) {
            chars[i] = random.nextBoolean() ? Character.toLowerCase(chars[i]) : Character.toUpperCase(chars[i]);
        }
        return new String(chars);
    }

    private byte[][] command(String name, String... args) {
        List<String> all = new ArrayList<>();
        all.add(name(name));
        all.addAll(Arrays.asList(args));
        return maybeBreakArity(all);
    }

    private byte[][] command(List<String> nameAndArgs) {
        List<String> all = new ArrayList<>(nameAndArgs);
        all.set(0, name(all.getFirst()));
        return maybeBreakArity(all);
    }

    /** A command whose arity must not be changed (SELECT stays SELECT 0, LREM keeps 4 arguments). */
    private byte[][] exact(String name, String... args) {
        List<String> all = new ArrayList<>();
        all.add(name(name));
        all.addAll(Arrays.asList(args));
        return raw(all);
    }

    /**
     * Sometimes drops the last argument or appends a junk one. Neither can create a near deadline: numbers
     * are never altered, and a "0" appended after a dangling EX/PX/EXAT/PXAT is rejected as invalid.
     */
    private byte[][] maybeBreakArity(List<String> args) {
        int r = random.nextInt(40);
        if (r == 0 && args.size() > 1) {
            args.removeLast();
        } else if (r == 1) {
            args.add(pick(JUNK_ARGUMENTS));
        }
        return raw(args);
    }

    private static byte[][] raw(String... args) {
        return raw(Arrays.asList(args));
    }

    private static byte[][] raw(List<String> args) {
        byte[][] argv = new byte[args.size()][];
        for (int i = 0; i < argv.length; i++) {
            argv[i] = Escaping.ascii(args.get(i));
        }
        return argv;
    }

    private static void addAll(List<String> list, String... items) {
        list.addAll(Arrays.asList(items));
    }

    @SafeVarargs
    private <T> T pick(T... options) {
        return options[random.nextInt(options.length)];
    }
}
