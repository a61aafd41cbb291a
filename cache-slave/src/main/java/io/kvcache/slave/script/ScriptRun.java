package io.kvcache.slave.script;

import io.kvcache.command.Session;

/**
 * One script running: the client it runs for and the rules its commands follow (scriptCall's
 * checks). Written by the thread running the script; {@link #wrote} is read by SCRIPT KILL too.
 */
public final class ScriptRun {

    private final Session session;
    private final boolean readOnly;
    private final boolean oomAtStart;
    private final boolean allowOom;
    private volatile boolean wrote;
    private boolean replicated;

    ScriptRun(Session session, boolean readOnly, boolean oomAtStart, boolean allowOom) {
        this.session = session;
        this.readOnly = readOnly;
        this.oomAtStart = oomAtStart;
        this.allowOom = allowOom;
    }

    public Session session() {
        return session;
    }

    /** EVAL_RO, EVALSHA_RO or a no-writes script: every write is refused. */
    public boolean readOnly() {
        return readOnly;
    }

    /** A DENYOOM command is refused: memory was above maxmemory when the script began, and it did not say allow-oom. */
    public boolean denyOom() {
        return oomAtStart && !allowOom;
    }

    /** Whether a command of the script wrote (SCRIPT KILL then answers UNKILLABLE). */
    public boolean wrote() {
        return wrote;
    }

    /** A write command of the script ran without error. */
    public void wroteData() {
        this.wrote = true;
    }

    /** Whether the script's writes grew the replication stream (its client then waits for replicas). */
    public boolean replicated() {
        return replicated;
    }

    public void replicated(boolean replicated) {
        this.replicated |= replicated;
    }
}
