package io.kvcache.slave.replication;

import static io.kvcache.command.Commands.DECR;
import static io.kvcache.command.Commands.DECRBY;
import static io.kvcache.command.Commands.EXPIRE;
import static io.kvcache.command.Commands.EXPIREAT;
import static io.kvcache.command.Commands.GETEX;
import static io.kvcache.command.Commands.INCR;
import static io.kvcache.command.Commands.INCRBY;
import static io.kvcache.command.Commands.INCRBYFLOAT;
import static io.kvcache.command.Commands.PEXPIRE;
import static io.kvcache.command.Commands.PEXPIREAT;
import static io.kvcache.command.Commands.PSETEX;
import static io.kvcache.command.Commands.SET;
import static io.kvcache.command.Commands.SETEX;

import java.util.IdentityHashMap;
import java.util.Map;
import java.util.function.Supplier;

import io.kvcache.command.CommandSpec;
import io.kvcache.command.KeySpec;
import io.kvcache.protocol.Request;
import io.kvcache.protocol.RespWriter;
import io.kvcache.slave.dispatch.WritePropagation;
import io.kvcache.slave.store.Keyspace;

/**
 * Turns a primary's writes into its replication stream, as Redis's propagate(): each write
 * that ran without error is appended in execution order, as RESP. Most commands are
 * deterministic and go as they came; those that read the clock are replaced by their effect
 * (the table below), so a replica applying them later ends with the same deadlines. So are the
 * counters (INCR and its kin; Redis does it for INCRBYFLOAT): a replica stores the new value
 * instead of reading the old one, parsing it and formatting the sum again, which made it
 * spend more on an INCR than the primary did (docs/benchmarks.md). Keys that
 * expire or are evicted are appended as DEL: replicas never expire or evict keys on their own.
 */
public final class ReplicationLog implements WritePropagation {

    static final String READONLY = "READONLY You can't write against a read only replica.";

    /** Commands replicated by their effect on the key rather than verbatim. */
    private enum Effect {
        /** The key's value and absolute deadline (SET k v PXAT t), or DEL. */
        VALUE,
        /** The key's absolute deadline (PEXPIREAT / PERSIST), or DEL. */
        DEADLINE
    }

    private static final Map<CommandSpec, Effect> EFFECTS = new IdentityHashMap<>(Map.ofEntries(
            Map.entry(SET, Effect.VALUE), Map.entry(SETEX, Effect.VALUE), Map.entry(PSETEX, Effect.VALUE),
            Map.entry(INCR, Effect.VALUE), Map.entry(DECR, Effect.VALUE), Map.entry(INCRBY, Effect.VALUE),
            Map.entry(DECRBY, Effect.VALUE), Map.entry(INCRBYFLOAT, Effect.VALUE),
            Map.entry(GETEX, Effect.DEADLINE), Map.entry(EXPIRE, Effect.DEADLINE), Map.entry(PEXPIRE, Effect.DEADLINE),
            Map.entry(EXPIREAT, Effect.DEADLINE), Map.entry(PEXPIREAT, Effect.DEADLINE)));

    private final Keyspace keyspace;
    private final ReplicationBacklog backlog;
    private final Supplier<String> writeRefusal;
    private final Runnable grew;
    private final RespWriter scratch = new RespWriter(1024);
    private final RespWriter.ByteRangeSink toBacklog;

    /**
     * @param writeRefusal null while this slave is its shard's primary, else the reason to refuse writes
     * @param grew        wakes the stream's writers: a key the server deleted grew the stream
     *                    without a client write (which wakes them itself); called under the store's lock
     */
    public ReplicationLog(Keyspace keyspace, ReplicationBacklog backlog, Supplier<String> writeRefusal,
                          Runnable grew) {
        this.keyspace = keyspace;
        this.backlog = backlog;
        this.toBacklog = backlog::append;
        this.writeRefusal = writeRefusal;
        this.grew = grew;
        keyspace.onDeletedByServer(this::deletedByServer);
    }

    @Override
    public String refuseWrite() {
        return writeRefusal.get();
    }

    @Override
    public void beforeWrite(CommandSpec spec, Request request) {
        keyspace.takeReplicatedAs(); // nothing left from a command that failed after asking
        if (!keyspace.isSnapshotting()) {
            return;
        }
        KeySpec keys = spec.keys();
        if (keys.hasKeys()) {
            int count = keys.count(request);
            for (int k = 0; k < count; k++) {
                keyspace.transferBeforeWrite(request.arg(keys.position(request, k)), scratch);
            }
            flush();
        }
    }

    @Override
    public void afterWrite(CommandSpec spec, Request request) {
        Request rewritten = keyspace.takeReplicatedAs();
        if (rewritten != null) {
            append(rewritten);
            return;
        }
        Effect effect = EFFECTS.get(spec);
        // SET key value with no option reads no clock: its effect is itself (and the common case).
        if (effect == null || (spec == SET && request.argc() == 3)) {
            append(request);
            return;
        }
        if (effect == Effect.VALUE) {
            keyspace.encodeState(request.arg(1), scratch);
        } else {
            keyspace.encodeDeadline(request.arg(1), scratch);
        }
        flush();
    }

    @Override
    public void transactionMarker(Request marker) {
        append(marker);
    }

    @Override
    public long offset() {
        return backlog.end();
    }

    /** A key expired or was evicted on this primary (under the store's lock, inside the command that did it). */
    private void deletedByServer(byte[] key) {
        if (writeRefusal.get() == null) {
            scratch.array(2).bulk(DEL).bulk(key);
            flush();
            grew.run();
        }
    }

    /**
     * Appends the request as RESP, encoded into the backlog through the scratch writer: the data
     * port keeps no raw copy of its requests, and no array is made per write.
     */
    private void append(Request request) {
        scratch.array(request.argc());
        for (int i = 0; i < request.argc(); i++) {
            scratch.bulk(request.arg(i));
        }
        flush();
    }

    private void flush() {
        if (!scratch.isEmpty()) {
            scratch.contentTo(toBacklog);
            scratch.reset();
        }
    }

    private static final byte[] DEL = {'D', 'E', 'L'};
}
