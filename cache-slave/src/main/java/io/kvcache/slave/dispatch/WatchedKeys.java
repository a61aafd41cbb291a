package io.kvcache.slave.dispatch;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import io.kvcache.command.Session;
import io.kvcache.protocol.ByteKey;

/**
 * WATCH's bookkeeping (Redis's watched_keys): which clients watch which keys, and which clients saw
 * a watched key change since (CLIENT_DIRTY_CAS), so that their EXEC answers a null array. Guarded
 * by the dispatcher's lock.
 */
final class WatchedKeys {

    private final Map<ByteKey, Set<Session>> watchers = new HashMap<>();
    private final Map<Session, Watching> bySession = new IdentityHashMap<>();

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
        Set<Session> sessions = watchers.get(new ByteKey(key));
        if (sessions != null) {
            for (Session s : sessions) {
                bySession.get(s).touched = true;
            }
        }
    }

    boolean touched(Session session) {
        Watching w = bySession.get(session);
        return w != null && w.touched;
    }

    /** The keys the session watches. */
    List<byte[]> keysOf(Session session) {
        Watching w = bySession.get(session);
        if (w == null) {
            return List.of();
        }
        List<byte[]> keys = new ArrayList<>(w.keys.size());
        for (ByteKey k : w.keys) {
            keys.add(k.bytes());
        }
        return keys;
    }

    /** Every key some client watches. */
    List<byte[]> allKeys() {
        List<byte[]> keys = new ArrayList<>(watchers.size());
        for (ByteKey k : watchers.keySet()) {
            keys.add(k.bytes());
        }
        return keys;
    }
}
