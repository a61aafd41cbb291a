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
import java.util.function.Predicate;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.kvcache.cluster.InSyncReplicas;
import io.kvcache.cluster.Placement;
import io.kvcache.cluster.ReplicationStatus;
import io.kvcache.master.upstream.UpstreamPool;
import io.kvcache.master.upstream.UpstreamSettings;
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
 * Each shard has one primary, elected here at a new epoch whenever it has none live: among the
 * replicas the primary last reported in sync (writes waited for each of them, and one leaves this
 * record before the primary stops waiting for it), the one with the highest offset in the shard's
 * stream (asked over REST at that moment), so no acknowledged write is lost; with none of them
 * live the shard waits, unless an operator forces a primary. After a master restart, a slave that reports
 * being primary is taken at its word (highest epoch wins); replicas are only elected once the
 * election grace has passed since the master started, so that the old primary has time to come
 * back. Every change of a shard's primary or replicas is pushed to its slaves.
 */
public final class TopologyRegistry {

    private static final Logger log = LoggerFactory.getLogger(TopologyRegistry.class);

    private final UpstreamSettings upstream;
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
    private final long electionGraceMillis;
    private final boolean uncleanElection;
    /** Shards that lost every replica holding their data: logged once, until one returns or is forced. */
    private final Set<String> stalled = new TreeSet<>();
    /**
     * Each shard's replicas in sync besides its primary, as the primary last reported them, minus
     * those seen down or re-enrolled since (Kafka's ISR): writes wait for every one of them, so an
     * election picks among them only. Absent while not known (a master restart, a new primary's
     * first report).
     */
    private final Map<String, Set<String>> inSync = new TreeMap<>();
    /** The furthest offset of each shard's stream any of its replicas reported, kept across their restarts. */
    private final Map<String, Long> furthestOffset = new TreeMap<>();
    /** Each shard's min-replicas-to-write, as its elected primary last reported it. */
    private final Map<String, Integer> minReplicas = new TreeMap<>();
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
     * primaryId is null once the primary's process was replaced, until the next election.
     */
    private record Election(long epoch, String primaryId, boolean confirmed) {

        Election confirm() {
            return new Election(epoch, primaryId, true);
        }
    }

    /**
     * @param uncleanElection whether a shard whose live replicas all lack its data elects an empty
     *                        one on its own (else it waits for one that has it, or for
     *                        {@link #forcePrimary})
     */
    public TopologyRegistry(UpstreamSettings upstream, LongSupplier clock, ReplicationProbe probe,
                            long electionGraceMillis, boolean uncleanElection) {
        this.upstream = upstream;
        this.clock = clock;
        this.probe = probe;
        this.electionGraceMillis = electionGraceMillis;
        this.uncleanElection = uncleanElection;
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
        String assignment = e.epoch() + " " + (r.id().equals(primary.id()) ? "primary" : "replica") + " "
                + primary.id() + " " + hostPort(primary.httpAddress()) + " " + (siblings.isEmpty() ? "-" : siblings);
        if (!r.id().equals(primary.id())) {
            return assignment;
        }
        Set<String> isr = inSync.get(r.shard());
        return assignment + " " + (isr == null ? InSyncReplicas.UNKNOWN : InSyncReplicas.format(isr));
    }

    public void shutdown() {
        elections.shutdownNow();
    }

    /** How links to the slaves are made (their greeting, timeouts): for connections outside the pools too. */
    public UpstreamSettings upstreamSettings() {
        return upstream;
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
                    r.pool().closeWhenIdle(); // what was sent before the commit gets its reply
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
        UpstreamPool pool = new UpstreamPool(shard + "/" + replicaId, data, upstream, upstreamStats(shard));
        enrollments.increment();
        Replica replica = new Replica(shard, replicaId, data, http, ReplicaState.UP, now, now, report, pool);
        ofShard.put(replicaId, replica);
        Election e = elected.get(shard);
        if (e != null && replicaId.equals(e.primaryId()) && !(report.primary() && report.epoch() == e.epoch())) {
            // Its process was replaced (a new one holds nothing of the stream): not the primary any more.
            elected.put(shard, new Election(e.epoch(), null, false));
            log.warn("Shard {}: its primary {} enrolled anew ({} at epoch {}, offset {}); the shard elects again",
                    shard, replicaId, report.primary() ? "primary" : "replica", report.epoch(), report.offset());
        }
        outOfSync(shard, replicaId, "it enrolled anew"); // the primary reports it again once it has caught up
        furthestOffset.merge(shard, report.offset(), Math::max);
        byConnection.put(connectionId, replica);
        connectionOf.put(key(shard, replicaId), connectionId);
        log.info("Replica {}/{} enrolled (data {}, http {}, {} at epoch {}, offset {})", shard, replicaId, data, http,
                report.primary() ? "primary" : "replica", report.epoch(), report.offset());
        reconcile(shard);
        publish();
        changed(shard);
        return true;
    }

