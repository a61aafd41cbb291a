package io.kvcache.server;

import java.time.Duration;
import java.util.Collection;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;

/**
 * Redis's clientsCron for one port: closes clients idle longer than {@code timeout} and clients
 * whose unsent reply stayed above the soft output limit for its time. A connection's thread
 * blocked writing to a client that reads nothing is freed this way: closing the socket ends the
 * write. Runs every 100 ms, only when one of the two limits is set.
 */
final class ClientWatchdog implements AutoCloseable {

    static final Duration PERIOD = Duration.ofMillis(100);
    static final String IDLE = "idle timeout";
    static final String SOFT_LIMIT = "output buffer soft limit";

    private final Collection<ClientConnection> connections;
    private final long idleNanos;
    private final OutputBufferLimit output;
    private final BiConsumer<ClientConnection, String> close;
    private final ScheduledExecutorService scheduler;

    ClientWatchdog(String name, Collection<ClientConnection> connections, ClientPolicy policy,
                   BiConsumer<ClientConnection, String> close) {
        this.connections = connections;
        this.idleNanos = policy.idleTimeout().toNanos();
        this.output = policy.outputLimit();
        this.close = close;
        if (idleNanos > 0 || output.hasSoftLimit()) {
            scheduler = Executors.newSingleThreadScheduledExecutor(
                    Thread.ofPlatform().name(name + "-watchdog").daemon().factory());
            scheduler.scheduleWithFixedDelay(this::check, PERIOD.toMillis(), PERIOD.toMillis(), TimeUnit.MILLISECONDS);
        } else {
            scheduler = null;
        }
    }

    void check() {
        long now = System.nanoTime();
        for (ClientConnection c : connections) {
            if (c.closing != null) {
                continue;
            }
            if (idleNanos > 0 && !c.executing && now - lastInteraction(c) > idleNanos) {
                close.accept(c, IDLE);
            } else if (output.hasSoftLimit()) {
                checkSoftLimit(c, now);
            }
        }
    }

    /** The later of its last batch or write progress and its last read (a request may take many reads). */
    private static long lastInteraction(ClientConnection c) {
        long last = c.lastInteraction;
        if (c.reader != null && c.reader.lastRead() - last > 0) {
            last = c.reader.lastRead();
        }
        return last;
    }

    private void checkSoftLimit(ClientConnection c, long now) {
        if (c.unsent <= output.soft()) {
            c.overSoftLimitSince = 0;
            return;
        }
        long since = c.overSoftLimitSince;
        if (since == 0) {
            c.overSoftLimitSince = now;
        } else if (now - since > output.softTime().toNanos()) {
            close.accept(c, SOFT_LIMIT);
        }
    }

    @Override
    public void close() {
        if (scheduler != null) {
            scheduler.shutdownNow();
        }
    }
}
