package io.kvcache.pubsub;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import io.kvcache.command.Session;
import io.kvcache.command.Subscriptions;
import io.kvcache.command.Subscriptions.Kind;
import io.kvcache.protocol.ByteKey;
import io.kvcache.protocol.GlobMatcher;

/**
 * The channels, patterns and shard channels of one server and who subscribes to each, as Redis's
 * pubsub.c keeps them (server.pubsub_channels, pubsub_patterns, pubsubshard_channels): each name's
 * subscribers in the order they subscribed, which is the order a message reaches them. Thread-safe
 * (one lock: subscriptions change rarely next to the data path).
 * <p>
 * A {@link Relay} hears when a name gains its first subscriber or loses its last: the master
 * subscribes upstream to what its clients subscribe to (docs/pubsub.md).
 */
public final class PubSub {

    /** Told of the names this server needs from elsewhere; called under the registry's lock, in order. */
    public interface Relay {
        void subscribed(Kind kind, List<byte[]> names);

        void unsubscribed(Kind kind, List<byte[]> names);

        /** Waits (bounded) until what was asked upstream so far is in force: a SUBSCRIBE answers after it. */
        void awaitInForce();

        Relay NONE = new Relay() {
            @Override
            public void subscribed(Kind kind, List<byte[]> names) {
            }

            @Override
            public void unsubscribed(Kind kind, List<byte[]> names) {
            }

            @Override
            public void awaitInForce() {
            }
        };
    }

    private final Map<Kind, Map<ByteKey, Set<Session>>> subscribers = new java.util.EnumMap<>(Kind.class);
    /** Each name's subscribers as an array, made when a message first needs it after a change: a fan-out copies nothing. */
    private final Map<Kind, Map<ByteKey, Session[]>> snapshots = new java.util.EnumMap<>(Kind.class);
    private volatile Relay relay = Relay.NONE;

    public PubSub() {
        for (Kind kind : Kind.values()) {
            subscribers.put(kind, new HashMap<>());
            snapshots.put(kind, new HashMap<>());
        }
    }

    public void relay(Relay relay) {
        this.relay = relay;
    }

    Relay relay() {
        return relay;
    }

    /** Waits (bounded) until what was subscribed so far is in force upstream (nothing to wait for without a relay). */
    public void awaitInForce() {
        relay.awaitInForce();
    }

    /** Subscribes the session; returns its count for the reply (Redis's subscription count of that kind). */
    public synchronized int subscribe(Kind kind, Session session, byte[] name) {
        Subscriptions subs = session.subscriptions();
        if (subs == null) {
            subs = new Subscriptions(this::closed);
            session.subscriptions(subs);
        }
        ByteKey key = new ByteKey(name);
        if (subs.of(kind).add(key)) {
            Set<Session> sessions = subscribers.get(kind).computeIfAbsent(key, k -> new LinkedHashSet<>());
            sessions.add(session);
            snapshots.get(kind).remove(key);
            if (sessions.size() == 1) {
                relay.subscribed(kind, List.of(name));
            }
        }
        return subs.count(kind);
    }

    /** Unsubscribes the session from one name; returns its count for the reply. */
    public synchronized int unsubscribe(Kind kind, Session session, byte[] name) {
        Subscriptions subs = session.subscriptions();
        if (subs == null) {
            return 0;
        }
        ByteKey key = new ByteKey(name);
        if (subs.of(kind).remove(key)) {
            drop(kind, session, key);
        }
        return subs.count(kind);
    }

    /** The session's names of one kind, in the order it subscribed (UNSUBSCRIBE without arguments). */
    public synchronized List<byte[]> namesOf(Kind kind, Session session) {
        Subscriptions subs = session.subscriptions();
        List<byte[]> names = new ArrayList<>();
        if (subs != null) {
            subs.of(kind).forEach(k -> names.add(k.bytes()));
        }
        return names;
    }

    /** The session's connection closed: every subscription goes (pubsubUnsubscribeAll*, without replies). */
    private synchronized void closed(Session session) {
        Subscriptions subs = session.subscriptions();
        for (Kind kind : Kind.values()) {
            for (ByteKey key : subs.of(kind)) {
                drop(kind, session, key);
            }
            subs.of(kind).clear();
        }
    }

    private void drop(Kind kind, Session session, ByteKey key) {
        Map<ByteKey, Set<Session>> byName = subscribers.get(kind);
        Set<Session> sessions = byName.get(key);
        snapshots.get(kind).remove(key);
        if (sessions != null && sessions.remove(session) && sessions.isEmpty()) {
            byName.remove(key);
            relay.unsubscribed(kind, List.of(key.bytes()));
        }
    }

