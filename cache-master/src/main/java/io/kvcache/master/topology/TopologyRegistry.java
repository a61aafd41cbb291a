package io.kvcache.master.topology;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.kvcache.cluster.Placement;
import io.kvcache.cluster.ReplicationStatus;
import io.kvcache.master.upstream.UpstreamPool;
import io.kvcache.master.upstream.UpstreamStats;

/**
 * The master's view of the cluster, rebuilt from enrollments: replicas enroll, beat and go
 * down; each change publishes a new {@link Topology} with its ring.
 * <p>
 * The placement of keys on shards (the committed ring, and the ring keys move to) is decided by
 * the {@code Rebalancer} and held by every slave; a restarted master adopts the newest placement
 * any re-enrolling slave reports, so the ring is complete as soon as one slave is back and no key
 * is routed to a wrong shard while the others re-enroll (their keys answer CLUSTERDOWN until they
 * do). A shard that enrolls joins the ring only through a rebalance (docs/rebalancing.md).
 * <p>
 * Each shard has one primary, elected here at a new epoch whenever it has none live: the
 * replica with the highest offset in the shard's stream (asked over REST at that moment), so
 * no write its replicas acknowledged is lost. After a master restart, a slave that reports
 * being primary is taken at its word (highest epoch wins); replicas are only elected once the
 * election grace has passed since the master started, so that the old primary has time to come
 * back. Every change of a shard's primary or replicas is pushed to its slaves.
 */
public final class TopologyRegistry {

    private static final Logger log = LoggerFactory.getLogger(TopologyRegistry.class);

