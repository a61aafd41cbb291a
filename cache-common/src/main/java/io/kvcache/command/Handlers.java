package io.kvcache.command;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;


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
}
