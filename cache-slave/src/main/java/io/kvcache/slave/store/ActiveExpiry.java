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
 */
public final class ActiveExpiry implements SmartLifecycle {

    private final Keyspace keyspace;
    private final CommandDispatcher dispatcher;
    private final int hz;
    private ScheduledExecutorService scheduler;

    public ActiveExpiry(Keyspace keyspace, CommandDispatcher dispatcher, int hz) {
        this.keyspace = keyspace;
        this.dispatcher = dispatcher;
        this.hz = Math.max(1, Math.min(500, hz));
    }

    @Override
    public void start() {
        scheduler = Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().name("active-expiry").daemon()
                .factory());
        long periodMicros = 1_000_000L / hz;
        long budgetNanos = periodMicros * 1000 / 4;
        scheduler.scheduleAtFixedRate(() -> dispatcher.exclusive(() -> keyspace.activeExpireCycle(budgetNanos)),
                periodMicros, periodMicros, TimeUnit.MICROSECONDS);
    }

    @Override
    public void stop() {
        if (scheduler != null) {
            scheduler.shutdownNow();
            scheduler = null;
        }
    }

    @Override
    public boolean isRunning() {
        return scheduler != null;
    }
}
