package io.kvcache.master.rebalance;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;

import tools.jackson.databind.JsonNode;

import io.kvcache.cluster.Placement;
import io.kvcache.master.topology.Replica;
import io.kvcache.master.topology.Shard;
import io.kvcache.master.topology.Topology;
import io.kvcache.master.topology.TopologyRegistry;
import io.kvcache.ring.HashRing;

/**
 * Decides where keys live and moves them when the set of shards changes (docs/rebalancing.md).
 * A shard that enrolls (with a confirmed primary) joins: the placement becomes "ring A, moving
 * to ring A + the new shard", every slave is told, and each shard of ring A moves the keys it gives
 * away while clients are served. Once every shard of ring A reports (from its current primary)
 * that it holds none any more, the new ring is committed. A drain is the same with a shard taken
 * out; its replicas are released at the commit.
 * <p>
 * The first ring is committed at once (no shard holds keys yet), once the election grace after
 * the master's start has passed, so that a restarted master first hears the placement the slaves
 * hold. One move at a time; a master restarted during one adopts it from the slaves and carries it
 * to its end.
 */
public final class Rebalancer implements SmartLifecycle {

    private static final Logger log = LoggerFactory.getLogger(Rebalancer.class);

    /** Why a drain or a join cannot be done now. */
    public static final class Refused extends RuntimeException {
        Refused(String message) {
            super(message);
        }
    }

    private final TopologyRegistry registry;
    private final SlaveMigrationClient client;
    private final RebalanceProperties properties;
    private final LongSupplier clock;
    private final Set<String> admitted = new TreeSet<>();
    /** Shards whose wait for replicas in sync has been logged. */
    private final Set<String> waitingForReplicas = new TreeSet<>();
    private final AtomicLong keysMovedBefore = new AtomicLong();
    private final AtomicLong completed = new AtomicLong();
    private ScheduledExecutorService scheduler;
    private String drainRequested;

    private volatile Run run;
    private volatile Run last;

    /** One move, as far as this master has seen it. */
    private record Run(Placement placement, long startedMillis, boolean adopted, List<HashRing.Move> moves,
                       Map<String, Source> sources, Long finishedMillis) {

        long moved() {
            return sources.values().stream().mapToLong(Source::moved).sum();
        }

        long remaining() {
            return sources.values().stream().mapToLong(Source::remaining).sum();
        }
    }

    /** A shard of ring A moving keys away, as its primary last reported. */
    public record Source(String primary, long moved, long remaining, boolean done, String lastError) {
    }

    public Rebalancer(TopologyRegistry registry, SlaveMigrationClient client, RebalanceProperties properties,
                      LongSupplier clock) {
        this.registry = registry;
        this.client = client;
        this.properties = properties;
        this.clock = clock;
    }

    /** Starts taking a shard out of the ring: its keys move to the shards that remain. */
    public synchronized void drain(String shard) {
        Placement p = registry.placement();
        if (!p.committed().contains(shard)) {
            throw new Refused("shard " + shard + " is not on the ring " + p.committed());
        }
        if (p.isMoving()) {
            throw new Refused("keys are moving to ring " + p.target() + "; drain " + shard + " once that is done");
        }
        if (p.committed().size() == 1) {
            throw new Refused("shard " + shard + " is the only shard: draining it would leave no shard for its keys");
        }
        drainRequested = shard;
        tick();
    }

    /** Lets a shard join: needed when auto-join is off, or for a shard drained before. */
    public synchronized void admit(String shard) {
        registry.readmit(shard);
        admitted.add(shard);
        tick();
    }

    /** Keys moved by every move this master has seen, for the metric. */
    public long keysMovedTotal() {
        Run r = run;
        return keysMovedBefore.get() + (r == null ? 0 : r.moved());
    }

    public long keysRemaining() {
        Run r = run;
        return r == null ? 0 : r.remaining();
    }

    /** Whether keys are moving now. */
    public boolean moving() {
        return run != null;
    }

    public long completed() {
        return completed.get();
    }

    synchronized void tick() {
        try {
            if (registry.inGrace()) {
                return;
            }
            Placement p = registry.placement();
            if (p.isMoving()) {
                follow(p);
            } else {
                startIfNeeded(p);
            }
        } catch (RuntimeException e) {
            log.error("Rebalance step failed; trying again", e);
        }
    }

    private void startIfNeeded(Placement p) {
        if (drainRequested != null) {
            String shard = drainRequested;
            drainRequested = null;
            Set<String> to = new TreeSet<>(p.committed());
            to.remove(shard);
            start(p.moveTo(to), "drain of " + shard);
            return;
        }
        List<String> joins = new ArrayList<>(registry.joinable());
        if (p.committed().isEmpty()) {
            // The first ring takes every shard there is, auto-join or not: no key is anywhere yet.
            if (!joins.isEmpty()) {
                Placement first = Placement.committed(p.version() + 1, joins);
                if (registry.placement(first)) {
                    log.info("Ring {} (placement {}): the first ring, nothing to move", first.committed(),
                            first.version());
                }
            }
            return;
        }
        if (!properties.autoJoin()) {
            joins.retainAll(admitted);
        }
        joins.removeIf(this::waitsForReplicas);
        if (joins.isEmpty()) {
            return;
        }
        Set<String> to = new TreeSet<>(p.committed());
        to.addAll(joins);
        start(p.moveTo(to), "join of " + joins);
    }

