package io.kvcache.master.routing;

import io.kvcache.master.topology.Shard;
import io.kvcache.protocol.Request;

/**
 * Asks a shard that answered TRYAGAIN to move the request's keys to their new shard now (or, for
 * a request without keys, to finish the batches it has in flight), so the request can be asked
 * again (docs/rebalancing.md).
 */
@FunctionalInterface
public interface KeySettler {

    /** False when the shard could not settle them in time (the request is asked again anyway). */
    boolean settle(Shard shard, Request request);
}
