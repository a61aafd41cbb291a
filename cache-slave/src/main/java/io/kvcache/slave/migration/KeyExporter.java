package io.kvcache.slave.migration;

import java.io.IOException;
import java.net.URI;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.kvcache.cluster.Placement;
import io.kvcache.command.Session;
import io.kvcache.protocol.Replies;
import io.kvcache.protocol.Request;
import io.kvcache.protocol.RespWriter;
import io.kvcache.slave.dispatch.CommandDispatcher;
import io.kvcache.slave.replication.ReplicationManager;
import io.kvcache.slave.store.Keyspace;

/**
 * Moves the keys this shard gives away to their new owners, in batches, while clients are served
 * (docs/rebalancing.md). One batch: under the store's lock, mark a few keys in flight (the fence
 * answers TRYAGAIN for them) and encode their state; outside it, send the batch to the new owner's
 * primary, which answers once it (and its replicas) holds the keys; then delete them here through
 * the replication stream, and only once this shard's replicas have applied that deletion clear
 * them from the in-flight set, after which the fence sends their clients to the new owner. A key
 * is therefore always served by exactly one shard, and a failover on either side finds it whole
 * on one of them: a batch that fails leaves its keys here, to be sent again (the new owner
 * replaces what an earlier attempt left).
 * <p>
 * The background walk visits every key; no key this shard gives away can appear meanwhile (the
 * fence sends its writes to the new owner), so a walk that finds none, with nothing in flight,
 * means this shard is done. {@link #settle} moves given keys at once, for a client's command
 * that must not wait for the walk.
 */
final class KeyExporter {

    private static final Logger log = LoggerFactory.getLogger(KeyExporter.class);
    /** Keys looked at per hold of the store's lock, so that clients wait at most a few hundred µs. */
    private static final int WALK_STEPS = 2048;

    private final String self;
    private final CommandDispatcher dispatcher;
    private final Keyspace keyspace;
    private final KeyOwnership ownership;
    private final ReplicationManager replication;
    private final MigrationClient client;
    private final MigrationProperties properties;
    private final Session session = new Session(0, "migration", "migration").internal();
    /** Notified whenever keys leave the in-flight set. */
    private final Object settled = new Object();
    private volatile Map<String, URI> primaries = Map.of();
    /** Batches travel on virtual threads: each mostly waits for its destination's answer. */
    private final ExecutorService senders = Executors.newVirtualThreadPerTaskExecutor();

    private final AtomicLong moved = new AtomicLong();
    private final AtomicLong failures = new AtomicLong();
    private volatile long version = -1;
    private volatile boolean done;
    private final AtomicLong remaining = new AtomicLong();
    private volatile long passes;
    private volatile String lastError;

    KeyExporter(String self, CommandDispatcher dispatcher, Keyspace keyspace, KeyOwnership ownership,
                ReplicationManager replication, MigrationClient client, MigrationProperties properties) {
        this.self = self;
        this.dispatcher = dispatcher;
        this.keyspace = keyspace;
        this.ownership = ownership;
        this.replication = replication;
        this.client = client;
        this.properties = properties;
    }

    /** The HTTP address of each shard's primary, as the master last told. */
    void primaries(Map<String, URI> primaries) {
        this.primaries = Map.copyOf(primaries);
    }

    /** Whether this slave takes part in the move: keys move, it is its shard's primary, and its shard is on ring A. */
    boolean hasWork(Placement.Rings rings) {
        return rings.isMoving() && rings.placement().committed().contains(self) && replication.isPrimary();
    }

    /**
     * Runs the export of one placement on this thread until it is done or {@code keepGoing} says
     * stop (the placement or the role changed).
     */
    void export(Placement.Rings rings, BooleanSupplier keepGoing) throws InterruptedException {
        long v = rings.placement().version();
        if (v != version) {
            version = v;
            moved.set(0);
            failures.set(0);
            passes = 0;
            lastError = null;
            done = false;
            if (!rings.givesAway(self)) {
                // No stretch of the hash space leaves this shard (a drain of another): no key can, no walk needed.
                remaining.set(0);
                done = true;
                log.info("Keys move to ring {} (placement {}); none leaves this shard", rings.placement().target(), v);
                return;
            }
            log.info("Moving keys to {} (placement {}): counting them", rings.placement().target(), v);
            remaining.set(count(rings));
            log.info("{} keys to move to their new shards", remaining.get());
        }
        long backoff = 0;
        while (!done && keepGoing.getAsBoolean()) {
            Pass pass = pass(rings, keepGoing);
            passes++;
            if (pass.complete && pass.found == 0 && inFlight() == 0) {
                done = true;
                remaining.set(0);
                log.info("Every key given away has moved ({} keys, {} passes)", moved.get(), passes);
            } else if (pass.failed) {
                backoff = Math.min(2000, Math.max(100, backoff * 2));
                TimeUnit.MILLISECONDS.sleep(backoff);
            } else {
                backoff = 0;
            }
        }
    }

