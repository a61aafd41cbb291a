package io.kvcache.slave.dispatch;

import io.kvcache.command.CommandSpec;
import io.kvcache.protocol.Request;

/**
 * Whether this slave may run a client's command on the keys it names: in a cluster, only the
 * keys its shard owns (or still holds while they move) are served here; for the others the
 * master is told where to go (Redis Cluster's MOVED, ASK and TRYAGAIN). Asked under the store's
 * lock, before the command runs.
 */
@FunctionalInterface
public interface KeyGuard {

    /** Null to run the command here, else the redirect to answer. */
    String check(CommandSpec spec, Request request);
}
