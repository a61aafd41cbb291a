package io.kvcache.master.rebalance;

import static io.kvcache.master.support.Resp.argv;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;

import org.awaitility.Awaitility;

import io.kvcache.protocol.Replies;
import io.kvcache.slave.compat.RawRedisClient;

/**
 * A data set loaded before keys move, then changed and read while they move:
 * <ul>
 * <li>strings {@code s:i} (a third of them with a TTL of a day), overwritten by mutators;</li>
 * <li>counters {@code c:i}, incremented by mutators and read by readers, which check that no counter
 * ever goes backwards;</li>
 * <li>lists {@code l:i}, appended to by mutators with elements nobody else sends;</li>
 * <li>hashes {@code h:i} (a twelfth as many as lists) of two fields, which must arrive whole and in order;</li>
 * <li>as many sets {@code t:i} of three members, which must arrive whole;</li>
 * <li>as many sorted sets {@code z:i} of three members, which must arrive whole, with their scores, in order;</li>
 * <li>as many HyperLogLogs {@code p:i} of five elements, whose bytes (Redis's layout, registers and cached
 * cardinality) must arrive as they were, and whose count with them;</li>
 * <li>as many bitmaps {@code b:i} of three bits set with SETBIT, which must arrive byte for byte;</li>
 * <li>strings {@code e:i} with a TTL short enough to pass while keys move: at the end they must be gone.</li>
 * </ul>
 * Each mutator owns a disjoint slice of the keys, so "the last acknowledged value" is well defined. A
 * write answered with an error or lost with its connection may or may not have happened: it is recorded
 * as ambiguous, and the checks allow exactly that.
 */
final class PreloadedKeys implements AutoCloseable {

    static final int SHORT_TTL_KEYS = 2_000;
    private static final int PIPELINE = 2_000;
    private static final int HYPERLOGLOG_ELEMENTS = 5;
    /** The byte of a HyperLogLog's header whose top bit marks its cached cardinality stale (Redis's card[7]). */
    private static final int HLL_STALE_BYTE = 15;

    private final InetSocketAddress master;
    private final int strings;
    private final int counters;
    private final int lists;
    private final List<Mutator> mutators = new ArrayList<>();
    private final List<Reader> readers = new ArrayList<>();
    private final AtomicLong acknowledged = new AtomicLong();
    private final AtomicLong backwards = new AtomicLong();
    private volatile boolean stopping;
    /** When every short-TTL key's deadline has passed (System.nanoTime), set by load. */
    private volatile long shortTtlPassedNanos;
    /** Each HyperLogLog's bytes as GET returned them after load, then after the last verify's PFCOUNT. */
    private final Map<String, byte[]> hyperLogLogs = new HashMap<>();
    /** Each HyperLogLog's count, read after load without caching it. */
    private final Map<String, Long> hyperLogLogCounts = new HashMap<>();

    PreloadedKeys(InetSocketAddress master, int strings, int counters, int lists) {
        this.master = master;
        this.strings = strings;
        this.counters = counters;
        this.lists = lists;
    }

    /** Every key this data set holds once loaded (the short-TTL ones excepted: they expire). */
    Set<String> keys() {
        Set<String> keys = new HashSet<>();
        for (int i = 0; i < strings; i++) {
            keys.add("s:" + i);
        }
        for (int i = 0; i < counters; i++) {
            keys.add("c:" + i);
        }
        for (int i = 0; i < lists; i++) {
            keys.add("l:" + i);
        }
        for (int i = 0; i < fewOfEach(); i++) {
            keys.add("h:" + i);
            keys.add("t:" + i);
            keys.add("z:" + i);
            keys.add("p:" + i);
            keys.add("b:" + i);
        }
        return keys;
    }

    int size() {
        return strings + counters + lists + 5 * fewOfEach();
    }

    /**
     * How many hashes, sets, sorted sets, HyperLogLogs and bitmaps, each: enough to move some of every
     * shard's, few enough to keep the load as it was.
     */
    private int fewOfEach() {
        return lists / 12;
    }

    /** The bits set in bitmap {@code b:i}: in its first byte, its second or third, and its ninth to twelfth. */
    private static int[] bitOffsets(int i) {
        return new int[] {i % 8, 8 + i % 13, 64 + i % 29};
    }

