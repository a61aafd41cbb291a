package io.kvcache.slave.compat;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.kvcache.protocol.Replies;
import io.kvcache.protocol.Request;
import io.kvcache.slave.dispatch.StoreFixture;

/**
 * DUMP and RESTORE between kvcache and a real redis-server, both ways, for every type in each of
 * Redis's encodings (listpack, intset, quicklist of several nodes, hashtable, skiplist; integer and
 * LZF-compressed strings): the value read back is the same on both sides, and RESTORE's refusals
 * are Redis's.
 */
class DumpRestoreComparisonTests extends AgainstRedisServer {

    private final StoreFixture kvcache = new StoreFixture();

    @BeforeEach
    void flush() throws Exception {
        client.call("FLUSHALL");
    }

    @Test
    void everyTypeAndEncodingGoesBothWays() throws Exception {
        Random random = new Random(3);
        List<String[]> setup = new ArrayList<>();
        setup.add(new String[] {"SET", "s:short", "hello"});
        setup.add(new String[] {"SET", "s:int", "12345"});
        setup.add(new String[] {"SET", "s:neg", "-70000"});
        setup.add(new String[] {"SET", "s:compressible", "ab".repeat(200)});
        setup.add(new String[] {"SET", "s:binary", "a\u0000b\u00ff\r\n"});
        setup.add(push("RPUSH", "l:small", 5, random));
        setup.add(push("RPUSH", "l:big", 3000, random));
        setup.add(new String[] {"RPUSH", "l:ints", "1", "-1", "127", "128", "-4096", "4095", "70000", "-9000000",
                "3000000000", "-9223372036854775808", "9223372036854775807", "007"});
        setup.add(new String[] {"SADD", "set:ints", "1", "2", "-3", "100000", "5000000000"});
        setup.add(push("SADD", "set:strings", 20, random));
        setup.add(intSet("set:bigints", 600));
        setup.add(new String[] {"ZADD", "z:small", "1", "a", "2.5", "b", "-inf", "c", "1e300", "d"});
        setup.add(zset("z:big", 300, random));
        setup.add(new String[] {"HSET", "h:small", "f", "v", "n", "12", "e", ""});
        setup.add(hash("h:big", 700, random));
        for (String[] command : setup) {
            client.call(argv((Object[]) command));
            kvcache.batch(new Request(argv((Object[]) command)));
        }
        for (String[] command : setup) {
            String key = command[1];
            byte[] fromRedis = Replies.bulk(client.call("DUMP", key));
            assertThat(kvcache.batch(new Request(argv("RESTORE", key + ":from-redis", "0", fromRedis))))
                    .as("RESTORE in kvcache of Redis's DUMP of %s", key).isEqualTo("+OK\r\n");
            assertThat(read(true, key + ":from-redis")).as(key).isEqualTo(read(false, key));

            byte[] fromKvcache = Replies.bulk(kvcache.batch(new Request(argv("DUMP", key))).getBytes(StandardCharsets.ISO_8859_1));
            assertThat(new String(client.call(argv("RESTORE", key + ":from-kvcache", "0", fromKvcache)),
                    StandardCharsets.ISO_8859_1)).as("RESTORE in Redis of kvcache's DUMP of %s", key).isEqualTo("+OK\r\n");
            assertThat(read(false, key + ":from-kvcache")).as(key).isEqualTo(read(false, key));
        }
    }

