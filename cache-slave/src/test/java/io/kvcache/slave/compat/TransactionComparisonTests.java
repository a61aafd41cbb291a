package io.kvcache.slave.compat;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.kvcache.slave.dispatch.StoreFixture;

/**
 * MULTI, EXEC and DISCARD on a slave beside a real redis-server, one connection each, every reply
 * compared as bytes: queuing, errors while queuing (EXECABORT), errors inside EXEC (in their slot,
 * the other commands still run), blocking commands inside a transaction, and the refusals of
 * misplaced MULTI, EXEC and DISCARD.
 */
class TransactionComparisonTests extends AgainstRedisServer {

    private final StoreFixture kvcache = new StoreFixture();

    @BeforeEach
    void flush() throws Exception {
        both("FLUSHALL");
    }

    @Test
    void queuedCommandsRunTogetherAtExecWithErrorsInTheirSlots() throws Exception {
        both("SET", "counter", "10");
        both("MULTI");
        assertThat(both("INCR", "counter")).isEqualTo("+QUEUED\r\n");
        both("LPUSH", "counter", "x"); // WRONGTYPE at EXEC, in its slot
        both("SET", "name", "kv");
        both("GET", "name");
        both("PING");
        both("ECHO", "hello");
        both("MGET", "counter", "name", "missing");
        assertThat(both("EXEC")).startsWith("*7\r\n:11\r\n-WRONGTYPE");
        both("GET", "counter");
        both("EXEC");
        both("DISCARD");
    }

    @Test
    void anErrorWhileQueuingAbortsTheTransaction() throws Exception {
        both("MULTI");
        both("SET", "a", "1");
        both("SET", "b"); // arity
        both("NOSUCHCOMMAND", "x");
        both("MULTI"); // nested: an error, not queued, not aborting by itself
        assertThat(both("EXEC")).startsWith("-EXECABORT");
        both("EXISTS", "a"); // nothing ran
        both("MULTI");
        both("MULTI", "extra"); // arity of MULTI itself aborts
        both("SET", "a", "1");
        both("EXEC");
        both("MULTI");
        both("SET", "a", "1");
        both("EXEC", "extra"); // EXEC refused: discarded, with the reason
        both("EXEC");
        both("EXISTS", "a");
    }

    @Test
    void discardDropsTheQueueAndMisplacedCommandsAreRefused() throws Exception {
        both("EXEC");
        both("DISCARD");
        both("MULTI");
        both("SET", "a", "1");
        both("INCR", "a");
        both("DISCARD");
        both("EXISTS", "a");
        both("MULTI");
        both("EXEC"); // an empty transaction
        both("MULTI");
        both("DISCARD", "extra");
        both("EXEC");
    }

    @Test
    void blockingCommandsInsideATransactionAnswerAtOnce() throws Exception {
        both("MULTI");
        both("BLPOP", "nolist", "0");
        both("BRPOP", "nolist", "1");
        both("BLMOVE", "nolist", "other", "LEFT", "RIGHT", "0");
        both("BRPOPLPUSH", "nolist", "other", "0");
        both("BZPOPMIN", "nozset", "0");
        both("BLMPOP", "0", "1", "nolist", "LEFT");
        both("RPUSH", "list", "a", "b");
        both("BLPOP", "list", "0");
        both("BLMOVE", "list", "other", "LEFT", "RIGHT", "0");
        both("EXEC");
        both("LRANGE", "other", "0", "-1");
    }

    @Test
    void watchAbortsExecWhenAnotherClientChangesAWatchedKey() throws Exception {
        try (RawRedisClient redisOther = new RawRedisClient(redis.address())) {
            io.kvcache.command.Session kvcacheOther = kvcache.clients.session("other", "127.0.0.1:50002");
            both("SET", "balance", "100");
            both("WATCH", "balance", "absent");
            both("GET", "balance");
            other(redisOther, kvcacheOther, "INCRBY", "balance", "5"); // a race lost
            both("MULTI");
            both("DECRBY", "balance", "10");
            assertThat(both("EXEC")).isEqualTo("*-1\r\n");
            both("GET", "balance");

            both("WATCH", "balance");
            other(redisOther, kvcacheOther, "GET", "balance"); // reads change nothing
            both("MULTI");
            both("DECRBY", "balance", "10");
            assertThat(both("EXEC")).isEqualTo("*1\r\n:95\r\n");

            both("WATCH", "absent");
            other(redisOther, kvcacheOther, "SET", "absent", "now"); // created
            both("MULTI");
            both("GET", "absent");
            both("EXEC");

            both("WATCH", "balance");
            both("UNWATCH");
            other(redisOther, kvcacheOther, "DEL", "balance");
            both("MULTI");
            both("EXISTS", "balance");
            both("EXEC"); // unwatched: runs

            both("SET", "gone", "x");
            both("WATCH", "gone");
            other(redisOther, kvcacheOther, "FLUSHALL");
            both("MULTI");
            both("PING");
            both("EXEC");

            both("MULTI");
            both("WATCH", "x"); // not inside MULTI
            both("UNWATCH"); // queued
            both("EXEC");
            both("WATCH");
        }
    }

    /** Runs the command on both second connections. */
    private void other(RawRedisClient redisOther, io.kvcache.command.Session kvcacheOther, String... argv)
            throws Exception {
        String expected = new String(redisOther.call(argv), StandardCharsets.ISO_8859_1);
        io.kvcache.protocol.RespWriter out = new io.kvcache.protocol.RespWriter();
        kvcache.dispatcher.execute(java.util.List.of(io.kvcache.protocol.Request.of(argv)), kvcacheOther, out);
        assertThat(new String(out.toByteArray(), StandardCharsets.ISO_8859_1)).as("other: " + String.join(" ", argv))
                .isEqualTo(expected);
    }

    /** Runs the command on both; they must answer the same bytes. */
    private String both(String... argv) throws Exception {
        String expected = new String(client.call(argv), StandardCharsets.ISO_8859_1);
        String actual = kvcache.call(argv);
        assertThat(actual).as(String.join(" ", argv)).isEqualTo(expected);
        return actual;
    }
}
