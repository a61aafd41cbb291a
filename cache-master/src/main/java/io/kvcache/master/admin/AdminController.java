package io.kvcache.master.admin;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.server.ResponseStatusException;

import io.kvcache.master.rebalance.RebalanceView;
import io.kvcache.master.rebalance.Rebalancer;
import io.kvcache.master.topology.Replica;
import io.kvcache.master.topology.Shard;
import io.kvcache.master.topology.Topology;
import io.kvcache.master.topology.TopologyRegistry;
import io.kvcache.ring.HashRing;

/** The admin REST API: the slaves, the ring, where a key lives, and moving keys between shards. */
@RestController
@RequestMapping("/admin")
class AdminController {

    private final TopologyRegistry registry;
    private final Rebalancer rebalancer;

    AdminController(TopologyRegistry registry, Rebalancer rebalancer) {
        this.registry = registry;
        this.rebalancer = rebalancer;
    }

    /** Every shard with its replicas: addresses, role, state, keys, last heartbeat. */
    @GetMapping("/slaves")
    TopologyView slaves() {
        Topology topology = registry.current();
        return TopologyView.of(topology, ReplicaProbe.keys(topology));
    }

    /** Decommissions a replica: 204; 404 when unknown; 409 when it is its shard's last live replica. */
    @DeleteMapping("/slaves/{shard}/{replica}")
    ResponseEntity<Map<String, String>> decommission(@PathVariable String shard,
                                                                              @PathVariable String replica) {
        try {
            if (!registry.decommission(shard, replica)) {
                throw new ResponseStatusException(HttpStatus.NOT_FOUND, "No replica " + shard + "/" + replica);
            }
            return ResponseEntity.noContent().build();
        } catch (TopologyRegistry.DecommissionRefused e) {
            return ResponseEntity.status(HttpStatus.CONFLICT).body(Map.of("error", e.getMessage()));
        }
    }

    /** @param movingTo ring B's shards while keys move to it, else empty */
    record RingView(long placement, List<String> shards, List<String> movingTo, int virtualPointsPerShard,
                    int points, Map<String, Double> shareOfHashSpace, List<PointView> ring) {
    }

    record PointView(String hash, String shard) {
    }

    /** The ring's points (hashes as unsigned decimals) and each shard's share of the hash space. */
    @GetMapping("/ring")
    RingView ring() {
        HashRing ring = requireRing();
        List<PointView> points = ring.points().stream()
                .map(p -> new PointView(Long.toUnsignedString(p.hash()), p.shard())).toList();
        Topology t = registry.current();
        return new RingView(t.placement().version(), List.copyOf(t.placement().committed()),
                List.copyOf(t.placement().target()), HashRing.DEFAULT_VIRTUAL_NODES, points.size(),
                ring.shareOfHashSpace(), points);
    }

    /** @param movingTo while keys move, the shard this key moves to (null when it stays) */
    record KeyView(String key, String hash, String shard, String primary, List<String> replicas, String movingTo) {
    }

    /** Which shard owns a key, and which of its replicas serve it. */
    @GetMapping("/keys/{key}")
    KeyView key(@PathVariable String key) {
        HashRing ring = requireRing();
        byte[] bytes = key.getBytes(StandardCharsets.UTF_8);
        Topology t = registry.current();
        Shard shard = t.shardFor(bytes);
        Shard after = t.finalShardFor(bytes);
        Replica primary = shard.primary();
        return new KeyView(key, Long.toUnsignedString(ring.keyHash(bytes)), shard.name(),
                primary == null ? null : primary.id(), shard.liveReplicas().stream().map(Replica::id).toList(),
                after == shard ? null : after.name());
    }

    /** The rebalance under way, else the last one: state, rings, ranges, keys moved and remaining, rate. */
    @GetMapping("/rebalance")
    RebalanceView rebalance() {
        return rebalancer.view();
    }

    /**
     * Scale in: moves every key of the shard to the shards that remain, then releases its
     * replicas. 202 with the rebalance; 404 for a shard not on the ring; 409 when it is the only
     * shard or keys are moving already.
     */
    @DeleteMapping("/shards/{shard}")
    ResponseEntity<Object> drain(@PathVariable String shard) {
        if (!registry.current().shards().containsKey(shard)) {
            throw new ResponseStatusException(HttpStatus.NOT_FOUND, "No shard " + shard);
        }
        try {
            rebalancer.drain(shard);
            return ResponseEntity.accepted().body(rebalancer.view());
        } catch (Rebalancer.Refused e) {
            return ResponseEntity.status(HttpStatus.CONFLICT)
                    .body(Map.of("error", e.getMessage()));
        }
    }

    /**
     * Lets a shard join the ring: needed when {@code kvcache.rebalance.auto-join} is false, or for
     * a shard drained before. 202 with the rebalance (it starts once the shard has a primary).
     */
    @PostMapping("/shards/{shard}")
    ResponseEntity<RebalanceView> join(@PathVariable String shard) {
        rebalancer.admit(shard);
        return ResponseEntity.accepted().body(rebalancer.view());
    }

    /**
     * Makes the best live replica of a shard primary although none holds the shard's data (the
     * shard answers CLUSTERDOWN until then, see kvcache.master.unclean-election): 200 with the new
     * primary and what may have been lost; 404 for an unknown shard; 409 when the shard has a live
     * primary or no live replica.
     */
    @PostMapping("/shards/{shard}/force-primary")
    ResponseEntity<Object> forcePrimary(@PathVariable String shard) {
        try {
            TopologyRegistry.ForcedPrimary forced = registry.forcePrimary(shard);
            if (forced == null) {
                throw new ResponseStatusException(HttpStatus.NOT_FOUND, "No shard " + shard);
            }
            return ResponseEntity.ok(forced);
        } catch (TopologyRegistry.ForceRefused e) {
            return ResponseEntity.status(HttpStatus.CONFLICT).body(Map.of("error", e.getMessage()));
        }
    }

    private HashRing requireRing() {
        HashRing ring = registry.current().ring();
        if (ring == null) {
            throw new ResponseStatusException(HttpStatus.SERVICE_UNAVAILABLE, "No shard has enrolled yet");
        }
        return ring;
    }
}
