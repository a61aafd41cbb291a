package io.kvcache.slave.dispatch;

import io.kvcache.command.CommandSpec;
import io.kvcache.protocol.Request;

/**
 * What replication needs from the dispatcher: a say on whether clients may write here, and a
 * look at every write before and after it runs (under the store's lock, in execution order).
 */
public interface WritePropagation {

    /** Null when clients may write here; else the error to answer (a replica's READONLY). */
    String refuseWrite();

    /** Before a write runs: a snapshot in progress sends the state of the keys it is about to touch. */
    void beforeWrite(CommandSpec spec, Request request);

    /** A write ran without error: append it (or its effect) to the replication stream. */
    void afterWrite(CommandSpec spec, Request request);

    /**
     * Brackets a transaction's writes in the stream: MULTI before the first, EXEC after the last,
     * so that a replica applies them all or none.
     */
    void transactionMarker(Request marker);

    /** The replication stream's end offset so far. */
    long offset();
}
