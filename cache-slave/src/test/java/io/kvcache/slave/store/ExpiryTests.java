package io.kvcache.slave.store;

import static io.kvcache.slave.dispatch.StoreFixture.NIL;
import static io.kvcache.slave.dispatch.StoreFixture.OK;
import static io.kvcache.slave.dispatch.StoreFixture.bulk;
import static io.kvcache.slave.dispatch.StoreFixture.integer;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import io.kvcache.slave.dispatch.StoreFixture;
import io.kvcache.slave.server.RespConnection;
import io.kvcache.slave.support.RunningSlave;

/**
 * Deadlines as Redis 7.0 keeps them (expire.c, db.c), with a clock the test moves by hand; and one
 * test in real time against a running slave for the active expiry cycle.
 */
class ExpiryTests {

    private static final long ONE_SECOND_BUDGET = Duration.ofSeconds(1).toNanos();

    private final StoreFixture store = new StoreFixture();

    private String call(String... argv) {
        return store.call(argv);
    }

    @Test
    void aKeySetWithPxExpiresStrictlyAfterItsDeadline() {
        assertThat(call("SET", "k", "v", "PX", "100")).isEqualTo(OK);
        assertThat(call("PTTL", "k")).isEqualTo(integer(100));
        assertThat(call("TTL", "k")).isEqualTo(integer(0));
        assertThat(call("PEXPIRETIME", "k")).isEqualTo(integer(StoreFixture.EPOCH + 100));

        store.advance(100);
        assertThat(call("PTTL", "k")).isEqualTo(integer(0));
        assertThat(call("GET", "k")).isEqualTo(bulk("v"));
        assertThat(call("EXISTS", "k")).isEqualTo(integer(1));

        store.advance(1);
        assertThat(call("EXISTS", "k")).isEqualTo(integer(0));
        assertThat(call("GET", "k")).isEqualTo(NIL);
        assertThat(call("TTL", "k")).isEqualTo(integer(-2));
        assertThat(call("PTTL", "k")).isEqualTo(integer(-2));
        assertThat(call("DBSIZE")).isEqualTo(integer(0));
        assertThat(store.info("stats", "expired_keys")).isEqualTo("1");
    }

    @Test
    void ttlRoundsToTheNearestSecondAndAPersistentKeyAnswersMinusOne() {
        call("SET", "k", "v", "PX", "1499");
        assertThat(call("TTL", "k")).isEqualTo(integer(1));
        call("SET", "k", "v", "PX", "1500");
        assertThat(call("TTL", "k")).isEqualTo(integer(2));
        call("SET", "p", "v");
        assertThat(call("TTL", "p")).isEqualTo(integer(-1));
        assertThat(call("PTTL", "p")).isEqualTo(integer(-1));
        assertThat(call("TTL", "missing")).isEqualTo(integer(-2));
    }

    /**
     * EXPIRE key seconds [NX|XX|GT|LT] on a key without deadline ("persistent"), with a deadline
     * 100 s away ("ttl100") or absent ("missing"). Checked against redis-server 7.0.15; where the
     * new deadline equals the current one Redis (with its clock stopped, as here) refuses GT and LT.
     */
    @ParameterizedTest(name = "{0}: EXPIRE k {2} {1} -> {3}, then TTL {4}")
    @CsvSource({
            // state,     options,     seconds, reply, ttl after
            "persistent,  NX,          100,     1,     100",
            "persistent,  XX,          100,     0,     -1",
            "persistent,  GT,          100,     0,     -1",
            "persistent,  LT,          100,     1,     100",
            "persistent,  XX GT,       200,     0,     -1",
            "persistent,  XX LT,       50,      0,     -1",
            "persistent,  LT,          -1,      1,     -2",
            "persistent,  NX,          0,       1,     -2",
            "persistent,  nx,          10,      1,     10",
            "persistent,  NX NX,       10,      1,     10",
            "persistent,  XX XX GT GT, 10,      0,     -1",
            "ttl100,      NX,          50,      0,     100",
            "ttl100,      XX,          50,      1,     50",
            "ttl100,      GT,          200,     1,     200",
            "ttl100,      GT,          50,      0,     100",
            "ttl100,      GT,          100,     0,     100",
            "ttl100,      LT,          50,      1,     50",
            "ttl100,      LT,          200,     0,     100",
            "ttl100,      LT,          100,     0,     100",
            "ttl100,      XX GT,       200,     1,     200",
            "ttl100,      XX LT,       50,      1,     50",
            "ttl100,      GT,          -1,      0,     100",
            "ttl100,      LT,          -1,      1,     -2",
            "ttl100,      XX,          0,       1,     -2",
            "missing,     NX,          100,     0,     -2",
            "missing,     LT,          100,     0,     -2",
            "missing,     XX,          100,     0,     -2",
    })
    void expireWithNxXxGtLtFollowsRedis(String state, String options, long seconds, long reply, long ttlAfter) {
        if (!state.equals("missing")) {
            call("SET", "k", "v");
        }
        if (state.equals("ttl100")) {
            call("EXPIRE", "k", "100");
        }

        String[] argv = ("EXPIRE k " + seconds + " " + options).split(" ");
        assertThat(call(argv)).isEqualTo(integer(reply));
        assertThat(call("TTL", "k")).isEqualTo(integer(ttlAfter));
    }

