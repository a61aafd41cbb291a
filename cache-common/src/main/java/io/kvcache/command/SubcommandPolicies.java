package io.kvcache.command;

import java.util.Locale;
import java.util.Map;

import io.kvcache.protocol.Request;

/**
 * The response policies of container commands whose subcommands merge differently, from Redis's
 * command tips (src/commands/script-*.json): the policy a proxy applies to a {@link ResponsePolicy#BY_SUBCOMMAND}
 * command. An unknown subcommand takes the first shard's reply (its error).
 */
public final class SubcommandPolicies {

    private static final Map<String, ResponsePolicy> POLICIES = Map.of(
            "script|load", ResponsePolicy.DEFAULT, // every shard answers the same digest
            "script|exists", ResponsePolicy.AGG_LOGICAL_AND,
            "script|flush", ResponsePolicy.ALL_SUCCEEDED,
            "script|kill", ResponsePolicy.ANY_SUCCEEDED);

    private SubcommandPolicies() {
    }

    /** The policy of r's subcommand of spec; spec's own when it is not split by subcommand. */
    public static ResponsePolicy of(CommandSpec spec, Request r) {
        if (spec.responsePolicy() != ResponsePolicy.BY_SUBCOMMAND) {
            return spec.responsePolicy();
        }
        String key = spec.name() + "|" + (r.argc() > 1 ? r.text(1).toLowerCase(Locale.ROOT) : "");
        return POLICIES.getOrDefault(key, ResponsePolicy.DEFAULT);
    }
}
