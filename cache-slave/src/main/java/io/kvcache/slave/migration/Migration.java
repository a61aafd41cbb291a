package io.kvcache.slave.migration;

import java.net.URI;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;

import io.kvcache.cluster.Placement;
import io.kvcache.protocol.ProtocolLimits;
import io.kvcache.slave.dispatch.CommandDispatcher;
import io.kvcache.slave.replication.ReplicationManager;
import io.kvcache.slave.store.Keyspace;

/**
 * A slave's part in placing keys on shards (docs/rebalancing.md): it keeps the master's latest
 * {@link Placement}, fences this shard's keys by it ({@link KeyOwnership}), and while keys move,
 * exports the ones this shard gives away (on its primary) and imports the ones it receives.
 */
public final class Migration implements SmartLifecycle {

    private static final Logger log = LoggerFactory.getLogger(Migration.class);

    private final String self;
    private final KeyOwnership ownership;
    private final CommandDispatcher dispatcher;
    private final KeyExporter exporter;
    private final KeyImporter importer;
    private final ReplicationManager replication;
    private final long settleTimeoutMillis;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private volatile boolean running;
    private Thread thread;

    public Migration(String self, CommandDispatcher dispatcher, Keyspace keyspace, ReplicationManager replication,
                     String secret, MigrationProperties properties, ProtocolLimits limits) {
        this.self = self;
        this.replication = replication;
        this.ownership = new KeyOwnership(self, keyspace, replication::isPrimary);
        this.exporter = new KeyExporter(self, dispatcher, keyspace, ownership, replication,
                new MigrationClient(secret, self, properties.timeout()), properties);
        this.importer = new KeyImporter(self, ownership, replication, limits);
        this.settleTimeoutMillis = properties.settleTimeout().toMillis();
        this.dispatcher = dispatcher;
        dispatcher.guard(ownership);
    }

    /** The placement this slave holds, for its next enrollment (a restarted master adopts the newest). */
    public Placement placement() {
        return ownership.rings().placement();
    }

    /**
     * The master's word: the placement (older versions are ignored) and where each shard's
     * primary serves HTTP.
     */
    public void update(Placement placement, Map<String, URI> primaries) {
        exporter.primaries(primaries);
        Placement current = placement();
        if (placement.version() > current.version()) {
            ownership.rings(placement.rings());
            dispatcher.recheckBlocked(); // a client blocked on a key that is leaving waits for it where it goes
            log.info("Placement {}: ring {}{}", placement.version(), placement.committed(),
                    placement.isMoving() ? ", keys moving to ring " + placement.target() : "");
        }
        wake();
    }

    /** The role may have changed: an exporter may have to start or stop. */
    public void roleChanged() {
        dispatcher.recheckBlocked();
        wake();
    }

    private void wake() {
        lock.lock();
        try {
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    KeyImporter.Refusal importBatch(long placementVersion, byte[] body) {
        return importer.importBatch(placementVersion, body);
    }

    boolean settle(List<byte[]> keys) throws InterruptedException {
        return exporter.settle(keys, settleTimeoutMillis);
    }

    /** What {@code GET /migration/state} shows; {@code done} is what the master waits for to commit. */
    Map<String, Object> state() {
        Placement.Rings rings = ownership.rings();
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("shard", self);
        s.put("placement", rings.placement().version());
        s.put("moving", rings.isMoving());
        s.put("primary", replication.state().primary());
        s.put("exporting", exporter.hasWork(rings));
        s.put("done", exporter.isDone(rings.placement().version()) && exporter.hasWork(rings));
        s.put("inFlight", ownership.inFlightCount());
        s.put("export", exporter.state());
        return s;
    }

    private void run() {
        boolean wasPrimary = false;
        while (running) {
            Placement.Rings rings = ownership.rings();
            boolean primary = replication.isPrimary();
            if (primary && !wasPrimary) {
                exporter.forget();
            }
            wasPrimary = primary;
            try {
                if (exporter.hasWork(rings) && !exporter.isDone(rings.placement().version())) {
                    exporter.export(rings, () -> running && ownership.rings() == rings && exporter.hasWork(rings));
                } else {
                    lock.lock();
                    try {
                        if (ownership.rings() == rings) {
                            // A new placement or assignment wakes it; the timeout only catches a
                            // demotion the master has not announced yet (an idle wake costs a busy machine).
                            changed.await(1, java.util.concurrent.TimeUnit.SECONDS);
                        }
                    } finally {
                        lock.unlock();
                    }
                }
            } catch (InterruptedException e) {
                return;
            } catch (RuntimeException e) {
                log.error("Key export failed; retrying", e);
            }
        }
    }

    @Override
    public void start() {
        running = true;
        thread = Thread.ofPlatform().daemon().name("key-export").start(this::run);
    }

    @Override
    public void stop() {
        running = false;
        if (thread != null) {
            thread.interrupt();
        }
    }

    @Override
    public boolean isRunning() {
        return running;
    }
}