    @ParameterizedTest(name = "EXPIRE k 10 {0} -> {1}")
    @CsvSource(delimiter = '|', value = {
            "NX XX | ERR NX and XX, GT or LT options at the same time are not compatible",
            "NX GT | ERR NX and XX, GT or LT options at the same time are not compatible",
            "NX LT | ERR NX and XX, GT or LT options at the same time are not compatible",
            "GT LT | ERR GT and LT options at the same time are not compatible",
            "FOO   | ERR Unsupported option FOO",
    })
    void incompatibleOrUnknownExpireOptionsAreRefusedAndChangeNothing(String options, String error) {
        call("SET", "k", "v");

        assertThat(call(("EXPIRE k 10 " + options).split(" "))).isEqualTo("-" + error + "\r\n");
        assertThat(call("TTL", "k")).isEqualTo(integer(-1));
    }

    @Test
    void activeExpiryRemovesExpiredKeysNobodyTouches() {
        for (int i = 0; i < 200; i++) {
            call("SET", "volatile:" + i, "v", "PX", "50");
        }
        for (int i = 0; i < 5; i++) {
            call("SET", "persistent:" + i, "v");
        }

        store.advance(50);
        assertThat(store.keyspace.activeExpireCycle(ONE_SECOND_BUDGET)).as("at the deadline").isZero();
        assertThat(store.keyspace.size()).isEqualTo(205);

        store.advance(1);
        assertThat(store.keyspace.activeExpireCycle(ONE_SECOND_BUDGET)).isEqualTo(200);
        assertThat(store.keyspace.size()).isEqualTo(5);
        assertThat(store.keyspace.volatileCount()).isZero();
        assertThat(call("DBSIZE")).isEqualTo(integer(5));
        assertThat(store.info("stats", "expired_keys")).isEqualTo("200");
        assertThat(store.info("keyspace", "db0")).isEqualTo("keys=5,expires=0,avg_ttl=0");
    }

    @Test
    void activeExpiryCyclesNeverRemoveAKeyBeforeItsDeadline() {
        for (int i = 0; i < 100; i++) {
            call("SET", "soon:" + i, "v", "PX", "10");
        }
        call("SET", "later", "v", "PX", "10000");
        store.advance(11);

        // Sampling is random: a cycle may stop early when its sample is mostly live keys; cycles repeat.
        int cycles = 0;
        while (store.keyspace.size() > 1 && cycles++ < 1000) {
            store.keyspace.activeExpireCycle(ONE_SECOND_BUDGET);
        }

        assertThat(store.keyspace.size()).isEqualTo(1);
        assertThat(call("PTTL", "later")).isEqualTo(integer(10000 - 11));
        assertThat(store.info("stats", "expired_keys")).isEqualTo("100");
    }

