package io.kvcache.slave.compat;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Keyspace notifications on a slave beside a real redis-server: notify-keyspace-events as CONFIG
 * reads and prints it, and the events a run of writes fires (keyspace and keyevent channels, each
 * command's event name, "del" for a container emptied, "expired"), compared frame by frame.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class KeyspaceEventsComparisonTests extends AgainstRedisServerAndSlave {

    @Test
    void configReadsAndPrintsTheFlagsAsRedisDoes() throws Exception {
        try (RawRedisClient kv = new RawRedisClient(slave.address())) {
            for (String value : List.of("KEA", "Elg", "Kx$", "gzKEm", "", "AKEnm", "Q", "Kq")) {
                assertThat(text(kv.call("CONFIG", "SET", "notify-keyspace-events", value)))
                        .isEqualTo(text(client.call("CONFIG", "SET", "notify-keyspace-events", value)));
                assertThat(text(kv.call("CONFIG", "GET", "notify-keyspace-events")))
                        .isEqualTo(text(client.call("CONFIG", "GET", "notify-keyspace-events")));
            }
            kv.call("CONFIG", "SET", "notify-keyspace-events", "");
            client.call("CONFIG", "SET", "notify-keyspace-events", "");
        }
    }

    @Test
    void aRunOfWritesFiresRedisEventsInRedisOrder() throws Exception {
        List<String[]> writes = List.of(
                a("SET", "foo", "bar"), a("SET", "foo", "bar", "EX", "100"), a("SETNX", "foo", "x"),
                a("SETNX", "new", "1"), a("INCR", "counter"), a("DECRBY", "counter", "3"),
                a("INCRBYFLOAT", "float", "1.5"), a("APPEND", "foo", "z"), a("SETRANGE", "foo", "0", "q"),
                a("GETDEL", "new"), a("GETDEL", "new"), a("MSET", "a", "1", "b", "2"), a("DEL", "a", "b", "absent"),
                a("EXPIRE", "foo", "100"), a("PERSIST", "foo"), a("PERSIST", "foo"), a("EXPIRE", "foo", "-1"),
                a("RPUSH", "l", "a", "b", "c"), a("LPUSH", "l", "z"), a("LPOP", "l"), a("RPOP", "l"),
                a("LSET", "l", "0", "y"), a("LINSERT", "l", "BEFORE", "y", "w"), a("LREM", "l", "0", "w"),
                a("LTRIM", "l", "0", "0"), a("RPOP", "l"), a("LPOP", "l"), a("LPUSHX", "l", "x"),
                a("HSET", "h", "f", "v"), a("HSETNX", "h", "f", "v"), a("HINCRBY", "h", "n", "1"),
                a("HINCRBYFLOAT", "h", "x", "0.5"), a("HDEL", "h", "f", "n", "x"),
                a("SADD", "s", "a", "b"), a("SADD", "s", "a"), a("SREM", "s", "a"), a("SMOVE", "s", "s2", "b"),
                a("SPOP", "s2"), a("ZADD", "z", "1", "a", "2", "b"), a("ZINCRBY", "z", "1", "a"), a("ZREM", "z", "a"),
                a("ZPOPMIN", "z"), a("ZPOPMIN", "z"), a("SET", "r", "1"), a("RENAME", "r", "r2"),
                a("COPY", "r2", "r3"), a("RPUSH", "src", "a", "b"), a("LMOVE", "src", "dst", "LEFT", "RIGHT"),
                a("RPOPLPUSH", "src", "dst"), a("PFADD", "hll", "a"), a("PFADD", "hll", "a"),
                a("PFMERGE", "hll2", "hll"), a("SETBIT", "bits", "1", "1"), a("GETSET", "foo", "new"),
                a("SET", "foo", "x", "NX"), a("SET", "nx", "x", "XX"), a("SET", "fresh", "x", "GET"),
                a("BITOP", "OR", "bits2", "bits", "foo"), a("DEL", "bits2"), a("DEL", "bits2"),
                a("SADD", "sa", "1", "2"), a("SADD", "sb", "2"), a("SINTERSTORE", "sdst", "sa", "sb"),
                a("SINTERSTORE", "sdst", "sa", "nothing"), a("SUNIONSTORE", "sdst", "sa", "sb"),
                a("SDIFFSTORE", "sdst2", "sb", "sa"), a("ZADD", "za", "1", "x", "2", "y"),
                a("ZUNIONSTORE", "zdst", "1", "za"), a("ZRANGESTORE", "zdst2", "za", "0", "0"),
                a("RPUSH", "ml", "a", "b", "c"), a("LMPOP", "1", "ml", "RIGHT"), a("LMPOP", "2", "none", "ml", "LEFT", "COUNT", "5"),
                a("ZMPOP", "1", "za", "MAX"), a("RPUSH", "bl", "a"), a("BLPOP", "bl", "0.01"), a("BLPOP", "bl", "0.01"),
                a("ZADD", "bz", "1", "m"), a("BZPOPMIN", "bz", "0.01"), a("RPUSH", "bsrc", "v"),
                a("BLMOVE", "bsrc", "bdst", "RIGHT", "LEFT", "0.01"), a("SET", "gx", "1"),
                a("GETEX", "gx", "EX", "100"), a("GETEX", "gx", "PERSIST"), a("GETEX", "gx"),
                a("SET", "ex", "ex"), a("SET", "gone", "v", "PX", "1"));
        List<String> kvEvents = eventsOf(slave.address(), writes);
        List<String> redisEvents = eventsOf(redis.address(), writes);
        assertThat(kvEvents).hasSizeGreaterThan(60).containsExactlyElementsOf(redisEvents);
    }

    /** Subscribes to every keyspace and keyevent channel, runs the writes, and returns what arrived. */
    private static List<String> eventsOf(java.net.InetSocketAddress server, List<String[]> writes) throws Exception {
        try (RawRedisClient writer = new RawRedisClient(server); RawRedisClient subscriber = new RawRedisClient(server)) {
            writer.call("FLUSHALL");
            writer.call("CONFIG", "SET", "notify-keyspace-events", "KEA");
            subscriber.call("PSUBSCRIBE", "__key*__:*");
            subscriber.call("SUBSCRIBE", "end");
            for (String[] w : writes) {
                writer.call(w);
            }
            Thread.sleep(20); // "gone" is past its deadline: a read finds it expired
            writer.call("GET", "gone");
            writer.call("PUBLISH", "end", "x");
            List<String> events = new ArrayList<>();
            String frame;
            while (!(frame = text(subscriber.readReply())).contains("$3\r\nend\r\n")) {
                events.add(frame.replace("\r\n", " ")); // one line per frame: a difference reads at a glance
            }
            writer.call("CONFIG", "SET", "notify-keyspace-events", "");
            return events;
        }
    }

    private static String[] a(String... argv) {
        return argv;
    }

    private static String text(byte[] b) {
        return new String(b, StandardCharsets.ISO_8859_1);
    }
}
