package io.kvcache.slave.compat;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.Test;

import io.kvcache.slave.dispatch.StoreFixture;

/**
 * HyperLogLogs beside a real redis-server, compared as bytes (GET) after every step: sparse ones
 * growing until they turn dense, counts, cached counts, merges of sparse and dense ones, and the
 * errors for values that are not HyperLogLogs.
 */
class HyperLogLogComparisonTests extends AgainstRedisServer {

    private final StoreFixture kvcache = new StoreFixture();

    @Test
    void sparseToDenseCountsAndMergesAreRedissBytes() throws Exception {
        both("FLUSHALL");
        Random random = new Random(7);
        int added = 0;
        for (int round = 0; round < 40; round++) {
            List<String> pfadd = new ArrayList<>(List.of("PFADD", "h1"));
            int n = round < 20 ? 1 + random.nextInt(20) : 200 + random.nextInt(200);
            for (int i = 0; i < n; i++) {
                pfadd.add("element-" + random.nextInt(1_000_000));
            }
            added += n;
            both(pfadd.toArray(String[]::new));
            both("PFADD", "h2", "x" + round, "y" + round);
            both("GET", "h1");
            both("PFCOUNT", "h1");
            both("GET", "h1"); // the cached cardinality, written into the value
            both("PFCOUNT", "h1", "h2");
        }
        assertThat(added).isGreaterThan(3000);
        assertThat(both("GETRANGE", "h1", "4", "4")).as("h1 turned dense").isEqualTo("$1\r\n\u0000\r\n");
        assertThat(both("GETRANGE", "h2", "4", "4")).as("h2 still sparse").isEqualTo("$1\r\n\u0001\r\n");
        both("PFMERGE", "h3", "h2");
        both("GET", "h3");
        both("PFMERGE", "h3", "h1", "h2");
        both("GET", "h3");
        both("PFCOUNT", "h3");
        both("PFADD", "h4");
        both("GET", "h4");
        both("SET", "s", "not an hll");
        both("PFADD", "s", "a");
        both("PFCOUNT", "s", "h1");
        both("SET", "n", "12345");
        both("PFCOUNT", "n");
        both("LPUSH", "l", "a");
        both("PFMERGE", "h1", "l");
        both("SETRANGE", "h2", "16", "\u00ff\u00ff\u00ff"); // a sparse value that covers too many registers
        both("PFCOUNT", "h2");
        both("PFADD", "h2", "z");
    }

    /** Runs the command on both; they must answer the same bytes. */
    private String both(String... argv) throws Exception {
        String expected = new String(client.call(argv), StandardCharsets.ISO_8859_1);
        String actual = kvcache.call(argv);
        assertThat(actual).as(String.join(" ", argv)).isEqualTo(expected);
        return actual;
    }
}
