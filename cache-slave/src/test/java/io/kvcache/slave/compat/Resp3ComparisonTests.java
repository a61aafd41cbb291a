package io.kvcache.slave.compat;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * RESP3 sessions (HELLO 3) on a slave's data port beside redis-server, every reply compared as
 * bytes: nulls, maps, sets, doubles, scored pairs, verbatim strings, the replies inside EXEC and of
 * scripts, and pub/sub's pushes.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class Resp3ComparisonTests extends AgainstRedisServerAndSlave {

    @Test
    void everyFamilyAnswersInRedisRESP3Shapes() throws Exception {
        try (RawRedisClient kv = new RawRedisClient(slave.address());
             RawRedisClient rs = new RawRedisClient(redis.address())) {
            Pair both = new Pair(kv, rs);
            both.call("FLUSHALL");
            assertThat(text(kv.call("HELLO", "3"))).startsWith("%7\r\n$6\r\nserver\r\n$5\r\nredis\r\n");
            rs.call("HELLO", "3");
            for (String[] command : List.of(
                    a("SET", "k", "v"), a("GET", "k"), a("GET", "missing"), a("MGET", "k", "missing"),
                    a("INCRBYFLOAT", "f", "1.5"), a("GETDEL", "missing"), a("SET", "k", "w", "GET"),
                    a("HSET", "h", "a", "1", "b", "2"), a("HGETALL", "h"), a("HGETALL", "missing"), a("HGET", "h", "x"),
                    a("HMGET", "h", "a", "x"), a("HSET", "one", "f", "v"), a("HRANDFIELD", "one", "1", "WITHVALUES"),
                    a("HRANDFIELD", "missing"), a("SADD", "s", "7"), a("SMEMBERS", "s"), a("SMEMBERS", "missing"),
                    a("SINTER", "s", "s"), a("SUNION", "s", "missing"), a("SDIFF", "s", "missing"),
                    a("SISMEMBER", "s", "7"), a("SMISMEMBER", "s", "7", "8"), a("SADD", "s2", "1"),
                    a("SPOP", "s2", "1"), a("SPOP", "missing"), a("SRANDMEMBER", "s", "1"),
                    a("ZADD", "z", "1", "a", "2", "b"), a("ZSCORE", "z", "a"), a("ZSCORE", "z", "missing"),
                    a("ZINCRBY", "z", "1.5", "a"), a("ZMSCORE", "z", "a", "nope", "b"),
                    a("ZRANGE", "z", "0", "-1", "WITHSCORES"), a("ZRANGE", "z", "0", "-1"),
                    a("ZRANGEBYSCORE", "z", "-inf", "+inf", "WITHSCORES"), a("ZREVRANGE", "z", "0", "0", "WITHSCORES"),
                    a("ZUNION", "1", "z", "WITHSCORES"), a("ZADD", "z", "INCR", "5", "c"),
                    a("ZADD", "z", "NX", "INCR", "1", "c"), a("ZPOPMIN", "z"), a("ZPOPMAX", "z", "2"),
                    a("ZPOPMIN", "missing"), a("ZPOPMIN", "missing", "2"), a("ZADD", "z", "3", "c", "4", "d"),
                    a("ZMPOP", "1", "z", "MIN", "COUNT", "1"), a("ZMPOP", "1", "missing", "MIN"),
                    a("BZPOPMIN", "z", "1"), a("BZPOPMIN", "empty", "0.01"), a("BLPOP", "empty", "0.01"),
                    a("ZADD", "inf", "inf", "x"), a("ZSCORE", "inf", "x"), a("ZRANK", "z", "nope"),
                    a("RPUSH", "l", "a", "b"), a("LPOP", "missing"), a("LPOP", "l", "5"), a("LPOS", "l", "zz"),
                    a("LMPOP", "1", "missing", "LEFT"), a("CONFIG", "GET", "maxmemory"),
                    a("LCS", "k", "k", "IDX"), a("SCAN", "0", "MATCH", "nothing*"), a("TYPE", "missing"),
                    a("TTL", "k"), a("OBJECT", "ENCODING", "missing"), a("EXISTS", "k"),
                    a("EVAL", "return nil", "0"), a("EVAL", "return redis.call('hgetall', KEYS[1])", "1", "h"),
                    a("EVAL", "return {1, false, 'x'}", "0"), a("WRONGCOMMAND"), a("GET"),
                    a("SRANDMEMBER", "s", "-2"), a("SRANDMEMBER", "missing", "2"), a("SPOP", "s", "0"),
                    a("HRANDFIELD", "one", "-2", "WITHVALUES"), a("ZADD", "z1", "1", "a"),
                    a("ZRANDMEMBER", "z1", "-2", "WITHSCORES"), a("ZSCAN", "z1", "0"), a("HSCAN", "one", "0"),
                    a("SCRIPT", "EXISTS", "abc"), a("SETBIT", "bits", "3", "1"), a("GETBIT", "bits", "3"),
                    a("BITCOUNT", "bits"), a("BITFIELD", "bits", "GET", "u4", "0"), a("PFADD", "hll", "a", "b"),
                    a("PFCOUNT", "hll"), a("RPUSH", "nums", "3", "1", "2"), a("SORT", "nums"),
                    a("SORT", "missing"), a("LPOS", "nums", "1", "COUNT", "0"), a("LINDEX", "nums", "9"),
                    a("LRANGE", "missing", "0", "-1"), a("GETRANGE", "k", "0", "0"), a("STRLEN", "k"),
                    a("EXPIRE", "k", "100"), a("TTL", "k"), a("PERSIST", "k"), a("GETEX", "missing"),
                    a("COPY", "k", "k2"), a("RENAME", "k2", "k3"), a("TYPE", "k3"), a("OBJECT", "ENCODING", "nums"),
                    a("DUMP", "missing"), a("DBSIZE"), a("SINTERCARD", "1", "s"),
                    a("ZUNIONSTORE", "zz", "1", "z1"), a("ZRANGESTORE", "zz2", "z1", "0", "-1"),
                    a("FUNCTION", "LOAD", "#!lua name=lib3\nredis.register_function{function_name='f3', "
                            + "callback=function() return 1 end, flags={'no-writes'}}"),
                    a("FUNCTION", "LIST"), a("FUNCTION", "LIST", "WITHCODE"), a("FUNCTION", "STATS"),
                    a("FCALL", "f3", "0"), a("FUNCTION", "FLUSH"), a("FUNCTION", "LIST"))) {
                both.call(command);
            }
            both.call("MULTI");
            both.call("GET", "missing");
            both.call("HGETALL", "h");
            both.call("ZSCORE", "z", "d");
            both.call("SMEMBERS", "s");
            both.call("EXEC");
            both.call("WATCH", "k");
            rs.call("SET", "k", "changed-on-redis");
            kv.call("SET", "k", "changed-on-kvcache");
            both.call("MULTI");
            both.call("GET", "k");
            both.call("EXEC"); // aborted by the watched key: null
            both.call("HELLO", "4");
            both.call("HELLO", "3", "BOGUS");
            both.call("GET", "missing"); // still RESP3: those HELLOs failed
            // Back to RESP2 (the server's map differs in its id and mode: only its shape is compared).
            assertThat(text(kv.call("HELLO", "2", "SETNAME", "x"))).startsWith("*14\r\n");
            assertThat(text(rs.call("HELLO", "2", "SETNAME", "x"))).startsWith("*14\r\n");
            both.call("GET", "missing");
            both.call("HGETALL", "h");
        }
    }

    @Test
    void subscribersGetPushesAndRunAnyCommandMeanwhile() throws Exception {
        try (RawRedisClient kvSub = new RawRedisClient(slave.address());
             RawRedisClient rsSub = new RawRedisClient(redis.address());
             RawRedisClient kvPub = new RawRedisClient(slave.address());
             RawRedisClient rsPub = new RawRedisClient(redis.address())) {
            Pair sub = new Pair(kvSub, rsSub);
            Pair pub = new Pair(kvPub, rsPub);
            kvSub.call("HELLO", "3");
            rsSub.call("HELLO", "3");
            assertThat(sub.call("SUBSCRIBE", "news")).startsWith(">3\r\n$9\r\nsubscribe\r\n");
            sub.call("PSUBSCRIBE", "n*");
            pub.call("PUBLISH", "news", "hi");
            sub.next();
            sub.next();
            sub.call("GET", "missing"); // RESP3 subscribers are not in subscribed mode
            sub.call("PING");
            sub.call("UNSUBSCRIBE", "news");
            sub.call("PUNSUBSCRIBE");
        }
    }

    /** The same commands on kvcache and on Redis, each reply compared. */
    private record Pair(RawRedisClient kv, RawRedisClient redis) {
        String call(String... argv) throws IOException {
            String expected = text(redis.call(argv));
            assertThat(text(kv.call(argv))).as(String.join(" ", argv)).isEqualTo(expected);
            return expected;
        }

        void next() throws IOException {
            assertThat(text(kv.readReply())).isEqualTo(text(redis.readReply()));
        }
    }

    private static String[] a(String... argv) {
        return argv;
    }

    private static String text(byte[] b) {
        return new String(b, StandardCharsets.ISO_8859_1);
    }
}
