package io.kvcache.slave.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.Test;

import io.kvcache.protocol.Request;
import io.kvcache.slave.dispatch.StoreFixture;

/**
 * maxmemory and the eviction policies, through the dispatcher as clients reach it: every command
 * first evicts down to maxmemory (Redis's performEvictions), and refuses DENYOOM ones with OOM when
 * it cannot. The store's clock is moved by hand, so the LRU clock (1 s resolution, as Redis's) and
 * the LFU decay (minutes) see the time the test says.
 */
class EvictionTests {

    private static final String OOM = "-OOM command not allowed when used memory > 'maxmemory'.\r\n";
    private final StoreFixture store = new StoreFixture();

    @Test
    void writingOneGigabyteUnderAllkeysLru64mbStaysUnderTheLimitAndKeepsTheRecentlyUsedKeys() {
        assertThat(store.call("CONFIG", "SET", "maxmemory", "64mb", "maxmemory-policy", "allkeys-lru"))
                .isEqualTo(StoreFixture.OK);
        long maxmemory = 64L << 20;
        String value = "v".repeat(4096);
        int batch = 256;
        int keys = (1 << 30) / value.length(); // 262144 keys of 4 KB: 1 GB of values
        List<String> readOften = new ArrayList<>();
        for (int i = 0; i < 500; i++) {
            readOften.add("key:" + i); // written first, then read again and again: recently used
        }
        long peakSeen = 0;
        for (int from = 0; from < keys; from += batch) {
            Request[] sets = new Request[batch];
            for (int i = 0; i < batch; i++) {
                sets[i] = Request.of("SET", "key:" + (from + i), value);
            }
            store.batch(sets);
            if (from >= readOften.size()) {
                for (String k : readOften) {
                    assertThat(store.call("GET", k)).as("%s, read every batch", k).startsWith("$4096\r\n");
                }
            }
            long used = Long.parseLong(store.info("memory", "used_memory"));
            assertThat(used).as("used_memory after %d keys", from + batch).isLessThanOrEqualTo(maxmemory);
            peakSeen = Math.max(peakSeen, used);
            store.advance(1000); // one tick of the LRU clock per batch
        }
        assertThat(peakSeen).as("the store did fill up to the limit").isGreaterThan(maxmemory * 9 / 10);

        long held = Long.parseLong(store.call("DBSIZE").substring(1).trim());
        assertThat(held).isBetween(10_000L, 16_000L);
        assertThat(Long.parseLong(store.info("stats", "evicted_keys"))).isEqualTo(keys - held);
        for (String k : readOften) {
            assertThat(store.call("EXISTS", k)).as(k).isEqualTo(":1\r\n");
        }
        for (int i = keys - 4 * batch; i < keys; i++) {
            assertThat(store.call("EXISTS", "key:" + i)).as("key:%d, among the last written", i).isEqualTo(":1\r\n");
        }
        int oldSurvivors = 0;
        for (int i = readOften.size(); i < keys / 2; i++) {
            oldSurvivors += store.call("EXISTS", "key:" + i).equals(":1\r\n") ? 1 : 0;
        }
        assertThat(oldSurvivors).as("keys of the first half neither read nor recent").isLessThan(keys / 200);
    }

    @Test
    void allkeysLfuKeepsAHotSetThatAllkeysLruLosesToAScan() {
        assertThat(hotKeysLeftAfterAScan("allkeys-lfu")).as("LFU: hot keys left").isEqualTo(200);
        assertThat(hotKeysLeftAfterAScan("allkeys-lru")).as("LRU: hot keys left").isLessThan(20);
    }

    /** 200 keys read 50 times each, then a one-pass scan of 20000 new keys in 2 MB; how many hot keys stay. */
    private int hotKeysLeftAfterAScan(String policy) {
        StoreFixture s = new StoreFixture();
        s.call("CONFIG", "SET", "maxmemory", "2mb", "maxmemory-policy", policy);
        for (int i = 0; i < 200; i++) {
            s.call("SET", "hot:" + i, "h".repeat(100));
        }
        for (int round = 0; round < 50; round++) {
            for (int i = 0; i < 200; i++) {
                s.call("GET", "hot:" + i);
            }
        }
        s.advance(2000);
        for (int i = 0; i < 20_000; i++) {
            s.call("SET", "cold:" + i, "c".repeat(100));
            if (i % 1000 == 0) {
                s.advance(1000);
            }
        }
        int left = 0;
        for (int i = 0; i < 200; i++) {
            left += s.call("EXISTS", "hot:" + i).equals(":1\r\n") ? 1 : 0;
        }
        assertThat(Long.parseLong(s.info("stats", "evicted_keys"))).isPositive();
        return left;
    }

