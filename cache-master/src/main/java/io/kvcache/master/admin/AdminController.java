package io.kvcache.master.admin;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

import org.springframework.http.HttpStatus;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.server.ResponseStatusException;

import io.kvcache.master.topology.Replica;
import io.kvcache.master.topology.Shard;
import io.kvcache.master.topology.Topology;
import io.kvcache.master.topology.TopologyRegistry;
import io.kvcache.ring.HashRing;

/** The admin REST API: the slaves, the ring, and where a key lives. */
@RestController
@RequestMapping("/admin")
class AdminController {

    private final TopologyRegistry registry;

    AdminController(TopologyRegistry registry) {
        this.registry = registry;
    }

    /** Every shard with its replicas: addresses, role, state, keys, last heartbeat. */
    @GetMapping("/slaves")
    TopologyView slaves() {
        Topology topology = registry.current();
        return TopologyView.of(topology, ReplicaProbe.keys(topology));
    }

    /** Decommissions a replica: 204; 404 when unknown; 409 when it is its shard's last live replica. */
    @DeleteMapping("/slaves/{shard}/{replica}")
    org.springframework.http.ResponseEntity<Map<String, String>> decommission(@PathVariable String shard,
                                                                              @PathVariable String replica) {
        try {
            if (!registry.decommission(shard, replica)) {
                throw new ResponseStatusException(HttpStatus.NOT_FOUND, "No replica " + shard + "/" + replica);
            }
            return org.springframework.http.ResponseEntity.noContent().build();
        } catch (TopologyRegistry.DecommissionRefused e) {
            return org.springframework.http.ResponseEntity.status(HttpStatus.CONFLICT).body(Map.of("error", e.getMessage()));
        }
    }

    record RingView(int virtualPointsPerShard, int points, Map<String, Double> shareOfHashSpace,
                    List<PointView> ring) {
    }

    record PointView(String hash, String shard) {
    }

    /** The ring's points (hashes as unsigned decimals) and each shard's share of the hash space. */
    @GetMapping("/ring")
    RingView ring() {
        HashRing ring = requireRing();
        List<PointView> points = ring.points().stream()
                .map(p -> new PointView(Long.toUnsignedString(p.hash()), p.shard())).toList();
        return new RingView(HashRing.DEFAULT_VIRTUAL_NODES, points.size(), ring.shareOfHashSpace(), points);
    }

    record KeyView(String key, String hash, String shard, String primary, List<String> replicas) {
    }

    /** Which shard owns a key, and which of its replicas serve it. */
    @GetMapping("/keys/{key}")
    KeyView key(@PathVariable String key) {
        HashRing ring = requireRing();
        byte[] bytes = key.getBytes(StandardCharsets.UTF_8);
        Shard shard = registry.current().shardFor(bytes);
        Replica primary = shard.primary();
        return new KeyView(key, Long.toUnsignedString(ring.keyHash(bytes)), shard.name(),
                primary == null ? null : primary.id(), shard.liveReplicas().stream().map(Replica::id).toList());
    }

    private HashRing requireRing() {
        HashRing ring = registry.current().ring();
        if (ring == null) {
            throw new ResponseStatusException(HttpStatus.SERVICE_UNAVAILABLE, "No shard has enrolled yet");
        }
        return ring;
    }
}
