package io.kvcache.metrics;

import java.time.Duration;
import java.util.Arrays;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.MeterBinder;

import io.kvcache.command.CommandSpec;
import io.kvcache.command.CommandTable;

/**
 * What each command cost: calls, time, failed and rejected calls (INFO commandstats), and
 * error replies by their first word (INFO errorstats). Exported under redis_exporter's names
 * ({@code redis_commands_total{cmd}}, {@code redis_commands_duration_seconds_total{cmd}},
 * {@code redis_errors_total{err}} ...) plus a latency histogram
 * {@code kvcache_command_latency_seconds{cmd,result}}. Recorded from any thread.
 * <p>
 * A command's meters are registered on its first call, so the scrape lists only the commands
 * in use, as redis_exporter does; tag values are command names and error prefixes from the
 * server's own table and messages, never from client input.
 */
public final class CommandStats implements MeterBinder {

    /** Bucket bounds of the latency histogram: from a fast local command to a reply timeout. */
    private static final Duration[] LATENCY_BUCKETS = {
            Duration.ofNanos(25_000), Duration.ofNanos(50_000), Duration.ofNanos(100_000),
            Duration.ofNanos(250_000), Duration.ofNanos(500_000), Duration.ofMillis(1), Duration.ofNanos(2_500_000),
            Duration.ofMillis(5), Duration.ofMillis(10), Duration.ofMillis(25), Duration.ofMillis(50),
            Duration.ofMillis(100), Duration.ofMillis(250), Duration.ofSeconds(1)};

    private final Map<CommandSpec, Stat> byCommand = new IdentityHashMap<>();
    private final Stat[] inTableOrder;
    private final Map<String, LongAdder> errors = new ConcurrentSkipListMap<>();
    private final LongAdder processed = new LongAdder();
    private final LongAdder errorReplies = new LongAdder();
    private volatile MeterRegistry registry;

    public CommandStats(CommandTable table) {
        this.inTableOrder = table.specs().stream().map(Stat::new).toArray(Stat[]::new);
        for (Stat stat : inTableOrder) {
            byCommand.put(stat.spec, stat);
        }
    }

    /** A command ran and took nanos; failed when it answered an error. */
    public void called(CommandSpec spec, long nanos, boolean failed) {
        Stat stat = count(spec, nanos, failed);
        Timer latency = failed ? stat.errorLatency : stat.okLatency;
        if (latency != null) {
            latency.record(nanos, TimeUnit.NANOSECONDS);
        }
    }

    /**
     * Counts for the commands a replica applies from its primary's stream, for one thread that
     * applies a frame at a time: counted in commandstats, as Redis counts its master's commands, but
     * not in the latency histogram, which is what clients wait (and which would cost a replica about
     * a tenth of its CPU). The tally sums a run of one command in plain fields and adds it to the
     * shared counters when the command changes or the frame ends: an atomic add per command drains
     * the CPU's store buffer, so it waited on every store that missed the cache before it (a quarter
     * of a replica's CPU under SET -P 16, docs/benchmarks.md).
     */
    public Tally tally() {
        return new Tally();
    }

    /**
     * Calls of a client batch, kept in plain arrays while the batch runs and counted (commandstats,
     * latency histogram) once it is done, for one thread at a time: the atomic adds then follow one
     * another instead of each following a command's stores that missed the cache, which it would
     * wait for (as {@link Tally}'s). Flush before a command that reads the statistics (INFO).
     */
    public Pending pending() {
        return new Pending();
    }

    /** See {@link #pending()}. */
    public final class Pending {

        private CommandSpec[] specs = new CommandSpec[64];
        private long[] nanos = new long[64];
        private boolean[] failed = new boolean[64];
        private int count;

        private Pending() {
        }

        /** As {@link CommandStats#called}, counted at the next {@link #flush}. */
        public void called(CommandSpec spec, long took, boolean error) {
            if (count == specs.length) {
                specs = Arrays.copyOf(specs, count * 2);
                nanos = Arrays.copyOf(nanos, count * 2);
                failed = Arrays.copyOf(failed, count * 2);
            }
            specs[count] = spec;
            nanos[count] = took;
            failed[count++] = error;
        }

        public void flush() {
            for (int i = 0; i < count; i++) {
                CommandStats.this.called(specs[i], nanos[i], failed[i]);
                specs[i] = null;
            }
            count = 0;
        }
    }

    /** See {@link #tally()}; one thread at a time. */
    public final class Tally {

        private CommandSpec spec;
        private long calls;
        private long runStart;
        private long failed;

        private Tally() {
        }

        /**
         * Counts a command about to run. A run of one command is timed as a whole, from its first
         * call to the next command's or the flush (INFO commandstats's usec is a sum anyway): two
         * clock reads per run instead of two per command.
         */
        public void running(CommandSpec command) {
            if (command != spec) {
                long now = System.nanoTime();
                flush(now);
                spec = command;
                runStart = now;
            }
            calls++;
        }

        /** The command {@link #running} counted answered an error. */
        public void failed() {
            failed++;
        }

        /** Adds what was summed to the shared counters (INFO and metrics see it from then on). */
        public void flush() {
            flush(System.nanoTime());
        }

        private void flush(long now) {
            if (spec == null) {
                return;
            }
            Stat stat = byCommand.get(spec);
            processed.add(calls);
            stat.calls.add(calls);
            stat.nanos.add(now - runStart);
            if (failed > 0) {
                stat.failed.add(failed);
            }
            if (stat.okLatency == null) {
                register(stat);
            }
            spec = null;
            calls = 0;
            failed = 0;
        }
    }

