package io.kvcache.command;

import java.util.Collection;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/** The open client connections of a data port, by transport connection id. */
public final class Clients {

    private final Map<String, Session> sessions = new ConcurrentHashMap<>();
    private final AtomicLong nextId = new AtomicLong();
    private final AtomicLong totalConnections = new AtomicLong();

    /** The session of a connection, created on its first request. */
    public Session session(String connectionId, String address) {
        Session s = sessions.get(connectionId);
        if (s != null) {
            return s;
        }
        return sessions.computeIfAbsent(connectionId, id -> {
            totalConnections.incrementAndGet();
            return new Session(nextId.incrementAndGet(), id, address);
        });
    }

    public void closed(String connectionId) {
        sessions.remove(connectionId);
    }

    public int connected() {
        return sessions.size();
    }

    public long totalConnectionsReceived() {
        return totalConnections.get();
    }

    public Collection<Session> all() {
        return sessions.values();
    }
}