    @Test
    void volatileTtlEvictsTheNearestDeadlinesFirstAndNeverAKeyWithout() {
        int n = 2000;
        List<Integer> ttls = new ArrayList<>();
        for (int i = 1; i <= n; i++) {
            ttls.add(i * 10);
        }
        java.util.Collections.shuffle(ttls, new Random(7));
        for (int i = 0; i < 500; i++) {
            store.call("SET", "persistent:" + i, "p".repeat(100));
        }
        for (int ttl : ttls) {
            store.call("SET", "ttl:" + ttl, "t".repeat(100), "EX", Integer.toString(ttl));
        }
        long used = Long.parseLong(store.info("memory", "used_memory"));
        store.call("CONFIG", "SET", "maxmemory-policy", "volatile-ttl", "maxmemory", Long.toString(used / 2));
        store.call("PING"); // every command first evicts down to maxmemory
        assertThat(Long.parseLong(store.info("memory", "used_memory"))).isLessThanOrEqualTo(used / 2);

        for (int i = 0; i < 500; i++) {
            assertThat(store.call("EXISTS", "persistent:" + i)).isEqualTo(":1\r\n");
        }
        int nearestLeft = 0;
        int farthestLeft = 0;
        for (int rank = 1; rank <= n; rank++) {
            boolean present = store.call("EXISTS", "ttl:" + rank * 10).equals(":1\r\n");
            if (rank <= n * 2 / 10) {
                nearestLeft += present ? 1 : 0;
            } else if (rank > n * 8 / 10) {
                farthestLeft += present ? 1 : 0;
            }
        }
        assertThat(nearestLeft).as("of the 20%% nearest deadlines").isLessThan(n * 2 / 10 / 20);
        assertThat(farthestLeft).as("of the 20%% farthest deadlines").isGreaterThan(n * 2 / 10 * 95 / 100);
    }

    @Test
    void volatilePoliciesRefuseWritesWithOomWhenNoKeyHasADeadline() {
        store.call("SET", "a", "x".repeat(1000));
        store.call("CONFIG", "SET", "maxmemory", "1", "maxmemory-policy", "volatile-lru");
        assertThat(store.call("SET", "b", "1")).isEqualTo(OOM);
        assertThat(store.call("GET", "a")).startsWith("$1000\r\n");
    }

    @Test
    void noevictionRefusesWritesWithRedissErrorAndStillServesReadsAndDeletes() {
        store.call("SET", "a", "1");
        store.call("RPUSH", "list", "x", "y");
        long used = Long.parseLong(store.info("memory", "used_memory"));
        store.call("CONFIG", "SET", "maxmemory", Long.toString(used));
        assertThat(store.info("memory", "maxmemory_policy")).isEqualTo("noeviction");

        assertThat(store.call("SET", "b", "2")).as("at the limit, not above: runs").isEqualTo(StoreFixture.OK);
        assertThat(store.call("SET", "c", "3")).isEqualTo(OOM);
        assertThat(store.call("RPUSH", "list", "z")).isEqualTo(OOM);
        assertThat(store.call("INCR", "a")).isEqualTo(OOM);
        assertThat(store.call("GET", "a")).isEqualTo(StoreFixture.bulk("1"));
        assertThat(store.call("LRANGE", "list", "0", "-1")).isEqualTo("*2\r\n$1\r\nx\r\n$1\r\ny\r\n");
        assertThat(store.call("EXPIRE", "a", "100")).as("not DENYOOM").isEqualTo(":1\r\n");
        assertThat(store.call("DEL", "b")).as("not DENYOOM").isEqualTo(":1\r\n");
        assertThat(store.call("SET", "c", "3")).as("under the limit again").isEqualTo(StoreFixture.OK);
        assertThat(store.info("errorstats", "errorstat_OOM")).isEqualTo("count=3");
        assertThat(store.info("commandstats", "cmdstat_set")).contains("rejected_calls=1");
        assertThat(store.info("stats", "evicted_keys")).isEqualTo("0");
        assertThat(store.call("DBSIZE")).isEqualTo(":3\r\n");
    }

    @Test
    void randomPoliciesEvictUntilUnderTheLimitAndVolatileRandomOnlyKeysWithADeadline() {
        for (int i = 0; i < 1000; i++) {
            store.call("SET", "p" + i, "x".repeat(200));
            store.call("SET", "v" + i, "x".repeat(200), "EX", "1000");
        }
        long used = Long.parseLong(store.info("memory", "used_memory"));
        store.call("CONFIG", "SET", "maxmemory-policy", "volatile-random", "maxmemory", Long.toString(used * 2 / 3));
        store.call("PING");
        assertThat(Long.parseLong(store.info("memory", "used_memory"))).isLessThanOrEqualTo(used * 2 / 3);
        assertThat(store.call("KEYS", "p*")).startsWith("*1000\r\n");
        store.call("CONFIG", "SET", "maxmemory-policy", "allkeys-random", "maxmemory", Long.toString(used / 3));
        store.call("PING");
        assertThat(Long.parseLong(store.info("memory", "used_memory"))).isLessThanOrEqualTo(used / 3);
        assertThat(store.call("KEYS", "p*")).doesNotStartWith("*1000\r\n");
    }

