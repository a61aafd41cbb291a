package io.kvcache.master.routing;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.kvcache.command.CommandSpec;
import io.kvcache.command.KeySpec;
import io.kvcache.master.topology.Shard;
import io.kvcache.master.topology.Topology;
import io.kvcache.protocol.Request;

/**
 * Splits a multi-key request into one sub-request per shard (twemproxy's redis_fragment): the
 * keys, with the arguments that go with each (MSET's values), in their original order. While keys
 * move between shards, keys are grouped by their place, the pair (owner now, owner after the
 * move), so that each part is served, or redirected, as a whole (docs/rebalancing.md).
 */
final class Fragmenter {

    /** The part of a request for one shard, and where its keys stood in the original. */
    record Fragment(Shard shard, Request request, List<Integer> keyPositions) {
    }

    /**
     * Where a key is: the shard holding it unless it moved, and its shard once the move under way
     * is done (the same shard when nothing moves). Requests go to {@code shard}.
     */
    record Place(Shard shard, Shard finalShard) {

        static Place of(byte[] key, Topology topology) {
            Shard shard = topology.shardFor(key);
            return new Place(shard, topology.isMoving() ? topology.finalShardFor(key) : shard);
        }

        // By identity: places compared are of one topology snapshot, whose shards are distinct objects.
        @Override
        public boolean equals(Object o) {
            return o instanceof Place p && p.shard == shard && p.finalShard == finalShard;
        }

        @Override
        public int hashCode() {
            return 31 * System.identityHashCode(shard) + System.identityHashCode(finalShard);
        }
    }

    private Fragmenter() {
    }

    /** True when every key argument fits the spec's step (else the shard will answer the arity error). */
    static boolean keysWellFormed(CommandSpec spec, Request r) {
        KeySpec keys = spec.keys();
        // A fixed last key is guaranteed by the arity check; an open range must end on a whole step.
        return keys.last() >= 0 || (r.argc() - keys.first()) % keys.step() == 0;
    }

    /** The distinct places of the request's keys, in first-key order; null shards for no ring. */
    static List<Place> placesOf(CommandSpec spec, Request r, Topology topology) {
        List<Place> places = new ArrayList<>(2);
        KeySpec keys = spec.keys();
        int count = keys.count(r);
        for (int k = 0; k < count; k++) {
            Place p = Place.of(r.arg(keys.position(r, k)), topology);
            if (!places.contains(p)) {
                places.add(p);
            }
        }
        return places;
    }

    static List<Fragment> split(CommandSpec spec, Request r, Topology topology) {
        KeySpec keys = spec.keys();
        Map<Place, List<Integer>> groups = new LinkedHashMap<>();
        for (int i = keys.first(); i <= keys.lastIndex(r.argc()); i += keys.step()) {
            groups.computeIfAbsent(Place.of(r.arg(i), topology), p -> new ArrayList<>()).add(i);
        }
        List<Fragment> fragments = new ArrayList<>(groups.size());
        int keyOrdinal = 0;
        Map<Integer, Integer> ordinalOf = new LinkedHashMap<>();
        for (int i = keys.first(); i <= keys.lastIndex(r.argc()); i += keys.step()) {
            ordinalOf.put(i, keyOrdinal++);
        }
        for (Map.Entry<Place, List<Integer>> group : groups.entrySet()) {
            List<Integer> positions = group.getValue();
            byte[][] argv = new byte[1 + positions.size() * keys.step()][];
            argv[0] = r.arg(0);
            int a = 1;
            List<Integer> ordinals = new ArrayList<>(positions.size());
            for (int position : positions) {
                for (int k = 0; k < keys.step(); k++) {
                    argv[a++] = r.arg(position + k);
                }
                ordinals.add(ordinalOf.get(position));
            }
            fragments.add(new Fragment(group.getKey().shard(), new Request(argv), ordinals));
        }
        return fragments;
    }
}
