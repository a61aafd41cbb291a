package io.kvcache.command;

import java.util.concurrent.TimeUnit;

/**
 * CLIENT PAUSE timeout [WRITE|ALL] and CLIENT UNPAUSE (networking.c pauseClients): while a pause
 * lasts, clients' commands wait before they run: every command (ALL; CLIENT itself still runs, so
 * that UNPAUSE can end it) or those that write or may replicate (WRITE; an EXEC of a transaction that
 * writes). A pause over another keeps the later end, and ALL over WRITE while both last.
 */
public final class ClientPause {

    private volatile long untilNanos;
    private volatile boolean all;

    /** Pauses for millis from now; all: every command, else the writes. */
    public synchronized void pause(long millis, boolean all) {
        long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
        boolean active = isActive();
        this.all = all || (active && this.all);
        this.untilNanos = active ? Math.max(untilNanos, until) : until;
    }

    public synchronized void unpause() {
        untilNanos = 0;
        all = false;
        notifyAll();
    }

    private boolean isActive() {
        long until = untilNanos;
        return until != 0 && System.nanoTime() - until < 0;
    }

    /** Whether this command must wait for the pause to end (one volatile read when nothing is paused). */
    public boolean holds(CommandSpec spec, Session s) {
        if (untilNanos == 0 || !isActive() || spec == null) {
            return false;
        }
        if (all) {
            return spec != Commands.CLIENT;
        }
        if (spec == Commands.EXEC) {
            Transaction tx = s.transaction();
            return tx != null && tx.specs().stream().anyMatch(ClientPause::writes);
        }
        return writes(spec);
    }

    private static boolean writes(CommandSpec spec) {
        return spec.isWrite() || spec.is(CommandFlag.MAY_REPLICATE);
    }

    /** Waits (a virtual thread, never an I/O loop) until the pause no longer holds this command. */
    public synchronized void await(CommandSpec spec, Session s) {
        while (holds(spec, s) && !s.isDisconnected()) {
            long left = TimeUnit.NANOSECONDS.toMillis(untilNanos - System.nanoTime());
            try {
                wait(Math.max(1, left));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }
}
