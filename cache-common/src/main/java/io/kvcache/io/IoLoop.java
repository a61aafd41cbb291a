package io.kvcache.io;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.SelectableChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;

import org.springframework.core.log.LogAccessor;

import io.kvcache.protocol.SharedReadBuffer;

/**
 * One I/O thread with its selector, as a Netty event loop or a twemproxy worker: it serves every
 * channel registered with it, runs tasks other threads hand it, and, once a turn's events and tasks
 * are handled, runs what asked to be flushed in that turn (so the requests of every client bound for
 * one upstream leave in one write per turn). Everything registered here is touched by this thread only.
 */
public final class IoLoop implements Executor {

    /** What a registered channel does when the selector finds it ready. */
    public interface Handler {
        void ready(SelectionKey key);
    }

    private static final LogAccessor log = new LogAccessor(IoLoop.class);
    private static final ThreadLocal<IoLoop> CURRENT = new ThreadLocal<>();
    /** How often {@link #every100ms} tasks run at most: the longest a select waits. */
    private static final long TICK_MILLIS = 100;

    private final Selector selector;
    private final Thread thread;
    private final ConcurrentLinkedQueue<Runnable> tasks = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean wakeupPending = new AtomicBoolean();
    private List<Runnable> endOfTurn = new ArrayList<>();
    private List<Runnable> spareEndOfTurn = new ArrayList<>();
    private final List<BooleanSupplier> ticks = new ArrayList<>();
    private final SharedReadBuffer readBuffer = new SharedReadBuffer();
    private final int index;
    private long nextTick = System.nanoTime();
    private volatile boolean running = true;

    IoLoop(String name, int index) {
        this.index = index;
        try {
            this.selector = Selector.open();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        this.thread = Thread.ofPlatform().name(name).daemon().unstarted(this::run);
    }

    void start() {
        thread.start();
    }

    /** The loop whose thread calls, or null on any other thread. */
    public static IoLoop current() {
        return CURRENT.get();
    }

    /** Whether the caller is this loop's thread. */
    public boolean inLoop() {
        return Thread.currentThread() == thread;
    }

    /** Runs the task on this loop, after what it is doing now; never on the caller's thread. */
    @Override
    public void execute(Runnable task) {
        tasks.add(task);
        if (!inLoop() && wakeupPending.compareAndSet(false, true)) {
            selector.wakeup();
        }
    }

    /** Loop thread only: runs r once this turn's events and tasks are handled. */
    public void atEndOfTurn(Runnable r) {
        endOfTurn.add(r);
    }

    /** The buffer this loop's connections read into while they hold nothing unparsed. Loop thread only. */
    public SharedReadBuffer readBuffer() {
        return readBuffer;
    }

    /** This loop's place among its {@link IoLoops}. */
    public int index() {
        return index;
    }

    /** Runs tick on this loop about every 100 ms (timeouts, housekeeping) until it returns false. */
    public void every100ms(BooleanSupplier tick) {
        execute(() -> ticks.add(tick));
    }

    /** Loop thread only. */
    public SelectionKey register(SelectableChannel channel, int ops, Handler handler) throws ClosedChannelException {
        return channel.register(selector, ops, handler);
    }

    private void run() {
        CURRENT.set(this);
        while (running) {
            try {
                // Without tick tasks (a slave's data port) the loop sleeps until an event: on a busy
                // machine every needless wake costs more than the select itself.
                long wait = ticks.isEmpty() ? 0 : Math.clamp((nextTick - System.nanoTime()) / 1_000_000, 1, TICK_MILLIS);
                if (tasks.isEmpty()) {
                    selector.select(IoLoop::dispatch, wait);
                } else {
                    selector.selectNow(IoLoop::dispatch);
                }
                wakeupPending.set(false);
                runTasks();
                runEndOfTurn();
                if (System.nanoTime() - nextTick >= 0) {
                    nextTick = System.nanoTime() + TICK_MILLIS * 1_000_000;
                    ticks.removeIf(tick -> !tick.getAsBoolean());
                    runEndOfTurn();
                }
            } catch (IOException | RuntimeException e) {
                log.error(e, () -> "I/O loop " + thread.getName() + ": " + e);
            }
        }
        try {
            selector.close();
        } catch (IOException ignored) {
            // closing anyway
        }
    }

    private static void dispatch(SelectionKey key) {
        if (key.isValid() && key.attachment() instanceof Handler handler) {
            handler.ready(key);
        }
    }

    private void runTasks() {
        // Only the tasks queued so far: a task that queues another does not starve the selector.
        for (int n = tasks.size(); n > 0; n--) {
            Runnable task = tasks.poll();
            if (task == null) {
                break;
            }
            safely(task);
        }
    }

    private void runEndOfTurn() {
        while (!endOfTurn.isEmpty()) {
            List<Runnable> now = endOfTurn;
            endOfTurn = spareEndOfTurn;
            for (Runnable r : now) {
                safely(r);
            }
            now.clear();
            spareEndOfTurn = now;
        }
    }

    private void safely(Runnable r) {
        try {
            r.run();
        } catch (RuntimeException e) {
            log.error(e, () -> "I/O loop " + thread.getName() + ": " + e);
        }
    }

    void shutdown() {
        running = false;
        selector.wakeup();
    }

    @Override
    public String toString() {
        return thread.getName();
    }
}
