package io.kvcache.slave.store;

import static io.kvcache.slave.dispatch.StoreFixture.NIL;
import static io.kvcache.slave.dispatch.StoreFixture.OK;
import static io.kvcache.slave.dispatch.StoreFixture.bulk;
import static io.kvcache.slave.dispatch.StoreFixture.integer;
import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import io.kvcache.protocol.Request;
import io.kvcache.slave.dispatch.StoreFixture;

/**
 * The commands of the seed application, with the seed's semantics where it had its own
 * ({@code LREM key value}) and Redis 7.0's everywhere else (replies checked against
 * redis-server 7.0.15).
 */
class SeedCommandsTests {

    private static final String WRONGTYPE = "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n";
    private static final String NOT_INTEGER = "-ERR value is not an integer or out of range\r\n";

    private final StoreFixture store = new StoreFixture();

    private String call(String... argv) {
        return store.call(argv);
    }

    /** The elements of a list as an array reply. */
    private static String array(String... elements) {
        StringBuilder sb = new StringBuilder("*").append(elements.length).append("\r\n");
        for (String e : elements) {
            sb.append(bulk(e));
        }
        return sb.toString();
    }

    private String range(String key) {
        return call("LRANGE", key, "0", "-1");
    }

    // ---------------------------------------------------------------- LREM

    @Test
    void lremWithKeyAndValueRemovesTheFirstOccurrenceOnly() {
        call("RPUSH", "l", "a", "b", "a", "c", "a");

        assertThat(call("LREM", "l", "a")).isEqualTo(integer(1));
        assertThat(range("l")).isEqualTo(array("b", "a", "c", "a"));
        assertThat(call("LREM", "l", "a")).isEqualTo(integer(1));
        assertThat(range("l")).isEqualTo(array("b", "c", "a"));
        assertThat(call("LREM", "l", "zzz")).isEqualTo(integer(0));
        assertThat(range("l")).isEqualTo(array("b", "c", "a"));
    }

    @Test
    void lremWithKeyAndValueTakesANumericValueAsTheValueNotACount() {
        call("RPUSH", "l", "0", "1", "0");

        assertThat(call("LREM", "l", "0")).isEqualTo(integer(1));
        assertThat(range("l")).isEqualTo(array("1", "0"));
    }

    @Test
    void lremWithKeyAndValueDeletesAListItEmptiesAndAnswersZeroForAMissingKey() {
        call("RPUSH", "single", "only");

        assertThat(call("LREM", "single", "only")).isEqualTo(integer(1));
        assertThat(call("EXISTS", "single")).isEqualTo(integer(0));
        assertThat(call("LREM", "missing", "x")).isEqualTo(integer(0));
        assertThat(call("EXISTS", "missing")).isEqualTo(integer(0));
    }

    @ParameterizedTest(name = "LREM l {0} a -> {1}, leaving {2}")
    @CsvSource(delimiter = '|', value = {
            " 2 | 2 | b c a b a",
            "-2 | 2 | a b a c b",
            " 0 | 4 | b c b",
            " 9 | 4 | b c b",
            "-9 | 4 | b c b",
            " 1 | 1 | b a c a b a",
            "-1 | 1 | a b a c a b",
    })
    void lremWithACountRemovesAsRedis(String count, long removed, String left) {
        call("RPUSH", "l", "a", "b", "a", "c", "a", "b", "a");

        assertThat(call("LREM", "l", count.trim(), "a")).isEqualTo(integer(removed));
        assertThat(range("l")).isEqualTo(array(left.split(" ")));
    }

    @Test
    void lremWithTooManyOrTooFewArgumentsIsAnArityError() {
        call("RPUSH", "k", "1", "2", "3");

        assertThat(call("LREM", "k", "1", "2", "3")).isEqualTo("-ERR wrong number of arguments for 'lrem' command\r\n");
        assertThat(call("LREM", "k")).isEqualTo("-ERR wrong number of arguments for 'lrem' command\r\n");
        assertThat(range("k")).isEqualTo(array("1", "2", "3"));
    }

    @Test
    void lremRefusesANonIntegerCountAndAStringKey() {
        call("RPUSH", "l", "a");
        call("SET", "s", "v");

        assertThat(call("LREM", "l", "x", "a")).isEqualTo(NOT_INTEGER);
        assertThat(call("LREM", "s", "0", "v")).isEqualTo(WRONGTYPE);
        assertThat(call("LREM", "s", "v")).isEqualTo(WRONGTYPE);
        assertThat(call("LREM", "missing", "0", "v")).isEqualTo(integer(0));
        assertThat(range("l")).isEqualTo(array("a"));
    }

    // ---------------------------------------------------------------- keys and strings

    @Test
    void delWithManyKeysAnswersHowManyExisted() {
        call("MSET", "k1", "1", "k2", "2", "k3", "3");
        call("RPUSH", "k4", "x");

        assertThat(call("DEL", "k1", "k2", "missing", "k1", "k4")).isEqualTo(integer(3));
        assertThat(call("DBSIZE")).isEqualTo(integer(1));
        assertThat(call("DEL", "missing")).isEqualTo(integer(0));
    }

    @Test
    void mgetAnswersNilForMissingKeysAndKeysOfAnotherType() {
        call("SET", "s", "v");
        call("RPUSH", "l", "a");

        assertThat(call("MGET", "s", "missing", "l", "s")).isEqualTo("*4\r\n" + bulk("v") + NIL + NIL + bulk("v"));
    }

    @Test
    void setnxSetsOnlyAMissingKey() {
        assertThat(call("SETNX", "n", "v")).isEqualTo(integer(1));
        assertThat(call("SETNX", "n", "w")).isEqualTo(integer(0));
        assertThat(call("GET", "n")).isEqualTo(bulk("v"));
    }

