package io.kvcache.command;

import java.util.ArrayList;
import java.util.List;

import io.kvcache.protocol.ClientMemory;
import io.kvcache.protocol.Request;

/**
 * A client's MULTI state (Redis's multiState): the commands queued since MULTI, each answered
 * {@code +QUEUED}, and whether one was refused while queuing (then EXEC answers EXECABORT and runs
 * nothing). The master also records the one shard the transaction's keys live on.
 */
public final class Transaction {

    private final List<Request> queued = new ArrayList<>();
    private final List<CommandSpec> specs = new ArrayList<>();
    private boolean aborted;
    private String shard;
    private ClientMemory memory;
    private long reserved;

    /**
     * Whether a command runs at once even inside MULTI (processCommand's exceptions: EXEC,
     * DISCARD, MULTI, WATCH, QUIT, RESET); every other command is queued.
     */
    public static boolean runsAtOnce(CommandSpec spec) {
        return spec == Commands.EXEC || spec == Commands.DISCARD || spec == Commands.MULTI || spec == Commands.WATCH
                || spec == Commands.QUIT;
    }

    public void queue(CommandSpec spec, Request request) {
        specs.add(spec);
        queued.add(request);
    }

    /**
     * Takes what a queued request holds from the port's client memory budget, given back when the
     * transaction ends however it ends: a client queuing without end is refused, not the heap.
     *
     * @return false (nothing taken) when the budget has no room for it
     */
    public boolean reserve(ClientMemory budget, Request request) {
        long bytes = 64;
        for (byte[] arg : request.argv()) {
            bytes += arg.length + 16L;
        }
        if (!budget.tryReserve(bytes)) {
            return false;
        }
        memory = budget;
        reserved += bytes;
        return true;
    }

    /** Gives back what {@link #reserve} took (EXEC, DISCARD, the client gone). */
    void release() {
        if (memory != null) {
            memory.release(reserved);
            reserved = 0;
        }
    }

    /** A command was refused while queuing (flagTransaction): EXEC will answer EXECABORT. */
    public void abort() {
        aborted = true;
    }

    public boolean isAborted() {
        return aborted;
    }

    public List<Request> requests() {
        return queued;
    }

    public List<CommandSpec> specs() {
        return specs;
    }

    /** The shard the queued keys live on (the master's), or null while no queued command has keys. */
    public String shard() {
        return shard;
    }

    public void shard(String shard) {
        this.shard = shard;
    }
}
