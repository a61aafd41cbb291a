package io.kvcache.command;

import io.kvcache.protocol.Request;
import io.kvcache.protocol.RespWriter;

/** Runs one command whose name and arity were already checked, writing exactly one reply. */
@FunctionalInterface
public interface CommandHandler {

    void handle(Request request, RespWriter reply, Session session);
}