    @Test
    void restoreRefusesAsRedisDoes() throws Exception {
        client.call("SET", "k", "v");
        kvcache.call("SET", "k", "v");
        byte[] payload = Replies.bulk(client.call("DUMP", "k"));
        byte[] corrupt = payload.clone();
        corrupt[1] ^= 1;
        byte[] future = payload.clone();
        future[future.length - 10] = 11;
        List<byte[][]> commands = List.of(
                argv("RESTORE", "k", "0", payload),
                argv("RESTORE", "k", "0", payload, "REPLACE"),
                argv("RESTORE", "n", "-1", payload),
                argv("RESTORE", "n", "0", corrupt),
                argv("RESTORE", "n", "0", future),
                argv("RESTORE", "n", "0", "short".getBytes(StandardCharsets.US_ASCII)),
                argv("RESTORE", "n", "0", payload, "IDLETIME", "-1"),
                argv("RESTORE", "n", "0", payload, "FREQ", "256"),
                argv("RESTORE", "n", "0", payload, "FREQ", "1", "IDLETIME", "1"),
                argv("RESTORE", "n", "1", payload, "ABSTTL"), // long past: OK, and no key
                argv("EXISTS", "n"),
                argv("RESTORE", "t", "100000", payload),
                argv("DUMP", "nokey"));
        for (byte[][] command : commands) {
            String expected = new String(client.call(command), StandardCharsets.ISO_8859_1);
            assertThat(kvcache.batch(new Request(command))).as(new String(command[0], StandardCharsets.ISO_8859_1)
                    + " " + new String(command[1], StandardCharsets.ISO_8859_1)).isEqualTo(expected);
        }
        assertThat(Long.parseLong(kvcache.call("PTTL", "t").substring(1).trim())).isBetween(99_000L, 100_000L);
    }

    /** The key's type and contents, in an order both servers agree on. */
    private String read(boolean fromKvcache, String key) throws Exception {
        String type = call(fromKvcache, "TYPE", key);
        String contents = switch (type) {
            case "+string\r\n" -> call(fromKvcache, "GET", key);
            case "+list\r\n" -> call(fromKvcache, "LRANGE", key, "0", "-1");
            case "+set\r\n" -> call(fromKvcache, "SORT", key, "ALPHA");
            case "+zset\r\n" -> call(fromKvcache, "ZRANGE", key, "0", "-1", "WITHSCORES");
            case "+hash\r\n" -> {
                List<String> pairs = new ArrayList<>();
                for (byte[] field : Replies.elements(call(fromKvcache, "HKEYS", key).getBytes(StandardCharsets.ISO_8859_1))) {
                    String f = new String(Replies.bulk(field), StandardCharsets.ISO_8859_1);
                    pairs.add(f + "=" + call(fromKvcache, "HGET", key, f));
                }
                pairs.sort(null);
                yield String.join(",", pairs);
            }
            default -> "";
        };
        return type + contents;
    }

    private String call(boolean fromKvcache, String... args) throws Exception {
        byte[][] argv = argv((Object[]) args);
        return fromKvcache ? kvcache.batch(new Request(argv)) : new String(client.call(argv), StandardCharsets.ISO_8859_1);
    }

    private static String[] push(String command, String key, int n, Random random) {
        List<String> args = new ArrayList<>(List.of(command, key));
        for (int i = 0; i < n; i++) {
            args.add("element-" + random.nextInt(100_000) + "-" + "x".repeat(random.nextInt(30)));
        }
        return args.toArray(String[]::new);
    }

    private static String[] intSet(String key, int n) {
        List<String> args = new ArrayList<>(List.of("SADD", key));
        for (int i = 0; i < n; i++) {
            args.add(Integer.toString(i * 7 - 1000));
        }
        return args.toArray(String[]::new);
    }

    private static String[] zset(String key, int n, Random random) {
        List<String> args = new ArrayList<>(List.of("ZADD", key));
        for (int i = 0; i < n; i++) {
            args.add(Double.toString(random.nextGaussian() * 1000));
            args.add("member-" + i);
        }
        return args.toArray(String[]::new);
    }

    private static String[] hash(String key, int n, Random random) {
        List<String> args = new ArrayList<>(List.of("HSET", key));
        for (int i = 0; i < n; i++) {
            args.add("field-" + i);
            args.add(random.nextBoolean() ? Integer.toString(random.nextInt()) : "value-" + random.nextInt(1000));
        }
        return args.toArray(String[]::new);
    }

    private static byte[][] argv(Object... args) {
        byte[][] argv = new byte[args.length][];
        for (int i = 0; i < args.length; i++) {
            argv[i] = args[i] instanceof byte[] b ? b : ((String) args[i]).getBytes(StandardCharsets.ISO_8859_1);
        }
        return argv;
    }
}