    /** The bytes of bitmap {@code b:i}, as SETBIT makes them: bit 0 is the most significant of byte 0. */
    private static byte[] bitmap(int i) {
        int[] offsets = bitOffsets(i);
        byte[] bytes = new byte[offsets[offsets.length - 1] / 8 + 1];
        for (int offset : offsets) {
            bytes[offset / 8] |= (byte) (0x80 >>> (offset % 8));
        }
        return bytes;
    }

    /** Writes every key through the master, pipelined; short-TTL keys expire in {@code shortTtl}. */
    void load(Duration shortTtl) throws IOException {
        try (RawRedisClient client = new RawRedisClient(master, Duration.ofSeconds(60))) {
            List<byte[][]> batch = new ArrayList<>(PIPELINE);
            for (int i = 0; i < strings; i++) {
                batch.add(i % 3 == 0 ? argv("SET", "s:" + i, initial(i), "EX", "86400") : argv("SET", "s:" + i, initial(i)));
                flushIfFull(client, batch);
            }
            for (int i = 0; i < counters; i++) {
                batch.add(argv("INCRBY", "c:" + i, Integer.toString(i)));
                flushIfFull(client, batch);
            }
            for (int i = 0; i < lists; i++) {
                batch.add(argv("RPUSH", "l:" + i, "l" + i + "-a", "l" + i + "-b"));
                flushIfFull(client, batch);
            }
            for (int i = 0; i < fewOfEach(); i++) {
                batch.add(argv("HSET", "h:" + i, "a", "h" + i + "-a", "b", "h" + i + "-b"));
                batch.add(argv("SADD", "t:" + i, "t" + i + "-a", "t" + i + "-b", "t" + i + "-c"));
                // added out of their order, which the scores give
                batch.add(argv("ZADD", "z:" + i, "30", "z" + i + "-a", "-2", "z" + i + "-b", "1.5", "z" + i + "-c"));
                String[] pfadd = new String[2 + HYPERLOGLOG_ELEMENTS];
                pfadd[0] = "PFADD";
                pfadd[1] = "p:" + i;
                for (int e = 0; e < HYPERLOGLOG_ELEMENTS; e++) {
                    pfadd[2 + e] = "p" + i + "-" + e;
                }
                batch.add(argv(pfadd));
                for (int offset : bitOffsets(i)) {
                    batch.add(argv("SETBIT", "b:" + i, Integer.toString(offset), "1"));
                }
                flushIfFull(client, batch);
            }
            for (int i = 0; i < SHORT_TTL_KEYS; i++) {
                batch.add(argv("SET", "e:" + i, "soon gone", "PX", Long.toString(shortTtl.toMillis())));
                flushIfFull(client, batch);
            }
            flush(client, batch);
            readHyperLogLogs(client);
        }
        // Each deadline is at most shortTtl after its SET was answered; a little more for the
        // server's strictly-after rule.
        shortTtlPassedNanos = System.nanoTime() + shortTtl.plusMillis(5).toNanos();
    }

    /**
     * Keeps each HyperLogLog's bytes as PFADD left them (their cached cardinality stale), and its count:
     * a PFCOUNT of two keys (here the same one twice) counts their union without caching it, so the
     * bytes stay as they were. Five elements count five, or four when two of them share a register.
     */
    private void readHyperLogLogs(RawRedisClient client) throws IOException {
        for (List<String> part : chunks(fewKeys("p:"))) {
            List<byte[][]> batch = new ArrayList<>();
            part.forEach(k -> batch.add(argv("PFCOUNT", k, k)));
            part.forEach(k -> batch.add(argv("GET", k)));
            List<byte[]> replies = client.pipeline(batch);
            for (int j = 0; j < part.size(); j++) {
                String key = part.get(j);
                long count = Replies.integer(replies.get(j));
                assertThat(count).as("count of %s", key).isBetween(HYPERLOGLOG_ELEMENTS - 1L, (long) HYPERLOGLOG_ELEMENTS);
                hyperLogLogCounts.put(key, count);
                byte[] bytes = Replies.bulk(replies.get(part.size() + j));
                assertThat(bytes).as("HyperLogLog %s", key).startsWith("HYLL".getBytes(StandardCharsets.US_ASCII));
                assertThat(bytes[HLL_STALE_BYTE] & 0x80).as("%s's cached cardinality, stale after PFADD", key).isNotZero();
                hyperLogLogs.put(key, bytes);
            }
        }
    }

    private static String initial(int i) {
        return "value-" + i;
    }

