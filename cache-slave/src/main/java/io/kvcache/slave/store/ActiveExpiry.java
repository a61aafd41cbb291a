package io.kvcache.slave.store;

import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import org.springframework.context.SmartLifecycle;

import io.kvcache.slave.dispatch.CommandDispatcher;

/**
 * Runs Redis's active expiry cycle hz times a second, with the store to itself, so keys with a
 * deadline that nobody touches are reclaimed too. Each cycle spends at most a quarter of its
 * period (Redis's ACTIVE_EXPIRE_CYCLE_SLOW_TIME_PERC is 25%).
 * <p>
 * Unlike Redis's serverCron it sleeps while no key has a deadline (or the store is a replica's,
 * which deletes nothing on its own) until the keyspace says it has work: a wake of an idle thread
 * costs a busy machine far more than the empty cycle (docs/benchmarks.md).
 */
public final class ActiveExpiry implements SmartLifecycle {

    private final Keyspace keyspace;
    private final CommandDispatcher dispatcher;
    private final long periodMicros;
    private final long budgetNanos;
    private ScheduledExecutorService scheduler;
    /** No cycle is scheduled: the next deadline schedules one. Guarded by the store's lock. */
    private boolean idle;

    public ActiveExpiry(Keyspace keyspace, CommandDispatcher dispatcher, int hz) {
        this.keyspace = keyspace;
        this.dispatcher = dispatcher;
        this.periodMicros = 1_000_000L / Math.max(1, Math.min(500, hz));
        this.budgetNanos = periodMicros * 1000 / 4;
    }

    @Override
    public synchronized void start() {
        scheduler = Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().name("active-expiry").daemon()
                .factory());
        ScheduledExecutorService s = scheduler;
        dispatcher.exclusive(() -> {
            keyspace.onActiveExpiryWanted(() -> {
                if (idle) {
                    idle = false;
                    schedule(s);
                }
            });
            schedule(s);
            return null;
        });
    }

    private void schedule(ScheduledExecutorService s) {
        if (!s.isShutdown()) {
            s.schedule(() -> cycle(s), periodMicros, TimeUnit.MICROSECONDS);
        }
    }

    private void cycle(ScheduledExecutorService s) {
        dispatcher.exclusive(() -> {
            keyspace.activeExpireCycle(budgetNanos);
            if (keyspace.wantsActiveExpiry()) {
                schedule(s);
            } else {
                idle = true;
            }
            return null;
        });
    }

    @Override
    public synchronized void stop() {
        if (scheduler != null) {
            scheduler.shutdownNow();
            scheduler = null;
        }
    }

    @Override
    public synchronized boolean isRunning() {
        return scheduler != null;
    }
}
