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

import io.kvcache.cluster.ReplicationStatus;
import io.kvcache.master.upstream.UpstreamPool;
import io.kvcache.master.upstream.UpstreamStats;
import io.kvcache.ring.HashRing;

/**
 * The master's view of the cluster, rebuilt from enrollments: replicas enroll, beat and go
 * down; each change publishes a new {@link Topology} with its ring.
 * <p>
 * The ring holds every shard name ever known, including names a re-enrolling slave reports
 * from an earlier master: after a master restart the ring is complete as soon as any slave is
 * back, so no key is routed to a wrong shard while the others re-enroll (their keys answer
 * CLUSTERDOWN until they do).
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
    private final Set<String> knownShards = new TreeSet<>();
    private final Map<String, Map<String, Replica>> replicas = new TreeMap<>();
    private final Map<String, Replica> byConnection = new LinkedHashMap<>();
    private final Map<String, String> connectionOf = new LinkedHashMap<>();
    private final Map<String, Election> elected = new TreeMap<>();
    private final Set<String> electionsPending = new TreeSet<>();
    private final ReplicationProbe probe;
    private final long graceEndsMillis;
    private final ScheduledExecutorService elections = Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().name("elections").daemon().factory());
    private final Map<String, UpstreamStats> upstreamStats = new ConcurrentHashMap<>();
    private final Map<String, LongAdder> failovers = new ConcurrentHashMap<>();
    private final LongAdder enrollments = new LongAdder();
    private final List<Consumer<Topology>> published = new CopyOnWriteArrayList<>();
    private volatile Consumer<String> shardChanged = shard -> { };
    private volatile Consumer<String> decommissioned = connection -> { };
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

    public TopologyRegistry(int upstreamConnections, int connectTimeoutMillis, LongSupplier clock,
                            ReplicationProbe probe, long electionGraceMillis) {
        this.upstreamConnections = upstreamConnections;
        this.connectTimeoutMillis = connectTimeoutMillis;
        this.clock = clock;
        this.probe = probe;
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

    /** Every shard name this master has heard of, from enrollments and from slaves' memories. */
    public synchronized List<String> knownShards() {
        return List.copyOf(knownShards);
    }

    /** A replica (re-)enrolls over the given enrollment connection; returns every shard name known. */
    public synchronized List<String> enroll(String connectionId, String shard, String replicaId,
                                            InetSocketAddress data, InetSocketAddress http,
                                            List<String> shardsKnownBySlave, ReplicationStatus report) {
        knownShards.add(shard);
        knownShards.addAll(shardsKnownBySlave);
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
                connectTimeoutMillis, upstreamStats(shard));
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
        return List.copyOf(knownShards);
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
        Map<String, Shard> shards = new TreeMap<>();
        for (String name : knownShards) {
            Map<String, Replica> ofShard = replicas.getOrDefault(name, Map.of());
            Election e = elected.get(name);
            shards.put(name, new Shard(name, new ArrayList<>(ofShard.values()), e == null ? 0 : e.epoch(),
                    e == null || !e.confirmed() ? null : e.primaryId()));
        }
        HashRing ring = knownShards.isEmpty() ? null : ringFor(knownShards);
        current = new Topology(++version, Map.copyOf(shards), ring);
        for (Consumer<Topology> listener : published) {
            listener.accept(current);
        }
    }

    private HashRing cachedRing;

    /** The ring only changes when the set of names does; rebuilding it on each heartbeat would be waste. */
    private HashRing ringFor(Set<String> names) {
        if (cachedRing == null || !cachedRing.shards().equals(names)) {
            cachedRing = HashRing.of(names);
            log.info("Hash ring rebuilt over shards {}", names);
        }
        return cachedRing;
    }

    private static String hostPort(InetSocketAddress address) {
        return address.getHostString() + ":" + address.getPort();
    }

    private static String key(String shard, String replicaId) {
        return shard + "/" + replicaId;
    }
}
