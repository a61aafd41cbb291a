package io.kvcache.command;

import java.util.Locale;
import java.util.Map;

import io.kvcache.protocol.Request;

/**
 * The response policies of container commands whose subcommands merge differently, from Redis's
 * command tips (src/commands/script-*.json, function-*.json): the policy a proxy applies to a {@link ResponsePolicy#BY_SUBCOMMAND}
 * command. An unknown subcommand takes the first shard's reply (its error).
 */
public final class SubcommandPolicies {

    private static final Map<String, ResponsePolicy> POLICIES = Map.ofEntries(
            Map.entry("script|load", ResponsePolicy.DEFAULT), // every shard answers the same digest
            Map.entry("script|exists", ResponsePolicy.AGG_LOGICAL_AND),
            Map.entry("script|flush", ResponsePolicy.ALL_SUCCEEDED),
            Map.entry("script|kill", ResponsePolicy.ANY_SUCCEEDED),
            Map.entry("function|load", ResponsePolicy.DEFAULT), // every shard answers the same library name
            Map.entry("function|delete", ResponsePolicy.ALL_SUCCEEDED),
            Map.entry("function|flush", ResponsePolicy.ALL_SUCCEEDED),
            Map.entry("function|restore", ResponsePolicy.ALL_SUCCEEDED),
            Map.entry("function|kill", ResponsePolicy.ANY_SUCCEEDED));
    // FUNCTION LIST, DUMP and STATS: the first shard's answer (every shard holds the same libraries).

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
