package io.kvcache.slave.migration;

import java.util.HashSet;
import java.util.Set;
import java.util.function.BooleanSupplier;

import io.kvcache.cluster.Placement;
import io.kvcache.command.CommandSpec;
import io.kvcache.command.KeySpec;
import io.kvcache.protocol.ByteKey;
import io.kvcache.protocol.Request;
import io.kvcache.protocol.RespErrors;
import io.kvcache.slave.dispatch.KeyGuard;
import io.kvcache.slave.store.Keyspace;

/**
 * The fence in front of this shard's keys (docs/rebalancing.md). With no move under way a key is
 * served here only if this shard owns it on the committed ring, else {@code MOVED owner}. While
 * keys move from ring A to ring B, a key this shard gives away is served here only while it is
 * still here and not in flight: once moved (or if absent, so that it is never created here again)
 * the answer is {@code ASK newOwner}, and while a batch carries it, {@code TRYAGAIN}. Keys this
 * shard receives are served here. A command whose keys would go different ways gets
 * {@code TRYAGAIN}; the master then settles those keys and asks again.
 * <p>
 * Only the primary knows that a key it gives away has left: a replica (a primary just demoted
 * among them, whose last deletion may not have reached the new primary) answers
 * {@code MOVED} to its own shard, whose primary decides.
 * <p>
 * Not thread-safe: {@link #check} and the in-flight set run under the dispatcher's lock.
 */
final class KeyOwnership implements KeyGuard {

    private final String self;
    private final Keyspace keyspace;
    private final BooleanSupplier primary;
    private final Set<ByteKey> inFlight = new HashSet<>();
    private volatile Placement.Rings rings = Placement.Rings.NONE;

    KeyOwnership(String self, Keyspace keyspace, BooleanSupplier primary) {
        this.self = self;
        this.keyspace = keyspace;
        this.primary = primary;
    }

    Placement.Rings rings() {
        return rings;
    }

    void rings(Placement.Rings rings) {
        this.rings = rings;
    }

    /** Whether this shard gives the key away in the current move. */
    boolean exports(byte[] key) {
        return rings.exports(self, key);
    }

    boolean markInFlight(byte[] key) {
        return inFlight.add(new ByteKey(key));
    }

    void clearInFlight(byte[] key) {
        inFlight.remove(new ByteKey(key));
    }

    boolean isInFlight(byte[] key) {
        return inFlight.contains(new ByteKey(key));
    }

    int inFlightCount() {
        return inFlight.size();
    }

    @Override
    public String check(CommandSpec spec, Request request) {
        Placement.Rings r = rings;
        if (r.ring() == null) {
            return null; // not told a ring yet: the master routes nothing here before it has one
        }
        KeySpec keys = spec.keys();
        if (keys.last() < 0 && (request.argc() - keys.first()) % keys.step() != 0) {
            return null; // MSET k v k: not keys and values; the command answers its arity error
        }
        boolean here = false;
        String askTo = null;
        int count = keys.count(request);
        for (int k = 0; k < count; k++) {
            byte[] key = request.arg(keys.position(request, k));
            long hash = r.ring().keyHash(key); // once for both rings: this runs for every command
            String owner = r.ring().shardForHash(hash);
            String finalOwner = r.isMoving() ? r.targetRing().shardForHash(hash) : owner;
            if (self.equals(finalOwner)) {
                here = true; // stays here, or moves here
            } else if (!self.equals(owner)) {
                return RespErrors.MOVED + " " + finalOwner; // the sender's ring is stale
            } else if (isInFlight(key)) {
                return RespErrors.TRYAGAIN;
            } else if (keyspace.exists(key)) {
                here = true; // not moved yet: this shard still serves it
            } else if (!primary.getAsBoolean()) {
                return RespErrors.MOVED + " " + self;
            } else if (askTo == null || askTo.equals(finalOwner)) {
                askTo = finalOwner;
            } else {
                return RespErrors.TRYAGAIN;
            }
            if (here && askTo != null) {
                return RespErrors.TRYAGAIN;
            }
        }
        return askTo == null ? null : RespErrors.ASK + " " + askTo;
    }
}
