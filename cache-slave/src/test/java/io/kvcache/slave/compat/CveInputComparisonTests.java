package io.kvcache.slave.compat;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import io.kvcache.slave.support.RunningSlave;

/** The inputs of Redis's CVEs ({@link CveInputs}) against a slave and a redis-server: same bytes, each within a second. */
class CveInputComparisonTests {

    @RegisterExtension
    static final RedisServerProcess REDIS = new RedisServerProcess(CveInputs.REDIS_ARGS);

    private static RunningSlave slave;

    @BeforeAll
    static void startSlave() {
        slave = RunningSlave.start("--kvcache.slave.proto-max-bulk-len=1MB");
    }

    @AfterAll
    static void stopSlave() {
        slave.close();
    }

    @Test
    void everyCveInputIsAnsweredAsRedisAnswersIt() throws Exception {
        CveInputs.assertSameAsRedis(REDIS.address(), slave.address());
    }
}
