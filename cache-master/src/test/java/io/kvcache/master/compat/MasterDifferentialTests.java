package io.kvcache.master.compat;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import io.kvcache.master.support.LocalCluster;
import io.kvcache.slave.compat.DifferentialResult;
import io.kvcache.slave.compat.DifferentialRunner;
import io.kvcache.slave.compat.RedisServerProcess;

/**
 * The differential oracle (docs/testing.md) through the master: the seeded command stream goes to a real
 * redis-server and to the master of 3 shards x 1 replica, every reply compared as for a single slave.
 * <p>
 * The stream is the cluster-mode one: RENAME, RENAMENX and MSETNX only on keys sharing {@code {tag}},
 * because across shards the master answers CROSSSLOT, as Redis Cluster does (tested in
 * MasterRoutingIntegrationTests). Every other command, including MGET/MSET/DEL/EXISTS/KEYS/SCAN over
 * several shards and RPOPLPUSH/LMOVE between shards, is generated as against a slave.
 * <p>
 * Replay a failure with the printed properties, e.g.
 * {@code ./mvnw -o -pl cache-master test -Dtest=MasterDifferentialTests -Dsurefire.failIfNoSpecifiedTests=false
 * -Dkvcache.diff.seed=42 -Dkvcache.diff.commands=1234 -Dkvcache.diff.farFuture=...}.
 */
class MasterDifferentialTests {

    @RegisterExtension
    static final RedisServerProcess REDIS = new RedisServerProcess();

    private static LocalCluster cluster;

    @BeforeAll
    static void startCluster() {
        cluster = LocalCluster.builder().shards(3).replicas(1).start();
    }

    @AfterAll
    static void stopCluster() {
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    void masterOfThreeShardsRepliesAsRedisDoesToEveryGeneratedCommand() {
        List<DifferentialResult> results;
        try {
            results = DifferentialRunner.runConfiguredInClusterMode(REDIS.address(), cluster.clientAddress());
        } catch (AssertionError e) {
            throw new AssertionError(forThisModule(e.getMessage()), e);
        }
        results.forEach(r -> System.out.println(r));

        long compared = results.stream().mapToLong(DifferentialResult::commands).sum();
        assertThat(compared).isGreaterThanOrEqualTo(100_000);
    }

    /** The report's replay line names the slave's modules; this test lives in cache-master. */
    private static String forThisModule(String report) {
        return report.replace("./mvnw -o -pl cache-common,cache-slave -am test",
                "./mvnw -o -pl cache-master test") + "\n  (cluster-mode stream: the test sets it itself; "
                + "build the other modules first with ./mvnw -o install -DskipTests)";
    }
}
