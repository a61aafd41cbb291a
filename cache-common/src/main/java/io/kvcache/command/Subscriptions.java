package io.kvcache.command;

import java.util.EnumMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

import io.kvcache.protocol.ByteKey;

/**
 * What one client subscribes to (Redis's c->pubsub_channels, pubsub_patterns and
 * pubsubshard_channels), in the order it subscribed. Kept by the pub/sub registry, under its lock.
 */
public final class Subscriptions {

    /** The three kinds of subscription, with the words of their replies and messages. */
    public enum Kind {
        CHANNEL("subscribe", "unsubscribe", "message"),
        PATTERN("psubscribe", "punsubscribe", "pmessage"),
        SHARD("ssubscribe", "sunsubscribe", "smessage");

        private final String subscribe;
        private final String unsubscribe;
        private final String message;

        Kind(String subscribe, String unsubscribe, String message) {
            this.subscribe = subscribe;
            this.unsubscribe = unsubscribe;
            this.message = message;
        }

        public String subscribeWord() {
            return subscribe;
        }

        public String unsubscribeWord() {
            return unsubscribe;
        }

        public String messageWord() {
            return message;
        }
    }

    private final Map<Kind, Set<ByteKey>> names = new EnumMap<>(Kind.class);
    private final Consumer<Session> onClose;

    /** @param onClose what the registry does when the client's connection closes (it drops every subscription) */
    public Subscriptions(Consumer<Session> onClose) {
        this.onClose = onClose;
        for (Kind kind : Kind.values()) {
            names.put(kind, new LinkedHashSet<>());
        }
    }

    /** The names of one kind, in subscription order (live: the registry changes it). */
    public Set<ByteKey> of(Kind kind) {
        return names.get(kind);
    }

    /**
     * The count a (un)subscribe reply carries, as Redis 7.0: channels and patterns together, shard
     * channels on their own.
     */
    public int count(Kind kind) {
        return kind == Kind.SHARD ? names.get(Kind.SHARD).size()
                : names.get(Kind.CHANNEL).size() + names.get(Kind.PATTERN).size();
    }

    /** Subscriptions of every kind: the client is in subscribed mode while this is not 0. */
    public int total() {
        return names.get(Kind.CHANNEL).size() + names.get(Kind.PATTERN).size() + names.get(Kind.SHARD).size();
    }

    void closed(Session session) {
        onClose.accept(session);
    }
}
