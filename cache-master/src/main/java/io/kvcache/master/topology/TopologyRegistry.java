package io.kvcache.master.topology;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.LongSupplier;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.kvcache.master.upstream.UpstreamPool;
import io.kvcache.ring.HashRing;

/**
 * The master's view of the cluster, rebuilt from enrollments: replicas enroll, beat and go
 * down; each change publishes a new {@link Topology} with its ring.
 * <p>
 * The ring holds every shard name ever known, including names a re-enrolling slave reports
 * from an earlier master: after a master restart the ring is complete as soon as any slave is
 * back, so no key is routed to a wrong shard while the others re-enroll (their keys answer
 * CLUSTERDOWN until they do).
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
    private volatile Topology current = Topology.EMPTY;
    private long version;

    public TopologyRegistry(int upstreamConnections, int connectTimeoutMillis, LongSupplier clock) {
        this.upstreamConnections = upstreamConnections;
        this.connectTimeoutMillis = connectTimeoutMillis;
        this.clock = clock;
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
                                            List<String> shardsKnownBySlave) {
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
                connectTimeoutMillis);
        Replica replica = new Replica(shard, replicaId, data, http, ReplicaState.UP, now, now, pool);
        ofShard.put(replicaId, replica);
        byConnection.put(connectionId, replica);
        connectionOf.put(key(shard, replicaId), connectionId);
        log.info("Replica {}/{} enrolled (data {}, http {})", shard, replicaId, data, http);
        publish();
        return List.copyOf(knownShards);
    }

    /** A heartbeat on an enrollment connection; false if that connection enrolled nobody. */
    public synchronized boolean heartbeat(String connectionId) {
        Replica r = byConnection.get(connectionId);
        if (r == null) {
            return false;
        }
        Replica beating = replicas.get(r.shard()).get(r.id()).withHeartbeat(clock.getAsLong());
        if (!beating.isUp()) {
            beating = beating.withState(ReplicaState.UP);
            log.info("Replica {}/{} is up again", r.shard(), r.id());
        }
        put(beating, connectionId);
        publish();
        return true;
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
            publish();
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
            shards.put(name, new Shard(name, new ArrayList<>(ofShard.values())));
        }
        HashRing ring = knownShards.isEmpty() ? null : ringFor(knownShards);
        current = new Topology(++version, Map.copyOf(shards), ring);
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

    private static String key(String shard, String replicaId) {
        return shard + "/" + replicaId;
    }
}