    /**
     * PUBLISH (or SPUBLISH with {@link Kind#SHARD}): sends the message to the channel's subscribers,
     * then, for PUBLISH, to each pattern's that matches, as pubsubPublishMessage.
     *
     * @return the number of deliveries (a client subscribed to the channel and to a matching pattern counts twice)
     */
    public int publish(Kind kind, byte[] channel, byte[] message) {
        Session[] channelReceivers;
        List<Map.Entry<ByteKey, List<Session>>> patternReceivers = List.of();
        synchronized (this) {
            channelReceivers = snapshot(kind, new ByteKey(channel));
            if (kind == Kind.CHANNEL && !subscribers.get(Kind.PATTERN).isEmpty()) {
                patternReceivers = new ArrayList<>();
                for (Map.Entry<ByteKey, Set<Session>> e : subscribers.get(Kind.PATTERN).entrySet()) {
                    if (GlobMatcher.matches(e.getKey().bytes(), channel)) {
                        patternReceivers.add(Map.entry(e.getKey(), List.copyOf(e.getValue())));
                    }
                }
            }
        }
        int count = channelReceivers.length;
        if (count > 0) {
            byte[] frame = PubSubFrames.message(kind.messageWord(), channel, message);
            for (Session s : channelReceivers) {
                s.push(frame);
            }
        }
        for (Map.Entry<ByteKey, List<Session>> e : patternReceivers) {
            byte[] frame = PubSubFrames.patternMessage(e.getKey().bytes(), channel, message);
            e.getValue().forEach(s -> s.push(frame));
            count += e.getValue().size();
        }
        return count;
    }

    /**
     * A message that arrived from upstream for one name this server subscribes to (the master's
     * relay): the frame goes as it is to that name's subscribers of this kind.
     */
    public void deliver(Kind kind, byte[] name, byte[] frame) {
        Session[] receivers;
        synchronized (this) {
            receivers = snapshot(kind, new ByteKey(name));
        }
        for (Session s : receivers) {
            s.push(frame);
        }
    }

    /** How many deliveries a PUBLISH on this channel makes here now (the count a master answers). */
    public synchronized int receivers(Kind kind, byte[] channel) {
        Set<Session> direct = subscribers.get(kind).get(new ByteKey(channel));
        int count = direct == null ? 0 : direct.size();
        if (kind == Kind.CHANNEL) {
            for (Map.Entry<ByteKey, Set<Session>> e : subscribers.get(Kind.PATTERN).entrySet()) {
                if (GlobMatcher.matches(e.getKey().bytes(), channel)) {
                    count += e.getValue().size();
                }
            }
        }
        return count;
    }

    /** PUBSUB CHANNELS / SHARDCHANNELS: the names with a subscriber, matching the pattern when one is given. */
    public synchronized List<byte[]> names(Kind kind, byte[] pattern) {
        List<byte[]> names = new ArrayList<>();
        for (ByteKey key : subscribers.get(kind).keySet()) {
            if (pattern == null || GlobMatcher.matches(pattern, key.bytes())) {
                names.add(key.bytes());
            }
        }
        return names;
    }

    /** PUBSUB NUMSUB / SHARDNUMSUB: a name's subscribers (patterns aside). */
    public synchronized int subscriberCount(Kind kind, byte[] name) {
        Set<Session> sessions = subscribers.get(kind).get(new ByteKey(name));
        return sessions == null ? 0 : sessions.size();
    }

    /** PUBSUB NUMPAT: patterns with a subscriber. */
    public synchronized int patternCount() {
        return subscribers.get(Kind.PATTERN).size();
    }

    /** Every name of one kind with a subscriber here: what a new upstream link subscribes to. */
    public synchronized void forEachName(Kind kind, java.util.function.Consumer<byte[]> action) {
        subscribers.get(kind).keySet().forEach(k -> action.accept(k.bytes()));
    }

    /** Runs action under the registry's lock: no subscription changes meanwhile (a relay's resubscription). */
    public synchronized void locked(Runnable action) {
        action.run();
    }

    private static final Session[] NONE = new Session[0];

    /** The name's subscribers now, as an array no change will touch (under the lock). */
    private Session[] snapshot(Kind kind, ByteKey key) {
        Session[] cached = snapshots.get(kind).get(key);
        if (cached == null) {
            Set<Session> sessions = subscribers.get(kind).get(key);
            if (sessions == null) {
                return NONE;
            }
            cached = sessions.toArray(NONE);
            snapshots.get(kind).put(key, cached);
        }
        return cached;
    }
}
