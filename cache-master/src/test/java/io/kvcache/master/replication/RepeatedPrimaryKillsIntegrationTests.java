package io.kvcache.master.replication;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import io.kvcache.master.support.ClusterWriters;
import io.kvcache.master.support.LocalCluster;
import io.kvcache.master.support.LocalCluster.SlaveMode;
import io.kvcache.master.support.ShardReplicas;
import io.kvcache.slave.compat.RawRedisClient;

/**
 * The default cluster's shape (2 shards x 2 replicas, ack=replicas) under repeated faults: 8
 * clients write (INCR, LPUSH of unique elements, SET) through the master for a minute while a
 * shard's primary is killed with SIGKILL every 10 to 15 s, the shards in turn, and each killed
 * process is started again at once (empty: slaves hold their data in memory). A kill waits, past its
 * time if need be, until the shard has a replica in sync, the one an election may pick (a second
 * fault before that leaves the shard down rather than losing writes: {@code
 * ReplicationFaultIntegrationTests}). At the end every acknowledged write is there exactly once,
 * every counter equals its acknowledged increments, and the replicas of each shard hold the same
 * data. The second test kills the master twice instead.
 */
class RepeatedPrimaryKillsIntegrationTests {

    private static final Duration RUN = Duration.ofSeconds(60);
    private static final Duration IN_SYNC = Duration.ofSeconds(90);
    private static final Duration SYNC = Duration.ofSeconds(120);

    @Test
    void eightWritersLoseNoAcknowledgedWriteWhilePrimariesAreKilledEveryTenToFifteenSeconds() throws Exception {
        Assumptions.assumeTrue(LocalCluster.slaveExecJarAvailable(), "cache-slave's exec jar is built");
        try (LocalCluster cluster = LocalCluster.builder().shards(2).replicas(2).slaveMode(SlaveMode.PROCESS)
                .heartbeat(Duration.ofMillis(250), Duration.ofSeconds(3)).start();
             ClusterWriters writers = new ClusterWriters(cluster.clientAddress(), 8)) {
            ShardReplicas replicas = new ShardReplicas(cluster);
            List<String> shards = cluster.shardNames();
            for (String shard : shards) {
                replicas.awaitInSync(shard, 2, SYNC);
            }
            writers.start();
            writers.awaitMoreAcknowledged(500, IN_SYNC);

            Random random = new Random(18);
            long end = System.nanoTime() + RUN.toNanos();
            int kills = 0;
            long waitedForSyncMillis = 0;
            long lastKill = System.nanoTime();
            while (true) {
                // The faults' own pace (10 to 15 s from kill to kill, restarts included), not a wait for a condition.
                long next = lastKill + TimeUnit.SECONDS.toNanos(10) + TimeUnit.MILLISECONDS.toNanos(random.nextInt(5000));
                if (next - end > 0) {
                    break;
                }
                while (System.nanoTime() - next < 0) {
                    LockSupport.parkNanos(next - System.nanoTime());
                }
                String shard = shards.get(kills % shards.size());
                long before = System.nanoTime();
                Awaitility.await(shard + " has a replica in sync").atMost(IN_SYNC).pollInterval(Duration.ofMillis(50))
                        .ignoreExceptions().until(() -> replicas.primary(shard) != null
                                && !replicas.inSync(shard).isEmpty());
                waitedForSyncMillis += TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - before);
                String primary = replicas.primary(shard);
                lastKill = System.nanoTime();
                cluster.stopSlave(shard, primary);
                cluster.startSlave(shard, primary);
                kills++;
            }
            writers.awaitMoreAcknowledged(500, IN_SYNC);
            writers.stop();
            verifyEverything(cluster, writers);
            System.out.printf("Repeated primary kills: %d kills in %d s, %d writes acknowledged, %d refused or"
                    + " unanswered, %d ms waiting for a replica in sync before a kill%n", kills, RUN.toSeconds(),
                    writers.acknowledged(), writers.failures(), waitedForSyncMillis);
            assertThat(kills).isGreaterThanOrEqualTo(4);
        }
    }

    /**
     * The same 8 writers while the master's process is killed with SIGKILL twice and started again
     * at once: clients cannot write while it is away (their writes are refused or unanswered), and
     * no acknowledged write is lost. The restarted master learns the topology, the placement and the
     * replicas in sync back from the slaves.
     */
    @Test
    void eightWritersLoseNoAcknowledgedWriteWhenTheMasterIsKilledTwice() throws Exception {
        try (LocalCluster cluster = LocalCluster.builder().shards(2).replicas(2).masterProcess()
                .heartbeat(Duration.ofMillis(250), Duration.ofSeconds(3)).start();
             ClusterWriters writers = new ClusterWriters(cluster.clientAddress(), 8)) {
            writers.start();
            writers.awaitMoreAcknowledged(500, IN_SYNC);
            for (int kill = 0; kill < 2; kill++) {
                cluster.restartMaster();
                cluster.awaitHealthy();
                writers.awaitMoreAcknowledged(2000, IN_SYNC);
            }
            writers.stop();
            verifyEverything(cluster, writers);
            System.out.printf("Master killed twice: %d writes acknowledged, %d refused or unanswered%n",
                    writers.acknowledged(), writers.failures());
        }
    }

    /** Each shard's replicas back in sync with the same data, and every acknowledged write there exactly once. */
    private static void verifyEverything(LocalCluster cluster, ClusterWriters writers) throws Exception {
        ShardReplicas replicas = new ShardReplicas(cluster);
        for (String shard : cluster.shardNames()) {
            replicas.awaitInSync(shard, 2, SYNC);
            Map<String, String> digests = replicas.digests(shard);
            assertThat(new HashSet<>(digests.values())).as("%s replicas: %s", shard, digests).hasSize(1);
        }
        try (RawRedisClient client = new RawRedisClient(cluster.clientAddress())) {
            writers.verify(client);
        }
    }
}
