package io.kvcache.slave.compat;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Sends the same seeded command stream to a reference redis-server and to a candidate (a kvcache
 * slave) and fails on the first reply that differs; see docs/testing.md.
 * <p>
 * Entry points:
 * <ul>
 * <li>{@link #run(InetSocketAddress, InetSocketAddress, long, int)}: one seed, a given number of commands;</li>
 * <li>{@link #runConfigured(InetSocketAddress, InetSocketAddress)}: the seeds and command count of the system
 * properties {@code kvcache.diff.seed} / {@code kvcache.diff.commands} (see {@link DifferentialSettings}).</li>
 * <li>{@link #runConfiguredInClusterMode(InetSocketAddress, InetSocketAddress)}: the same with the cluster-mode
 * stream, for a sharded candidate (see {@link CommandGenerator}).</li>
 * </ul>
 * Both throw an {@link AssertionError} whose message is the full report of the first difference.
 * <p>
 * Each seed starts from FLUSHALL on both servers. Commands are pipelined in chunks of 50-200 (sizes drawn
 * from the seed, identical on both sides), both servers are driven concurrently, and replies are compared
 * by {@link ReplyComparator}. A SCAN ends the current chunk and is compared by {@link ScanComparison}.
 * After the stream, the type, value and remaining time of every key are compared too, so a divergence
 * in the last commands cannot go unnoticed.
 */
public final class DifferentialRunner {

    static final int MIN_CHUNK = 50;
    static final int MAX_CHUNK = 200;
    /** Chunk sizes come from their own stream so that they never shift the generated commands. */
    private static final long CHUNK_SALT = 0x5DEECE66DL;

    private final DifferentialSettings settings;
    private final long seed;
    private final int commands;
    private final DifferenceReport report;
    private final Map<String, Integer> sent = new HashMap<>();
    private final Map<String, Integer> errors = new HashMap<>();

    private DifferentialRunner(DifferentialSettings settings, long seed, int commands) {
        this.settings = settings;
        this.seed = seed;
        this.commands = commands;
        this.report = new DifferenceReport(settings, seed, commands);
    }

    /** Runs {@code commands} commands of {@code seed}; throws AssertionError with the report on a difference. */
    public static DifferentialResult run(InetSocketAddress reference, InetSocketAddress candidate, long seed, int commands) {
        DifferentialSettings settings = new DifferentialSettings(List.of(seed), commands, CommandGenerator.defaultFarFuture());
        return new DifferentialRunner(settings, seed, commands).runAgainst(reference, candidate);
    }

    /** Runs every seed of the system properties, splitting their command count evenly between them. */
    public static List<DifferentialResult> runConfigured(InetSocketAddress reference, InetSocketAddress candidate) {
        return run(reference, candidate, DifferentialSettings.fromSystemProperties());
    }

    /**
     * Like {@link #runConfigured}, with the cluster-mode stream whatever {@code kvcache.diff.cluster} says: for a
     * candidate that shards keys and answers CROSSSLOT for RENAME, RENAMENX and MSETNX across slots.
     */
    public static List<DifferentialResult> runConfiguredInClusterMode(InetSocketAddress reference,
                                                                      InetSocketAddress candidate) {
        return run(reference, candidate, DifferentialSettings.fromSystemProperties().inClusterMode());
    }

    public static List<DifferentialResult> run(InetSocketAddress reference, InetSocketAddress candidate,
                                               DifferentialSettings settings) {
        List<DifferentialResult> results = new ArrayList<>();
        for (long seed : settings.seeds()) {
            results.add(new DifferentialRunner(settings, seed, settings.commandsPerSeed()).runAgainst(reference, candidate));
        }
        return results;
    }

    private DifferentialResult runAgainst(InetSocketAddress reference, InetSocketAddress candidate) {
        long started = System.nanoTime();
        try (ServerPair servers = new ServerPair(reference, candidate)) {
            resetBoth(servers);
            runStream(servers);
            compareFinalState(servers);
        } catch (IOException e) {
            throw new AssertionError("differential run of seed " + seed + " could not talk to a server: " + e, e);
        }
        return new DifferentialResult(seed, commands, Duration.ofNanos(System.nanoTime() - started), sent, errors);
    }

    private void resetBoth(ServerPair servers) throws IOException {
        ServerPair.Both<byte[]> flushed = servers.onBoth(client -> client.call("FLUSHALL"));
        for (byte[] reply : List.of(flushed.reference(), flushed.candidate())) {
            if (!Escaping.reply(reply).equals("+OK\\r\\n")) {
                throw new AssertionError("FLUSHALL before seed " + seed + " answered " + Escaping.reply(reply));
            }
        }
    }

    private void runStream(ServerPair servers) {
        CommandGenerator generator = new CommandGenerator(seed, settings.farFutureEpochSeconds(), settings.clusterMode());
        Random chunkSizes = new Random(seed ^ CHUNK_SALT);
        List<byte[][]> chunk = new ArrayList<>();
        int chunkSize = nextChunkSize(chunkSizes);
        int chunkStart = 0;
        for (int index = 0; index < commands; index++) {
            byte[][] command = generator.next();
            if (ScanComparison.cursorIndex(command) > 0) {
                sendChunk(servers, chunk, chunkStart);
                compareScan(servers, command, index);
                chunk.clear();
                chunkStart = index + 1;
                continue;
            }
            chunk.add(command);
            if (chunk.size() == chunkSize) {
                sendChunk(servers, chunk, chunkStart);
                chunk.clear();
                chunkStart = index + 1;
                chunkSize = nextChunkSize(chunkSizes);
            }
        }
        sendChunk(servers, chunk, chunkStart);
    }

    /** Reads every key back (GET and LRANGE on the wrong type just compare their WRONGTYPE errors). */
    private void compareFinalState(ServerPair servers) {
        List<byte[][]> reads = new ArrayList<>();
        for (String key : CommandGenerator.KEYS) {
            for (String[] read : List.of(new String[] {"TYPE", key}, new String[] {"GET", key},
                    new String[] {"LRANGE", key, "0", "-1"}, new String[] {"PTTL", key})) {
                reads.add(java.util.Arrays.stream(read).map(Escaping::ascii).toArray(byte[][]::new));
            }
        }
        reads.add(new byte[][] {Escaping.ascii("KEYS"), Escaping.ascii("*")});
        sendChunk(servers, reads, commands);
    }

    private static int nextChunkSize(Random chunkSizes) {
        return MIN_CHUNK + chunkSizes.nextInt(MAX_CHUNK - MIN_CHUNK + 1);
    }

    private void sendChunk(ServerPair servers, List<byte[][]> chunk, int firstIndex) {
        if (chunk.isEmpty()) {
            return;
        }
        ServerPair.Both<List<byte[]>> replies;
        try {
            replies = servers.onBoth(client -> client.pipeline(chunk));
        } catch (IOException | RuntimeException e) {
            throw new AssertionError(report.failure(firstIndex, firstIndex + chunk.size() - 1, chunk.getFirst(), e), e);
        }
        for (int i = 0; i < chunk.size(); i++) {
            byte[][] command = chunk.get(i);
            byte[] expected = replies.reference().get(i);
            byte[] actual = replies.candidate().get(i);
            count(firstIndex + i, command, expected);
            if (!ReplyComparator.equivalent(command, expected, actual)) {
                throw new AssertionError(report.difference(firstIndex + i, command,
                        Escaping.reply(expected), Escaping.reply(actual), rule(command)));
            }
            report.answeredIdentically(firstIndex + i, command);
        }
    }

    private void compareScan(ServerPair servers, byte[][] scan, int index) {
        ScanComparison.Outcome outcome;
        try {
            outcome = ScanComparison.compare(scan, servers);
        } catch (IOException | RuntimeException e) {
            throw new AssertionError(report.failure(index, index, scan, e), e);
        }
        count(index, scan, outcome.referenceReply());
        outcome.mismatch().ifPresent(m -> {
            throw new AssertionError(report.difference(index, scan, m.reference(), m.candidate(), m.rule()));
        });
        report.answeredIdentically(index, scan);
    }

    /** Statistics cover the generated stream only, not the final state check. */
    private void count(int index, byte[][] command, byte[] referenceReply) {
        if (index >= commands) {
            return;
        }
        String name = ReplyComparator.commandName(command);
        sent.merge(name, 1, Integer::sum);
        if (ScanComparison.isError(referenceReply)) {
            errors.merge(name, 1, Integer::sum);
        }
    }

    private static String rule(byte[][] command) {
        return switch (ReplyComparator.commandName(command)) {
            case "TTL", "EXPIRETIME" -> "equal, or both integers >= 0 at most " + ReplyComparator.SECONDS_TOLERANCE + " apart";
            case "PTTL", "PEXPIRETIME" -> "equal, or both integers >= 0 at most " + ReplyComparator.MILLISECONDS_TOLERANCE + " apart";
            case "KEYS", "SMEMBERS", "SINTER", "SUNION", "SDIFF", "SPOP", "SRANDMEMBER" -> "the same elements in any order";
            default -> "byte for byte";
        };
    }
}