    /**
     * A shard joins only once it has its min-replicas-to-write in sync, so that no key moved to it
     * lives on its primary alone (issue 18; docs/rebalancing.md). Logged once per wait.
     */
    private boolean waitsForReplicas(String name) {
        Shard shard = registry.current().shards().get(name);
        if (shard != null && shard.meetsMinReplicas()) {
            waitingForReplicas.remove(name);
            return false;
        }
        if (shard != null && waitingForReplicas.add(name)) {
            log.info("Shard {} joins once its primary has {} replica(s) in sync (it has {})", name,
                    shard.minReplicasToWrite() == null ? "its min-replicas-to-write" : shard.minReplicasToWrite(),
                    shard.inSync() == null ? "not reported yet" : shard.inSync().size());
        }
        return true;
    }

    private void start(Placement next, String why) {
        if (!registry.placement(next)) {
            return;
        }
        admitted.removeAll(next.target());
        Placement.Rings rings = next.rings();
        List<HashRing.Move> moves = rings.ring().movesTo(rings.targetRing());
        run = new Run(next, clock.getAsLong(), false, moves, new LinkedHashMap<>(), null);
        log.info("Rebalance started ({}): ring {} -> {}, {} stretches of the hash space change owner (placement {})",
                why, next.committed(), next.target(), moves.size(), next.version());
    }

    /** Reads every source's progress from its primary; commits the target ring once all are done. */
    private void follow(Placement p) {
        Run r = run;
        if (r == null || r.placement().version() != p.version()) {
            // Adopted from the slaves after a restart: carried on from here.
            Placement.Rings rings = p.rings();
            r = new Run(p, clock.getAsLong(), true, rings.ring().movesTo(rings.targetRing()), new LinkedHashMap<>(),
                    null);
            run = r;
            log.info("Rebalance under way when this master started: ring {} -> {} (placement {}); carrying it on",
                    p.committed(), p.target(), p.version());
        }
        Topology t = registry.current();
        boolean allDone = true;
        Map<String, Source> sources = new LinkedHashMap<>(r.sources());
        for (String name : p.committed()) {
            Shard shard = t.shards().get(name);
            Replica primary = shard == null ? null : shard.primary();
            JsonNode state = primary == null ? null : client.state(primary);
            if (state == null) {
                allDone = false;
                continue;
            }
            JsonNode export = state.path("export");
            boolean done = state.path("done").asBoolean() && state.path("placement").asLong() == p.version();
            String key = name + "/" + primary.id();
            sources.put(key, new Source(primary.id(), export.path("moved").asLong(), export.path("remaining").asLong(),
                    done, export.path("lastError").isNull() ? null : export.path("lastError").asString()));
            allDone &= done;
        }
        r = new Run(r.placement(), r.startedMillis(), r.adopted(), r.moves(), sources, null);
        run = r;
        if (allDone) {
            commit(p, r);
        }
    }

    private void commit(Placement p, Run r) {
        Placement next = p.commit();
        if (!registry.placement(next)) {
            return;
        }
        long now = clock.getAsLong();
        keysMovedBefore.addAndGet(r.moved());
        completed.incrementAndGet();
        last = new Run(r.placement(), r.startedMillis(), r.adopted(), r.moves(), r.sources(), now);
        run = null;
        log.info("Rebalance done: ring {} committed (placement {}), {} keys moved in {} ms", next.committed(),
                next.version(), r.moved(), now - r.startedMillis());
        for (String gone : p.committed()) {
            if (!next.committed().contains(gone)) {
                registry.retire(gone);
            }
        }
    }

    /** What {@code GET /admin/rebalance} and the topology endpoint show. */
    public RebalanceView view() {
        Run r = run;
        Run shown = r != null ? r : last;
        Placement p = registry.placement();
        if (shown == null) {
            return new RebalanceView("idle", p.version(), List.copyOf(p.committed()), List.of(), null, null, false,
                    0, 0, 0, 0, Map.of(), List.of());
        }
        long end = shown.finishedMillis() != null ? shown.finishedMillis() : clock.getAsLong();
        double seconds = Math.max(0.001, (end - shown.startedMillis()) / 1000.0);
        Map<String, Source> sources = shown.sources();
        List<RebalanceView.Range> ranges = shown.moves().stream().map(m -> new RebalanceView.Range(
                Long.toUnsignedString(m.from()), Long.toUnsignedString(m.to()), m.before(), m.after())).toList();
        return new RebalanceView(r != null ? "running" : "idle", shown.placement().version(),
                List.copyOf(shown.placement().committed()), List.copyOf(shown.placement().target()),
                Instant.ofEpochMilli(shown.startedMillis()),
                shown.finishedMillis() == null ? null : Instant.ofEpochMilli(shown.finishedMillis()), shown.adopted(),
                shown.moved(), r != null ? shown.remaining() : 0, Math.round(shown.moved() / seconds),
                ranges.size(), sources, ranges);
    }

    @Override
    public void start() {
        scheduler = Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().name("rebalancer").daemon().factory());
        long period = properties.interval().toMillis();
        scheduler.scheduleWithFixedDelay(this::tick, period, period, TimeUnit.MILLISECONDS);
    }

    @Override
    public void stop() {
        if (scheduler != null) {
            scheduler.shutdownNow();
            scheduler = null;
        }
    }

    @Override
    public boolean isRunning() {
        return scheduler != null;
    }
}
