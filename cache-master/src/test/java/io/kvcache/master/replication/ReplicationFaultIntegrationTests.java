package io.kvcache.master.replication;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import io.kvcache.master.support.ClusterWriters;
import io.kvcache.master.support.LocalCluster;
import io.kvcache.master.support.ShardReplicas;
import io.kvcache.master.support.LocalCluster.SlaveMode;
import io.kvcache.master.support.SlaveNode;
import io.kvcache.slave.compat.RawRedisClient;

/**
 * Replication under faults, with real slave processes killed with SIGKILL while clients write
 * through the master in the default ack mode ({@code replicas}): no acknowledged write is lost,
 * and every replica of a shard ends with the same data.
 */
class ReplicationFaultIntegrationTests {

    private static final Duration FAILOVER = Duration.ofSeconds(30);
    private static final Duration SYNC = Duration.ofSeconds(120);

    @Test
    void killingAReplicaThenThePrimaryOfEachShardLosesNoAcknowledgedWrite() throws Exception {
        Assumptions.assumeTrue(LocalCluster.slaveExecJarAvailable(), "cache-slave's exec jar is built");
        try (LocalCluster cluster = LocalCluster.builder().shards(2).replicas(3).slaveMode(SlaveMode.PROCESS)
                .heartbeat(Duration.ofMillis(250), Duration.ofSeconds(3)).start();
             ClusterWriters writers = new ClusterWriters(cluster.clientAddress(), 4)) {
            ShardReplicas replicas = new ShardReplicas(cluster);
            for (String shard : cluster.shardNames()) {
                replicas.awaitInSync(shard, 3, SYNC);
            }
            writers.start();
            writers.awaitMoreAcknowledged(500, FAILOVER);
            int next = 4;
            for (String shard : cluster.shardNames()) {
                String primary = replicas.primary(shard);
                String replica = replicas.aReplica(shard);

                cluster.stopSlave(shard, replica);
                writers.awaitMoreAcknowledged(500, FAILOVER);

                cluster.stopSlave(shard, primary);
                String promoted = replicas.awaitNewPrimary(shard, primary, FAILOVER);
                assertThat(promoted).isNotIn(primary, replica);
                writers.awaitMoreAcknowledged(500, FAILOVER);

                cluster.addProcessSlave(shard, "replica" + next++);
                cluster.addProcessSlave(shard, "replica" + next++);
                replicas.awaitStreaming(shard, 3, SYNC);
                writers.awaitMoreAcknowledged(500, FAILOVER);
            }
            writers.stop();

            for (String shard : cluster.shardNames()) {
                replicas.awaitInSync(shard, 3, SYNC);
                Map<String, String> digests = replicas.digests(shard);
                assertThat(new HashSet<>(digests.values())).as("replicas of %s: %s", shard, digests).hasSize(1);
            }
            try (RawRedisClient client = new RawRedisClient(cluster.clientAddress())) {
                writers.verify(client);
            }
        }
    }

    @Test
    void aReplicaJoiningAShardOfAMillionKeysWhileWritesContinueEndsIdenticalToThePrimary() throws Exception {
        Assumptions.assumeTrue(LocalCluster.slaveExecJarAvailable(), "cache-slave's exec jar is built");
        try (LocalCluster cluster = LocalCluster.builder().shards(1).replicas(1).slaveMode(SlaveMode.PROCESS)
                .slaveHeap("1g").heartbeat(Duration.ofMillis(250), Duration.ofSeconds(3)).start();
             ClusterWriters writers = new ClusterWriters(cluster.clientAddress(), 2)) {
            ShardReplicas replicas = new ShardReplicas(cluster);
            SlaveNode primary = cluster.slave("slave1", "replica1");
            load(cluster, primary, 1_000_000);

            writers.start();
            writers.awaitMoreAcknowledged(200, FAILOVER);
            cluster.addProcessSlave("slave1", "replica2");
            replicas.awaitStreaming("slave1", 2, SYNC);
            writers.awaitMoreAcknowledged(500, FAILOVER);
            writers.stop();

            replicas.awaitInSync("slave1", 2, SYNC);
            Map<String, String> digests = replicas.digests("slave1");
            assertThat(new HashSet<>(digests.values())).as("replicas: %s", digests).hasSize(1);
            // "N keys, digest D at offset O": the million loaded plus the writers' keys
            assertThat(Long.parseLong(digests.get("replica2").split(" ")[0])).as("keys of the joined replica")
                    .isGreaterThanOrEqualTo(1_000_000L);
            try (RawRedisClient client = new RawRedisClient(cluster.clientAddress())) {
                writers.verify(client);
                assertThat(client.call("DBSIZE")).asString(StandardCharsets.US_ASCII).startsWith(":100");
            }
        }
    }