    private record Pass(boolean complete, long found, boolean failed) {
    }

    /**
     * One walk over every key: sends each one given away that nobody else is sending, in batches
     * filled over as many short holds of the lock as it takes, up to {@code batches-in-flight}
     * batches travelling at once (their keys are disjoint, and each is deleted here only once its
     * destination holds it).
     */
    private Pass pass(Placement.Rings rings, BooleanSupplier keepGoing) throws InterruptedException {
        long cursor = 0;
        long found = 0;
        AtomicBoolean failed = new AtomicBoolean();
        Semaphore slots = new Semaphore(properties.batchesInFlight());
        Batches batches = new Batches(rings);
        do {
            long[] seen = new long[1];
            long at = cursor;
            Batches filling = batches;
            cursor = dispatcher.exclusive(() -> keyspace.walk(at, WALK_STEPS, key -> {
                String destination = rings.exportsTo(self, key);
                if (destination == null) {
                    return true;
                }
                seen[0]++;
                if (!ownership.isInFlight(key)) {
                    filling.addVisited(key, destination);
                }
                return !filling.full();
            }));
            found += seen[0];
            if (batches.full() || cursor == 0 && !batches.isEmpty()) {
                slots.acquire();
                Batches sending = batches;
                senders.execute(() -> {
                    try {
                        if (!transfer(sending)) {
                            failed.set(true);
                        }
                    } catch (InterruptedException e) {
                        failed.set(true);
                    } finally {
                        slots.release();
                    }
                });
                throttle(sending.keyCount());
                batches = new Batches(rings);
            }
        } while (cursor != 0 && keepGoing.getAsBoolean());
        if (!batches.isEmpty()) {
            failed.set(failed.get() | !transfer(batches)); // stopped early: nothing may stay in flight
        }
        slots.acquire(properties.batchesInFlight()); // every batch of this pass has landed or failed
        return new Pass(cursor == 0, found, failed.get());
    }

    /**
     * Moves these keys now if this shard still holds them, waiting for any batch that carries one;
     * with no keys, waits until no batch is in flight (a flush while keys move). False if that did
     * not happen before the deadline.
     */
    boolean settle(List<byte[]> keys, long timeoutMillis) throws InterruptedException {
        long deadline = System.currentTimeMillis() + timeoutMillis;
        while (keys.isEmpty()) {
            long left = deadline - System.currentTimeMillis();
            if (inFlight() == 0) {
                return true;
            }
            if (left <= 0) {
                return false;
            }
            synchronized (settled) {
                settled.wait(Math.min(left, 50));
            }
        }
        while (true) {
            Placement.Rings rings = ownership.rings();
            Batches batches = new Batches(rings);
            boolean waiting = dispatcher.exclusive(() -> {
                boolean inFlight = false;
                for (byte[] key : keys) {
                    if (!ownership.exports(key)) {
                        continue;
                    }
                    if (ownership.isInFlight(key)) {
                        inFlight = true;
                    } else if (keyspace.exists(key)) {
                        batches.add(key);
                    }
                }
                return inFlight;
            });
            if (batches.isEmpty() && !waiting) {
                return true;
            }
            transfer(batches);
            long left = deadline - System.currentTimeMillis();
            if (left <= 0) {
                return false;
            }
            if (waiting) {
                synchronized (settled) {
                    settled.wait(Math.min(left, 50));
                }
            }
        }
    }

