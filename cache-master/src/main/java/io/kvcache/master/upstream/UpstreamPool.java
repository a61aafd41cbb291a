package io.kvcache.master.upstream;

import java.io.IOException;
import java.net.InetSocketAddress;

import io.kvcache.protocol.RespWriter;

/**
 * A few pipelined connections to one slave. A client always uses the same one (by its id), so
 * its requests to that slave stay in order; broken connections are replaced on next use.
 */
public final class UpstreamPool {

    private final String name;
    private final InetSocketAddress address;
    private final UpstreamConnection[] connections;
    private final int connectTimeoutMillis;
    private final UpstreamStats stats;
    private final byte[] auth;
    private volatile boolean closed;

    /** @param secret the cluster secret each connection AUTHs with when it opens; empty for none */
    public UpstreamPool(String name, InetSocketAddress address, int size, int connectTimeoutMillis,
                        UpstreamStats stats, String secret) {
        this.stats = stats;
        this.auth = secret.isEmpty() ? null : new RespWriter(64).array(2).bulk("AUTH").bulk(secret).toByteArray();
        this.name = name;
        this.address = address;
        this.connections = new UpstreamConnection[Math.max(1, size)];
        this.connectTimeoutMillis = connectTimeoutMillis;
    }

    public InetSocketAddress address() {
        return address;
    }

    /** Sends an encoded request on the client's connection; a failure completes pending with an error. */
    public void send(long clientId, byte[] request, PendingReply pending) {
        UpstreamConnection connection;
        try {
            connection = connection((int) Math.floorMod(clientId, (long) connections.length));
        } catch (IOException e) {
            stats.lost();
            pending.complete(UpstreamConnection.CONNECTION_LOST);
            return;
        }
        connection.send(request, pending);
    }

    private UpstreamConnection connection(int index) throws IOException {
        UpstreamConnection c = connections[index];
        if (c != null && !c.isBroken()) {
            return c;
        }
        synchronized (this) {
            c = connections[index];
            if (closed) {
                throw new IOException("pool closed");
            }
            if (c == null || c.isBroken()) {
                c = new UpstreamConnection(name + "#" + index, address, connectTimeoutMillis, stats, auth);
                connections[index] = c;
            }
            return c;
        }
    }

    public synchronized void close() {
        closed = true;
        for (UpstreamConnection c : connections) {
            if (c != null) {
                c.close();
            }
        }
    }
}
