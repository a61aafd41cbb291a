package io.kvcache.master.tracking;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import io.kvcache.command.Arguments;
import io.kvcache.command.Clients;
import io.kvcache.command.CommandFlag;
import io.kvcache.command.CommandSpec;
import io.kvcache.command.Session;
import io.kvcache.command.Subscriptions.Kind;
import io.kvcache.command.TrackingCommands;
import io.kvcache.protocol.ByteKey;
import io.kvcache.protocol.ErrorReply;
import io.kvcache.protocol.Replies;
import io.kvcache.protocol.Request;
import io.kvcache.protocol.RespErrors;
import io.kvcache.protocol.RespWriter;
import io.kvcache.pubsub.PubSub;
import io.kvcache.pubsub.TrackingChannels;

/**
 * Client-side caching (Redis's tracking.c) on the master: CLIENT TRACKING in its default mode (the
 * keys a client read are remembered, and it hears once when one changes) and in BCAST mode (it
 * hears of every change under its prefixes), with REDIRECT, OPTIN, OPTOUT and NOLOOP.
 * <p>
 * The changes come from the slaves, which see every write, expiry and eviction whichever master
 * sent it: while any client tracks, the master subscribes (through its relay, on every shard) to
 * {@link TrackingChannels#MODIFIED} and {@link TrackingChannels#FLUSHED}. An invalidation goes to a
 * RESP3 client as a push, to a RESP2 client through the client it redirects to, subscribed to
 * {@code __redis__:invalidate}.
 */
public final class ClientTracking implements TrackingCommands {

    private static final String SYNTAX = RespErrors.SYNTAX;

    private final PubSub pubsub;
    private final Clients clients;
    /** The master's own listener of the slaves' changes, subscribed while anyone tracks. */
    private final Session listener = new Session(0, "client-tracking", "internal");
    private final Map<Session, State> states = new IdentityHashMap<>();
    /** Default mode: which clients read each key since its last invalidation. */
    private final Map<ByteKey, Set<Session>> readers = new HashMap<>();
    /** Keys a NOLOOP client wrote, whose next invalidation it does not hear. */
    private final Map<ByteKey, Set<Session>> ownWrites = new HashMap<>();
    /** Subscribed to the slaves' changes (written under this object's lock). */
    private volatile boolean listening;

    /** One tracking client's options. */
    private static final class State {
        long redirect;
        boolean bcast;
        boolean optin;
        boolean optout;
        boolean noloop;
        /** CLIENT CACHING yes (OPTIN) or no (OPTOUT) for the next command. */
        boolean caching;
        final List<byte[]> prefixes = new ArrayList<>();
    }

    public ClientTracking(PubSub pubsub, Clients clients) {
        this.pubsub = pubsub;
        this.clients = clients;
        listener.pushTo(this::changed);
    }

    @Override
    public void tracking(Request r, RespWriter out, Session s) {
        State next = new State();
        int prefixes = 0;
        for (int j = 3; j < r.argc(); j++) {
            boolean more = j < r.argc() - 1;
            if (r.is(j, "redirect") && more) {
                j++;
                if (next.redirect != 0) {
                    throw new ErrorReply("ERR A client can only redirect to a single other client");
                }
                next.redirect = Arguments.longArg(r, j);
                if (clients.byId(next.redirect) == null) {
                    throw new ErrorReply("ERR The client ID you want redirect to does not exist");
                }
            } else if (r.is(j, "bcast")) {
                next.bcast = true;
            } else if (r.is(j, "optin")) {
                next.optin = true;
            } else if (r.is(j, "optout")) {
                next.optout = true;
            } else if (r.is(j, "noloop")) {
                next.noloop = true;
            } else if (r.is(j, "prefix") && more) {
                next.prefixes.add(r.arg(++j));
                prefixes++;
            } else {
                throw new ErrorReply(SYNTAX);
            }
        }
        if (r.is(2, "on")) {
            enable(s, next, prefixes);
        } else if (r.is(2, "off")) {
            disable(s);
        } else {
            throw new ErrorReply(SYNTAX);
        }
        out.ok();
    }

