package io.kvcache.pubsub;

import static io.kvcache.command.Commands.*;

import java.util.ArrayList;
import java.util.List;

import io.kvcache.command.CommandSpec;
import io.kvcache.command.Handlers;
import io.kvcache.command.Session;
import io.kvcache.command.Subscriptions.Kind;
import io.kvcache.protocol.ErrorReply;
import io.kvcache.protocol.Request;
import io.kvcache.protocol.RespErrors;
import io.kvcache.protocol.RespWriter;

/**
 * SUBSCRIBE, UNSUBSCRIBE, PSUBSCRIBE, PUNSUBSCRIBE, SSUBSCRIBE, SUNSUBSCRIBE, PUBLISH, SPUBLISH and
 * PUBSUB over one {@link PubSub} registry, with pubsub.c's replies; and the rule of subscribed mode.
 */
public final class PubSubCommands {

    private final PubSub pubsub;

    public PubSubCommands(PubSub pubsub) {
        this.pubsub = pubsub;
    }

    public void register(Handlers h) {
        h.on(SUBSCRIBE, (r, out, s) -> subscribe(Kind.CHANNEL, r, out, s))
                .on(PSUBSCRIBE, (r, out, s) -> subscribe(Kind.PATTERN, r, out, s))
                .on(SSUBSCRIBE, (r, out, s) -> subscribe(Kind.SHARD, r, out, s))
                .on(UNSUBSCRIBE, (r, out, s) -> unsubscribe(Kind.CHANNEL, r, out, s))
                .on(PUNSUBSCRIBE, (r, out, s) -> unsubscribe(Kind.PATTERN, r, out, s))
                .on(SUNSUBSCRIBE, (r, out, s) -> unsubscribe(Kind.SHARD, r, out, s))
                .on(PUBLISH, (r, out, s) -> out.integer(pubsub.publish(Kind.CHANNEL, r.arg(1), r.arg(2))))
                .on(SPUBLISH, (r, out, s) -> out.integer(pubsub.publish(Kind.SHARD, r.arg(1), r.arg(2))))
                .on(PUBSUB_CMD, this::pubsubCommand);
    }

    /**
     * processCommand's rule for a RESP2 client in subscribed mode: only (P|S)SUBSCRIBE,
     * (P|S)UNSUBSCRIBE, PING, QUIT and RESET run.
     *
     * @return the error to answer, or null when the command may run
     */
    public static String refusal(CommandSpec spec, Request r, Session session) {
        if (!session.inSubscribedMode() || ALLOWED_WHILE_SUBSCRIBED.contains(spec)) {
            return null;
        }
        String name = CONTAINERS.contains(spec) && r.argc() > 1
                ? spec.name() + "|" + r.text(1).toLowerCase(java.util.Locale.ROOT) : spec.name();
        return "ERR Can't execute '" + name + "': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET "
                + "are allowed in this context";
    }

    private static final java.util.Set<CommandSpec> ALLOWED_WHILE_SUBSCRIBED = java.util.Set.of(
            SUBSCRIBE, PSUBSCRIBE, SSUBSCRIBE, UNSUBSCRIBE, PUNSUBSCRIBE, SUNSUBSCRIBE, PING, QUIT);

    /** Commands made of subcommands, which Redis names by their full name ("pubsub|numsub") in this error. */
    private static final java.util.Set<CommandSpec> CONTAINERS = java.util.Set.of(
            CLIENT, CONFIG, COMMAND, SCRIPT, FUNCTION, OBJECT, MEMORY, PUBSUB_CMD, CLUSTER);

    private void subscribe(Kind kind, Request r, RespWriter out, Session s) {
        for (int j = 1; j < r.argc(); j++) {
            int count = pubsub.subscribe(kind, s, r.arg(j));
            PubSubFrames.confirmation(out, kind.subscribeWord(), r.arg(j), count);
        }
        pubsub.relay().awaitInForce(); // the client may publish as soon as it reads the confirmation
    }

    private void unsubscribe(Kind kind, Request r, RespWriter out, Session s) {
        List<byte[]> names = new ArrayList<>();
        for (int j = 1; j < r.argc(); j++) {
            names.add(r.arg(j));
        }
        if (names.isEmpty()) {
            names = pubsub.namesOf(kind, s);
            if (names.isEmpty()) { // pubsubUnsubscribeAll* with nothing to leave still answers once
                PubSubFrames.confirmation(out, kind.unsubscribeWord(), null, countOf(kind, s));
                return;
            }
        }
        for (byte[] name : names) {
            int count = pubsub.unsubscribe(kind, s, name);
            PubSubFrames.confirmation(out, kind.unsubscribeWord(), name, count);
        }
    }

    private static int countOf(Kind kind, Session s) {
        return s.subscriptions() == null ? 0 : s.subscriptions().count(kind);
    }

    /** PUBSUB CHANNELS|NUMSUB|NUMPAT|SHARDCHANNELS|SHARDNUMSUB|HELP: this server's subscriptions. */
    private void pubsubCommand(Request r, RespWriter out, Session s) {
        String sub = r.text(1).toLowerCase(java.util.Locale.ROOT);
        switch (sub) {
            case "channels", "shardchannels" -> {
                if (r.argc() > 3) {
                    throw new ErrorReply(String.format(RespErrors.SUBCOMMAND_SYNTAX_FORMAT, r.text(1), "PUBSUB"));
                }
                Kind kind = sub.equals("channels") ? Kind.CHANNEL : Kind.SHARD;
                List<byte[]> names = pubsub.names(kind, r.argc() == 3 ? r.arg(2) : null);
                out.array(names.size());
                names.forEach(out::bulk);
            }
            case "numsub", "shardnumsub" -> {
                Kind kind = sub.equals("numsub") ? Kind.CHANNEL : Kind.SHARD;
                out.array((r.argc() - 2) * 2);
                for (int j = 2; j < r.argc(); j++) {
                    out.bulk(r.arg(j)).integer(pubsub.subscriberCount(kind, r.arg(j)));
                }
            }
            case "numpat" -> {
                if (r.argc() != 2) {
                    throw new ErrorReply(RespErrors.wrongArity("pubsub|numpat"));
                }
                out.integer(pubsub.patternCount());
            }
            case "help" -> {
                if (r.argc() != 2) {
                    throw new ErrorReply(RespErrors.wrongArity("pubsub|help"));
                }
                List<String> lines = List.of(
                        "PUBSUB <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
                        "CHANNELS [<pattern>]",
                        "    Return the currently active channels matching a <pattern> (default: '*').",
                        "NUMPAT",
                        "    Return number of subscriptions to patterns.",
                        "NUMSUB [<channel> ...]",
                        "    Return the number of subscribers for the specified channels, excluding",
                        "    pattern subscriptions(default: no channels).",
                        "SHARDCHANNELS [<pattern>]",
                        "    Return the currently active shard level channels matching a <pattern> (default: '*').",
                        "SHARDNUMSUB [<shardchannel> ...]",
                        "    Return the number of subscribers for the specified shard level channel(s)",
                        "HELP",
                        "    Prints this help.");
                out.array(lines.size());
                lines.forEach(out::simple);
            }
            default -> throw new ErrorReply(String.format(RespErrors.UNKNOWN_SUBCOMMAND_FORMAT, r.text(1), "PUBSUB"));
        }
    }
}
