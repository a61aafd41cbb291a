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
 * keys, with the arguments that go with each (MSET's values), in their original order.
 */
final class Fragmenter {

    /** The part of a request for one shard, and where its keys stood in the original. */
    record Fragment(Shard shard, Request request, List<Integer> keyPositions) {
    }

    private Fragmenter() {
    }

    /** True when every key argument fits the spec's step (else the shard will answer the arity error). */
    static boolean keysWellFormed(CommandSpec spec, Request r) {
        KeySpec keys = spec.keys();
        // A fixed last key is guaranteed by the arity check; an open range must end on a whole step.
        return keys.last() >= 0 || (r.argc() - keys.first()) % keys.step() == 0;
    }

    /** The distinct shards owning the request's keys, in first-key order; null entries for no shard. */
    static List<Shard> shardsOf(CommandSpec spec, Request r, Topology topology) {
        List<Shard> shards = new ArrayList<>(2);
        KeySpec keys = spec.keys();
        for (int i = keys.first(); i <= keys.lastIndex(r.argc()); i += keys.step()) {
            Shard s = topology.shardFor(r.arg(i));
            if (!shards.contains(s)) {
                shards.add(s);
            }
        }
        return shards;
    }

    static List<Fragment> split(CommandSpec spec, Request r, Topology topology) {
        KeySpec keys = spec.keys();
        Map<Shard, List<Integer>> groups = new LinkedHashMap<>();
        for (int i = keys.first(); i <= keys.lastIndex(r.argc()); i += keys.step()) {
            groups.computeIfAbsent(topology.shardFor(r.arg(i)), s -> new ArrayList<>()).add(i);
        }
        List<Fragment> fragments = new ArrayList<>(groups.size());
        int keyOrdinal = 0;
        Map<Integer, Integer> ordinalOf = new LinkedHashMap<>();
        for (int i = keys.first(); i <= keys.lastIndex(r.argc()); i += keys.step()) {
            ordinalOf.put(i, keyOrdinal++);
        }
        for (Map.Entry<Shard, List<Integer>> group : groups.entrySet()) {
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
            fragments.add(new Fragment(group.getKey(), new Request(argv), ordinals));
        }
        return fragments;
    }
}
