package io.kvcache.master.rebalance;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * A rebalance as {@code GET /admin/rebalance} shows it: the one running, else the last one.
 *
 * @param state {@code running} or {@code idle}
 * @param from ring A's shards; {@code to}: ring B's (empty when none ever ran)
 * @param startedAt when this master started it (or found it under way, after a restart)
 * @param resumed whether this master found it under way when it started (and carried it on)
 * @param keysMoved keys the sources have moved, as their primaries report
 * @param keysRemaining keys the sources still hold to move (0 once done)
 * @param keysPerSecond keysMoved over the time since startedAt (until finishedAt)
 * @param sources each source shard's primary's report, by {@code shard/replica}
 * @param ranges the stretches of the hash space that change owner (hashes as unsigned decimals)
 */
public record RebalanceView(String state, long placement, List<String> from, List<String> to, Instant startedAt,
                            Instant finishedAt, boolean resumed, long keysMoved, long keysRemaining, long keysPerSecond,
                            int rangeCount, Map<String, Rebalancer.Source> sources, List<Range> ranges) {

    /** Keys hashing from {@code from} (inclusive) to {@code to} (exclusive, wrapping) move from {@code before} to {@code after}. */
    public record Range(String from, String to, String before, String after) {
    }
}