    private static void flushIfFull(RawRedisClient client, List<byte[][]> batch) throws IOException {
        if (batch.size() >= PIPELINE) {
            flush(client, batch);
        }
    }

    private static void flush(RawRedisClient client, List<byte[][]> batch) throws IOException {
        if (batch.isEmpty()) {
            return;
        }
        for (byte[] reply : client.pipeline(batch)) {
            assertThat(reply[0]).as("loading: %s", new String(reply, StandardCharsets.UTF_8)).isNotEqualTo((byte) '-');
        }
        batch.clear();
    }

    /**
     * Starts mutators (each on its own slice of the keys) and readers of the counters; after a
     * {@link #stop()}, starts the same ones again (what they recorded is kept).
     */
    void start(int mutatorCount, int readerCount) {
        stopping = false;
        if (mutators.isEmpty()) {
            for (int m = 0; m < mutatorCount; m++) {
                mutators.add(new Mutator(m, mutatorCount));
            }
            for (int r = 0; r < readerCount; r++) {
                readers.add(new Reader());
            }
        }
        for (int m = 0; m < mutators.size(); m++) {
            Mutator mutator = mutators.get(m);
            mutator.thread = Thread.ofPlatform().name("mutator-" + m).start(mutator::run);
        }
        for (int r = 0; r < readers.size(); r++) {
            Reader reader = readers.get(r);
            reader.thread = Thread.ofPlatform().name("reader-" + r).start(reader::run);
        }
    }

    long acknowledged() {
        return acknowledged.get();
    }

    long ambiguous() {
        return mutators.stream().mapToLong(m -> m.ambiguous).sum();
    }

    /** What the first change that may or may not have happened got instead of its acknowledgement, for a report. */
    String firstAmbiguous() {
        return mutators.stream().map(m -> m.firstAmbiguous).filter(java.util.Objects::nonNull).findFirst()
                .orElse("none");
    }

    /** Counter reads that returned less than an earlier read of the same counter. */
    long readsGoingBackwards() {
        return backwards.get();
    }

    long reads() {
        return readers.stream().mapToLong(r -> r.reads).sum();
    }

    void stop() throws InterruptedException {
        stopping = true;
        for (Mutator m : mutators) {
            m.thread.join(30_000);
            assertThat(m.thread.isAlive()).as("mutator stopped").isFalse();
        }
        for (Reader r : readers) {
            r.thread.join(30_000);
            assertThat(r.thread.isAlive()).as("reader stopped").isFalse();
        }
    }

    @Override
    public void close() throws InterruptedException {
        if (!stopping) {
            stop();
        }
    }

