package io.kvcache.slave.dispatch;

import java.util.Arrays;
import java.util.List;

import io.kvcache.command.CommandSpec;
import io.kvcache.command.Subscriptions.Kind;
import io.kvcache.protocol.Request;
import io.kvcache.pubsub.PubSub;
import io.kvcache.pubsub.TrackingChannels;

/**
 * Tells the masters which keys changed, for their clients' client-side caches (CLIENT TRACKING):
 * each key a write names, and each key the store expires or evicts, is published on
 * {@link TrackingChannels#MODIFIED}, and a flush on {@link TrackingChannels#FLUSHED}; only while a
 * master subscribes there (it does while one of its clients tracks).
 */
final class ModifiedKeys implements PubSub.Relay {

    private final PubSub pubsub;
    private volatile boolean wanted;

    ModifiedKeys(PubSub pubsub) {
        this.pubsub = pubsub;
        pubsub.relay(this);
    }

    boolean wanted() {
        return wanted;
    }

    /** After a write ran without error: its keys changed (or may have: Redis invalidates them too). */
    void written(CommandSpec spec, Request r) {
        int keys = spec.keys().count(r);
        for (int k = 0; k < keys; k++) {
            pubsub.publish(Kind.CHANNEL, TrackingChannels.MODIFIED, r.arg(spec.keys().position(r, k)));
        }
    }

    void changed(byte[] key) {
        if (wanted) {
            pubsub.publish(Kind.CHANNEL, TrackingChannels.MODIFIED, key);
        }
    }

    void flushed() {
        if (wanted) {
            pubsub.publish(Kind.CHANNEL, TrackingChannels.FLUSHED, new byte[0]);
        }
    }

    @Override
    public void subscribed(Kind kind, List<byte[]> names) {
        if (kind == Kind.CHANNEL && names.stream().anyMatch(n -> Arrays.equals(n, TrackingChannels.MODIFIED))) {
            wanted = true;
        }
    }

    @Override
    public void unsubscribed(Kind kind, List<byte[]> names) {
        if (kind == Kind.CHANNEL && names.stream().anyMatch(n -> Arrays.equals(n, TrackingChannels.MODIFIED))) {
            wanted = false;
        }
    }

    @Override
    public void awaitInForce() {
        // nothing upstream of a slave
    }
}
