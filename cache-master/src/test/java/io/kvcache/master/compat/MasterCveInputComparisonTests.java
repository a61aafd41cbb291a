package io.kvcache.master.compat;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import io.kvcache.master.support.LocalCluster;
import io.kvcache.slave.compat.CveInputs;
import io.kvcache.slave.compat.RedisServerProcess;

/**
 * The inputs of Redis's CVEs (cache-slave's {@link CveInputs}) through the master of two shards:
 * the same bytes as redis-server, each within a second (KEYS and SCAN gather every shard).
 */
class MasterCveInputComparisonTests {

    @RegisterExtension
    static final RedisServerProcess REDIS = new RedisServerProcess(CveInputs.REDIS_ARGS);

    private static LocalCluster cluster;

    @BeforeAll
    static void startCluster() {
        cluster = LocalCluster.builder().shards(2).replicas(1)
                .masterArg("--kvcache.master.proto-max-bulk-len=1MB")
                .slaveArg("--kvcache.slave.proto-max-bulk-len=1MB").start();
    }

    @AfterAll
    static void stopCluster() {
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    void everyCveInputIsAnsweredThroughTheMasterAsRedisAnswersIt() throws Exception {
        CveInputs.assertSameAsRedis(REDIS.address(), cluster.clientAddress());
    }
}
