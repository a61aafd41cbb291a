package io.kvcache.slave.dispatch;

import io.kvcache.command.CommandHandler;
import io.kvcache.command.CommandSpec;

/**
 * A command spec bound to its handler, with its commandstats (calls, time, failures). The
 * counters are written under the dispatcher's lock only.
 */
final class Binding {

    final CommandSpec spec;
    final CommandHandler handler;
    long calls;
    long nanos;
    long failedCalls;
    long rejectedCalls;

    Binding(CommandSpec spec, CommandHandler handler) {
        this.spec = spec;
        this.handler = handler;
    }
}