    private void enable(Session s, State next, int prefixes) {
        boolean first;
        synchronized (this) {
            State current = states.get(s);
            if (!next.bcast && prefixes > 0) {
                throw new ErrorReply("ERR PREFIX option requires BCAST mode to be enabled");
            }
            if (current != null && current.bcast != next.bcast) {
                throw new ErrorReply("ERR You can't switch BCAST mode on/off before disabling tracking for this "
                        + "client, and then re-enabling it with a different mode.");
            }
            if (next.bcast && (next.optin || next.optout)) {
                throw new ErrorReply("ERR OPTIN and OPTOUT are not compatible with BCAST");
            }
            if (next.optin && next.optout) {
                throw new ErrorReply("ERR You can't use both OPTIN and OPTOUT");
            }
            if (current != null && (next.optin && current.optout || next.optout && current.optin)) {
                throw new ErrorReply("ERR You can't switch OPTIN/OPTOUT mode before disabling tracking for this "
                        + "client, and then re-enabling it with a different mode.");
            }
            if (current != null) {
                next.prefixes.addAll(0, current.prefixes); // enableTracking adds prefixes to those it has
            }
            if (next.bcast && next.prefixes.isEmpty()) {
                next.prefixes.add(new byte[0]); // BCAST without a prefix: every key
            }
            first = current == null;
            states.put(s, next);
            s.tracking(true);
            if (first) {
                s.whenClosed(() -> disable(s));
            }
        }
        if (first) {
            listen();
        }
    }

    /** Subscribes to the slaves' changes when the first client tracks; returns once they are in force. */
    private void listen() {
        synchronized (this) {
            if (listening) {
                return;
            }
            listening = true;
        }
        pubsub.subscribe(Kind.CHANNEL, listener, TrackingChannels.MODIFIED);
        pubsub.subscribe(Kind.CHANNEL, listener, TrackingChannels.FLUSHED);
        pubsub.awaitInForce(); // a key read after this reply must not miss its invalidation
    }

    private void disable(Session s) {
        boolean last;
        synchronized (this) {
            if (states.remove(s) == null) {
                return;
            }
            s.tracking(false);
            for (Set<Session> sessions : readers.values()) {
                sessions.remove(s);
            }
            readers.values().removeIf(Set::isEmpty);
            ownWrites.values().forEach(sessions -> sessions.remove(s));
            ownWrites.values().removeIf(Set::isEmpty);
            last = states.isEmpty() && listening;
            if (last) {
                listening = false;
            }
        }
        if (last) {
            pubsub.unsubscribe(Kind.CHANNEL, listener, TrackingChannels.MODIFIED);
            pubsub.unsubscribe(Kind.CHANNEL, listener, TrackingChannels.FLUSHED);
        }
    }

    /** Whether CLIENT TRACKING ON would start the subscription to the slaves' changes (it then waits for them). */
    public boolean wouldListen(CommandSpec spec, Request r) {
        return spec == io.kvcache.command.Commands.CLIENT && r.argc() >= 3 && r.is(1, "tracking") && r.is(2, "on")
                && !listening;
    }

    @Override
    public synchronized void caching(Request r, RespWriter out, Session s) {
        State state = states.get(s);
        if (state == null) {
            throw new ErrorReply("ERR CLIENT CACHING can be called only when the client is in tracking mode with "
                    + "OPTIN or OPTOUT mode enabled");
        }
        if (r.is(2, "yes")) {
            if (!state.optin) {
                throw new ErrorReply("ERR CLIENT CACHING YES is only valid when tracking is enabled in OPTIN mode.");
            }
        } else if (r.is(2, "no")) {
            if (!state.optout) {
                throw new ErrorReply("ERR CLIENT CACHING NO is only valid when tracking is enabled in OPTOUT mode.");
            }
        } else {
            throw new ErrorReply(SYNTAX);
        }
        state.caching = true;
        out.ok();
    }

    @Override
    public synchronized void getredir(Request r, RespWriter out, Session s) {
        State state = states.get(s);
        out.integer(state == null ? -1 : state.redirect);
    }

    @Override
    public synchronized void trackinginfo(Request r, RespWriter out, Session s) {
        State state = states.get(s);
        List<String> flags = new ArrayList<>();
        if (state == null) {
            flags.add("off");
        } else {
            flags.add("on");
            if (state.bcast) {
                flags.add("bcast");
            }
            if (state.optin) {
                flags.add("optin");
                if (state.caching) {
                    flags.add("caching-yes");
                }
            }
            if (state.optout) {
                flags.add("optout");
                if (state.caching) {
                    flags.add("caching-no");
                }
            }
            if (state.noloop) {
                flags.add("noloop");
            }
            if (state.redirect != 0 && clients.byId(state.redirect) == null) {
                flags.add("broken_redirect");
            }
        }
        out.array(6).bulk("flags").array(flags.size());
        flags.forEach(out::bulk);
        out.bulk("redirect").integer(state == null ? -1 : state.redirect);
        out.bulk("prefixes");
        List<byte[]> prefixes = state == null || !state.bcast ? List.of() : state.prefixes;
        out.array(prefixes.size());
        prefixes.forEach(out::bulk);
    }

