package io.kvcache.slave.compat;

import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;

/**
 * A run of one seed without differences. The counts show what was actually exercised: how often each
 * command was sent and how often the reference answered it with an error (a generator that only
 * produced errors would prove little).
 */
public record DifferentialResult(long seed, int commands, Duration elapsed,
                                 Map<String, Integer> sentByCommand, Map<String, Integer> errorsByCommand) {

    public DifferentialResult {
        sentByCommand = Map.copyOf(sentByCommand);
        errorsByCommand = Map.copyOf(errorsByCommand);
    }

    public int errorReplies() {
        return errorsByCommand.values().stream().mapToInt(Integer::intValue).sum();
    }

    /** One line per command: {@code SET  sent 9876  errors 1234}, sorted by name. */
    public String coverage() {
        StringBuilder out = new StringBuilder();
        new TreeMap<>(sentByCommand).forEach((name, sent) -> out.append(String.format("  %-12s sent %7d  errors %7d%n",
                name, sent, errorsByCommand.getOrDefault(name, 0))));
        return out.toString();
    }

    @Override
    public String toString() {
        return "seed " + seed + ": " + commands + " commands, " + errorReplies() + " error replies, no difference, in "
                + elapsed.toMillis() + " ms";
    }
}