    /**
     * Reads every key through the master: strings hold their last acknowledged value (their TTL, if
     * they had one, still running), counters their initial value plus the acknowledged increments,
     * lists their two initial elements then every acknowledged one, once, in order; hashes, sets, sorted
     * sets and bitmaps what they were loaded with; HyperLogLogs the bytes they held before the move and
     * their count; short-TTL keys are gone. Each HyperLogLog is then counted, which caches its cardinality
     * (a write that reaches its replicas): a later verify expects the bytes with it.
     */
    void verify() throws IOException {
        Map<String, String> lastString = new HashMap<>();
        Map<String, Set<String>> ambiguousString = new HashMap<>();
        Map<String, Long> increments = new HashMap<>();
        Map<String, Long> ambiguousIncrements = new HashMap<>();
        Map<String, List<String>> appended = new HashMap<>();
        Map<String, Set<String>> ambiguousAppended = new HashMap<>();
        for (Mutator m : mutators) {
            lastString.putAll(m.lastString);
            m.ambiguousString.forEach((k, v) -> ambiguousString.computeIfAbsent(k, x -> new HashSet<>()).addAll(v));
            increments.putAll(m.increments);
            ambiguousIncrements.putAll(m.ambiguousIncrements);
            appended.putAll(m.appended);
            m.ambiguousAppended.forEach((k, v) -> ambiguousAppended.computeIfAbsent(k, x -> new HashSet<>()).addAll(v));
        }
        try (RawRedisClient client = new RawRedisClient(master, Duration.ofSeconds(60))) {
            List<byte[][]> batch = new ArrayList<>();
            List<String> keys = new ArrayList<>();
            for (int i = 0; i < strings; i++) {
                keys.add("s:" + i);
            }
            for (List<String> part : chunks(keys)) {
                batch.clear();
                part.forEach(k -> batch.add(argv("GET", k)));
                part.forEach(k -> batch.add(argv("TTL", k)));
                List<byte[]> replies = client.pipeline(batch);
                for (int j = 0; j < part.size(); j++) {
                    String key = part.get(j);
                    int i = Integer.parseInt(key.substring(2));
                    String expected = lastString.getOrDefault(key, initial(i));
                    String value = text(replies.get(j));
                    Set<String> allowed = new HashSet<>(ambiguousString.getOrDefault(key, Set.of()));
                    allowed.add(expected);
                    assertThat(value).as("string %s", key).isIn(allowed);
                    long ttl = Replies.integer(replies.get(part.size() + j));
                    if (i % 3 == 0 && !lastString.containsKey(key) && !ambiguousString.containsKey(key)) {
                        assertThat(ttl).as("TTL of %s", key).isBetween(1L, 86400L);
                    }
                }
            }
            keys.clear();
            for (int i = 0; i < counters; i++) {
                keys.add("c:" + i);
            }
            for (List<String> part : chunks(keys)) {
                batch.clear();
                part.forEach(k -> batch.add(argv("GET", k)));
                List<byte[]> replies = client.pipeline(batch);
                for (int j = 0; j < part.size(); j++) {
                    String key = part.get(j);
                    long base = Long.parseLong(key.substring(2)) + increments.getOrDefault(key, 0L);
                    long value = Long.parseLong(text(replies.get(j)));
                    assertThat(value).as("counter %s", key)
                            .isBetween(base, base + ambiguousIncrements.getOrDefault(key, 0L));
                }
            }
            keys.clear();
            for (int i = 0; i < lists; i++) {
                keys.add("l:" + i);
            }
            for (List<String> part : chunks(keys)) {
                batch.clear();
                part.forEach(k -> batch.add(argv("LRANGE", k, "0", "-1")));
                List<byte[]> replies = client.pipeline(batch);
                for (int j = 0; j < part.size(); j++) {
                    String key = part.get(j);
                    String n = key.substring(2);
                    List<String> stored = new ArrayList<>();
                    for (byte[] e : Replies.elements(replies.get(j))) {
                        stored.add(text(e));
                    }
                    assertThat(new HashSet<>(stored)).as("list %s has no element twice", key).hasSize(stored.size());
                    Set<String> ambiguousHere = ambiguousAppended.getOrDefault(key, Set.of());
                    List<String> certain = stored.stream().filter(e -> !ambiguousHere.contains(e)).toList();
                    List<String> expected = new ArrayList<>(List.of("l" + n + "-a", "l" + n + "-b"));
                    expected.addAll(appended.getOrDefault(key, List.of()));
                    assertThat(certain).as("list %s: its elements, each acknowledged one once, in order", key)
                            .isEqualTo(expected);
                }
            }
            for (List<String> part : chunks(fewKeys("h:"))) {
                batch.clear();
                part.forEach(k -> batch.add(argv("HGETALL", k)));
                List<byte[]> replies = client.pipeline(batch);
                for (int j = 0; j < part.size(); j++) {
                    String n = part.get(j).substring(2);
                    List<String> stored = new ArrayList<>();
                    for (byte[] e : Replies.elements(replies.get(j))) {
                        stored.add(text(e));
                    }
                    assertThat(stored).as("hash %s: its fields and values, in order", part.get(j))
                            .containsExactly("a", "h" + n + "-a", "b", "h" + n + "-b");
                }
            }
            verifySets(client);
            verifySortedSets(client);
            verifyHyperLogLogs(client);
            verifyBitmaps(client);
            keys.clear();
            for (int i = 0; i < SHORT_TTL_KEYS; i++) {
                keys.add("e:" + i);
            }
            // The moves may end before the short TTL does (they take seconds on a quiet machine):
            // the check below is about keys whose TTL has passed.
            Awaitility.await("the short TTL has passed").atMost(Duration.ofMinutes(1))
                    .pollInterval(Duration.ofMillis(20)).until(() -> System.nanoTime() - shortTtlPassedNanos >= 0);
            for (List<String> part : chunks(keys)) {
                batch.clear();
                part.forEach(k -> batch.add(argv("EXISTS", k)));
                for (byte[] reply : client.pipeline(batch)) {
                    assertThat(Replies.integer(reply)).as("a key whose TTL passed is gone").isZero();
                }
            }
        }
    }

