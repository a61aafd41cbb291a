package io.kvcache.slave.script;

import org.luaj.vm2.LuaClosure;
import org.luaj.vm2.LuaFunction;
import org.luaj.vm2.LuaValue;
import org.luaj.vm2.Prototype;
import org.luaj.vm2.Varargs;
import org.luaj.vm2.lib.DebugLib;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Redis's count hook (luaMaskCountHook) on LuaJ's instruction callback: every so many
 * instructions, a running script looks at the clock and at SCRIPT KILL. Past the busy threshold it
 * marks the server busy (others get -BUSY and may send SCRIPT KILL); once killed, it raises an
 * error no pcall of the script catches. It keeps no call stack, so it costs a counter per
 * instruction.
 */
final class InterruptHook extends DebugLib {

    private static final Logger log = LoggerFactory.getLogger(InterruptHook.class);
    /** Instructions between looks (Redis's LUA_MASKCOUNT hook runs every 100,000). */
    private static final int EVERY = 100_000;

    private int countdown = EVERY;
    private final HeapGuard heap = new HeapGuard();
    private boolean stoppedForMemory;
    /** The functions of the script running, innermost last, and the last instruction run: the script's line now. */
    private Prototype[] frames = new Prototype[64];
    private int depth;
    private Prototype lastPrototype;
    private int lastPc;
    private long startNanos;
    private long thresholdNanos;
    private String sha;
    private volatile boolean running;
    private volatile boolean busy;
    private volatile boolean killed;

    /** A cap on the run, past which it fails (a library's load: Redis's 500 ms); 0 for none. */
    private long deadlineNanos;

    void start(String sha, long thresholdMillis) {
        start(sha, thresholdMillis, 0);
    }

    /** The hook of the script running on this thread (for naming a runtime error's culprit), or null. */
    private static final ThreadLocal<InterruptHook> RUNNING = new ThreadLocal<>();

    static InterruptHook current() {
        return RUNNING.get();
    }

    /** "user_script:3", where the script's last instruction was; null when unknown. */
    String position() {
        Prototype p = lastPrototype;
        int line = currentLine();
        if (p == null || p.source == null || line == 0) {
            return null;
        }
        String source = p.source.tojstring();
        return (source.startsWith("@") ? source.substring(1) : source) + ":" + line;
    }

    /** A LuaJ runtime error's text in Lua 5.1's words, for the instruction the script failed on. */
    String lua51(String message) {
        return LuaRuntimeErrors.lua51(message, lastPrototype, lastPc);
    }

    void start(String sha, long thresholdMillis, long limitMillis) {
        RUNNING.set(this);
        this.deadlineNanos = limitMillis > 0 ? System.nanoTime() + limitMillis * 1_000_000L : 0;
        this.sha = sha;
        this.thresholdNanos = thresholdMillis * 1_000_000L;
        this.startNanos = System.nanoTime();
        this.countdown = EVERY;
        this.depth = 0;
        this.lastPrototype = null;
        this.killed = false;
        this.busy = false;
        this.running = true;
    }

    void stop() {
        if (stoppedForMemory) {
            stoppedForMemory = false;
            heap.collectAfterStop();
        }
        RUNNING.remove();
        running = false;
        busy = false;
        killed = false;
    }

    /** Whether a script runs past the busy threshold now. */
    boolean busy() {
        return busy;
    }

    /** SCRIPT KILL: the running script stops at its next look. */
    void kill() {
        killed = true;
    }

    /** Whether a script runs now (past the threshold or not). */
    boolean running() {
        return running;
    }

    /**
     * The line of the script its last instruction was on (Redis's error handler reports the
     * current line of the failing function), or 0. LuaJ stamps that line on most errors itself,
     * but not on one raised by a function the script tail-called ({@code return redis.call(...)}).
     */
    int currentLine() {
        Prototype p = lastPrototype;
        return p != null && p.lineinfo != null && lastPc >= 0 && lastPc < p.lineinfo.length ? p.lineinfo[lastPc] : 0;
    }

    @Override
    public void onInstruction(int pc, Varargs v, int top) {
        lastPc = pc;
        lastPrototype = depth > 0 ? frames[depth - 1] : null;
        if (--countdown > 0) {
            return;
        }
        countdown = EVERY;
        if (!busy && thresholdNanos > 0 && System.nanoTime() - startNanos > thresholdNanos) {
            busy = true;
            log.warn("Slow script detected: still in execution after {} milliseconds. You can try killing the "
                    + "script using the SCRIPT KILL command. Script name is: {}.",
                    (System.nanoTime() - startNanos) / 1_000_000, sha);
        }
        if (killed) {
            log.warn("Lua script killed by user with SCRIPT KILL.");
            throw new ScriptKilled();
        }
        if (heap.exhausted()) {
            log.warn("Lua script {} stopped: the heap is nearly full", sha);
            stoppedForMemory = true;
            throw new ScriptKilled(HeapGuard.MESSAGE);
        }
        if (deadlineNanos != 0 && System.nanoTime() - deadlineNanos > 0) {
            throw new ScriptKilled("FUNCTION LOAD timeout");
        }
    }

    @Override
    public void onCall(LuaFunction f) {
        push(null);
    }

    @Override
    public void onCall(LuaClosure c, Varargs varargs, LuaValue[] stack) {
        push(c.p);
    }

    @Override
    public void onReturn() {
        if (depth > 0) {
            frames[--depth] = null;
        }
    }

    private void push(Prototype p) {
        if (depth == frames.length) {
            frames = java.util.Arrays.copyOf(frames, depth * 2);
        }
        frames[depth++] = p;
    }

    /** LuaJ appends this to error messages; kvcache builds its own (LuaErrors). */
    @Override
    public String traceback(int level) {
        return "";
    }
}
