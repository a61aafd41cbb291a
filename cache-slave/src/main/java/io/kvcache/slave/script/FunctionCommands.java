package io.kvcache.slave.script;

import io.kvcache.protocol.GlobMatcher;
import static io.kvcache.command.Commands.FCALL;
import static io.kvcache.command.Commands.FCALL_RO;
import static io.kvcache.command.Commands.FUNCTION;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import io.kvcache.command.Handlers;
import io.kvcache.command.Session;
import io.kvcache.protocol.ErrorReply;
import io.kvcache.protocol.Request;
import io.kvcache.protocol.RespErrors;
import io.kvcache.protocol.RespWriter;
import io.kvcache.slave.store.FunctionPayload;

/**
 * FCALL, FCALL_RO and FUNCTION (Redis 7.0's functions.c). A function runs as a script does
 * (atomically, its effects replicated between MULTI and EXEC, -BUSY and FUNCTION KILL past the
 * threshold); FUNCTION LOAD, DELETE, FLUSH and RESTORE reach replicas through the stream, and a
 * full sync carries every library, so FCALL finds its function after a failover.
 */
public final class FunctionCommands {

    private static final List<String> HELP = List.of(
            "FUNCTION <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
            "LOAD [REPLACE] <FUNCTION CODE>",
            "    Create a new library with the given library name and code.",
            "DELETE <LIBRARY NAME>",
            "    Delete the given library.",
            "LIST [LIBRARYNAME PATTERN] [WITHCODE]",
            "    Return general information on all the libraries:",
            "    * Library name",
            "    * The engine used to run the Library",
            "    * Library description",
            "    * Functions list",
            "    * Library code (if WITHCODE is given)",
            "    It also possible to get only function that matches a pattern using LIBRARYNAME argument.",
            "STATS",
            "    Return information about the current function running:",
            "    * Function name",
            "    * Command used to run the function",
            "    * Duration in MS that the function is running",
            "    If no function is running, return nil",
            "    In addition, returns a list of available engines.",
            "KILL",
            "    Kill the current running function.",
            "FLUSH [ASYNC|SYNC]",
            "    Delete all the libraries.",
            "    When called without the optional mode argument, the behavior is determined by the",
            "    lazyfree-lazy-user-flush configuration directive. Valid modes are:",
            "    * ASYNC: Asynchronously flush the libraries.",
            "    * SYNC: Synchronously flush the libraries.",
            "DUMP",
            "    Return a serialized payload representing the current libraries, can be restored using FUNCTION RESTORE command",
            "RESTORE <PAYLOAD> [FLUSH|APPEND|REPLACE]",
            "    Restore the libraries represented by the given payload, it is possible to give a restore policy to",
            "    control how to handle existing libraries (default APPEND):",
            "    * FLUSH: delete all existing libraries.",
            "    * APPEND: appends the restored libraries to the existing libraries. On collision, abort.",
            "    * REPLACE: appends the restored libraries to the existing libraries, On collision, replace the old",
            "      libraries with the new libraries (notice that even on this option there is a chance of failure",
            "      in case of functions name collision with another library).",
            "HELP",
            "    Prints this help.");

    private final ScriptEngine engine;
    private final FunctionLibraries libraries;
    private final ScriptHost host;

    public FunctionCommands(ScriptEngine engine, ScriptHost host) {
        this.engine = engine;
        this.libraries = engine.functions();
        this.host = host;
    }

    public void register(Handlers h) {
        h.on(FCALL, (r, out, s) -> fcall(r, out, s, false))
                .on(FCALL_RO, (r, out, s) -> fcall(r, out, s, true))
                .on(FUNCTION, this::function);
    }

    /** fcallCommandGeneric and scriptPrepareForRun. */
    private void fcall(Request r, RespWriter out, Session s, boolean readOnlyCommand) {
        int numkeys = ScriptCommands.numkeys(r, "ERR Bad number of keys provided");
        FunctionLibraries.Function function = libraries.function(r.text(1));
        if (function == null) {
            throw new ErrorReply("ERR Function not found");
        }
        ScriptFlags flags = function.flags();
        boolean oom = host.outOfMemory();
        ScriptCommands.refuseStart(flags, readOnlyCommand, oom, host);
        ScriptRun run = new ScriptRun(s, readOnlyCommand || flags.noWrites(), oom, flags.allowOom());
        host.atomically(run, () -> engine.call(function, r.argv(), 3, numkeys, run, out));
    }