    /**
     * A command a tracking client sent ({@link Session#isTracking()}), before it runs: a read of a tracking client remembers its keys
     * (trackingRememberKeys, with OPTIN/OPTOUT's CLIENT CACHING); a write of a NOLOOP client marks
     * its keys as its own. CLIENT CACHING's choice lasts one command.
     */
    public void routed(CommandSpec spec, Request r, Session s) {
        synchronized (this) {
            State state = states.get(s);
            if (state == null || spec == null) {
                return;
            }
            boolean cachingCommand = spec == io.kvcache.command.Commands.CLIENT && r.argc() > 1 && r.is(1, "caching");
            if (spec.is(CommandFlag.READONLY) && spec.keys().hasKeys() && !state.bcast
                    && (state.optin ? state.caching : !(state.optout && state.caching))) {
                int keys = spec.keys().count(r);
                for (int k = 0; k < keys; k++) {
                    readers.computeIfAbsent(new ByteKey(r.arg(spec.keys().position(r, k))),
                            x -> new LinkedHashSet<>()).add(s);
                }
            }
            if (state.noloop && spec.isWrite() && spec.keys().hasKeys()) {
                int keys = spec.keys().count(r);
                for (int k = 0; k < keys; k++) {
                    ownWrites.computeIfAbsent(new ByteKey(r.arg(spec.keys().position(r, k))),
                            x -> new HashSet<>()).add(s);
                }
            }
            if (!cachingCommand) {
                state.caching = false;
            }
        }
    }

    /** A message from a slave: a key changed (invalidate its readers and the prefixes it falls under) or a flush. */
    private void changed(byte[] frame) {
        List<byte[]> elements = Replies.elements(frame);
        if (elements.size() != 3) {
            return;
        }
        byte[] channel = Replies.bulk(elements.get(1));
        byte[] key = Replies.bulk(elements.get(2));
        List<Session> receivers = new ArrayList<>();
        boolean flush = java.util.Arrays.equals(channel, TrackingChannels.FLUSHED);
        synchronized (this) {
            if (flush) {
                receivers.addAll(states.keySet());
                readers.clear();
                ownWrites.clear();
            } else {
                ByteKey k = new ByteKey(key);
                Set<Session> own = ownWrites.remove(k);
                Set<Session> read = readers.remove(k);
                if (read != null) {
                    read.stream().filter(s -> own == null || !own.contains(s)).forEach(receivers::add);
                }
                for (Map.Entry<Session, State> e : states.entrySet()) {
                    if (e.getValue().bcast && underPrefix(e.getValue(), key)
                            && !(e.getValue().noloop && own != null && own.contains(e.getKey()))) {
                        receivers.add(e.getKey());
                    }
                }
            }
        }
        for (Session s : receivers) {
            invalidate(s, flush ? null : key);
        }
    }

    private static boolean underPrefix(State state, byte[] key) {
        for (byte[] prefix : state.prefixes) {
            if (key.length >= prefix.length && java.util.Arrays.equals(key, 0, prefix.length, prefix, 0, prefix.length)) {
                return true;
            }
        }
        return false;
    }

    /** sendTrackingMessage: to the client in RESP3, else to the client it redirects to, if that one listens. */
    private void invalidate(Session s, byte[] key) {
        long redirect;
        synchronized (this) {
            State state = states.get(s);
            if (state == null) {
                return;
            }
            redirect = state.redirect;
        }
        if (redirect != 0) {
            Session target = clients.byId(redirect);
            if (target == null) {
                if (s.isResp3()) {
                    RespWriter w = new RespWriter(48);
                    w.array(2).bulk("tracking-redir-broken").integer(redirect);
                    s.push(w.toByteArray()); // a push: Session.push makes it one in RESP3
                }
                return;
            }
            if (target.isResp3() || target.isSubscribed()) {
                RespWriter w = new RespWriter(64 + (key == null ? 0 : key.length));
                w.array(3).bulk("message").bulk(TrackingChannels.INVALIDATE);
                keys(w, key, target.isResp3());
                target.push(w.toByteArray());
            }
        } else if (s.isResp3()) {
            RespWriter w = new RespWriter(32 + (key == null ? 0 : key.length));
            w.array(2).bulk("invalidate");
            keys(w, key, true);
            s.push(w.toByteArray());
        }
    }

    private static void keys(RespWriter w, byte[] key, boolean resp3) {
        if (key == null) {
            w.raw(resp3 ? NULL3 : "$-1\r\n".getBytes(StandardCharsets.US_ASCII)); // a flush: every key
        } else {
            w.array(1).bulk(key);
        }
    }

    private static final byte[] NULL3 = {'_', '\r', '\n'};
}