    /** Sends each destination its batch, then deletes what arrived; false if any batch failed. */
    private boolean transfer(Batches batches) throws InterruptedException {
        boolean ok = true;
        for (Map.Entry<String, Batch> e : batches.byDestination.entrySet()) {
            Batch batch = e.getValue();
            try {
                URI destination = primaries.get(e.getKey());
                if (destination == null) {
                    throw new IOException("shard " + e.getKey() + " has no live primary");
                }
                client.importBatch(destination, batches.rings.placement().version(), batch.commands.toByteArray());
                deleteHere(batch.keys);
                moved.addAndGet(batch.keys.size());
                remaining.accumulateAndGet(batch.keys.size(), (left, n) -> Math.max(0, left - n));
            } catch (IOException | RuntimeException ex) {
                ok = false;
                failures.incrementAndGet();
                String error = e.getKey() + ": " + ex.getMessage();
                if (!error.equals(lastError)) {
                    log.warn("A batch of {} keys could not move to {}; they stay here and will be sent again",
                            batch.keys.size(), error);
                }
                lastError = error;
            } finally {
                dispatcher.exclusive(() -> {
                    batch.keys.forEach(ownership::clearInFlight);
                    return null;
                });
                synchronized (settled) {
                    settled.notifyAll();
                }
            }
        }
        return ok;
    }

    /**
     * Deletes moved keys through the replication stream; returns once this shard's replicas have
     * applied the deletion (in the default ack mode), so no failover here can bring them back.
     */
    private void deleteHere(List<byte[]> keys) throws IOException {
        byte[][] argv = new byte[keys.size() + 1][];
        argv[0] = DEL;
        for (int i = 0; i < keys.size(); i++) {
            argv[i + 1] = keys.get(i);
        }
        RespWriter out = new RespWriter(64);
        replication.execute(List.of(new Request(argv)), session, out);
        byte[] reply = out.toByteArray();
        if (Replies.isError(reply)) {
            throw new IOException("moved keys could not be deleted here: " + new String(reply).trim());
        }
    }

    private long count(Placement.Rings rings) {
        long[] n = new long[1];
        long cursor = 0;
        do {
            long at = cursor;
            cursor = dispatcher.exclusive(() -> keyspace.walk(at, WALK_STEPS * 4, key -> {
                if (rings.exports(self, key)) {
                    n[0]++;
                }
                return true;
            }));
        } while (cursor != 0);
        return n[0];
    }

    private int inFlight() {
        return dispatcher.exclusive(ownership::inFlightCount);
    }

    /** Holds the rate to {@code max-keys-per-second} when one is set. */
    private void throttle(int keysSent) throws InterruptedException {
        long rate = properties.maxKeysPerSecond();
        if (rate > 0 && keysSent > 0) {
            TimeUnit.MICROSECONDS.sleep(keysSent * 1_000_000L / rate);
        }
    }

    /** What {@code GET /migration/state} shows. */
    Map<String, Object> state() {
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("version", version);
        s.put("done", done);
        s.put("moved", moved.get());
        s.put("remaining", remaining.get());
        s.put("passes", passes);
        s.put("failures", failures.get());
        s.put("lastError", lastError);
        return s;
    }

    /** This slave became primary again: whatever it knew of its export is stale; walk again. */
    void forget() {
        version = -1;
        done = false;
    }

    boolean isDone(long placementVersion) {
        return done && version == placementVersion;
    }

    /** The keys of one batch, by destination shard; encoded as they are marked in flight, under the store's lock. */
    private final class Batches {
        final Placement.Rings rings;
        final Map<String, Batch> byDestination = new LinkedHashMap<>();
        private int keys;
        private int bytes;

        Batches(Placement.Rings rings) {
            this.rings = rings;
        }

        /** Takes a key this shard holds (looked up by its name). */
        void add(byte[] key) {
            Batch batch = take(key, rings.finalOwner(key));
            int before = batch.commands.size();
            keyspace.encodeState(key, batch.commands);
            bytes += batch.commands.size() - before;
        }

        /** Takes the key a walk is visiting (no second lookup). */
        void addVisited(byte[] key, String destination) {
            Batch batch = take(key, destination);
            int before = batch.commands.size();
            keyspace.encodeVisited(batch.commands);
            bytes += batch.commands.size() - before;
        }

        private Batch take(byte[] key, String destination) {
            Batch batch = byDestination.computeIfAbsent(destination, d -> new Batch());
            ownership.markInFlight(key);
            batch.keys.add(key);
            keys++;
            return batch;
        }

        boolean full() {
            return keys >= properties.batchKeys() || bytes >= properties.batchSize().toBytes();
        }

        boolean isEmpty() {
            return keys == 0;
        }

        int keyCount() {
            return keys;
        }
    }

    private static final class Batch {
        final RespWriter commands = new RespWriter(16 * 1024);
        final List<byte[]> keys = new ArrayList<>();
    }

    private static final byte[] DEL = {'D', 'E', 'L'};
}