    private Stat count(CommandSpec spec, long nanos, boolean failed) {
        Stat stat = byCommand.get(spec);
        processed.increment();
        stat.calls.increment();
        stat.nanos.add(nanos);
        if (failed) {
            stat.failed.increment();
        }
        if (stat.okLatency == null) {
            register(stat);
        }
        return stat;
    }

    /** A command refused before it ran (arity, authentication, a replica's refusal). */
    public void rejected(CommandSpec spec) {
        Stat stat = byCommand.get(spec);
        stat.rejected.increment();
        if (stat.okLatency == null) {
            register(stat);
        }
    }

    /** An error reply, counted by its first word (ERR, WRONGTYPE, NOAUTH ...) as Redis 7 does. */
    public void error(String prefix) {
        errorReplies.increment();
        LongAdder count = errors.get(prefix);
        if (count == null) {
            count = errors.computeIfAbsent(prefix, p -> {
                LongAdder adder = new LongAdder();
                MeterRegistry r = registry;
                if (r != null) {
                    registerError(r, p, adder);
                }
                return adder;
            });
        }
        count.increment();
    }

    /** Commands run since start (INFO total_commands_processed); refused ones are not counted. */
    public long processed() {
        return processed.sum();
    }

    public long errorReplies() {
        return errorReplies.sum();
    }

    /** Error replies by prefix, in name order (INFO errorstats). */
    public Map<String, Long> errorCounts() {
        Map<String, Long> counts = new LinkedHashMap<>();
        errors.forEach((prefix, count) -> counts.put(prefix, count.sum()));
        return counts;
    }

    /** Visits the commandstats of every command called or refused at least once, in table order. */
    public void forEach(Consumer<CommandStat> visitor) {
        for (Stat s : inTableOrder) {
            long calls = s.calls.sum();
            long rejected = s.rejected.sum();
            if (calls > 0 || rejected > 0) {
                visitor.accept(new CommandStat(s.name, calls, s.nanos.sum() / 1000, rejected, s.failed.sum()));
            }
        }
    }

    /** INFO commandstats's lines: {@code cmdstat_get:calls=..,usec=..,usec_per_call=..,rejected_calls=..,failed_calls=..}. */
    public void appendCommandstats(StringBuilder out) {
        forEach(stat -> out.append("cmdstat_").append(stat.name()).append(":calls=").append(stat.calls())
                .append(",usec=").append(stat.usec())
                .append(",usec_per_call=").append(String.format(Locale.ROOT, "%.2f",
                        stat.calls() == 0 ? 0.0 : (double) stat.usec() / stat.calls()))
                .append(",rejected_calls=").append(stat.rejectedCalls())
                .append(",failed_calls=").append(stat.failedCalls()).append("\r\n"));
    }

    /** INFO errorstats's lines: {@code errorstat_ERR:count=..}. */
    public void appendErrorstats(StringBuilder out) {
        errors.forEach((prefix, count) -> out.append("errorstat_").append(prefix).append(":count=")
                .append(count.sum()).append("\r\n"));
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        FunctionCounter.builder("redis.commands.processed", processed, LongAdder::sum)
                .description("Commands run (INFO total_commands_processed)")
                .register(registry);
        this.registry = registry;
        for (Stat stat : inTableOrder) {
            if (stat.calls.sum() > 0 || stat.rejected.sum() > 0) {
                register(stat);
            }
        }
        errors.forEach((prefix, count) -> registerError(registry, prefix, count));
    }

    private void register(Stat stat) {
        MeterRegistry r = registry;
        if (r == null) {
            return;
        }
        synchronized (stat) {
            if (stat.okLatency != null) {
                return;
            }
            FunctionCounter.builder("redis.commands", stat.calls, LongAdder::sum)
                    .description("Calls of a command (INFO commandstats calls)").tag("cmd", stat.name).register(r);
            FunctionCounter.builder("redis.commands.duration", stat.nanos, n -> n.sum() / 1e9).baseUnit("seconds")
                    .description("Time spent in a command (INFO commandstats usec)").tag("cmd", stat.name).register(r);
            FunctionCounter.builder("redis.commands.failed.calls", stat.failed, LongAdder::sum)
                    .description("Calls of a command that answered an error").tag("cmd", stat.name).register(r);
            FunctionCounter.builder("redis.commands.rejected.calls", stat.rejected, LongAdder::sum)
                    .description("Calls of a command refused before it ran").tag("cmd", stat.name).register(r);
            stat.errorLatency = latency(r, stat.name, "error");
            stat.okLatency = latency(r, stat.name, "ok");
        }
    }

    private static Timer latency(MeterRegistry r, String cmd, String result) {
        return Timer.builder("kvcache.command.latency")
                .description("Latency of a command, by command and by result (ok or error)")
                .tag("cmd", cmd).tag("result", result)
                .serviceLevelObjectives(LATENCY_BUCKETS)
                .register(r);
    }

    private static void registerError(MeterRegistry r, String prefix, LongAdder count) {
        FunctionCounter.builder("redis.errors", count, LongAdder::sum)
                .description("Error replies by their first word (INFO errorstats)").tag("err", prefix).register(r);
    }

    /** One line of INFO commandstats. */
    public record CommandStat(String name, long calls, long usec, long rejectedCalls, long failedCalls) {
    }

    private static final class Stat {
        final CommandSpec spec;
        final String name;
        final LongAdder calls = new LongAdder();
        final LongAdder nanos = new LongAdder();
        final LongAdder failed = new LongAdder();
        final LongAdder rejected = new LongAdder();
        volatile Timer okLatency;
        volatile Timer errorLatency;

        Stat(CommandSpec spec) {
            this.spec = spec;
            this.name = spec.name().toLowerCase(Locale.ROOT);
        }
    }
}
