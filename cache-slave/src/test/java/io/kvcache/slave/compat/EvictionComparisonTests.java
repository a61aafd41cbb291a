package io.kvcache.slave.compat;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import io.kvcache.slave.support.RunningSlave;

/**
 * CONFIG and maxmemory against a real redis-server: the same commands on both, replies compared
 * byte for byte where Redis's reply is defined (errors, single parameters, OOM, INFO's format);
 * CONFIG GET of a pattern as a set of pairs, since Redis answers in its dictionary's order.
 */
class EvictionComparisonTests {

    @RegisterExtension
    static final RedisServerProcess REDIS = new RedisServerProcess();

    private static RunningSlave slave;
    private RawRedisClient redis;
    private RawRedisClient kvcache;

    @BeforeAll
    static void startSlave() {
        slave = RunningSlave.start();
    }

    @AfterAll
    static void stopSlave() {
        slave.close();
    }

    @BeforeEach
    void connect() throws IOException {
        redis = new RawRedisClient(REDIS.address());
        kvcache = new RawRedisClient(slave.address());
        for (RawRedisClient c : List.of(redis, kvcache)) {
            c.call("FLUSHALL");
            c.call("CONFIG", "SET", "maxmemory", "0", "maxmemory-policy", "noeviction", "maxmemory-samples", "5");
        }
    }

    @AfterEach
    void disconnect() throws IOException {
        for (RawRedisClient c : List.of(redis, kvcache)) {
            c.call("CONFIG", "SET", "maxmemory", "0", "maxmemory-policy", "noeviction");
            c.close();
        }
    }

    @Test
    void configSetAndGetAnswerAsRedisIncludingEveryError() throws IOException {
        same("CONFIG");
        same("CONFIG", "GET");
        same("CONFIG", "FOO");
        same("config", "Get");
        same("CONFIG", "SET", "maxmemory");
        same("CONFIG", "SET", "a", "b", "c");
        same("CONFIG", "SET", "foo", "1");
        same("CONFIG", "SET", "foo", "1", "maxmemory", "abc");
        same("CONFIG", "SET", "maxmemory", "abc", "foo", "1");
        for (String bad : List.of("abc", "-1", "1.5mb", "+5", " 5", "5 ", "1tb", "0x10", "5kbb")) {
            same("CONFIG", "SET", "maxmemory", bad);
        }
        same("CONFIG", "SET", "maxmemory", "100mb", "maxmemory", "1");
        same("CONFIG", "SET", "maxmemory", "100mb", "MAXMEMORY", "1");
        same("CONFIG", "SET", "maxmemory-policy", "foo");
        same("CONFIG", "SET", "maxmemory-policy", "");
        for (String bad : List.of("0", "x", "+5", " 5", "05", "-0", "5.0", "99999999999", "-5")) {
            same("CONFIG", "SET", "maxmemory-samples", bad);
        }
        same("CONFIG", "SET", "lfu-log-factor", "-1");
        same("CONFIG", "SET", "lfu-decay-time", "-1");
        same("CONFIG", "SET", "databases", "2");
        same("CONFIG", "SET", "databases", "2", "foo", "1");
        same("CONFIG", "SET", "maxmemory", "1", "maxmemory-policy", "bad");
        same("CONFIG", "GET", "maxmemory"); // all or nothing: still 0
        for (String good : List.of("100MB", "1kb", "5k", "2m", "3g", "1b", "7", "mb", "", "0")) {
            same("CONFIG", "SET", "maxmemory", good);
            same("CONFIG", "GET", "maxmemory");
        }
        for (String policy : List.of("ALLKEYS-LRU", "volatile-lfu", "Volatile-TTL", "allkeys-random", "noeviction")) {
            same("CONFIG", "SET", "maxmemory-policy", policy);
            same("CONFIG", "GET", "maxmemory-policy");
        }
        same("CONFIG", "SET", "maxmemory-samples", "10", "lfu-log-factor", "20", "lfu-decay-time", "0");
        same("CONFIG", "GET", "maxmemory-samples");
        same("CONFIG", "GET", "lfu-log-factor");
        same("CONFIG", "GET", "lfu-decay-time");
        same("CONFIG", "SET", "maxmemory-samples", "5", "lfu-log-factor", "10", "lfu-decay-time", "1");
        same("CONFIG", "GET", "MAXMEMORY");
        same("CONFIG", "GET", "a", "b", "maxmemory");
        same("CONFIG", "GET", "maxmemory", "maxmemory");
        same("CONFIG", "GET", "m?xmemory");
        same("CONFIG", "GET", "nosuch");
        same("CONFIG", "GET", "nosuch*");
        same("CONFIG", "GET", "replica-ignore-maxmemory");
        assertThat(text(kvcache.call("CONFIG", "GET", "databases")))
                .as("one database, as Redis Cluster (Redis standalone has 16)")
                .isEqualTo("*2\r\n$9\r\ndatabases\r\n$1\r\n1\r\n");
        same("CONFIG", "GET", "save");
        same("CONFIG", "GET", "appendonly");
        same("CONFIG", "REWRITE");
        same("CONFIG", "RESETSTAT", "x");
        same("CONFIG", "RESETSTAT");
        same("CONFIG", "HELP");
        samePairs("CONFIG", "GET", "lfu*");
        samePairs("CONFIG", "GET", "LFU-*");
        samePairs("CONFIG", "GET", "maxmemory-[ps]*");
    }