    /**
     * A heartbeat on an enrollment connection; false if that connection enrolled nobody.
     *
     * @param reportedInSync from a primary, the replicas it holds in sync; null when not reported
     * @param minReplicasToWrite the slave's min-replicas-to-write; null when not reported
     */
    public synchronized boolean heartbeat(String connectionId, ReplicationStatus report, Set<String> reportedInSync,
                                          Integer minReplicasToWrite) {
        Replica r = byConnection.get(connectionId);
        if (r == null) {
            return false;
        }
        Replica beating = replicas.get(r.shard()).get(r.id()).withHeartbeat(clock.getAsLong(), report);
        furthestOffset.merge(r.shard(), report.offset(), Math::max);
        boolean cameBack = !beating.isUp();
        if (cameBack) {
            beating = beating.withState(ReplicaState.UP);
            log.info("Replica {}/{} is up again", r.shard(), r.id());
        }
        put(beating, connectionId);
        Election e = elected.get(r.shard());
        if (e != null && !e.confirmed() && r.id().equals(e.primaryId()) && report.primary()
                && report.epoch() == e.epoch()) {
            elected.put(r.shard(), e.confirm());
            log.info("Shard {}: {} confirmed primary at epoch {}", r.shard(), r.id(), e.epoch());
            cameBack = true; // a new primary's address goes to every slave that may move keys to it
        }
        if (reportedInSync != null) {
            recordInSync(r.shard(), r.id(), report, reportedInSync);
        }
        if (minReplicasToWrite != null && isElectedPrimary(r.shard(), r.id(), report)
                && !minReplicasToWrite.equals(minReplicas.put(r.shard(), minReplicasToWrite))) {
            publish();
        }
        if (reconcile(r.shard()) || cameBack) {
            changed(r.shard());
        }
        publish();
        return true;
    }

    /**
     * The elected primary's word on its replicas in sync, at its epoch: recorded as it says, but
     * for those this master has seen down (a report sent before the primary heard of it). The
     * heartbeat's answer carries the record back: a primary stops waiting for a replica only once
     * the record has left it out.
     */
    private void recordInSync(String shard, String id, ReplicationStatus report, Set<String> reported) {
        if (!isElectedPrimary(shard, id, report)) {
            return;
        }
        Map<String, Replica> ofShard = replicas.get(shard);
        Set<String> now = new TreeSet<>();
        for (String replica : reported) {
            Replica x = ofShard.get(replica);
            if (x != null && x.isUp() && !replica.equals(id)) {
                now.add(replica);
            }
        }
        Set<String> before = inSync.put(shard, now);
        if (!now.equals(before)) {
            log.info("Shard {}: in sync with primary {}: {}", shard, id, now);
            publish();
        }
    }

    /** Whether the report comes from the shard's elected primary, at the epoch it was elected in. */
    private boolean isElectedPrimary(String shard, String id, ReplicationStatus report) {
        Election e = elected.get(shard);
        return e != null && id.equals(e.primaryId()) && report.primary() && report.epoch() == e.epoch();
    }

