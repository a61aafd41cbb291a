package io.kvcache.slave.compat;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Optional;

/**
 * Builds the failure message of a differential run: everything needed to understand the first difference
 * without re-running it (seed, index, command, both replies, the commands before it) and the exact system
 * properties that replay it. It also keeps the short history of commands those messages show.
 */
final class DifferenceReport {

    static final int CONTEXT_COMMANDS = 20;

    private final DifferentialSettings settings;
    private final long seed;
    private final int streamLength;
    private final Deque<String> history = new ArrayDeque<>();

    /**
     * @param streamLength the number of generated commands; indexes from there on are the final state
     *                     check the runner adds after the stream
     */
    DifferenceReport(DifferentialSettings settings, long seed, int streamLength) {
        this.settings = settings;
        this.seed = seed;
        this.streamLength = streamLength;
    }

    /** Records a command both servers answered identically, as context for a later difference. */
    void answeredIdentically(long index, byte[][] command) {
        if (history.size() == CONTEXT_COMMANDS) {
            history.removeFirst();
        }
        history.addLast(String.format("  #%-8d %s", index, Escaping.command(command)));
    }

    String difference(long index, byte[][] command, String referenceReply, String candidateReply, String rule) {
        return header(index)
                + "  command:   " + Escaping.command(command) + "\n"
                + "  reference: " + referenceReply + "\n"
                + "  candidate: " + candidateReply + "\n"
                + "  rule:      " + rule + "\n"
                + context()
                + replayHint(index);
    }

    /**
     * An I/O failure (timeout, closed connection, malformed reply) while the commands {@code firstIndex} to
     * {@code lastIndex} were in flight; which one caused it is unknown, so the replay covers them all.
     */
    String failure(long firstIndex, long lastIndex, byte[][] firstCommand, Exception cause) {
        return header(firstIndex)
                + "  command:   " + Escaping.command(firstCommand) + " (first of the pipelined commands #"
                + firstIndex + " to #" + lastIndex + ")\n"
                + "  failure:   " + cause + "\n"
                + context()
                + replayHint(lastIndex);
    }

    private String header(long index) {
        String position = index < streamLength ? index + " (0-based position in the seed's command stream)"
                : index + " (final state check, after the " + streamLength + " generated commands)";
        return "Redis differential test: the candidate differs from the reference redis-server\n"
                + "  seed:      " + seed + "\n"
                + "  index:     " + position + "\n"
                + "  deadlines: absolute ones based on " + settings.farFutureEpochSeconds() + " (epoch seconds)\n";
    }

    private String context() {
        if (history.isEmpty()) {
            return "  (no command before it)\n";
        }
        return "  the " + history.size() + " commands before it (all answered identically):\n"
                + String.join("\n", history) + "\n";
    }

    private String replayHint(long index) {
        long commands = Math.min(index + 1, streamLength);
        String properties = "-D" + DifferentialSettings.SEED_PROPERTY + "=" + seed
                + " -D" + DifferentialSettings.COMMANDS_PROPERTY + "=" + commands
                + " -D" + DifferentialSettings.FAR_FUTURE_PROPERTY + "=" + settings.farFutureEpochSeconds();
        String test = callingTest().map(name -> " -Dtest=" + name).orElse("");
        return "  replay:    ./mvnw -o -pl cache-common,cache-slave -am test" + test
                + " -Dsurefire.failIfNoSpecifiedTests=false " + properties + "\n"
                + "             (a seed's stream does not depend on the command count, so this stops right after"
                + " the difference)";
    }

    /** The test class that started the run, so the replay command can name it. */
    private static Optional<String> callingTest() {
        return StackWalker.getInstance().walk(frames -> frames
                .map(StackWalker.StackFrame::getClassName)
                .filter(name -> name.endsWith("Test") || name.endsWith("Tests") || name.endsWith("IT"))
                .map(name -> name.substring(name.lastIndexOf('.') + 1))
                .findFirst());
    }
}
