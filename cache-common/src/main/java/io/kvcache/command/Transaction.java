package io.kvcache.command;

import java.util.ArrayList;
import java.util.List;

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
