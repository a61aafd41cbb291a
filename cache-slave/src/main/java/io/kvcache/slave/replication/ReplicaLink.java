package io.kvcache.slave.replication;

import java.io.IOException;
import java.net.URI;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.kvcache.cluster.ReplicationStatus;

/**
 * A primary's sender to one replica, on its own thread: finds out where the replica stands,
 * brings it up to date (from the backlog when it can, else with a full sync), then ships the
 * stream in batches and records each acknowledged offset. Batches group every write that
 * arrived while the previous one was in flight: that is the group commit.
 */
final class ReplicaLink {

    enum State {
        /** Not yet known to be in sync (just started, or after an error): writes do not wait for it. */
        CONNECTING,
        /** Taking a full sync: writes do not wait for it either. */
        SYNCING,
        /** In sync: in {@code replicas} ack mode, writes wait for it. */
        STREAMING
    }

    private static final Logger log = LoggerFactory.getLogger(ReplicaLink.class);
    private static final long LINGER_BYTES = 16 * 1024;
    private static final long LINGER_NANOS = 300_000;

    final String id;
    final URI address;
    private final ReplicationManager manager;
    private final ReplicationClient client;
    private final ReplicationBacklog backlog;
    private final int batchBytes;
    private volatile State state = State.CONNECTING;
    private volatile long acked = -1;
    /** Stream calls made and bytes shipped, for the admin view (batch size = bytes / batches). */
    private volatile long batches;
    private volatile long shipped;
    private volatile boolean stopped;
    private Thread thread;

    ReplicaLink(String id, URI address, ReplicationManager manager, ReplicationClient client,
                ReplicationBacklog backlog, int batchBytes) {
        this.id = id;
        this.address = address;
        this.manager = manager;
        this.client = client;
        this.backlog = backlog;
        this.batchBytes = batchBytes;
    }

    void start() {
        thread = Thread.ofVirtual().name("replicate-to-" + id).start(this::run);
    }

    void stop() {
        stopped = true;
        state = State.CONNECTING;
        if (thread != null) {
            thread.interrupt();
        }
        manager.progress();
    }

    State state() {
        return state;
    }

    long acked() {
        return acked;
    }

    long batches() {
        return batches;
    }

    long shipped() {
        return shipped;
    }

    /** Whether a write ending at this offset may be answered as far as this replica is concerned. */
    boolean hasApplied(long offset) {
        return state != State.STREAMING || acked >= offset;
    }

    private void run() {
        long backoff = 50;
        while (!stopped) {
            try {
                if (state != State.STREAMING) {
                    catchUp();
                }
                stream();
                backoff = 50;
            } catch (InterruptedException e) {
                return;
            } catch (IOException | RuntimeException e) {
                if (stopped) {
                    return;
                }
                if (state == State.STREAMING) {
                    log.warn("Replica {} at {} unreachable ({}); writes no longer wait for it", id, address, e.toString());
                }
                state = State.CONNECTING;
                manager.progress();
                try {
                    Thread.sleep(backoff);
                } catch (InterruptedException ie) {
                    return;
                }
                backoff = Math.min(1000, backoff * 2);
            }
        }
    }

    /** Partial sync from the backlog when the replica's history allows it, else a full sync. */
    private void catchUp() throws IOException, InterruptedException {
        ReplicationStatus replica = client.state(address);
        if (replica.synced() && manager.canContinue(replica.replid(), replica.offset())) {
            acked = replica.offset();
            state = State.STREAMING;
            log.info("Replica {} continues from offset {}", id, acked);
        } else {
            state = State.SYNCING;
            manager.progress();
            acked = manager.fullSync(this);
            state = State.STREAMING;
        }
        manager.progress();
    }

    private void stream() throws IOException, InterruptedException {
        int max = batchBytes;
        while (!stopped && state == State.STREAMING) {
            if (!backlog.awaitBeyond(acked, 200)) {
                continue;
            }
            // Linger a moment for the writes of other clients to join this batch: one REST call
            // costs far more than the bytes it carries.
            backlog.awaitBeyondNanos(acked + LINGER_BYTES, LINGER_NANOS);
            byte[] bytes = backlog.read(acked, max);
            if (bytes == null) {
                log.warn("Replica {} fell behind the backlog at offset {}; full sync", id, acked);
                state = State.CONNECTING;
                return;
            }
            ReplicationClient.Ack ack = client.stream(address, manager.stream(), acked, bytes);
            batches++;
            shipped += bytes.length;
            if (ack.ok()) {
                // Nothing applied: one command is bigger than the batch; send more at once.
                max = ack.offset() == acked ? max * 2 : batchBytes;
                acked = ack.offset();
                manager.progress();
            } else if (ack.reason().equals("stale-epoch")) {
                manager.staleEpoch(ack.epoch());
                return;
            } else {
                log.info("Replica {} refused offset {} ({}); catching up again", id, acked, ack.reason());
                state = State.CONNECTING;
                return;
            }
        }
    }
}
