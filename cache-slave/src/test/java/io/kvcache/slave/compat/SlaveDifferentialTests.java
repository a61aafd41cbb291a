package io.kvcache.slave.compat;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import io.kvcache.slave.support.RunningSlave;

/**
 * The oracle: seeded random command sequences sent to a real redis-server and to a slave, every
 * reply compared byte for byte (docs/testing.md). A failure prints the seed and how to replay it.
 */
class SlaveDifferentialTests {

    @RegisterExtension
    static final RedisServerProcess REDIS = new RedisServerProcess();

    private static RunningSlave slave;

    @BeforeAll
    static void startSlave() {
        slave = RunningSlave.start();
    }

    @AfterAll
    static void stopSlave() {
        slave.close();
    }

    @Test
    void slaveRepliesAsRedisDoesToEveryGeneratedCommand() {
        List<DifferentialResult> results = DifferentialRunner.runConfigured(REDIS.address(), slave.address());

        long compared = results.stream().mapToLong(DifferentialResult::commands).sum();
        assertThat(compared).isGreaterThanOrEqualTo(100_000);
        // Every hash, set and sorted-set command was compared, and not only through its errors.
        for (String command : List.of("HSET", "HSETNX", "HMSET", "HGET", "HMGET", "HDEL", "HLEN", "HSTRLEN", "HEXISTS",
                "HKEYS", "HVALS", "HGETALL", "HINCRBY", "HINCRBYFLOAT", "HRANDFIELD", "HSCAN", "SADD", "SREM",
                "SMEMBERS", "SISMEMBER", "SMISMEMBER", "SCARD", "SPOP", "SRANDMEMBER", "SMOVE", "SINTER",
                "SINTERSTORE", "SUNION", "SUNIONSTORE", "SDIFF", "SDIFFSTORE", "SSCAN", "ZADD", "ZINCRBY", "ZSCORE",
                "ZMSCORE", "ZCARD", "ZREM", "ZRANK", "ZREVRANK", "ZCOUNT", "ZRANGE", "ZRANGEBYSCORE", "ZREVRANGEBYSCORE",
                "ZREVRANGE", "ZPOPMIN", "ZPOPMAX", "ZREMRANGEBYSCORE", "ZREMRANGEBYRANK", "ZREMRANGEBYLEX", "ZLEXCOUNT",
                "ZRANGEBYLEX", "ZREVRANGEBYLEX", "ZRANGESTORE", "ZRANDMEMBER", "ZSCAN", "SETBIT", "GETBIT", "BITCOUNT",
                "BITPOS", "BITOP", "OBJECT", "COPY")) {
            int sent = results.stream().mapToInt(r -> r.sentByCommand().getOrDefault(command, 0)).sum();
            int errors = results.stream().mapToInt(r -> r.errorsByCommand().getOrDefault(command, 0)).sum();
            assertThat(sent - errors).as("%s answered without an error", command).isGreaterThan(10);
        }
    }
}
