package io.kvcache.cluster;

import java.util.Arrays;
import java.util.Set;

/**
 * The text of a shard's replicas in sync, as a primary reports them in its HEARTBEAT and as the
 * master's assignment answers them: {@code id,...}, {@code -} for none, and (from the master only)
 * {@code ?} when it does not know them yet.
 */
public final class InSyncReplicas {

    /** The master's word when it does not know the replicas in sync (it restarted since the primary's report). */
    public static final String UNKNOWN = "?";

    private InSyncReplicas() {
    }

    public static String format(Iterable<String> ids) {
        String joined = String.join(",", ids);
        return joined.isEmpty() ? "-" : joined;
    }

    /** The ids; null for {@link #UNKNOWN}. */
    public static Set<String> parse(String text) {
        if (text.equals(UNKNOWN)) {
            return null;
        }
        return text.equals("-") ? Set.of() : Set.copyOf(Arrays.asList(text.split(",")));
    }
}
