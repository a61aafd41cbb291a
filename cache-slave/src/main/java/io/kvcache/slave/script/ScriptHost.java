package io.kvcache.slave.script;

import io.kvcache.protocol.Request;

/** What a running script asks of the server it runs in (the dispatcher, under its lock). */
public interface ScriptHost {

    /** redis.call: runs request for the script's run, with the rules of scripts; its reply as RESP. */
    byte[] call(ScriptRun run, Request request);

    /** Runs body as one unit: its writes reach replicas together (between MULTI and EXEC), or none does. */
    void atomically(ScriptRun run, Runnable body);

    /** Why a script that may write cannot start here (a replica's READONLY, NOREPLICAS), or null. */
    String refuseWrites();

    /** Whether memory stays above maxmemory after evicting (a DENYOOM command would get -OOM). */
    boolean outOfMemory();

    /** Puts request into the replication stream as it is (SCRIPT LOAD and FLUSH: replicas keep the scripts too). */
    void propagate(Request request);
}
