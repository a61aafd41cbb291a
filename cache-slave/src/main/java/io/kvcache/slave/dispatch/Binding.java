package io.kvcache.slave.dispatch;

import io.kvcache.command.CommandHandler;
import io.kvcache.command.CommandSpec;

/** A command spec bound to its handler. */
final class Binding {

    final CommandSpec spec;
    final CommandHandler handler;
    Binding(CommandSpec spec, CommandHandler handler) {
        this.spec = spec;
        this.handler = handler;
    }
}
