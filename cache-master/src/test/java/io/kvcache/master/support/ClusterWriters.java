package io.kvcache.master.support;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;

import org.awaitility.Awaitility;

import io.kvcache.protocol.Replies;
import io.kvcache.slave.compat.RawRedisClient;

/**
 * Clients writing through the master without pause (INCR, LPUSH, SET), each on its own keys,
 * recording what was acknowledged. A write answered with an error, or lost with its connection,
 * may or may not have happened: that key is then marked ambiguous by one step and the writer
 * moves on to a fresh key, so every check stays exact.
 */
public final class ClusterWriters implements AutoCloseable {

    private final InetSocketAddress master;
    private final List<Writer> writers = new ArrayList<>();
    private final AtomicLong acknowledged = new AtomicLong();
    private volatile boolean stopping;

    public ClusterWriters(InetSocketAddress master, int count) {
        this(master, count, "w");
    }

    /** Writers named prefix0, prefix1, ...: their keys are theirs alone (another set needs another prefix). */
    public ClusterWriters(InetSocketAddress master, int count, String prefix) {
        this.master = master;
        for (int i = 0; i < count; i++) {
            writers.add(new Writer(prefix + i));
        }
    }

    public void start() {
        writers.forEach(w -> w.thread = Thread.ofPlatform().name("writer-" + w.name).start(w::run));
    }

    public long acknowledged() {
        return acknowledged.get();
    }

    /** Waits until this many more writes have been acknowledged: the cluster is taking writes. */
    public void awaitMoreAcknowledged(long more, Duration timeout) {
        long target = acknowledged.get() + more;
        Awaitility.await(more + " more acknowledged writes").atMost(timeout).pollInterval(Duration.ofMillis(20))
                .until(() -> acknowledged.get() >= target);
    }

    public void stop() throws InterruptedException {
        stopping = true;
        for (Writer w : writers) {
            w.thread.join(30_000);
            assertThat(w.thread.isAlive()).as("writer %s stopped", w.name).isFalse();
        }
    }

    public long failures() {
        return writers.stream().mapToLong(w -> w.failures).sum();
    }

    /** The first failure a writer met (an error reply, or the exception that cut its connection), for a report. */
    public String firstFailure() {
        return writers.stream().map(w -> w.firstFailure).filter(java.util.Objects::nonNull).findFirst().orElse("none");
    }

    /** Every acknowledged write is there, exactly once; nothing was written that no client sent. */
    public void verify(RawRedisClient client) throws IOException {
        for (Writer w : writers) {
            for (Map.Entry<String, Long> c : w.counters.entrySet()) {
                long value = integerOrZero(client.call("GET", c.getKey()));
                if (w.ambiguousCounters.contains(c.getKey())) {
                    assertThat(value).as("counter %s (last INCR unanswered)", c.getKey())
                            .isBetween(c.getValue(), c.getValue() + 1);
                } else {
                    assertThat(value).as("counter %s", c.getKey()).isEqualTo(c.getValue());
                }
            }
            for (Map.Entry<String, List<String>> l : w.lists.entrySet()) {
                List<String> stored = new ArrayList<>();
                for (byte[] e : Replies.elements(client.call("LRANGE", l.getKey(), "0", "-1"))) {
                    stored.add(new String(Replies.bulk(e), StandardCharsets.UTF_8));
                }
                assertThat(new HashSet<>(stored)).as("list %s has no element twice", l.getKey()).hasSize(stored.size());
                assertThat(stored).as("list %s holds every acknowledged element", l.getKey())
                        .containsAll(l.getValue());
                Set<String> sent = new HashSet<>(l.getValue());
                sent.addAll(w.ambiguousElements.getOrDefault(l.getKey(), List.of()));
                assertThat(sent).as("list %s holds only elements clients sent", l.getKey()).containsAll(stored);
            }
            for (Map.Entry<String, String> s : w.strings.entrySet()) {
                String value = new String(Replies.bulk(client.call("GET", s.getKey())), StandardCharsets.UTF_8);
                String ambiguous = w.ambiguousStrings.get(s.getKey());
                if (ambiguous == null) {
                    assertThat(value).as("string %s", s.getKey()).isEqualTo(s.getValue());
                } else {
                    assertThat(value).as("string %s (last SET unanswered)", s.getKey()).isIn(s.getValue(), ambiguous);
                }
            }
        }
    }