    /** Takes a replica out of its shard's in-sync record (down, or a new process): it is no candidate until reported again. */
    private void outOfSync(String shard, String replicaId, String why) {
        Set<String> isr = inSync.get(shard);
        if (isr != null && isr.remove(replicaId)) {
            log.info("Shard {}: {} out of sync ({}); in sync: {}", shard, replicaId, why, isr);
        }
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
                inSync.remove(shard); // its replicas in sync: from its next heartbeat
                log.info("Shard {}: {} is primary at epoch {}, as it reports", shard, r.id(), rep.epoch());
                return true;
            }
        }
        if (livePrimary(shard) == null && !ofShard.isEmpty() && electionsPending.add(shard)) {
            long delay = Math.max(0, graceEndsMillis - clock.getAsLong());
            elections.schedule(() -> elect(shard), delay, TimeUnit.MILLISECONDS);
        }
        return false;
    }

    /**
     * Elects the shard's primary among its live replicas that hold every acknowledged write: those
     * the last primary reported in sync (writes waited for each of them), or, when this master does
     * not know them (it restarted since), those holding a copy; the highest offset (asked now, not
     * from the last heartbeat) wins, then the earliest enrolled. When none is live, the shard waits
     * (CLUSTERDOWN) for one to return or for {@link #forcePrimary}, as Kafka without unclean leader
     * election; with {@code uncleanElection} the best of the others becomes primary, and the loss is
     * logged.
     */
    private void elect(String shard) {
        List<Replica> candidates;
        long epoch;
        Set<String> isr;
        synchronized (this) {
            electionsPending.remove(shard);
            if (livePrimary(shard) != null) {
                return;
            }
            candidates = liveReplicas(shard);
            epoch = knownEpoch(shard);
            isr = inSync.containsKey(shard) ? Set.copyOf(inSync.get(shard)) : null;
        }
        // Eligible: the replicas in sync when the primary last said; not knowing them (a master
        // restarted since), those that hold a copy. An empty one only on a new shard, or unclean.
        List<Candidate> answered = probe(candidates);
        long knownEpoch = epoch;
        Candidate best = best(answered, c -> isr != null ? isr.contains(c.replica().id())
                : c.report().synced() || knownEpoch == 0);
        boolean clean = best != null;
        if (!clean && uncleanElection) {
            best = best(answered, c -> true);
        }
        synchronized (this) {
            if (livePrimary(shard) != null) {
                return;
            }
            if (answered.isEmpty() || best != null && !replicas.get(shard).get(best.replica().id()).isUp()
                    || clean && isr != null && !inSync.getOrDefault(shard, Set.of()).contains(best.replica().id())) {
                // none answered (starting), or the one chosen went down or out of sync meanwhile: look again
                if (!candidates.isEmpty()) {
                    reconcile(shard);
                }
                return;
            }
            if (best == null) {
                if (stalled.add(shard)) {
                    log.error("Shard {}: no live replica holds every acknowledged write (in sync: {}; the stream was at"
                            + " offset {}); its keys answer CLUSTERDOWN until one returns, or an operator forces a"
                            + " replica to be primary, losing what it lacks: POST /admin/shards/{}/force-primary",
                            shard, isr == null ? "not known" : isr, lastKnownOffset(shard), shard);
                }
                return;
            }
            long newEpoch = promote(shard, best, epoch);
            if (clean) {
                log.info("Shard {}: {} elected primary at epoch {} (offset {})", shard, best.replica().id(), newEpoch,
                        best.report().offset());
            } else {
                log.error("Shard {}: no live replica holds every acknowledged write; {} becomes primary at epoch {}"
                        + " (kvcache.master.unclean-election), at offset {} of {}", shard, best.replica().id(),
                        newEpoch, best.heldOffset(), lastKnownOffset(shard));
            }
        }
    }

    /** A live replica and its state as it answered just now. */
    private record Candidate(Replica replica, ReplicationStatus report) {

        /** How far into the shard's stream its copy goes (0: it holds none). */
        long heldOffset() {
            return report.synced() ? report.offset() : 0;
        }
    }

    /** Asks each replica its state over REST (not from its last heartbeat); those that do not answer are left out. */
    private List<Candidate> probe(List<Replica> replicas) {
        List<Candidate> answered = new ArrayList<>();
        for (Replica r : replicas) {
            ReplicationStatus report = probe.state(r.httpAddress());
            if (report != null) {
                answered.add(new Candidate(r, report));
            }
        }
        return answered;
    }

    /** Among the eligible: a synced copy before none, then the furthest offset, then the earliest enrolled. */
    private static Candidate best(List<Candidate> candidates, Predicate<Candidate> eligible) {
        Candidate best = null;
        for (Candidate c : candidates) {
            if (eligible.test(c) && (best == null || better(c, best))) {
                best = c;
            }
        }
        return best;
    }

    /** The shard's elected primary if it is live, else null. Under the registry's lock. */
    private Replica livePrimary(String shard) {
        Election e = elected.get(shard);
        Replica primary = e == null ? null : replicas.getOrDefault(shard, Map.of()).get(e.primaryId());
        return primary != null && primary.isUp() ? primary : null;
    }

    private List<Replica> liveReplicas(String shard) {
        return replicas.getOrDefault(shard, Map.of()).values().stream().filter(Replica::isUp).toList();
    }

    /** The newest epoch of the shard, as elected here or reported by any of its replicas. Under the registry's lock. */
    private long knownEpoch(String shard) {
        Election e = elected.get(shard);
        long epoch = e == null ? 0 : e.epoch();
        for (Replica r : replicas.getOrDefault(shard, Map.of()).values()) {
            epoch = Math.max(epoch, r.report().epoch());
        }
        return epoch;
    }

    /** Makes best the shard's primary at the epoch after epoch; returns the new epoch. Under the registry's lock. */
    private long promote(String shard, Candidate best, long epoch) {
        Election e = elected.get(shard);
        long newEpoch = Math.max(epoch, e == null ? 0 : e.epoch()) + 1;
        if (e != null) {
            failovers.computeIfAbsent(shard, s -> new LongAdder()).increment();
        }
        stalled.remove(shard);
        furthestOffset.put(shard, best.heldOffset()); // a new stream starts where it is
        inSync.put(shard, new TreeSet<>()); // a new primary is alone in sync until it reports its replicas
        elected.put(shard, new Election(newEpoch, best.replica().id(), false));
        publish();
        changed(shard);
        return newEpoch;
    }

    /** The furthest offset of the shard's stream any of its replicas reported (the last primary's, typically). */
    private long lastKnownOffset(String shard) {
        return furthestOffset.getOrDefault(shard, 0L);
    }

    /** What {@link #forcePrimary} did: the new primary, and how much of the shard's stream it lacks. */
    public record ForcedPrimary(String shard, String primary, long epoch, boolean heldTheData, long offset,
                                long lastKnownOffset, String mayHaveLost) {
    }

    /** Why {@link #forcePrimary} did nothing. */
    public static final class ForceRefused extends RuntimeException {
        ForceRefused(String message) {
            super(message);
        }
    }

    /**
     * An operator's answer to a shard stalled without a replica that holds its data: makes the best
     * live replica primary whatever it holds (the one with the furthest offset of the shard's stream,
     * then the earliest enrolled), and says what may be lost: every acknowledged write past its
     * offset, up to the furthest offset any replica reported.
     *
     * @return null for a shard this master does not know
     * @throws ForceRefused when the shard has a live primary or no live replica
     */
    public ForcedPrimary forcePrimary(String shard) {
        List<Replica> candidates;
        synchronized (this) {
            if (!replicas.containsKey(shard)) {
                return null;
            }
            refuseIfLivePrimary(shard);
            candidates = liveReplicas(shard);
        }
        Candidate best = best(probe(candidates), c -> true);
        synchronized (this) {
            if (best == null || !replicas.get(shard).get(best.replica().id()).isUp()) {
                throw new ForceRefused("Shard " + shard + " has no live replica that answers");
            }
            refuseIfLivePrimary(shard);
            long last = lastKnownOffset(shard);
            long held = best.heldOffset();
            String id = best.replica().id();
            String lost = !best.report().synced() ? "every key of the shard: " + id + " holds no copy of its data"
                    : held >= last ? "nothing known: " + id + " is at the furthest offset reported"
                    : "acknowledged writes between offsets " + held + " and " + last + " of the shard's stream ("
                            + (last - held) + " bytes)";
            long newEpoch = promote(shard, best, knownEpoch(shard));
            log.warn("Shard {}: an operator forced {} to be primary at epoch {}; may have lost {}", shard, id,
                    newEpoch, lost);
            return new ForcedPrimary(shard, id, newEpoch, best.report().synced(), held, last, lost);
        }
    }

    private void refuseIfLivePrimary(String shard) {
        Replica primary = livePrimary(shard);
        if (primary != null) {
            throw new ForceRefused("Shard " + shard + " has a live primary: " + primary.id());
        }
    }

    private static boolean better(Candidate a, Candidate b) {
        if (a.report().synced() != b.report().synced()) {
            return a.report().synced();
        }
        if (a.report().offset() != b.report().offset()) {
            return a.report().offset() > b.report().offset();
        }
        return a.replica().enrolledAtMillis() < b.replica().enrolledAtMillis();
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
            outOfSync(shard, replicaId, "down");
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
            Set<String> isr = inSync.get(name);
            shards.put(name, new Shard(name, new ArrayList<>(ofShard.values()), e == null ? 0 : e.epoch(),
                    e == null || !e.confirmed() ? null : e.primaryId(), isr == null ? null : List.copyOf(isr),
                    minReplicas.get(name)));
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