    private void function(Request r, RespWriter out, Session s) {
        String sub = r.text(1).toLowerCase(Locale.ROOT);
        switch (sub) {
            case "load" -> load(r, out);
            case "delete" -> {
                arity(sub, r.argc() == 3);
                refuseWrites();
                if (!libraries.delete(r.text(2))) {
                    throw new ErrorReply("ERR Library not found");
                }
                host.propagate(r);
                out.ok();
            }
            case "flush" -> {
                arity(sub, r.argc() <= 3);
                if (r.argc() == 3 && !r.is(2, "sync") && !r.is(2, "async")) {
                    throw new ErrorReply("ERR FUNCTION FLUSH only supports SYNC|ASYNC option");
                }
                refuseWrites();
                libraries.flush();
                host.propagate(r);
                out.ok();
            }
            case "list" -> list(r, out);
            case "stats" -> {
                arity(sub, r.argc() == 2);
                out.array(4).bulk("running_script").nullBulk(); // a running function holds the store: none is seen here
                out.bulk("engines").array(2).bulk("LUA").array(4)
                        .bulk("libraries_count").integer(libraries.libraries().size())
                        .bulk("functions_count").integer(libraries.functionCount());
            }
            case "kill" -> {
                arity(sub, r.argc() == 2);
                String refusal = engine.kill();
                if (refusal != null) {
                    throw new ErrorReply(refusal);
                }
                out.ok();
            }
            case "dump" -> {
                arity(sub, r.argc() == 2);
                out.bulk(FunctionPayload.dump(libraries.libraries().stream().map(FunctionLibraries.Library::code).toList()));
            }
            case "restore" -> restore(r, out);
            case "help" -> {
                arity(sub, r.argc() == 2);
                out.array(HELP.size());
                HELP.forEach(out::simple);
            }
            default -> throw new ErrorReply(String.format(RespErrors.UNKNOWN_SUBCOMMAND_FORMAT, r.text(1), "FUNCTION"));
        }
    }

    /** FUNCTION LOAD [REPLACE] code. */
    private void load(Request r, RespWriter out) {
        boolean replace = r.argc() == 4 && r.is(2, "replace");
        if (r.argc() == 4 && !replace) {
            throw new ErrorReply("ERR Unknown option given: " + r.text(2));
        }
        arity("load", r.argc() == 3 || r.argc() == 4);
        refuseWrites();
        String name = libraries.load(r.arg(r.argc() - 1), replace);
        host.propagate(r);
        out.bulk(name);
    }

    /** FUNCTION LIST [LIBRARYNAME pattern] [WITHCODE]: libraries in name order. */
    private void list(Request r, RespWriter out) {
        boolean withCode = false;
        byte[] pattern = null;
        for (int i = 2; i < r.argc(); i++) {
            if (r.is(i, "withcode") && !withCode) {
                withCode = true;
            } else if (r.is(i, "libraryname") && pattern == null) {
                if (i + 1 >= r.argc()) {
                    throw new ErrorReply("ERR library name argument was not given");
                }
                pattern = r.arg(++i);
            } else {
                throw new ErrorReply("ERR Unknown argument " + r.text(i));
            }
        }
        List<FunctionLibraries.Library> shown = new ArrayList<>();
        for (FunctionLibraries.Library lib : libraries.libraries()) {
            if (pattern == null || GlobMatcher.matchesIgnoreCase(pattern, lib.name().getBytes(StandardCharsets.UTF_8))) {
                shown.add(lib);
            }
        }
        out.array(shown.size());
        for (FunctionLibraries.Library lib : shown) {
            out.array(withCode ? 8 : 6).bulk("library_name").bulk(lib.name()).bulk("engine").bulk("LUA")
                    .bulk("functions").array(lib.functions().size());
            for (FunctionLibraries.Function f : lib.functions()) {
                out.array(6).bulk("name").bulk(f.name()).bulk("description");
                if (f.description() == null) {
                    out.nullBulk();
                } else {
                    out.bulk(f.description());
                }
                List<String> flags = f.flags().names();
                out.bulk("flags").array(flags.size());
                flags.forEach(out::simple); // a set of status strings, as Redis answers them
            }
            if (withCode) {
                out.bulk("library_code").bulk(lib.code());
            }
        }
    }

    /** FUNCTION RESTORE payload [FLUSH|APPEND|REPLACE]: all the payload's libraries, or none. */
    private void restore(Request r, RespWriter out) {
        arity("restore", r.argc() == 3 || r.argc() == 4);
        String policy = r.argc() == 4 ? r.text(3).toLowerCase(Locale.ROOT) : "append";
        if (!List.of("flush", "append", "replace").contains(policy)) {
            throw new ErrorReply("ERR Wrong restore policy given, value should be either FLUSH, APPEND or REPLACE.");
        }
        List<byte[]> codes = FunctionPayload.restore(r.arg(2));
        if (codes == null) {
            throw new ErrorReply("ERR DUMP payload version or checksum are wrong");
        }
        refuseWrites();
        List<FunctionLibraries.Library> before = List.copyOf(libraries.libraries());
        if (policy.equals("flush")) {
            libraries.flush();
        }
        try {
            for (byte[] code : codes) {
                String name = FunctionLibraries.libraryName(code);
                if (policy.equals("append") && libraries.library(name) != null) {
                    throw new ErrorReply("ERR Library " + name + " already exists"); // libraryJoin's wording
                }
                libraries.load(code, policy.equals("replace"));
            }
        } catch (ErrorReply e) {
            libraries.flush(); // as it was: the payload goes in whole or not at all
            before.forEach(lib -> libraries.load(lib.code(), true));
            throw e;
        }
        host.propagate(r);
        out.ok();
    }

    /** FUNCTION's writes are refused where a client's write would be (a replica: READONLY). */
    private void refuseWrites() {
        String refusal = host.refuseWrites();
        if (refusal != null) {
            throw new ErrorReply(refusal);
        }
    }

    private static void arity(String sub, boolean ok) {
        if (!ok) {
            throw new ErrorReply(RespErrors.wrongArity("function|" + sub));
        }
    }
}
