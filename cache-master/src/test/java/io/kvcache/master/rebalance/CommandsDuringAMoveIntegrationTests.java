package io.kvcache.master.rebalance;

import static io.kvcache.master.support.Resp.argv;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

import tools.jackson.databind.JsonNode;

import io.kvcache.master.support.LocalCluster;
import io.kvcache.protocol.Replies;
import io.kvcache.slave.compat.RawRedisClient;

/**
 * Every kind of command while keys move (a slow move, so that keys are in every state: not moved yet,
 * in flight, moved, and staying), checked against a model of what one client wrote: multi-key reads
 * and writes over keys in different places, list moves between keys that move and keys that stay,
 * MSETNX and RENAME in one place, counters, deletions, and a FLUSHALL in the middle of the move that
 * nothing comes back from (docs/rebalancing.md).
 */
class CommandsDuringAMoveIntegrationTests {

    private static final int KEYS = 20_000;
    private static final int LISTS = 200;

    private final Random random = new Random(42);
    private final Map<String, String> strings = new HashMap<>();
    private final Map<String, Deque<String>> lists = new HashMap<>();

    @Test
    void commandsSeeTheLatestValueOfEveryKeyWhileItMovesAndAFlushLeavesNothingBehind() throws Exception {
        try (LocalCluster cluster = LocalCluster.builder().shards(2).replicas(1)
                .slaveArg("--kvcache.migration.max-keys-per-second=200")
                .slaveArg("--kvcache.migration.batch-keys=100").start();
             RawRedisClient client = new RawRedisClient(cluster.clientAddress(), Duration.ofSeconds(30))) {
            load(client);
            cluster.addSlave("slave3", "replica1");
            awaitKeysMoving(cluster, 500);

            int rounds = 0;
            while (moving(cluster) && rounds < 150) {
                round(client, rounds++);
            }
            assertThat(rounds).as("rounds of commands while keys moved").isGreaterThan(20);
            verifyAll(client);
            assertThat(redirects(cluster, "ASK")).as("commands the sources sent on to slave3").isPositive();

            // A flush in the middle of a move: nothing a batch carried comes back afterwards. Reading
            // every key moves the keys it reads at once, so the move may have ended: then another.
            if (!moving(cluster)) {
                cluster.addSlave("slave4", "replica1");
                awaitKeysMoving(cluster, 1);
            }
            assertThat(moving(cluster)).as("still moving for the flush").isTrue();
            assertThat(text(client.call("FLUSHALL"))).isEqualTo("+OK");
            strings.clear();
            lists.clear();
            assertThat(Replies.integer(client.call("DBSIZE"))).isZero();
            for (int i = 0; i < 500; i++) {
                set(client, "after:" + i, "new-" + i);
            }
            Awaitility.await("move done").atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofMillis(200))
                    .ignoreExceptions().until(() -> !moving(cluster));
            assertThat(Replies.integer(client.call("DBSIZE"))).as("keys after the flush: only the new ones")
                    .isEqualTo(500);
            verifyAll(client);
        }
    }

    /** How many times the sources answered this redirect (their errorstats), the master having followed each. */
    private static long redirects(LocalCluster cluster, String kind) throws IOException {
        long count = 0;
        for (String shard : List.of("slave1", "slave2")) {
            try (RawRedisClient slave = cluster.dataClient(cluster.replicasOf(shard).getFirst())) {
                for (String line : text(slave.call("INFO", "errorstats")).split("\r\n")) {
                    if (line.startsWith("errorstat_" + kind + ":count=")) {
                        count += Long.parseLong(line.substring(line.indexOf('=') + 1));
                    }
                }
            }
        }
        return count;
    }

    private static void awaitKeysMoving(LocalCluster cluster, long moved) {
        Awaitility.await("keys moving").atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofMillis(50))
                .ignoreExceptions().until(() -> {
                    JsonNode r = cluster.getJson("/admin/rebalance");
                    return r.path("state").asString().equals("running") && r.path("keysMoved").asLong() >= moved;
                });
    }

    private static boolean moving(LocalCluster cluster) {
        return cluster.getJson("/admin/rebalance").path("state").asString().equals("running");
    }

    private void load(RawRedisClient client) throws IOException {
        List<byte[][]> batch = new ArrayList<>();
        for (int i = 0; i < KEYS; i++) {
            batch.add(argv("SET", "k:" + i, "v" + i));
            strings.put("k:" + i, "v" + i);
            if (batch.size() == 1000) {
                client.pipeline(batch);
                batch.clear();
            }
        }
        for (int i = 0; i < LISTS; i++) {
            batch.add(argv("RPUSH", "list:" + i, "a" + i, "b" + i, "c" + i));
            lists.put("list:" + i, new ArrayDeque<>(List.of("a" + i, "b" + i, "c" + i)));
        }
        client.pipeline(batch);
    }

    /** One round: each kind of command once, on random keys, checked against the model. */
    private void round(RawRedisClient client, int round) throws IOException {
        // MGET over 30 keys anywhere.
        List<String> keys = randomKeys(30);
        byte[] mget = client.call(withKeys("MGET", keys));
        assertThat((char) mget[0]).as("MGET %s answered %s", keys, text(mget)).isEqualTo('*');
        List<byte[]> values = Replies.elements(mget);
        for (int i = 0; i < keys.size(); i++) {
            assertThat(bulk(values.get(i))).as("MGET %s", keys.get(i)).isEqualTo(strings.get(keys.get(i)));
        }
        // MSET over 10 keys anywhere, then read them one by one.
        List<String> mset = new ArrayList<>(List.of("MSET"));
        for (String key : randomKeys(10)) {
            String value = "m" + round + "-" + key;
            mset.add(key);
            mset.add(value);
            strings.put(key, value);
        }
        assertThat(text(client.call(mset.toArray(String[]::new)))).isEqualTo("+OK");
        for (int i = 1; i < mset.size(); i += 2) {
            assertThat(bulk(client.call("GET", mset.get(i)))).isEqualTo(mset.get(i + 1));
        }
        // DEL and EXISTS over keys anywhere, some already gone.
        List<String> del = randomKeys(5);
        long present = del.stream().distinct().filter(strings::containsKey).count();
        assertThat(Replies.integer(client.call(withKeys("EXISTS", del.stream().distinct().toList())))).isEqualTo(present);
        assertThat(Replies.integer(client.call(withKeys("DEL", del.stream().distinct().toList())))).isEqualTo(present);
        del.forEach(strings::remove);
        // Counters.
        String counter = "counter:" + random.nextInt(50);
        long expected = Long.parseLong(strings.getOrDefault(counter, "0")) + 1;
        assertThat(Replies.integer(client.call("INCR", counter))).isEqualTo(expected);
        strings.put(counter, Long.toString(expected));
        // A list element moved between two lists (anywhere: one place, or two).
        String from = "list:" + random.nextInt(LISTS);
        String to = "list:" + random.nextInt(LISTS);
        String moved = bulk(client.call("RPOPLPUSH", from, to));
        String modelMoved = lists.get(from).isEmpty() ? null : lists.get(from).pollLast();
        assertThat(moved).as("RPOPLPUSH %s %s", from, to).isEqualTo(modelMoved);
        if (modelMoved != null) {
            lists.get(to).addFirst(modelMoved);
        }
        String lmoved = bulk(client.call("LMOVE", to, from, "LEFT", "RIGHT"));
        String modelLmoved = lists.get(to).isEmpty() ? null : lists.get(to).pollFirst();
        assertThat(lmoved).isEqualTo(modelLmoved);
        if (modelLmoved != null) {
            lists.get(from).addLast(modelLmoved);
        }
        for (String list : List.of(from, to)) {
            assertThat(elements(client.call("LRANGE", list, "0", "-1"))).as("LRANGE %s", list)
                    .containsExactlyElementsOf(lists.get(list));
        }
        // Keys of one hash tag are in one place: MSETNX and RENAME run there.
        String tag = "{t" + round + "}";
        assertThat(Replies.integer(client.call("MSETNX", tag + "a", "1", tag + "b", "2"))).isEqualTo(1);
        assertThat(text(client.call("RENAME", tag + "a", tag + "c"))).isEqualTo("+OK");
        strings.put(tag + "b", "2");
        strings.put(tag + "c", "1");
    }

    private void verifyAll(RawRedisClient client) throws IOException {
        List<String> keys = new ArrayList<>(strings.keySet());
        for (int from = 0; from < keys.size(); from += 500) {
            List<String> part = keys.subList(from, Math.min(keys.size(), from + 500));
            List<byte[]> values = Replies.elements(client.call(withKeys("MGET", part)));
            for (int i = 0; i < part.size(); i++) {
                assertThat(bulk(values.get(i))).as("%s", part.get(i)).isEqualTo(strings.get(part.get(i)));
            }
        }
        for (Map.Entry<String, Deque<String>> list : lists.entrySet()) {
            assertThat(elements(client.call("LRANGE", list.getKey(), "0", "-1"))).as("%s", list.getKey())
                    .containsExactlyElementsOf(list.getValue());
        }
    }

    private List<String> randomKeys(int n) {
        List<String> keys = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            keys.add("k:" + random.nextInt(KEYS));
        }
        return keys;
    }

    private void set(RawRedisClient client, String key, String value) throws IOException {
        assertThat(text(client.call("SET", key, value))).isEqualTo("+OK");
        strings.put(key, value);
    }

    private static String[] withKeys(String command, List<String> keys) {
        List<String> argv = new ArrayList<>(keys.size() + 1);
        argv.add(command);
        argv.addAll(keys);
        return argv.toArray(String[]::new);
    }

    private static String bulk(byte[] reply) {
        assertThat(reply[0]).as(new String(reply, StandardCharsets.UTF_8)).isNotEqualTo((byte) '-');
        byte[] b = Replies.bulk(reply);
        return b == null ? null : new String(b, StandardCharsets.UTF_8);
    }

    private static List<String> elements(byte[] reply) {
        List<String> out = new ArrayList<>();
        for (byte[] e : Replies.elements(reply)) {
            out.add(bulk(e));
        }
        return out;
    }

    private static String text(byte[] reply) {
        return new String(reply, StandardCharsets.UTF_8).trim();
    }
}