    @ParameterizedTest(name = "INCR on \"{0}\"")
    @CsvSource(delimiter = '|', value = {"abc", "' 1'", "'1 '", "1.5", "007", "''", "+1"})
    void incrOnAValueThatIsNotAnIntegerIsRefusedAndChangesNothing(String value) {
        call("SET", "s", value);

        assertThat(call("INCR", "s")).isEqualTo(NOT_INTEGER);
        assertThat(call("GET", "s")).isEqualTo(bulk(value));
    }

    @Test
    void incrStartsAtZeroCountsNegativesAndRefusesOverflowAndLists() {
        assertThat(call("INCR", "fresh")).isEqualTo(integer(1));
        call("SET", "neg", "-5");
        assertThat(call("INCR", "neg")).isEqualTo(integer(-4));
        call("SET", "max", "9223372036854775807");
        assertThat(call("INCR", "max")).isEqualTo("-ERR increment or decrement would overflow\r\n");
        call("RPUSH", "list", "a");
        assertThat(call("INCR", "list")).isEqualTo(WRONGTYPE);
    }

    @Test
    void expireAndTtl() {
        call("SET", "k", "v");
        call("SET", "p", "v");

        assertThat(call("EXPIRE", "k", "10")).isEqualTo(integer(1));
        assertThat(call("TTL", "k")).isEqualTo(integer(10));
        assertThat(call("TTL", "p")).isEqualTo(integer(-1));
        assertThat(call("EXPIRE", "missing", "10")).isEqualTo(integer(0));
        assertThat(call("TTL", "missing")).isEqualTo(integer(-2));
        assertThat(call("EXPIRE", "k", "abc")).isEqualTo(NOT_INTEGER);
        assertThat(call("EXPIRE", "k", "1.5")).isEqualTo(NOT_INTEGER);

        store.advance(10_000);
        assertThat(call("TTL", "k")).isEqualTo(integer(0));
        store.advance(1);
        assertThat(call("TTL", "k")).isEqualTo(integer(-2));
    }

    // ---------------------------------------------------------------- lists

    @Test
    void lpushWithManyValuesPushesThemOneAfterAnotherOntoTheHead() {
        assertThat(call("LPUSH", "l", "a", "b", "c")).isEqualTo(integer(3));
        assertThat(range("l")).isEqualTo(array("c", "b", "a"));
        assertThat(call("LPUSH", "l", "d", "e")).isEqualTo(integer(5));
        assertThat(range("l")).isEqualTo(array("e", "d", "c", "b", "a"));
        assertThat(call("RPUSH", "l", "f", "g")).isEqualTo(integer(7));
        assertThat(range("l")).isEqualTo(array("e", "d", "c", "b", "a", "f", "g"));
    }

    @Test
    void rpoplpushMovesTheTailOfOneListToTheHeadOfAnother() {
        call("RPUSH", "src", "a", "b", "c");

        assertThat(call("RPOPLPUSH", "src", "dst")).isEqualTo(bulk("c"));
        assertThat(call("RPOPLPUSH", "src", "dst")).isEqualTo(bulk("b"));
        assertThat(range("src")).isEqualTo(array("a"));
        assertThat(range("dst")).isEqualTo(array("b", "c"));

        assertThat(call("RPOPLPUSH", "src", "dst")).isEqualTo(bulk("a"));
        assertThat(call("EXISTS", "src")).as("an emptied list is deleted").isEqualTo(integer(0));
        assertThat(range("dst")).isEqualTo(array("a", "b", "c"));
    }

    @Test
    void rpoplpushWithTheSameSourceAndDestinationRotatesTheList() {
        call("RPUSH", "r", "a", "b", "c");

        assertThat(call("RPOPLPUSH", "r", "r")).isEqualTo(bulk("c"));
        assertThat(range("r")).isEqualTo(array("c", "a", "b"));
        assertThat(call("RPOPLPUSH", "r", "r")).isEqualTo(bulk("b"));
        assertThat(range("r")).isEqualTo(array("b", "c", "a"));

        call("RPUSH", "one", "x");
        assertThat(call("RPOPLPUSH", "one", "one")).isEqualTo(bulk("x"));
        assertThat(range("one")).isEqualTo(array("x"));
    }

    @Test
    void rpoplpushFromAMissingListAnswersNilAndAWrongTypeMovesNothing() {
        call("RPUSH", "src", "a");
        call("SET", "str", "v");

        assertThat(call("RPOPLPUSH", "missing", "dst")).isEqualTo(NIL);
        assertThat(call("EXISTS", "dst")).isEqualTo(integer(0));
        assertThat(call("RPOPLPUSH", "src", "str")).isEqualTo(WRONGTYPE);
        assertThat(range("src")).isEqualTo(array("a"));
        assertThat(call("GET", "str")).isEqualTo(bulk("v"));
        assertThat(call("RPOPLPUSH", "str", "dst")).isEqualTo(WRONGTYPE);
        assertThat(call("EXISTS", "dst")).isEqualTo(integer(0));
    }

    @Test
    void aPipelineOfSeedCommandsRunsInOrder() {
        assertThat(store.batch(
                Request.of("SET", "a", "1"),
                Request.of("INCR", "a"),
                Request.of("LPUSH", "l", "x", "y"),
                Request.of("LREM", "l", "x"),
                Request.of("MGET", "a", "l")))
                .isEqualTo(OK + integer(2) + integer(2) + integer(1) + "*2\r\n" + bulk("2") + NIL);
    }
}
