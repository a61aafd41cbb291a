package io.kvcache.master.upstream;

import java.net.InetSocketAddress;
import java.util.List;

import io.kvcache.io.IoLoop;
import io.kvcache.io.IoLoops;

/**
 * The master's links to one slave: one pipelined link per I/O loop (Envoy's per-worker connection
 * pools), so the requests a loop's clients send to this slave share one connection and one write
 * per turn, with no lock between loops. A request from outside the loops (the master's own steps,
 * a command that waits between steps) goes through the loop its client id picks, so one client's
 * requests to this slave stay in order. Broken links are replaced on next use.
 */
public final class UpstreamPool {

    private final String name;
    private final InetSocketAddress address;
    private final UpstreamSettings settings;
    private final UpstreamStats stats;
    /** By loop index; each slot is read and written by its loop only. */
    private final UpstreamLink[] links;
    private volatile boolean closed;

    public UpstreamPool(String name, InetSocketAddress address, UpstreamSettings settings, UpstreamStats stats) {
        this.name = name;
        this.address = address;
        this.settings = settings;
        this.stats = stats;
        this.links = new UpstreamLink[settings.loops().size()];
    }

    public InetSocketAddress address() {
        return address;
    }

    /** Sends an encoded request; its reply (or an error if the slave cannot be reached) completes pending. */
    public void send(long clientId, byte[] request, PendingReply pending) {
        IoLoop loop = loopFor(clientId);
        if (loop.inLoop()) {
            sendOn(loop, request, pending);
        } else {
            loop.execute(() -> sendOn(loop, request, pending));
        }
    }

    /** The caller's loop when it is one, else the client's: a client's requests keep one link, and their order. */
    private IoLoop loopFor(long clientId) {
        IoLoops loops = settings.loops();
        IoLoop here = loops.current();
        return here != null ? here : loops.get((int) Math.floorMod(clientId, (long) loops.size()));
    }

    /**
     * Sends requests back to back on one link, nothing of another client between them (a
     * transaction's MULTI ... EXEC): from the caller's loop, or in one task of the client's loop.
     */
    public void sendAll(long clientId, List<byte[]> requests, List<PendingReply> pending) {
        IoLoop loop = loopFor(clientId);
        Runnable sendAll = () -> {
            for (int i = 0; i < requests.size(); i++) {
                sendOn(loop, requests.get(i), pending.get(i));
            }
        };
        if (loop.inLoop()) {
            sendAll.run();
        } else {
            loop.execute(sendAll);
        }
    }

    private void sendOn(IoLoop loop, byte[] request, PendingReply pending) {
        if (closed) {
            stats.lost();
            pending.complete(UpstreamLink.CONNECTION_LOST);
            return;
        }
        UpstreamLink link = links[loop.index()];
        if (link == null || link.isBroken()) {
            link = new UpstreamLink(name + "#" + loop.index(), address, loop, settings, stats);
            links[loop.index()] = link;
            UpstreamLink opened = link;
            loop.every100ms(() -> opened.checkTimeouts(System.nanoTime()));
        }
        link.send(request, pending);
    }

    /**
     * Closes every link once no request waits on it, or after the reply timeout: a drained shard's
     * last requests, sent before the ring without it was committed, get their replies (redirects to
     * the keys' new owners, which the router follows) instead of the connection-lost error.
     */
    public void closeWhenIdle() {
        closed = true;
        IoLoops loops = settings.loops();
        long deadline = System.nanoTime() + settings.replyTimeoutMillis() * 1_000_000L;
        for (int i = 0; i < links.length; i++) {
            int index = i;
            loops.get(i).every100ms(() -> {
                UpstreamLink link = links[index];
                if (link != null && link.hasInflight() && System.nanoTime() - deadline < 0) {
                    return true; // look again on the next tick
                }
                if (link != null) {
                    link.close();
                }
                return false;
            });
        }
    }

    /** Closes every link, each on its own loop; requests still waiting get the connection-lost error. */
    public void close() {
        closed = true;
        IoLoops loops = settings.loops();
        for (int i = 0; i < links.length; i++) {
            int index = i;
            loops.get(i).execute(() -> {
                UpstreamLink link = links[index];
                if (link != null) {
                    link.close();
                }
            });
        }
    }
}