    /**
     * A primary frozen (SIGSTOP) longer than the heartbeat timeout is replaced; when it thaws, the
     * writes it still holds must not be acknowledged by it alone: its replicas now follow the new
     * primary, so it has to learn it was deposed (from the master, or from a silent replica that
     * reports the newer epoch) rather than let the replication timeout release those writes.
     */
    @Test
    void aPrimaryFrozenPastTheHeartbeatTimeoutIsReplacedAndLosesNoAcknowledgedWriteWhenItThaws() throws Exception {
        Assumptions.assumeTrue(LocalCluster.slaveExecJarAvailable(), "cache-slave's exec jar is built");
        try (LocalCluster cluster = LocalCluster.builder().shards(1).replicas(3).slaveMode(SlaveMode.PROCESS)
                .heartbeat(Duration.ofMillis(250), Duration.ofSeconds(3)).start();
             ClusterWriters writers = new ClusterWriters(cluster.clientAddress(), 4)) {
            ShardReplicas replicas = new ShardReplicas(cluster);
            replicas.awaitInSync("slave1", 3, SYNC);
            writers.start();
            writers.awaitMoreAcknowledged(500, FAILOVER);
            String primary = replicas.primary("slave1");
            long pid = cluster.slave("slave1", primary).pid().orElseThrow();

            signal("STOP", pid);
            try {
                String promoted = replicas.awaitNewPrimary("slave1", primary, FAILOVER);
                assertThat(promoted).isNotEqualTo(primary);
                writers.awaitMoreAcknowledged(500, FAILOVER);
            } finally {
                signal("CONT", pid);
            }
            // The thawed slave rejoins as a replica of the new primary and takes its stream.
            replicas.awaitStreaming("slave1", 3, SYNC);
            writers.awaitMoreAcknowledged(500, FAILOVER);
            writers.stop();

            replicas.awaitInSync("slave1", 3, SYNC);
            Map<String, String> digests = replicas.digests("slave1");
            assertThat(new HashSet<>(digests.values())).as("replicas: %s", digests).hasSize(1);
            try (RawRedisClient client = new RawRedisClient(cluster.clientAddress())) {
                writers.verify(client);
            }
        }
    }

