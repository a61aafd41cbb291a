package io.kvcache.master.pubsub;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

import io.kvcache.command.Subscriptions.Kind;
import io.kvcache.master.topology.Replica;
import io.kvcache.master.topology.Shard;
import io.kvcache.master.topology.Topology;
import io.kvcache.master.topology.TopologyRegistry;
import io.kvcache.pubsub.PubSub;

/**
 * Subscribes the master, on every shard's primary, to each name its clients subscribe to, so that a
 * message published on any shard (PUBLISH goes to the shard owning the channel's hash; keyspace
 * events come from the shard holding the key) reaches them; with several masters, each relays
 * for its own clients. One {@link ShardSubscriber} per shard, replaced when the shard's primary
 * changes (a failover: messages published meanwhile are lost, as Redis's pub/sub is at most once).
 */
public final class PubSubRelay implements PubSub.Relay, AutoCloseable {

    /** How long a SUBSCRIBE waits for the shards' confirmations before it answers anyway. */
    private static final long IN_FORCE_TIMEOUT_MILLIS = 2000;

    private final PubSub pubsub;
    private final TopologyRegistry topology;
    private final Map<String, ShardSubscriber> links = new ConcurrentHashMap<>();
    private volatile boolean closed;

    public PubSubRelay(PubSub pubsub, TopologyRegistry topology) {
        this.pubsub = pubsub;
        this.topology = topology;
        pubsub.relay(this);
        topology.onPublished(this::reconcile);
    }

    /** One link per shard with a live primary, to that primary; links to anything else close. */
    private synchronized void reconcile(Topology t) {
        if (closed) {
            return;
        }
        for (Shard shard : t.shards().values()) {
            Replica primary = shard.primary();
            InetSocketAddress address = primary != null && primary.isUp() ? primary.dataAddress() : null;
            ShardSubscriber link = links.get(shard.name());
            if (link != null && !link.primary.equals(address)) {
                links.remove(shard.name());
                link.close();
                link = null;
            }
            if (link == null && address != null) {
                open(shard.name(), address);
            }
        }
        links.keySet().removeIf(name -> {
            if (t.shards().containsKey(name)) {
                return false;
            }
            links.get(name).close();
            return true;
        });
    }

    private void open(String shard, InetSocketAddress address) {
        ShardSubscriber[] self = new ShardSubscriber[1];
        self[0] = new ShardSubscriber(shard, address, pubsub, topology.upstreamSettings().greeting(),
                topology.upstreamSettings().connectTimeoutMillis(), () -> ended(self[0]));
        links.put(shard, self[0]);
        self[0].start();
    }

    /** A link ended (the primary died or restarted): open it again after a pause, where the shard's primary is now. */
    private void ended(ShardSubscriber link) {
        if (closed || !links.remove(link.shard, link)) {
            return;
        }
        Thread.ofVirtual().start(() -> {
            try {
                TimeUnit.MILLISECONDS.sleep(RECONNECT_PAUSE_MILLIS);
            } catch (InterruptedException e) {
                return;
            }
            reconcile(topology.current());
        });
    }

    private static final long RECONNECT_PAUSE_MILLIS = 100;

    @Override
    public void subscribed(Kind kind, List<byte[]> names) {
        sendToAll(kind.subscribeWord(), names);
    }

    @Override
    public void unsubscribed(Kind kind, List<byte[]> names) {
        sendToAll(kind.unsubscribeWord(), names);
    }

    /** Under the registry's lock: a link not ready yet sends the registry's names once it is. */
    private void sendToAll(String word, List<byte[]> names) {
        for (ShardSubscriber link : links.values()) {
            if (link.ready()) {
                try {
                    link.send(word, names);
                } catch (IOException e) {
                    link.close(); // it reconnects and subscribes to everything again
                }
            }
        }
    }

    @Override
    public void awaitInForce() {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(IN_FORCE_TIMEOUT_MILLIS);
        try {
            for (ShardSubscriber link : links.values()) {
                link.awaitInForce(deadline);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public synchronized void close() {
        closed = true;
        links.values().forEach(ShardSubscriber::close);
        links.clear();
    }
}
