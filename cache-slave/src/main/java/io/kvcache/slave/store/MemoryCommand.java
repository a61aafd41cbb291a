package io.kvcache.slave.store;

import static io.kvcache.command.Commands.MEMORY;

import java.util.List;
import java.util.Locale;

import io.kvcache.command.Arguments;
import io.kvcache.command.Handlers;
import io.kvcache.command.Session;
import io.kvcache.protocol.ErrorReply;
import io.kvcache.protocol.Request;
import io.kvcache.protocol.RespErrors;
import io.kvcache.protocol.RespWriter;

/**
 * MEMORY USAGE, PURGE and HELP (Redis 7.0's object.c memoryCommand). USAGE answers the bytes
 * this store accounts for the key (its entry, key and value: the {@link Footprint} that
 * used_memory and maxmemory count), not jemalloc's; it always measures every element, so SAMPLES
 * is checked and otherwise ignored. PURGE has nothing to release to an allocator: OK.
 */
final class MemoryCommand {

    private static final List<String> HELP = List.of(
            "MEMORY <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
            "DOCTOR",
            "    Return memory problems reports.",
            "MALLOC-STATS",
            "    Return internal statistics report from the memory allocator.",
            "PURGE",
            "    Attempt to purge dirty pages for reclamation by the allocator.",
            "STATS",
            "    Return information about the memory usage of the server.",
            "USAGE <key> [SAMPLES <count>]",
            "    Return memory in bytes used by <key> and its value. Nested values are",
            "    sampled up to <count> times (default: 5, 0 means sample all).",
            "HELP",
            "    Prints this help.");

    private final Keyspace db;

    MemoryCommand(Keyspace db) {
        this.db = db;
    }

    void register(Handlers h) {
        h.on(MEMORY, this::memory);
    }

    private void memory(Request r, RespWriter out, Session s) {
        String sub = r.text(1).toLowerCase(Locale.ROOT);
        switch (sub) {
            case "usage" -> usage(r, out);
            case "purge" -> {
                if (r.argc() != 2) {
                    throw new ErrorReply(RespErrors.wrongArity("memory|purge"));
                }
                out.ok();
            }
            case "help" -> {
                if (r.argc() != 2) {
                    throw new ErrorReply(RespErrors.wrongArity("memory|help"));
                }
                out.array(HELP.size());
                HELP.forEach(out::simple);
            }
            default -> throw new ErrorReply(String.format(RespErrors.UNKNOWN_SUBCOMMAND_FORMAT, r.text(1), "MEMORY"));
        }
    }

    private void usage(Request r, RespWriter out) {
        if (r.argc() < 3) {
            throw new ErrorReply(RespErrors.wrongArity("memory|usage"));
        }
        for (int j = 3; j < r.argc(); j++) {
            if (r.is(j, "samples") && j + 1 < r.argc()) {
                if (Arguments.longArg(r, ++j) < 0) {
                    throw Arguments.SYNTAX;
                }
            } else {
                throw Arguments.SYNTAX;
            }
        }
        Long bytes = db.memoryUsage(r.arg(2));
        if (bytes == null) {
            out.nullBulk();
        } else {
            out.integer(bytes);
        }
    }
}
