package io.kvcache.server;

import java.time.Duration;

import io.kvcache.config.MemoryValue;

/**
 * Redis's {@code client-output-buffer-limit <class> <hard> <soft> <soft seconds>} for one class of
 * clients: a client whose unsent replies pass {@code hard} bytes is closed at once; one whose
 * replies stay above {@code soft} bytes for {@code softTime} is closed too. 0 disables a limit.
 */
public record OutputBufferLimit(long hard, long soft, Duration softTime) {

    /** Redis's default for normal clients: no limit. */
    public static final OutputBufferLimit NONE = new OutputBufferLimit(0, 0, Duration.ZERO);

    /** Redis's default for subscribers ({@code client-output-buffer-limit pubsub 32mb 8mb 60}). */
    public static final OutputBufferLimit PUBSUB_DEFAULT =
            new OutputBufferLimit(32L << 20, 8L << 20, Duration.ofSeconds(60));

    /** Parses {@code "256mb 64mb 60"} (sizes as redis.conf writes them, seconds). */
    public static OutputBufferLimit parse(String value) {
        String[] parts = value.trim().split("\\s+");
        if (parts.length != 3) {
            throw new IllegalArgumentException(
                    "client-output-buffer-limit takes <hard> <soft> <soft seconds>, e.g. '256mb 64mb 60': " + value);
        }
        long seconds = Long.parseLong(parts[2]);
        if (seconds < 0) {
            throw new IllegalArgumentException("soft seconds must not be negative: " + value);
        }
        return new OutputBufferLimit(size(parts[0], value), size(parts[1], value), Duration.ofSeconds(seconds));
    }

    /** A size as redis.conf writes it ({@code 64mb}, {@code 1gb}, bytes). */
    static long size(String text, String whole) {
        long bytes = MemoryValue.parse(text);
        if (bytes < 0) {
            throw new IllegalArgumentException("not a memory size: '" + text + "' in '" + whole + "'");
        }
        return bytes;
    }

    boolean hasSoftLimit() {
        return soft > 0;
    }
}