    private void verifySets(RawRedisClient client) throws IOException {
        for (List<String> part : chunks(fewKeys("t:"))) {
            List<byte[]> replies = client.pipeline(part.stream().map(k -> argv("SMEMBERS", k)).toList());
            for (int j = 0; j < part.size(); j++) {
                String n = part.get(j).substring(2);
                assertThat(texts(replies.get(j))).as("set %s: its members, in any order", part.get(j))
                        .containsExactlyInAnyOrder("t" + n + "-a", "t" + n + "-b", "t" + n + "-c");
            }
        }
    }

    private void verifySortedSets(RawRedisClient client) throws IOException {
        for (List<String> part : chunks(fewKeys("z:"))) {
            List<byte[]> replies = client.pipeline(
                    part.stream().map(k -> argv("ZRANGE", k, "0", "-1", "WITHSCORES")).toList());
            for (int j = 0; j < part.size(); j++) {
                String n = part.get(j).substring(2);
                assertThat(texts(replies.get(j))).as("sorted set %s: its members and scores, in order", part.get(j))
                        .containsExactly("z" + n + "-b", "-2", "z" + n + "-c", "1.5", "z" + n + "-a", "30");
            }
        }
    }

    /**
     * Each HyperLogLog holds the bytes it held before (GET), counts as it did (PFCOUNT, which caches a
     * stale cardinality and changes nothing else), and its bytes with the cardinality cached are kept for
     * the next verify.
     */
    private void verifyHyperLogLogs(RawRedisClient client) throws IOException {
        for (List<String> part : chunks(fewKeys("p:"))) {
            List<byte[][]> batch = new ArrayList<>();
            part.forEach(k -> batch.add(argv("GET", k)));
            part.forEach(k -> batch.add(argv("PFCOUNT", k)));
            part.forEach(k -> batch.add(argv("GET", k)));
            List<byte[]> replies = client.pipeline(batch);
            for (int j = 0; j < part.size(); j++) {
                String key = part.get(j);
                byte[] before = hyperLogLogs.get(key);
                assertThat(Replies.bulk(replies.get(j))).as("HyperLogLog %s: its bytes", key).isEqualTo(before);
                assertThat(Replies.integer(replies.get(part.size() + j))).as("PFCOUNT %s", key)
                        .isEqualTo(hyperLogLogCounts.get(key));
                byte[] counted = Replies.bulk(replies.get(2 * part.size() + j));
                assertThat(counted[HLL_STALE_BYTE] & 0x80).as("%s's cardinality, cached by PFCOUNT", key).isZero();
                assertThat(Arrays.copyOfRange(counted, HLL_STALE_BYTE + 1, counted.length))
                        .as("%s's registers, after PFCOUNT", key)
                        .isEqualTo(Arrays.copyOfRange(before, HLL_STALE_BYTE + 1, before.length));
                hyperLogLogs.put(key, counted);
            }
        }
    }

    private void verifyBitmaps(RawRedisClient client) throws IOException {
        for (List<String> part : chunks(fewKeys("b:"))) {
            List<byte[]> replies = client.pipeline(part.stream().map(k -> argv("GET", k)).toList());
            for (int j = 0; j < part.size(); j++) {
                int i = Integer.parseInt(part.get(j).substring(2));
                assertThat(Replies.bulk(replies.get(j))).as("bitmap %s: its bytes", part.get(j)).isEqualTo(bitmap(i));
            }
        }
    }

    /** {@code prefix + i} for each of the few keys of a type. */
    private List<String> fewKeys(String prefix) {
        List<String> keys = new ArrayList<>();
        for (int i = 0; i < fewOfEach(); i++) {
            keys.add(prefix + i);
        }
        return keys;
    }

    /** The elements of an array reply of bulk strings. */
    private static List<String> texts(byte[] reply) {
        List<String> texts = new ArrayList<>();
        for (byte[] e : Replies.elements(reply)) {
            texts.add(text(e));
        }
        return texts;
    }

    private static List<List<String>> chunks(List<String> keys) {
        List<List<String>> chunks = new ArrayList<>();
        for (int i = 0; i < keys.size(); i += PIPELINE) {
            chunks.add(keys.subList(i, Math.min(keys.size(), i + PIPELINE)));
        }
        return chunks;
    }

    private static String text(byte[] reply) {
        if (reply.length == 0 || (reply[0] != '$')) {
            throw new IllegalArgumentException("Not a bulk reply: " + new String(reply, StandardCharsets.UTF_8).strip());
        }
        byte[] bulk = Replies.bulk(reply);
        return bulk == null ? null : new String(bulk, StandardCharsets.UTF_8);
    }