    @Test
    void noevictionAnswersOomToDenyoomCommandsAndServesTheRest() throws IOException {
        same("SET", "a", "1");
        same("RPUSH", "list", "x");
        same("CONFIG", "SET", "maxmemory", "1");
        same("SET", "b", "2");
        same("GET", "a");
        same("APPEND", "a", "x");
        same("INCR", "a");
        same("SETNX", "c", "1");
        same("MSET", "c", "1", "d", "2");
        same("RPUSH", "list", "y");
        same("LPUSHX", "list", "y");
        same("LSET", "list", "0", "z");
        same("LRANGE", "list", "0", "-1");
        same("EXPIRE", "a", "100");
        same("LPOP", "list");
        same("GETDEL", "a");
        same("DEL", "a", "list");
        same("PING");
        same("SET", "b", "2");
        same("CONFIG", "SET", "maxmemory", "0");
        same("SET", "b", "2");
        assertThat(line("INFO", "errorstats", "errorstat_OOM", kvcache))
                .isEqualTo(line("INFO", "errorstats", "errorstat_OOM", redis))
                .isEqualTo("errorstat_OOM:count=9");
    }

    @Test
    void infoReportsMemoryAndEvictionFieldsInRedissFormat() throws IOException {
        for (RawRedisClient c : List.of(redis, kvcache)) {
            c.call("CONFIG", "SET", "maxmemory", "64mb", "maxmemory-policy", "allkeys-lfu");
        }
        for (String field : List.of("maxmemory", "maxmemory_human", "maxmemory_policy")) {
            assertThat(line("INFO", "memory", field, kvcache)).isEqualTo(line("INFO", "memory", field, redis));
        }
        assertThat(line("INFO", "memory", "maxmemory_human", kvcache)).isEqualTo("maxmemory_human:64.00M");
        for (RawRedisClient c : List.of(redis, kvcache)) {
            assertThat(line("INFO", "memory", "used_memory", c)).matches("used_memory:[1-9][0-9]*");
            assertThat(line("INFO", "memory", "used_memory_human", c)).matches("used_memory_human:[0-9]+(\\.[0-9]{2}[KMG]|B)");
            assertThat(line("INFO", "memory", "used_memory_peak", c)).matches("used_memory_peak:[1-9][0-9]*");
            assertThat(line("INFO", "stats", "evicted_keys", c)).isEqualTo("evicted_keys:0");
            assertThat(line("INFO", "default", "maxmemory_policy", c)).isEqualTo("maxmemory_policy:allkeys-lfu");
        }
    }

    private void same(String... argv) throws IOException {
        String expected = text(redis.call(argv));
        String actual = text(kvcache.call(argv));
        assertThat(actual).as("%s", String.join(" ", argv)).isEqualTo(expected);
    }

    /** A flat name/value array compared as a set of pairs. */
    private void samePairs(String... argv) throws IOException {
        assertThat(pairs(kvcache.call(argv))).as("%s", String.join(" ", argv)).isEqualTo(pairs(redis.call(argv)))
                .isNotEmpty();
    }

    private static Set<String> pairs(byte[] reply) {
        String[] lines = text(reply).split("\r\n");
        assertThat(lines[0]).startsWith("*");
        Set<String> pairs = new HashSet<>();
        for (int i = 1; i + 3 < lines.length; i += 4) {
            pairs.add(lines[i + 1] + "=" + lines[i + 3]);
        }
        return pairs;
    }

    private static String line(String command, String section, String field, RawRedisClient c) throws IOException {
        for (String line : text(c.call(command, section)).split("\r\n")) {
            if (line.startsWith(field + ":")) {
                return line;
            }
        }
        return null;
    }

    private static String text(byte[] reply) {
        return new String(reply, StandardCharsets.ISO_8859_1);
    }
}