    private static long integerOrZero(byte[] reply) {
        byte[] bulk = Replies.bulk(reply);
        return bulk == null ? 0 : Long.parseLong(new String(bulk, StandardCharsets.US_ASCII));
    }

    @Override
    public void close() throws InterruptedException {
        if (!stopping) {
            stop();
        }
    }

    private final class Writer {
        final String name;
        Thread thread;
        final Map<String, Long> counters = new HashMap<>();
        final Set<String> ambiguousCounters = new HashSet<>();
        final Map<String, List<String>> lists = new HashMap<>();
        final Map<String, List<String>> ambiguousElements = new HashMap<>();
        final Map<String, String> strings = new HashMap<>();
        final Map<String, String> ambiguousStrings = new HashMap<>();
        long failures;
        /** See {@link ClusterWriters#firstFailure}. */
        volatile String firstFailure;
        private RawRedisClient client;
        private int counterKey;
        private int listKey;
        private int stringKey;
        private long sequence;

        Writer(String name) {
            this.name = name;
        }

        void run() {
            while (!stopping) {
                sequence++;
                switch ((int) (sequence % 3)) {
                    case 0 -> incr();
                    case 1 -> lpush();
                    default -> set();
                }
            }
            closeClient();
        }

        private void incr() {
            String key = "counter:" + name + ":" + counterKey;
            counters.putIfAbsent(key, 0L);
            byte[] reply = call("INCR", key);
            if (reply != null && reply[0] == ':') {
                counters.merge(key, 1L, Long::sum);
                acked();
                if (counters.get(key) % 200 == 0) {
                    counterKey++; // spread counters over the shards
                }
            } else {
                ambiguousCounters.add(key);
                counterKey++;
            }
        }

        private void lpush() {
            String key = "list:" + name + ":" + listKey;
            String element = name + "-" + sequence;
            lists.computeIfAbsent(key, k -> new ArrayList<>());
            byte[] reply = call("LPUSH", key, element);
            if (reply != null && reply[0] == ':') {
                lists.get(key).add(element);
                acked();
                if (lists.get(key).size() % 200 == 0) {
                    listKey++;
                }
            } else {
                ambiguousElements.computeIfAbsent(key, k -> new ArrayList<>()).add(element);
            }
        }

        private void set() {
            String key = "string:" + name + ":" + stringKey;
            String value = Long.toString(sequence);
            byte[] reply = call("SET", key, value);
            if (reply != null && reply[0] == '+') {
                strings.put(key, value);
                acked();
                if (sequence % 300 == 2) {
                    stringKey++;
                }
            } else {
                if (strings.containsKey(key)) {
                    ambiguousStrings.put(key, value);
                }
                stringKey++;
            }
        }

        private void acked() {
            acknowledged.incrementAndGet();
        }

        /** The reply, or null when the connection failed (reconnects for the next call). */
        private byte[] call(String... argv) {
            try {
                if (client == null) {
                    client = new RawRedisClient(master, Duration.ofSeconds(15));
                }
                byte[] reply = client.call(argv);
                if (reply[0] == '-') {
                    failures++;
                    noteFailure(argv, new String(reply, java.nio.charset.StandardCharsets.ISO_8859_1).strip());
                }
                return reply;
            } catch (IOException e) {
                failures++;
                noteFailure(argv, e.toString());
                closeClient();
                // A client's backoff before it reconnects: without it, a master that is away (refusing
                // connections at once) turns the writers into a busy loop that starves the cluster.
                java.util.concurrent.locks.LockSupport.parkNanos(5_000_000);
                return null;
            }
        }

        private void noteFailure(String[] argv, String what) {
            if (firstFailure == null) {
                firstFailure = String.join(" ", argv) + " -> " + what;
            }
        }

        private void closeClient() {
            if (client != null) {
                try {
                    client.close();
                } catch (Exception ignored) {
                    // reconnecting anyway
                }
                client = null;
            }
        }
    }
}