    @Test
    void typeTtlAndExistsDoNotTouchTheLruClockWhileGetDoes() {
        store.call("SET", "read", "1");
        store.call("SET", "peeked", "1");
        Entry read = entry("read");
        Entry peeked = entry("peeked");
        store.advance(10_000);
        store.call("GET", "read");
        store.call("TYPE", "peeked");
        store.call("TTL", "peeked");
        store.call("PTTL", "peeked");
        store.call("EXISTS", "peeked");
        long now = store.clock.get();
        assertThat(AccessClock.idleMillis(read.access, now)).isZero();
        assertThat(AccessClock.idleMillis(peeked.access, now)).isEqualTo(10_000);
    }

    @Test
    void theLfuCounterGrowsLogarithmicallyAndDecaysOnePerMinute() {
        store.call("CONFIG", "SET", "maxmemory-policy", "allkeys-lfu");
        store.call("SET", "k", "v");
        Entry e = entry("k");
        assertThat(e.access & 255).isEqualTo(AccessClock.LFU_INIT_VAL);
        for (int i = 0; i < 10_000; i++) {
            store.call("GET", "k");
        }
        int counter = e.access & 255;
        // LFULogIncr with lfu-log-factor 10: n hits take the counter to about 5 + sqrt(n / 5)
        // (redis.conf's table: 18 after 1000 hits, 142 after 100K), so about 50 here.
        assertThat(counter).isBetween(40, 60);
        store.advance(3 * 60_000);
        assertThat(AccessClock.lfuDecayed(e.access, store.clock.get(), 1)).isEqualTo(counter - 3);
    }

    @Test
    void usedMemoryFollowsEveryChangeOfKeysValuesAndListsAndReturnsToItsBaseline() {
        long empty = store.keyspace.usedMemory();
        assertThat(store.keyspace.dataBytes()).isZero();
        Random random = new Random(11);
        for (int i = 0; i < 20_000; i++) {
            String key = "k" + random.nextInt(200);
            String value = "x".repeat(random.nextInt(300));
            switch (random.nextInt(27)) {
                case 0 -> store.call("SET", key, value);
                case 1 -> store.call("APPEND", key, value);
                case 2 -> store.call("SETRANGE", key, Integer.toString(random.nextInt(400)), value);
                case 3 -> store.call("INCR", "n" + key);
                case 4 -> store.call("RPUSH", "l" + key, value, "a", "bb");
                case 5 -> store.call("LPOP", "l" + key, Integer.toString(random.nextInt(3)));
                case 6 -> store.call("LSET", "l" + key, "0", value);
                case 7 -> store.call("LINSERT", "l" + key, "BEFORE", "a", value);
                case 8 -> store.call("LREM", "l" + key, "0", "a");
                case 9 -> store.call("LTRIM", "l" + key, "1", Integer.toString(random.nextInt(20)));
                case 10 -> store.call("RENAME", "l" + key, "l" + key + "x");
                case 11 -> store.call("LMOVE", "l" + key, "lk" + random.nextInt(200), "LEFT", "RIGHT");
                case 12 -> store.call("HSET", "h" + key, "f" + random.nextInt(20), value, "g", "a");
                case 13 -> store.call("HDEL", "h" + key, "f" + random.nextInt(20), "g");
                case 14 -> store.call("HINCRBY", "h" + key, "n", "7");
                case 15 -> store.call("RENAME", "h" + key, "h" + key + "x");
                case 16 -> store.call("SADD", "s" + key, value, Integer.toString(random.nextInt(50)));
                case 17 -> store.call("SREM", "s" + key, Integer.toString(random.nextInt(50)));
                case 18 -> store.call("SUNIONSTORE", "s" + key, "s" + key, "s" + random.nextInt(200));
                case 19 -> store.call("ZADD", "z" + key, Integer.toString(random.nextInt(9)), value, "1.5", "m");
                case 20 -> store.call("ZPOPMAX", "z" + key, "2");
                case 21 -> store.call("ZINCRBY", "z" + key, "2", "m");
                // one PFADD in ten makes its HyperLogLog dense (past hll-sparse-max-bytes)
                case 22 -> store.call(pfadd("p" + key, random, random.nextInt(10) == 0 ? 2_000 : random.nextInt(40)));
                case 23 -> store.call("PFCOUNT", "p" + key); // caches the cardinality: a new value
                case 24 -> store.call("PFMERGE", "p" + key, "p" + key, "pk" + random.nextInt(200));
                case 25 -> store.call("SETBIT", "b" + key, Integer.toString(random.nextInt(4000)), random.nextBoolean() ? "1" : "0");
                default -> store.call("DEL", key, "l" + key, "h" + key, "s" + key, "z" + key, "p" + key, "b" + key);
            }
            if (i % 1000 == 0) {
                assertThat(store.keyspace.dataBytes()).isEqualTo(recount());
            }
        }
        assertThat(store.keyspace.dataBytes()).isEqualTo(recount());
        assertThat(store.keyspace.usedMemory()).isGreaterThan(empty);
        for (Entry e : store.keyspace.entries()) {
            store.call("DEL", new String(e.key, java.nio.charset.StandardCharsets.ISO_8859_1));
        }
        assertThat(store.keyspace.dataBytes()).isZero();
        store.call("SET", "again", "v");
        store.call("FLUSHALL");
        assertThat(store.keyspace.dataBytes()).isZero();
    }

