package io.kvcache.slave.dispatch;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import io.kvcache.command.CommandSpec;
import io.kvcache.command.KeySpec;
import io.kvcache.command.Session;
import io.kvcache.protocol.ByteKey;
import io.kvcache.protocol.Request;
import io.kvcache.slave.store.Keyspace;

/**
 * WATCH's bookkeeping (Redis's watched_keys): which clients watch which keys, and which clients saw
 * a watched key change since (CLIENT_DIRTY_CAS), so that their EXEC answers a null array. Guarded
 * by the dispatcher's lock.
 */
final class WatchedKeys {

    private final Keyspace keyspace;
    private final Map<ByteKey, Set<Session>> watchers = new HashMap<>();
    private final Map<Session, Watching> bySession = new IdentityHashMap<>();

    WatchedKeys(Keyspace keyspace) {
        this.keyspace = keyspace;
    }

    private static final class Watching {
        final List<ByteKey> keys = new ArrayList<>();
        boolean touched;
    }

    /** How many keys some client watches. */
    int size() {
        return watchers.size();
    }

    boolean isEmpty() {
        return bySession.isEmpty();
    }

    /** @return whether this is the session's first watched key (it should be unwatched when it closes) */
    boolean watch(Session session, byte[] key) {
        Watching w = bySession.get(session);
        boolean first = w == null;
        if (first) {
            w = new Watching();
            bySession.put(session, w);
        }
        ByteKey k = new ByteKey(key);
        if (watchers.computeIfAbsent(k, x -> new LinkedHashSet<>()).add(session)) {
            w.keys.add(k);
        }
        return first;
    }

    /** UNWATCH, EXEC, DISCARD, or the client left. */
    void unwatch(Session session) {
        Watching w = bySession.remove(session);
        if (w == null) {
            return;
        }
        for (ByteKey k : w.keys) {
            Set<Session> sessions = watchers.get(k);
            if (sessions != null && sessions.remove(session) && sessions.isEmpty()) {
                watchers.remove(k);
            }
        }
    }

    /** The key changed (touchWatchedKey): every client watching it will have its EXEC fail. */
    void touch(byte[] key) {
        if (bySession.isEmpty()) {
            return;
        }
        Set<Session> sessions = watchers.get(new ByteKey(key));
        if (sessions != null) {
            for (Session s : sessions) {
                bySession.get(s).touched = true;
            }
        }
    }

    /** A write ran: every key it names may have changed (Redis touches only those it did change). */
    void touchKeysOf(CommandSpec spec, Request request) {
        KeySpec keys = spec.keys();
        int count = keys.count(request);
        for (int k = 0; k < count; k++) {
            touch(request.arg(keys.position(request, k)));
        }
    }

    /** FLUSHALL or FLUSHDB is about to run (touchAllWatchedKeysInDb): the watched keys that exist change. */
    void touchThoseThatExist() {
        for (ByteKey k : new ArrayList<>(watchers.keySet())) {
            if (keyspace.exists(k.bytes())) {
                touch(k.bytes());
            }
        }
    }

    /**
     * Whether a key the session watches changed since WATCH; one whose deadline has passed counts
     * (isWatchedKeyExpired): looking at it expires it, which touches it.
     */
    boolean changed(Session session) {
        Watching w = bySession.get(session);
        if (w == null) {
            return false;
        }
        for (ByteKey k : new ArrayList<>(w.keys)) {
            keyspace.exists(k.bytes());
        }
        return w.touched;
    }
}
