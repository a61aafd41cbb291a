package io.kvcache.command;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

import io.kvcache.protocol.ErrorReply;
import io.kvcache.protocol.Request;
import io.kvcache.protocol.RespWriter;


/** Where each command family registers the handler of each spec it implements. */
public final class Handlers {

    private final Map<CommandSpec, CommandHandler> handlers = new IdentityHashMap<>();

    public Handlers on(CommandSpec spec, CommandHandler handler) {
        if (handlers.putIfAbsent(spec, handler) != null) {
            throw new IllegalStateException("Two handlers for " + spec.name());
        }
        return this;
    }

    /** The specs of the table that have no handler (a test keeps this empty). */
    public List<String> missing(CommandTable table) {
        List<String> missing = new ArrayList<>();
        for (CommandSpec spec : table.specs()) {
            if (!handlers.containsKey(spec)) {
                missing.add(spec.name());
            }
        }
        return missing;
    }

    public CommandHandler get(CommandSpec spec) {
        return handlers.get(spec);
    }

    /** Runs spec's handler, appending its reply to out; an {@link ErrorReply} replaces what it wrote with the error. */
    public void answer(CommandSpec spec, Request request, RespWriter out, Session session) {
        int mark = out.size();
        try {
            handlers.get(spec).handle(request, out, session);
        } catch (ErrorReply e) {
            out.truncate(mark);
            out.error(e.getMessage());
        }
    }
}
