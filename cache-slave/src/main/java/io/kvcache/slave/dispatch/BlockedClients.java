package io.kvcache.slave.dispatch;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ScheduledFuture;
import java.util.function.LongConsumer;

import io.kvcache.command.Blocking;
import io.kvcache.command.Session;
import io.kvcache.protocol.ByteKey;
import io.kvcache.protocol.Request;
import io.kvcache.protocol.RespWriter;
import io.kvcache.slave.store.Keyspace;

/**
 * The clients a blocking pop suspended (Redis's blocking_keys and ready_keys): for each key, the
 * batches waiting on it in the order they blocked, so the first blocked is the first served; and
 * the keys created since they were last looked at. Under the dispatcher's lock.
 */
final class BlockedClients implements Keyspace.KeyWatch {

    /** A batch suspended at the blocking command at index, its replies so far in out. */
    static final class Suspended {
        final Session session;
        final List<Request> requests;
        final RespWriter out;
        final LongConsumer end;
        /** Whether any of its commands wrote. */
        boolean wrote;
        int index;
        Blocking blocking;
        ScheduledFuture<?> timeout;
        /** In the queues, waiting. */
        boolean registered;

        Suspended(Session session, List<Request> requests, RespWriter out, LongConsumer end) {
            this.session = session;
            this.requests = requests;
            this.out = out;
            this.end = end;
        }
    }

    private final Map<ByteKey, ArrayDeque<Suspended>> byKey = new HashMap<>();
    private final Set<ByteKey> ready = new LinkedHashSet<>();
    private int count;

    void add(Suspended s) {
        for (byte[] key : s.blocking.keys()) {
            byKey.computeIfAbsent(new ByteKey(key), k -> new ArrayDeque<>()).add(s);
        }
        count++;
    }

    void remove(Suspended s) {
        for (byte[] key : s.blocking.keys()) {
            ByteKey k = new ByteKey(key);
            ArrayDeque<Suspended> queue = byKey.get(k);
            if (queue != null && queue.remove(s) && queue.isEmpty()) {
                byKey.remove(k);
            }
        }
        count--;
    }

    /** How many clients are blocked (INFO's blocked_clients). */
    int count() {
        return count;
    }

    @Override
    public void created(byte[] key) {
        if (count > 0) {
            ByteKey k = new ByteKey(key);
            if (byKey.containsKey(k)) {
                ready.add(k);
            }
        }
    }

    boolean hasReady() {
        return !ready.isEmpty();
    }

    /** Takes the oldest ready key. */
    byte[] nextReady() {
        ByteKey k = ready.iterator().next();
        ready.remove(k);
        return k.bytes();
    }

    /** The clients waiting on key, first blocked first (a copy: serving them changes the queue). */
    List<Suspended> waitingOn(byte[] key) {
        ArrayDeque<Suspended> queue = byKey.get(new ByteKey(key));
        return queue == null ? List.of() : new ArrayList<>(queue);
    }

    /** Every blocked client, each once. */
    List<Suspended> all() {
        Set<Suspended> all = new LinkedHashSet<>();
        byKey.values().forEach(all::addAll);
        return new ArrayList<>(all);
    }
}
