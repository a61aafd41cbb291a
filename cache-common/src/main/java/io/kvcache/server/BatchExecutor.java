package io.kvcache.server;

import java.util.List;

import io.kvcache.command.Session;
import io.kvcache.protocol.Request;
import io.kvcache.protocol.RespWriter;

/**
 * Runs a connection's batch of requests, appending one reply per request to out, in order, and
 * calls done exactly once when all are there: before returning when it can answer at once, or
 * later from whichever thread completes the batch (a shard's reply, a replica's acknowledgement).
 * It never blocks an I/O loop.
 */
@FunctionalInterface
public interface BatchExecutor {

    void execute(List<Request> requests, Session session, RespWriter out, Runnable done);

    /** A batch that runs to its end in the caller's thread. */
    @FunctionalInterface
    interface Synchronous {
        void execute(List<Request> requests, Session session, RespWriter out);
    }

    static BatchExecutor of(Synchronous executor) {
        return (requests, session, out, done) -> {
            executor.execute(requests, session, out);
            done.run();
        };
    }
}
