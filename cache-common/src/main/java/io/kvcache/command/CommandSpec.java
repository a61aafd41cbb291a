package io.kvcache.command;

import java.util.Collections;
import java.util.EnumSet;
import java.util.Set;

/**
 * One command, declared once as data: Redis's name and arity (negative: at least -arity
 * arguments, counting the name), flags, where the keys are, and how a proxy splits and merges
 * it. The table drives arity checks, routing, COMMAND replies and commandstats.
 */
public record CommandSpec(String name, int arity, Set<CommandFlag> flags, KeySpec keys,
                          RequestPolicy requestPolicy, ResponsePolicy responsePolicy) {

    /**
     * The flags kept as an EnumSet, asked directly: flags are asked per command on every path,
     * where Set.of's hash probe, and then the unmodifiable wrapper's extra call, showed in profiles.
     */
    public CommandSpec {
        flags = flags.isEmpty() ? EnumSet.noneOf(CommandFlag.class) : EnumSet.copyOf(flags);
    }

    @Override
    public Set<CommandFlag> flags() {
        return Collections.unmodifiableSet(flags);
    }

    public boolean is(CommandFlag flag) {
        return flags.contains(flag);
    }

    public boolean isWrite() {
        return flags.contains(CommandFlag.WRITE);
    }

    /** commandCheckArity: exact for a positive arity, a minimum for a negative one. */
    public boolean arityAccepts(int argc) {
        return arity >= 0 ? argc == arity : argc >= -arity;
    }
}
