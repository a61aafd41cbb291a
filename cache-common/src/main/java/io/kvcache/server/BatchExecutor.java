package io.kvcache.server;

import java.util.List;

import io.kvcache.command.Session;
import io.kvcache.protocol.Request;
import io.kvcache.protocol.RespWriter;

/** Runs a connection's batch of requests, appending one reply per request to out, in order. */
@FunctionalInterface
public interface BatchExecutor {

    void execute(List<Request> requests, Session session, RespWriter out);
}