    /**
     * No unclean election: a replica frozen past the replication timeout falls out of sync (its
     * primary stops waiting for it once the master has recorded that), so a write acknowledged
     * meanwhile is on the primary alone. When the primary then dies and the stale replica thaws, it
     * holds a copy, but not that write: the master does not elect it, the shard answers
     * CLUSTERDOWN, and only an operator's force-primary promotes it, saying what may be lost.
     */
    @Test
    void aReplicaThatFellOutOfSyncIsNotElectedAndForcingItSaysWhatMayBeLost() throws Exception {
        Assumptions.assumeTrue(LocalCluster.slaveExecJarAvailable(), "cache-slave's exec jar is built");
        try (LocalCluster cluster = LocalCluster.builder().shards(1).replicas(2).slaveMode(SlaveMode.PROCESS)
                .heartbeat(Duration.ofMillis(250), Duration.ofSeconds(3)).start();
             RawRedisClient client = new RawRedisClient(cluster.clientAddress(), Duration.ofSeconds(30))) {
            ShardReplicas replicas = new ShardReplicas(cluster);
            replicas.awaitInSync("slave1", 2, SYNC);
            assertThat(client.call("SET", "before", "on both")).asString(StandardCharsets.US_ASCII).isEqualTo("+OK\r\n");
            String primary = replicas.primary("slave1");
            String stale = replicas.aReplica("slave1");
            assertThat(replicas.inSync("slave1")).containsExactly(stale);
            long stalePid = cluster.slave("slave1", stale).pid().orElseThrow();

            signal("STOP", stalePid);
            try {
                // Acknowledged once the primary gave up on the frozen replica and the master recorded it.
                assertThat(client.call("SET", "after", "on the primary alone")).asString(StandardCharsets.US_ASCII)
                        .isEqualTo("+OK\r\n");
                assertThat(replicas.inSync("slave1")).isEmpty();
                cluster.stopSlave("slave1", primary);
            } finally {
                signal("CONT", stalePid);
            }
            Awaitility.await("the stale replica back up").atMost(FAILOVER).ignoreExceptions()
                    .until(() -> replicas.live("slave1").keySet(), ids -> ids.equals(java.util.Set.of(stale)));
            // It stays unelected however long it waits (the election is due at once: the primary is down).
            Awaitility.await("no election").during(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(10))
                    .until(() -> replicas.primary("slave1") == null);
            assertThat(client.call("GET", "before")).asString(StandardCharsets.US_ASCII).startsWith("-CLUSTERDOWN");

            var forced = cluster.post("/admin/shards/slave1/force-primary");
            assertThat(forced.statusCode()).as(forced.body()).isEqualTo(200);
            var report = LocalCluster.json(forced.body());
            assertThat(report.path("primary").asString()).isEqualTo(stale);
            assertThat(report.path("heldTheData").asBoolean()).isTrue();
            replicas.awaitNewPrimary("slave1", primary, FAILOVER);
            assertThat(client.call("GET", "before")).asString(StandardCharsets.US_ASCII)
                    .isEqualTo("$7\r\non both\r\n");
            // The last frame may still have reached it: left in its socket while it was frozen, read once it
            // thawed. Whether the write survived or not, the report must say so.
            long held = report.path("offset").asLong();
            long last = report.path("lastKnownOffset").asLong();
            assertThat(held).isLessThanOrEqualTo(last);
            String after = new String(client.call("GET", "after"), StandardCharsets.US_ASCII);
            if (held < last) {
                assertThat(report.path("mayHaveLost").asString()).startsWith("acknowledged writes between offsets");
                assertThat(after).as("lost, as force-primary said").isEqualTo("$-1\r\n");
            } else {
                assertThat(report.path("mayHaveLost").asString()).startsWith("nothing known");
                assertThat(after).isEqualTo("$20\r\non the primary alone\r\n");
            }
        }
    }

    private static void signal(String signal, long pid) throws Exception {
        Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(pid)).inheritIO().start();
        assertThat(kill.waitFor()).as("kill -%s %d", signal, pid).isZero();
    }

    /** Writes keys straight into the primary's data port, pipelined (faster than through the master). */
    private static void load(LocalCluster cluster, SlaveNode primary, int keys) throws Exception {
        try (RawRedisClient client = cluster.dataClient(primary, Duration.ofSeconds(60))) {
            for (int from = 0; from < keys; from += 10_000) {
                List<byte[][]> batch = new ArrayList<>();
                for (int i = from; i < from + 10_000; i++) {
                    String n = Integer.toString(i);
                    batch.add(i % 10 == 0
                            ? new byte[][] {bytes("SET"), bytes("preloaded:" + n), bytes("v" + n), bytes("EX"), bytes("3600")}
                            : i % 10 == 1
                            ? new byte[][] {bytes("RPUSH"), bytes("preloaded:" + n), bytes("a" + n), bytes("b" + n)}
                            : new byte[][] {bytes("SET"), bytes("preloaded:" + n), bytes("value-" + n)});
                }
                for (byte[] reply : client.pipeline(batch)) {
                    assertThat(reply[0]).as("preload reply").isIn((byte) '+', (byte) ':');
                }
            }
        }
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
