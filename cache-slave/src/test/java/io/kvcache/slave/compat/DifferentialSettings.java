package io.kvcache.slave.compat;

import java.util.Arrays;
import java.util.List;

/**
 * How much to run, from system properties, so CI and a developer replaying a failure use the same test:
 * <ul>
 * <li>{@code kvcache.diff.commands}: total commands, split evenly over the seeds (default 100,000);</li>
 * <li>{@code kvcache.diff.seed}: one seed or a comma-separated list (default: {@link #DEFAULT_SEEDS});</li>
 * <li>{@code kvcache.diff.farFuture}: base of absolute deadlines in epoch seconds (default: midnight UTC
 * 30 days ahead), only needed to replay a seed byte-exactly on a later day.</li>
 * <li>{@code kvcache.diff.cluster}: {@code true} generates the cluster-mode stream (RENAME, RENAMENX and MSETNX
 * only on keys of one hash slot, see {@link CommandGenerator}); default false. A test against the sharded
 * master asks for it itself ({@link #inClusterMode()}).</li>
 * </ul>
 */
public record DifferentialSettings(List<Long> seeds, int totalCommands, long farFutureEpochSeconds,
                                   boolean clusterMode) {

    public static final String SEED_PROPERTY = "kvcache.diff.seed";
    public static final String COMMANDS_PROPERTY = "kvcache.diff.commands";
    public static final String FAR_FUTURE_PROPERTY = "kvcache.diff.farFuture";
    public static final String CLUSTER_PROPERTY = "kvcache.diff.cluster";
    public static final List<Long> DEFAULT_SEEDS = List.of(1L, 42L, 1337L, 20_260_101L, 0xC0FFEEL);
    public static final int DEFAULT_COMMANDS = 100_000;

    public DifferentialSettings {
        seeds = List.copyOf(seeds);
        if (seeds.isEmpty() || totalCommands < 1) {
            throw new IllegalArgumentException("need at least one seed and one command");
        }
    }

    /** The standard stream (not cluster mode). */
    public DifferentialSettings(List<Long> seeds, int totalCommands, long farFutureEpochSeconds) {
        this(seeds, totalCommands, farFutureEpochSeconds, false);
    }

    /** The same settings with the cluster-mode stream. */
    public DifferentialSettings inClusterMode() {
        return new DifferentialSettings(seeds, totalCommands, farFutureEpochSeconds, true);
    }

    public static DifferentialSettings fromSystemProperties() {
        String seedList = System.getProperty(SEED_PROPERTY, "").trim();
        List<Long> seeds = seedList.isEmpty() ? DEFAULT_SEEDS
                : Arrays.stream(seedList.split(",")).map(String::trim).map(Long::decode).toList();
        int commands = Integer.getInteger(COMMANDS_PROPERTY, DEFAULT_COMMANDS);
        long farFuture = Long.getLong(FAR_FUTURE_PROPERTY, CommandGenerator.defaultFarFuture());
        boolean cluster = Boolean.getBoolean(CLUSTER_PROPERTY);
        return new DifferentialSettings(seeds, commands, farFuture, cluster);
    }

    public int commandsPerSeed() {
        return (totalCommands + seeds.size() - 1) / seeds.size();
    }
}