    /** Commands that rewrite the value in place keep the deadline; those that set a new value drop it. */
    @ParameterizedTest(name = "{1} -> TTL {3}")
    @CsvSource(delimiter = '|', value = {
            "SET k 1 EX 100            | INCR k                | k | 100",
            "SET k 1 EX 100            | DECRBY k 5            | k | 100",
            "SET k 1 EX 100            | INCRBYFLOAT k 1.5     | k | 100",
            "SET k 1 EX 100            | APPEND k x            | k | 100",
            "SET k 1 EX 100            | SETRANGE k 0 x        | k | 100",
            "SET k 1 EX 100            | SET k x KEEPTTL       | k | 100",
            "SET k 1 EX 100            | SETNX k x             | k | 100",
            "SET k 1 EX 100            | SET k x               | k | -1",
            "SET k 1 EX 100            | GETSET k x            | k | -1",
            "SET k 1 EX 100            | MSET k x              | k | -1",
            "SET k 1 EX 100            | PERSIST k             | k | -1",
            "SET k 1 EX 100            | GETEX k PERSIST       | k | -1",
            "RPUSH l a;EXPIRE l 100    | LPUSH l b             | l | 100",
            "RPUSH l a b c;EXPIRE l 100| RPOPLPUSH l l         | l | 100",
            "SET s v EX 100            | RENAME s d            | d | 100",
            "SET s v;SET d w EX 100    | RENAME s d            | d | -1",
            "SET s v EX 100;SET d w    | RENAMENX s d          | s | 100",
            "SET s v EX 100            | RENAME s s            | s | 100",
    })
    void aDeadlineIsKeptOrDroppedAsRedisDoes(String setup, String command, String key, long ttl) {
        for (String each : setup.split(";")) {
            call(each.trim().split(" "));
        }
        call(command.split(" "));

        assertThat(call("TTL", key)).isEqualTo(integer(ttl));
    }

    @Test
    void aKeyOverwrittenBySetLosesItsDeadlineButIncrKeepsIt() {
        call("SET", "plain", "1", "EX", "100");
        call("SET", "counter", "1", "EX", "100");

        assertThat(call("SET", "plain", "2")).isEqualTo(OK);
        assertThat(call("INCR", "counter")).isEqualTo(integer(2));
        store.advance(100_001);

        assertThat(call("GET", "plain")).isEqualTo(bulk("2"));
        assertThat(call("GET", "counter")).isEqualTo(NIL);
    }

    @Test
    void renameKeepsTheDeadlineOfTheSourceUntilItExpires() {
        call("SET", "src", "v", "PX", "5000");

        assertThat(call("RENAME", "src", "dst")).isEqualTo(OK);
        assertThat(call("PTTL", "dst")).isEqualTo(integer(5000));
        assertThat(call("PTTL", "src")).isEqualTo(integer(-2));
        assertThat(store.keyspace.volatileCount()).isEqualTo(1);

        store.advance(5001);
        assertThat(store.keyspace.activeExpireCycle(ONE_SECOND_BUDGET)).isEqualTo(1);
        assertThat(call("EXISTS", "dst")).isEqualTo(integer(0));
    }

    @Test
    void aRunningSlaveReclaimsAnExpiredKeyNobodyTouches() throws Exception {
        try (RunningSlave slave = RunningSlave.start();
             RespConnection client = RespConnection.open(slave.address())) {
            assertThat(client.call("SET", "k", "v", "PX", "200")).isEqualTo(OK);
            assertThat(client.call("DBSIZE")).isEqualTo(integer(1));

            // Only DBSIZE, which does not touch keys: the active expiry cycle must remove it.
            await().atMost(Duration.ofSeconds(10)).pollInSameThread().pollInterval(Duration.ofMillis(10))
                    .untilAsserted(() -> assertThat(client.call("DBSIZE")).isEqualTo(integer(0)));

            assertThat(RespConnection.infoField(client.call("INFO", "stats"), "expired_keys")).isEqualTo("1");
            assertThat(client.call("EXISTS", "k")).isEqualTo(integer(0));

            // The cycle sleeps while no key has a deadline; the next deadline wakes it again.
            assertThat(client.call("SET", "k2", "v", "PX", "100")).isEqualTo(OK);
            await().atMost(Duration.ofSeconds(10)).pollInSameThread().pollInterval(Duration.ofMillis(10))
                    .untilAsserted(() -> assertThat(client.call("DBSIZE")).isEqualTo(integer(0)));
            assertThat(RespConnection.infoField(client.call("INFO", "stats"), "expired_keys")).isEqualTo("2");
        }
    }
}
