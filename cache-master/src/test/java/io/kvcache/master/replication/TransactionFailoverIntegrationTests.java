package io.kvcache.master.replication;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import io.kvcache.master.support.LocalCluster;
import io.kvcache.master.support.LocalCluster.SlaveMode;
import io.kvcache.master.support.ShardReplicas;
import io.kvcache.protocol.Replies;
import io.kvcache.slave.compat.RawRedisClient;

/**
 * Transactions and scripts while their shard's primary is killed with SIGKILL: 2 clients each run
 * {@code MULTI; INCR {tx}aN; INCR {tx}bN; EXEC} in a loop, 2 others the same two increments as one
 * script (EVALSHA of a script loaded once, at the start), through the master of 2 shards x 2
 * replicas (ack=replicas) while the primary of the shard holding their keys is killed twice and
 * started again. Neither is ever half applied (a = b on every node of the shard, after each
 * failover), none that was acknowledged is lost (a is at least the EXECs or EVALSHAs answered),
 * and the promoted replica knows the script: no EVALSHA ever answers NOSCRIPT.
 */
class TransactionFailoverIntegrationTests {

    private static final int CLIENTS = 4;
    /** Clients from this one on run the script rather than MULTI/EXEC. */
    private static final int FIRST_SCRIPT_CLIENT = 2;
    private static final String INCR_BOTH = "redis.call('incr', KEYS[1]) return redis.call('incr', KEYS[2])";
    private static final AtomicLong NOSCRIPT_REPLIES = new AtomicLong();
    private static final Duration IN_SYNC = Duration.ofSeconds(90);

    @Test
    void aKilledPrimaryLeavesNoTransactionHalfAppliedAndLosesNoneAcknowledged() throws Exception {
        Assumptions.assumeTrue(LocalCluster.slaveExecJarAvailable(), "cache-slave's exec jar is built");
        try (LocalCluster cluster = LocalCluster.builder().shards(2).replicas(2).slaveMode(SlaveMode.PROCESS)
                .heartbeat(Duration.ofMillis(250), Duration.ofSeconds(3)).start()) {
            ShardReplicas replicas = new ShardReplicas(cluster);
            for (String shard : cluster.shardNames()) {
                replicas.awaitInSync(shard, 2, IN_SYNC);
            }
            String sha;
            try (RawRedisClient raw = new RawRedisClient(cluster.clientAddress())) {
                byte[] loaded = raw.call("SCRIPT", "LOAD", INCR_BOTH);
                sha = new String(Replies.bulk(loaded), StandardCharsets.US_ASCII);
            }
            AtomicBoolean running = new AtomicBoolean(true);
            AtomicLong[] acknowledged = new AtomicLong[CLIENTS];
            List<Thread> clients = new ArrayList<>();
            for (int c = 0; c < CLIENTS; c++) {
                acknowledged[c] = new AtomicLong();
                int client = c;
                clients.add(Thread.ofPlatform().start(() -> transact(cluster, client, sha, acknowledged[client], running)));
            }
            String shard = shardOf(cluster, "{tx}a0");
            for (int kill = 0; kill < 2; kill++) {
                long before = total(acknowledged);
                Awaitility.await("transactions acknowledged").atMost(IN_SYNC).until(() -> total(acknowledged) > before + 200);
                Awaitility.await(shard + " has a replica in sync").atMost(IN_SYNC).pollInterval(Duration.ofMillis(50))
                        .ignoreExceptions().until(() -> replicas.primary(shard) != null && !replicas.inSync(shard).isEmpty());
                String primary = replicas.primary(shard);
                cluster.stopSlave(shard, primary);
                cluster.startSlave(shard, primary);
            }
            long before = total(acknowledged);
            Awaitility.await("transactions after the last kill").atMost(IN_SYNC).until(() -> total(acknowledged) > before + 200);
            running.set(false);
            for (Thread t : clients) {
                t.join();
            }
            for (String each : cluster.shardNames()) {
                replicas.awaitInSync(each, 2, IN_SYNC);
                Map<String, String> digests = replicas.digests(each);
                assertThat(new HashSet<>(digests.values())).as("%s replicas: %s", each, digests).hasSize(1);
            }
            try (RawRedisClient raw = new RawRedisClient(cluster.clientAddress())) {
                for (int c = 0; c < CLIENTS; c++) {
                    long a = counter(raw, "{tx}a" + c);
                    long b = counter(raw, "{tx}b" + c);
                    assertThat(a).as("client %d: both increments or neither", c).isEqualTo(b);
                    assertThat(acknowledged[c].get()).as("client %d: went on through the kills", c).isPositive();
                    assertThat(a).as("client %d: every acknowledged EXEC applied", c)
                            .isGreaterThanOrEqualTo(acknowledged[c].get());
                }
            }
            assertThat(NOSCRIPT_REPLIES.get()).as("EVALSHA answered NOSCRIPT after a failover").isZero();
        }
    }

    /** Runs the client's transaction (or script) until told to stop, reconnecting after errors; counts those answered. */
    private static void transact(LocalCluster cluster, int client, String sha, AtomicLong acknowledged,
                                 AtomicBoolean running) {
        String a = "{tx}a" + client;
        String b = "{tx}b" + client;
        while (running.get()) {
            try (RawRedisClient raw = new RawRedisClient(cluster.clientAddress(), Duration.ofSeconds(10))) {
                while (running.get()) {
                    if (client >= FIRST_SCRIPT_CLIENT) {
                        byte[] reply = raw.call("EVALSHA", sha, "2", a, b);
                        if (reply[0] == ':') {
                            acknowledged.incrementAndGet();
                        } else if (Replies.startsWith(reply, "-NOSCRIPT")) {
                            NOSCRIPT_REPLIES.incrementAndGet();
                        }
                        continue;
                    }
                    raw.call("MULTI");
                    raw.call("INCR", a);
                    raw.call("INCR", b);
                    byte[] exec = raw.call("EXEC");
                    if (exec[0] == '*' && exec[1] != '-') {
                        List<byte[]> replies = Replies.elements(exec);
                        if (replies.size() == 2 && replies.get(0)[0] == ':' && replies.get(1)[0] == ':') {
                            acknowledged.incrementAndGet();
                        }
                    }
                }
            } catch (Exception e) {
                // the connection broke with its shard's primary: a new one starts clean (no open MULTI)
            }
        }
    }

    private static long counter(RawRedisClient raw, String key) throws Exception {
        byte[] reply = raw.call("GET", key);
        return Replies.isNullBulk(reply) ? 0 : Long.parseLong(new String(Replies.bulk(reply), StandardCharsets.US_ASCII));
    }

    private static long total(AtomicLong[] counters) {
        long sum = 0;
        for (AtomicLong c : counters) {
            sum += c.get();
        }
        return sum;
    }

    private static String shardOf(LocalCluster cluster, String key) {
        return cluster.masterBean(io.kvcache.master.topology.TopologyRegistry.class).current()
                .shardFor(key.getBytes(StandardCharsets.UTF_8)).name();
    }
}