    private final int upstreamConnections;
    private final int connectTimeoutMillis;
    private final LongSupplier clock;
    private Placement placement = Placement.NONE;
    private Placement.Rings rings = Placement.Rings.NONE;
    /** Shards drained out of the ring: their slaves are told to stop enrolling. */
    private final Set<String> retired = new TreeSet<>();
    private final Map<String, Map<String, Replica>> replicas = new TreeMap<>();
    private final Map<String, Replica> byConnection = new LinkedHashMap<>();
    private final Map<String, String> connectionOf = new LinkedHashMap<>();
    private final Map<String, Election> elected = new TreeMap<>();
    private final Set<String> electionsPending = new TreeSet<>();
    private final ReplicationProbe probe;
    private final String clusterSecret;
    private final long electionGraceMillis;
    private volatile long graceEndsMillis;
    private final ScheduledExecutorService elections = Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().name("elections").daemon().factory());
    private final Map<String, UpstreamStats> upstreamStats = new ConcurrentHashMap<>();
    private final Map<String, LongAdder> failovers = new ConcurrentHashMap<>();
    private final LongAdder enrollments = new LongAdder();
    private final List<Consumer<Topology>> published = new CopyOnWriteArrayList<>();
    private volatile Consumer<String> shardChanged = shard -> { };
    private volatile Consumer<String> decommissioned = connection -> { };
    private volatile Runnable placementChanged = () -> { };
    private volatile Topology current = Topology.EMPTY;
    private long version;

    /**
     * A shard's primary at an epoch. Clients' commands go to it only once it has confirmed (its
     * heartbeat reports it primary at that epoch): until then it would answer writes as a replica.
     */
    private record Election(long epoch, String primaryId, boolean confirmed) {

        Election confirm() {
            return new Election(epoch, primaryId, true);
        }
    }

    /** @param clusterSecret what the master's links to the slaves' data ports AUTH with */
    public TopologyRegistry(int upstreamConnections, int connectTimeoutMillis, LongSupplier clock,
                            ReplicationProbe probe, long electionGraceMillis, String clusterSecret) {
        this.upstreamConnections = upstreamConnections;
        this.clusterSecret = clusterSecret;
        this.connectTimeoutMillis = connectTimeoutMillis;
        this.clock = clock;
        this.probe = probe;
        this.electionGraceMillis = electionGraceMillis;
        this.graceEndsMillis = clock.getAsLong() + electionGraceMillis;
    }

    /** Told the name of a shard whose primary or replicas changed (to push assignments to its slaves). */
    public void onShardChanged(Consumer<String> listener) {
        this.shardChanged = listener;
    }

    /** Told every new topology (for metrics that follow the set of shards and replicas). */
    public void onPublished(Consumer<Topology> listener) {
        published.add(listener);
        listener.accept(current);
    }

    /** Enrollments accepted since start, re-enrollments included. */
    public long enrollments() {
        return enrollments.sum();
    }

    /** Elections of a shard that replaced a primary elected before (not the first, not an adoption). */
    public long failovers(String shard) {
        LongAdder count = failovers.get(shard);
        return count == null ? 0 : count.sum();
    }

    /** The requests in flight to a shard's slaves and those lost with a connection. */
    public UpstreamStats upstreamStats(String shard) {
        return upstreamStats.computeIfAbsent(shard, s -> new UpstreamStats());
    }

    /** Told the enrollment connection of each decommissioned replica (to tell it to stop enrolling). */
    public void onDecommissioned(Consumer<String> listener) {
        this.decommissioned = listener;
    }

    /** Why a replica cannot be decommissioned. */
    public static final class DecommissionRefused extends RuntimeException {
        DecommissionRefused(String message) {
            super(message);
        }
    }

    /**
     * Removes a replica from its shard for good: the master stops using it and tells it to stop
     * enrolling; its primary stops shipping to it; if it was the primary, the shard elects another
     * at once. Refused when it is the shard's last live replica (its data would go with it).
     *
     * @return false when no such replica is known
     */
    public synchronized boolean decommission(String shard, String replicaId) {
        Map<String, Replica> ofShard = replicas.get(shard);
        Replica r = ofShard == null ? null : ofShard.get(replicaId);
        if (r == null) {
            return false;
        }
        if (r.isUp() && ofShard.values().stream().filter(Replica::isUp).count() == 1) {
            throw new DecommissionRefused(shard + "/" + replicaId + " is the shard's last live replica");
        }
        ofShard.remove(replicaId);
        r.pool().close();
        String connection = connectionOf.remove(key(shard, replicaId));
        if (connection != null) {
            byConnection.remove(connection);
            decommissioned.accept(connection);
        }
        log.info("Replica {}/{} decommissioned", shard, replicaId);
        reconcile(shard);
        publish();
        changed(shard);
        return true;
    }

    /** The live replicas' enrollment connections in a shard, for pushes. */
    public synchronized List<String> connectionsOf(String shard) {
        List<String> ids = new ArrayList<>();
        for (Map.Entry<String, Replica> e : byConnection.entrySet()) {
            if (e.getValue().shard().equals(shard)) {
                ids.add(e.getKey());
            }
        }
        return ids;
    }

    /**
     * What the replica on this enrollment connection must be: {@code epoch role primaryId
     * primaryHttp siblings} (siblings {@code id@host:port,...} or {@code -}); empty while its
     * shard has no live primary.
     */
    public synchronized String assignmentFor(String connectionId) {
        Replica r = byConnection.get(connectionId);
        if (r == null) {
            return "";
        }
        Election e = elected.get(r.shard());
        Replica primary = e == null ? null : replicas.get(r.shard()).get(e.primaryId());
        if (primary == null || !primary.isUp()) {
            return "";
        }
        StringBuilder siblings = new StringBuilder();
        if (r.id().equals(primary.id())) {
            for (Replica sibling : replicas.get(r.shard()).values()) {
                if (sibling.isUp() && !sibling.id().equals(primary.id())) {
                    siblings.append(siblings.isEmpty() ? "" : ",").append(sibling.id()).append('@')
                            .append(hostPort(sibling.httpAddress()));
                }
            }
        }
        return e.epoch() + " " + (r.id().equals(primary.id()) ? "primary" : "replica") + " " + primary.id() + " "
                + hostPort(primary.httpAddress()) + " " + (siblings.isEmpty() ? "-" : siblings);
    }

    public void shutdown() {
        elections.shutdownNow();
    }

    public Topology current() {
        return current;
    }

    /** Told when the placement changes (to push it to every slave). */
    public void onPlacementChanged(Runnable listener) {
        this.placementChanged = listener;
    }

    public synchronized Placement placement() {
        return placement;
    }

    /**
     * The enrollment port listens: the election grace counts from now, not from the master's start
     * (a slow start must not eat the time slaves have to come back).
     */
    public void enrollmentOpened() {
        graceEndsMillis = clock.getAsLong() + electionGraceMillis;
    }

    /** Whether the master is still in its election grace after starting (slaves are re-enrolling). */
    public boolean inGrace() {
        return clock.getAsLong() < graceEndsMillis;
    }

    /**
     * Installs a newer placement (the Rebalancer's decision) and tells every slave.
     *
     * @return false when this placement is not newer than the one held
     */
    public boolean placement(Placement next) {
        synchronized (this) {
            if (next.version() <= placement.version()) {
                return false;
            }
            adopt(next);
            publish();
        }
        placementChanged.run();
        return true;
    }

    private void adopt(Placement next) {
        placement = next;
        rings = next.rings();
    }

    /** Shards that enrolled, have a confirmed live primary, and are not on the ring: they may join. */
    public synchronized List<String> joinable() {
        List<String> names = new ArrayList<>();
        for (Shard shard : current.orderedShards()) {
            if (!placement.shards().contains(shard.name()) && !retired.contains(shard.name()) && shard.isUp()) {
                names.add(shard.name());
            }
        }
        return names;
    }

    /** Whether this shard was drained out of the ring (its slaves are told to stop enrolling). */
    public synchronized boolean isRetired(String shard) {
        return retired.contains(shard);
    }

    /** Lets a drained shard's name join again (an operator's explicit wish). */
    public synchronized boolean readmit(String shard) {
        return retired.remove(shard);
    }

    /**
     * A drained shard leaves the topology: its replicas are released (told to stop enrolling)
     * and its name cannot join again until readmitted.
     */
    public void retire(String shard) {
        List<String> released = new ArrayList<>();
        synchronized (this) {
            retired.add(shard);
            Map<String, Replica> ofShard = replicas.remove(shard);
            if (ofShard != null) {
                for (Replica r : ofShard.values()) {
                    r.pool().close();
                    String connection = connectionOf.remove(key(shard, r.id()));
                    if (connection != null) {
                        byConnection.remove(connection);
                        released.add(connection);
                    }
                }
            }
            elected.remove(shard);
            log.info("Shard {} left the cluster; its {} replicas are released", shard,
                    ofShard == null ? 0 : ofShard.size());
            publish();
        }
        released.forEach(decommissioned);
    }

    /** The HTTP address of every shard's confirmed live primary: {@code shard=host:port,...}. */
    public synchronized String primaries() {
        StringBuilder list = new StringBuilder();
        for (Shard shard : current.orderedShards()) {
            Replica primary = shard.primary();
            if (primary != null) {
                list.append(list.isEmpty() ? "" : ",").append(shard.name()).append('=')
                        .append(hostPort(primary.httpAddress()));
            }
        }
        return list.toString();
    }

    /** Every live enrollment connection, for pushes that concern all slaves. */
    public synchronized List<String> connections() {
        return List.copyOf(byConnection.keySet());
    }

    /**
     * A replica (re-)enrolls over the given enrollment connection, reporting the placement it
     * holds (adopted when newer than the master's: after a master restart).
     *
     * @return false when its shard was drained out of the cluster (it is told to stop enrolling)
     */
    public synchronized boolean enroll(String connectionId, String shard, String replicaId,
                                       InetSocketAddress data, InetSocketAddress http,
                                       Placement reported, ReplicationStatus report) {
        if (retired.contains(shard)) {
            log.info("Refused the enrollment of {}/{}: shard {} was drained out of the cluster", shard, replicaId,
                    shard);
            return false;
        }
        if (reported.version() > placement.version()) {
            log.info("Placement {} adopted from {}/{}: ring {}{}", reported.version(), shard, replicaId,
                    reported.committed(), reported.isMoving() ? ", keys moving to ring " + reported.target() : "");
            adopt(reported);
        }
        Map<String, Replica> ofShard = replicas.computeIfAbsent(shard, s -> new LinkedHashMap<>());
        Replica previous = ofShard.get(replicaId);
        if (previous != null) {
            previous.pool().close();
            String oldConnection = connectionOf.remove(key(shard, replicaId));
            if (oldConnection != null) {
                byConnection.remove(oldConnection);
            }
        }
        long now = clock.getAsLong();
        UpstreamPool pool = new UpstreamPool(shard + "/" + replicaId, data, upstreamConnections,
                connectTimeoutMillis, upstreamStats(shard), clusterSecret);
        enrollments.increment();
        Replica replica = new Replica(shard, replicaId, data, http, ReplicaState.UP, now, now, report, pool);
        ofShard.put(replicaId, replica);
        byConnection.put(connectionId, replica);
        connectionOf.put(key(shard, replicaId), connectionId);
        log.info("Replica {}/{} enrolled (data {}, http {}, {} at epoch {}, offset {})", shard, replicaId, data, http,
                report.primary() ? "primary" : "replica", report.epoch(), report.offset());
        reconcile(shard);
        publish();
        changed(shard);
        return true;
    }

    /** A heartbeat on an enrollment connection; false if that connection enrolled nobody. */
    public synchronized boolean heartbeat(String connectionId, ReplicationStatus report) {
        Replica r = byConnection.get(connectionId);
        if (r == null) {
            return false;
        }
        Replica beating = replicas.get(r.shard()).get(r.id()).withHeartbeat(clock.getAsLong(), report);
        boolean cameBack = !beating.isUp();
        if (cameBack) {
            beating = beating.withState(ReplicaState.UP);
            log.info("Replica {}/{} is up again", r.shard(), r.id());
        }
        put(beating, connectionId);
        Election e = elected.get(r.shard());
        if (e != null && !e.confirmed() && e.primaryId().equals(r.id()) && report.primary()
                && report.epoch() == e.epoch()) {
            elected.put(r.shard(), e.confirm());
            log.info("Shard {}: {} confirmed primary at epoch {}", r.shard(), r.id(), e.epoch());
            cameBack = true; // a new primary's address goes to every slave that may move keys to it
        }
        if (reconcile(r.shard()) || cameBack) {
            changed(r.shard());
        }
        publish();
        return true;
    }

    /**
     * Adopts a slave's claim to be primary at a newer epoch than this master knows (after a
     * master restart), or schedules an election when the shard has no live primary.
     *
     * @return whether the shard's primary changed
     */
    private boolean reconcile(String shard) {
        Election e = elected.get(shard);
        Map<String, Replica> ofShard = replicas.getOrDefault(shard, Map.of());
        for (Replica r : ofShard.values()) {
            ReplicationStatus rep = r.report();
            if (r.isUp() && rep.primary() && rep.epoch() > 0 && (e == null || rep.epoch() > e.epoch())) {
                e = new Election(rep.epoch(), r.id(), true);
                elected.put(shard, e);
                log.info("Shard {}: {} is primary at epoch {}, as it reports", shard, r.id(), rep.epoch());
                return true;
            }
        }
        Replica primary = e == null ? null : ofShard.get(e.primaryId());
        if ((primary == null || !primary.isUp()) && !ofShard.isEmpty() && electionsPending.add(shard)) {
            long delay = Math.max(0, graceEndsMillis - clock.getAsLong());
            elections.schedule(() -> elect(shard), delay, TimeUnit.MILLISECONDS);
        }
        return false;
    }

    /**
     * Elects the shard's primary: among its live replicas, those holding a synced copy, with the
     * highest offset (asked now, not from the last heartbeat), then the earliest enrolled. Only
     * when no live replica holds a copy does an empty one become primary, and that is logged as
     * the shard's data being lost.
     */
    private void elect(String shard) {
        List<Replica> candidates;
        long epoch;
        synchronized (this) {
            electionsPending.remove(shard);
            Election e = elected.get(shard);
            Map<String, Replica> ofShard = replicas.getOrDefault(shard, Map.of());
            Replica primary = e == null ? null : ofShard.get(e.primaryId());
            if (primary != null && primary.isUp()) {
                return;
            }
            candidates = ofShard.values().stream().filter(Replica::isUp).toList();
            epoch = e == null ? 0 : e.epoch();
            for (Replica r : ofShard.values()) {
                epoch = Math.max(epoch, r.report().epoch());
            }
        }
        Replica best = null;
        ReplicationStatus bestReport = null;
        for (Replica r : candidates) {
            ReplicationStatus report = probe.state(r.httpAddress());
            if (report == null) {
                continue; // it cannot answer: not a candidate
            }
            if (best == null || better(report, r, bestReport, best)) {
                best = r;
                bestReport = report;
            }
        }
        synchronized (this) {
            Election e = elected.get(shard);
            Replica current = e == null ? null : replicas.get(shard).get(e.primaryId());
            if (current != null && current.isUp()) {
                return;
            }
            if (best == null || !replicas.get(shard).get(best.id()).isUp()) {
                if (!candidates.isEmpty()) {
                    reconcile(shard); // a candidate vanished meanwhile: try again
                }
                return;
            }
            long newEpoch = Math.max(epoch, e == null ? 0 : e.epoch()) + 1;
            if (e != null) {
                failovers.computeIfAbsent(shard, s -> new LongAdder()).increment();
            }
            elected.put(shard, new Election(newEpoch, best.id(), false));
            if (bestReport.synced() || epoch == 0) {
                log.info("Shard {}: {} elected primary at epoch {} (offset {})", shard, best.id(), newEpoch,
                        bestReport.offset());
            } else {
                log.error("Shard {}: no live replica holds the shard's data; {} becomes primary, empty, at epoch {}",
                        shard, best.id(), newEpoch);
            }
            publish();
            changed(shard);
        }
    }

    private static boolean better(ReplicationStatus a, Replica ra, ReplicationStatus b, Replica rb) {
        if (a.synced() != b.synced()) {
            return a.synced();
        }
        if (a.offset() != b.offset()) {
            return a.offset() > b.offset();
        }
        return ra.enrolledAtMillis() < rb.enrolledAtMillis();
    }

    private void changed(String shard) {
        shardChanged.accept(shard);
    }

    /** The enrollment connection closed: the replica is down until it enrolls again. */
    public synchronized void connectionClosed(String connectionId) {
        Replica r = byConnection.remove(connectionId);
        if (r != null) {
            connectionOf.remove(key(r.shard(), r.id()));
            markDown(r.shard(), r.id(), "its enrollment connection closed");
        }
    }

    /** Marks down every live replica whose last heartbeat is older than the timeout. */
    public synchronized void expireHeartbeats(long timeoutMillis) {
        long now = clock.getAsLong();
        for (Map<String, Replica> ofShard : replicas.values()) {
            for (Replica r : List.copyOf(ofShard.values())) {
                if (r.isUp() && now - r.lastHeartbeatMillis() > timeoutMillis) {
                    markDown(r.shard(), r.id(), "no heartbeat for " + (now - r.lastHeartbeatMillis()) + " ms");
                }
            }
        }
    }

    private void markDown(String shard, String replicaId, String why) {
        Replica r = replicas.get(shard).get(replicaId);
        if (r != null && r.isUp()) {
            log.warn("Replica {}/{} is down: {}", shard, replicaId, why);
            replicas.get(shard).put(replicaId, r.withState(ReplicaState.DOWN));
            reconcile(shard);
            publish();
            changed(shard);
        }
    }

    private void put(Replica r, String connectionId) {
        replicas.get(r.shard()).put(r.id(), r);
        byConnection.put(connectionId, r);
    }

    private void publish() {
        Set<String> names = new TreeSet<>(placement.shards());
        names.addAll(replicas.keySet());
        Map<String, Shard> shards = new TreeMap<>();
        for (String name : names) {
            Map<String, Replica> ofShard = replicas.getOrDefault(name, Map.of());
            Election e = elected.get(name);
            shards.put(name, new Shard(name, new ArrayList<>(ofShard.values()), e == null ? 0 : e.epoch(),
                    e == null || !e.confirmed() ? null : e.primaryId()));
        }
        current = new Topology(++version, Map.copyOf(shards), rings);
        for (Consumer<Topology> listener : published) {
            listener.accept(current);
        }
    }

    private static String hostPort(InetSocketAddress address) {
        return address.getHostString() + ":" + address.getPort();
    }

    private static String key(String shard, String replicaId) {
        return shard + "/" + replicaId;
    }
}
