package io.kvcache.slave.dispatch;

import static io.kvcache.command.Commands.*;

import io.kvcache.command.Arguments;
import io.kvcache.command.Handlers;
import io.kvcache.command.Session;
import io.kvcache.protocol.ErrorReply;
import io.kvcache.protocol.Request;
import io.kvcache.protocol.RespWriter;
import io.kvcache.slave.store.Keyspace;

/** The commands about a slave's whole store: INFO, DBSIZE, FLUSHALL, FLUSHDB; and CLUSTER, which a slave does not serve. */
public final class ServerCommands {

    /** What a Redis not in cluster mode answers to CLUSTER: a slave is one node of a shard, not of a Redis Cluster. */
    static final String CLUSTER_DISABLED = "ERR This instance has cluster support disabled";

    private final Keyspace db;
    private final InfoReport info;

    public ServerCommands(Keyspace db, InfoReport info) {
        this.db = db;
        this.info = info;
    }

    public void register(Handlers h) {
        h.on(INFO, (r, out, s) -> out.bulk(info.render(r)))
                .on(DBSIZE, (r, out, s) -> out.integer(db.size()))
                .on(FLUSHALL, this::flush)
                .on(FLUSHDB, this::flush)
                .on(CLUSTER, (r, out, s) -> out.error(CLUSTER_DISABLED))
                // As INFO replication says: each slave answers for itself as a master; its replicas follow it over REST.
                .on(ROLE, (r, out, s) -> out.array(3).bulk("master").integer(0).array(0))
                .on(WAIT, (r, out, s) -> {
                    Arguments.longArg(r, 1);
                    if (Arguments.longArg(r, 2, "ERR timeout is not an integer or out of range") < 0) {
                        throw new ErrorReply("ERR timeout is negative");
                    }
                    out.integer(0); // no Redis replica follows a slave's data port
                });
    }

    /** FLUSHALL / FLUSHDB [SYNC|ASYNC]: both flush at once. */
    private void flush(Request r, RespWriter out, Session s) {
        if (r.argc() > 2 || (r.argc() == 2 && !r.is(1, "sync") && !r.is(1, "async"))) {
            throw Arguments.SYNTAX;
        }
        db.clear();
        out.ok();
    }
}