    /** The reply, or null when the connection failed (the caller reconnects). */
    private abstract class Client {
        private RawRedisClient client;

        byte[] call(String... argv) {
            try {
                if (client == null) {
                    client = new RawRedisClient(master, Duration.ofSeconds(15));
                }
                return client.call(argv);
            } catch (IOException e) {
                close();
                return null;
            }
        }

        void close() {
            if (client != null) {
                try {
                    client.close();
                } catch (IOException ignored) {
                    // reconnecting anyway
                }
                client = null;
            }
        }
    }

    /** Overwrites, increments and appends to the keys of its slice (key index % of == slice). */
    private final class Mutator extends Client {
        final int slice;
        final int of;
        Thread thread;
        final Map<String, String> lastString = new HashMap<>();
        final Map<String, Set<String>> ambiguousString = new HashMap<>();
        final Map<String, Long> increments = new HashMap<>();
        final Map<String, Long> ambiguousIncrements = new HashMap<>();
        final Map<String, List<String>> appended = new HashMap<>();
        final Map<String, Set<String>> ambiguousAppended = new HashMap<>();
        long ambiguous;
        /** The first reply that was not an acknowledgement ("lost" for a connection that failed). */
        volatile String firstAmbiguous;
        private long sequence;

        private void noteAmbiguous(String key, byte[] reply) {
            if (firstAmbiguous == null) {
                firstAmbiguous = key + ": " + (reply == null ? "lost (connection failed or timed out)"
                        : new String(reply, java.nio.charset.StandardCharsets.ISO_8859_1).strip());
            }
        }

        Mutator(int slice, int of) {
            this.slice = slice;
            this.of = of;
        }

        void run() {
            ThreadLocalRandom random = ThreadLocalRandom.current();
            while (!stopping) {
                sequence++;
                switch ((int) (sequence % 3)) {
                    case 0 -> {
                        String key = "s:" + pick(random, strings);
                        String value = "m" + slice + "-" + sequence;
                        byte[] reply = call("SET", key, value);
                        if (reply != null && reply[0] == '+') {
                            lastString.put(key, value);
                            ambiguousString.remove(key);
                            acknowledged.incrementAndGet();
                        } else {
                            ambiguousString.computeIfAbsent(key, k -> new HashSet<>()).add(value);
                            ambiguous++;
                            noteAmbiguous(key, reply);
                        }
                    }
                    case 1 -> {
                        String key = "c:" + pick(random, Math.min(counters, 2_000));
                        byte[] reply = call("INCR", key);
                        if (reply != null && reply[0] == ':') {
                            increments.merge(key, 1L, Long::sum);
                            acknowledged.incrementAndGet();
                        } else {
                            ambiguousIncrements.merge(key, 1L, Long::sum);
                            ambiguous++;
                            noteAmbiguous(key, reply);
                        }
                    }
                    default -> {
                        String key = "l:" + pick(random, lists);
                        String element = "m" + slice + "-" + sequence;
                        byte[] reply = call("RPUSH", key, element);
                        if (reply != null && reply[0] == ':') {
                            appended.computeIfAbsent(key, k -> new ArrayList<>()).add(element);
                            acknowledged.incrementAndGet();
                        } else {
                            ambiguousAppended.computeIfAbsent(key, k -> new HashSet<>()).add(element);
                            ambiguous++;
                            noteAmbiguous(key, reply);
                        }
                    }
                }
            }
            close();
        }

        /** A key index of this mutator's slice, below n. */
        private int pick(ThreadLocalRandom random, int n) {
            return random.nextInt((n - slice + of - 1) / of) * of + slice;
        }
    }

    /** Reads the hot counters over and over; a value below one it read before is a counter going backwards. */
    private final class Reader extends Client {
        Thread thread;
        long reads;
        private final Map<String, Long> seen = new ConcurrentHashMap<>();

        void run() {
            ThreadLocalRandom random = ThreadLocalRandom.current();
            while (!stopping) {
                String key = "c:" + random.nextInt(Math.min(counters, 2_000));
                byte[] reply = call("GET", key);
                if (reply == null || reply[0] != '$') {
                    continue;
                }
                long value = Long.parseLong(text(reply));
                reads++;
                Long before = seen.put(key, value);
                if (before != null && value < before) {
                    backwards.incrementAndGet();
                }
            }
            close();
        }
    }
}