    @Test
    void aStringKeyCostsItsEntryKeyArrayAndValue() {
        long before = store.keyspace.dataBytes();
        store.call("SET", "key:000001", "v".repeat(100));
        // Entry 56 (chained in its bucket: no map node) + byte[10] 32 + StringValue 16 + byte[100] 120
        assertThat(store.keyspace.dataBytes() - before).isEqualTo(56 + 32 + 16 + 120);
    }

    @Test
    void aHashCostsItsEntryTableFieldsAndValues() {
        long before = store.keyspace.dataBytes();
        store.call("HSET", "h", "f", "v");
        // Entry 56 + byte[1] 24 (key) + HashValue and its ElementTable 64 + two arrays of 4 references 2 x 32
        // + byte[1] 24 (field) + byte[1] 24 (value): no node, no wrapper, no index below 9 fields
        assertThat(store.keyspace.dataBytes() - before).isEqualTo(56 + 24 + 64 + 2 * 32 + 24 + 24);
        store.call("HSET", "h", "f", "v".repeat(100));
        assertThat(store.keyspace.dataBytes() - before).isEqualTo(56 + 24 + 64 + 2 * 32 + 24 + 120);
        store.call("HDEL", "h", "f");
        assertThat(store.keyspace.dataBytes()).as("an emptied hash is deleted").isEqualTo(before);
    }

    @Test
    void aSetCostsItsEntryTableAndMembers() {
        long before = store.keyspace.dataBytes();
        store.call("SADD", "s", "1", "22");
        // Entry 56 + byte[1] 24 (key) + SetValue and its ElementTable 64 + an array of 4 references 32
        // + byte[1] 24 and byte[2] 24
        assertThat(store.keyspace.dataBytes() - before).isEqualTo(56 + 24 + 64 + 32 + 2 * 24);
        store.call("SREM", "s", "1", "22");
        assertThat(store.keyspace.dataBytes()).as("an emptied set is deleted").isEqualTo(before);
    }

    @Test
    void aSortedSetCostsItsEntryTableTreeNodesMembersAndScores() {
        long before = store.keyspace.dataBytes();
        store.call("ZADD", "z", "1.5", "m");
        // Entry 56 + byte[1] 24 (key) + ZSetValue, ElementTable, TreeSet and TreeMap 128 + two arrays of
        // 4 references 2 x 32 + byte[1] 24 (member) + byte[8] 24 (score) + tree node and Scored 64
        assertThat(store.keyspace.dataBytes() - before).isEqualTo(56 + 24 + 128 + 2 * 32 + 24 + 24 + 64);
        store.call("ZPOPMIN", "z");
        assertThat(store.keyspace.dataBytes()).as("an emptied sorted set is deleted").isEqualTo(before);
    }

    /** PFADD key and n random elements. */
    private static String[] pfadd(String key, Random random, int n) {
        String[] argv = new String[2 + n];
        argv[0] = "PFADD";
        argv[1] = key;
        for (int i = 0; i < n; i++) {
            argv[2 + i] = Integer.toString(random.nextInt(1_000_000));
        }
        return argv;
    }

    /** The keys' and values' bytes counted from scratch. */
    private long recount() {
        long sum = 0;
        for (Entry e : store.keyspace.entries()) {
            sum += Footprint.key(e.key) + Footprint.value(e.value);
        }
        return sum;
    }

    private Entry entry(String key) {
        return store.keyspace.entries().stream()
                .filter(e -> Arrays.equals(e.key, key.getBytes(java.nio.charset.StandardCharsets.ISO_8859_1)))
                .findFirst().orElseThrow();
    }
}
