package io.kvcache.slave.compat;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** Tests that compare kvcache with one real redis-server, started for the class. */
abstract class AgainstRedisServer {

    static RedisServerProcess redis;
    static RawRedisClient client;

    @BeforeAll
    static void startRedis() throws Exception {
        redis = RedisServerProcess.start();
        client = new RawRedisClient(redis.address());
    }

    @AfterAll
    static void stopRedis() throws Exception {
        client.close();
        redis.close();
    }
}
