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
    private final AtomicLong rejected = new AtomicLong();
    private final int maxClients;

    /** With Redis's default maxclients. */
    public Clients() {
        this(10_000);
    }

    public Clients(int maxClients) {
        this.maxClients = maxClients;
    }

    /** The port's maxclients (INFO clients). */
    public int maxClients() {
        return maxClients;
    }

    /** A connection was refused: maxclients reached or protected mode (INFO rejected_connections). */
    public void rejected() {
        rejected.incrementAndGet();
    }

    public long rejectedConnections() {
        return rejected.get();
    }

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
        Session s = sessions.remove(connectionId);
        if (s != null) {
            s.disconnected();
        }
    }

    public int connected() {
        return sessions.size();
    }

    public long totalConnectionsReceived() {
        return totalConnections.get();
    }

    /** The open client with this id (CLIENT UNBLOCK, CLIENT TRACKING REDIRECT), or null. */
    public Session byId(long id) {
        for (Session each : sessions.values()) {
            if (each.id() == id) {
                return each;
            }
        }
        return null;
    }

    public Collection<Session> all() {
        return sessions.values();
    }
}
