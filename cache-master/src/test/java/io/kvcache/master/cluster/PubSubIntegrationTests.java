package io.kvcache.master.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.redisson.Redisson;
import org.redisson.api.RLock;
import org.redisson.api.RedissonClient;
import org.redisson.config.Config;

import io.kvcache.master.support.LocalCluster;
import io.kvcache.master.support.ShardReplicas;
import io.kvcache.master.topology.TopologyRegistry;
import io.lettuce.core.RedisClient;
import io.lettuce.core.pubsub.RedisPubSubAdapter;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.JedisPubSub;

/**
 * Pub/sub through the master of 2 shards x 2 replicas, with the client libraries that use it:
 * Jedis and Lettuce subscribers (channels and patterns, messages in order), PUBLISH's count of the
 * master's receivers, Redisson's RLock waking a waiter on the unlock message, and a subscriber that
 * keeps receiving after the primary relaying its channel is killed.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class PubSubIntegrationTests {

    private static LocalCluster cluster;

    @BeforeAll
    static void startCluster() {
        cluster = LocalCluster.builder().shards(2).replicas(2).start();
    }

    @AfterAll
    static void stopCluster() {
        if (cluster != null) {
            cluster.close();
        }
    }

    /** A Jedis subscriber on its own thread, its messages queued as "channel=message" or "pattern|channel=message". */
    private static final class Subscriber extends JedisPubSub implements AutoCloseable {
        final BlockingQueue<String> received = new LinkedBlockingQueue<>();
        final CountDownLatch subscribed;
        private final Jedis jedis = new Jedis("127.0.0.1", cluster.clientPort());
        private final Thread thread;

        Subscriber(List<String> channels, List<String> patterns) {
            subscribed = new CountDownLatch(channels.size() + patterns.size());
            thread = Thread.ofPlatform().start(() -> {
                if (patterns.isEmpty()) {
                    jedis.subscribe(this, channels.toArray(String[]::new));
                } else {
                    jedis.psubscribe(this, patterns.toArray(String[]::new));
                }
            });
        }

        @Override
        public void onSubscribe(String channel, int count) {
            subscribed.countDown();
        }

        @Override
        public void onPSubscribe(String pattern, int count) {
            subscribed.countDown();
        }

        @Override
        public void onMessage(String channel, String message) {
            received.add(channel + "=" + message);
        }

        @Override
        public void onPMessage(String pattern, String channel, String message) {
            received.add(pattern + "|" + channel + "=" + message);
        }

        void awaitSubscribed() throws InterruptedException {
            assertThat(subscribed.await(30, TimeUnit.SECONDS)).isTrue();
        }

        String next() throws InterruptedException {
            String m = received.poll(30, TimeUnit.SECONDS);
            assertThat(m).as("a message within 30 s").isNotNull();
            return m;
        }

        @Override
        public void close() throws InterruptedException {
            if (isSubscribed()) {
                punsubscribe();
                unsubscribe();
            }
            thread.join(10_000);
            jedis.close();
        }
    }

    @Test
    void jedisSubscribersReceiveEveryMessageInOrderAndPublishCountsThem() throws Exception {
        try (Subscriber channels = new Subscriber(List.of("orders", "payments"), List.of());
             Subscriber patterns = new Subscriber(List.of(), List.of("ord*"));
             Jedis publisher = new Jedis("127.0.0.1", cluster.clientPort())) {
            channels.awaitSubscribed();
            patterns.awaitSubscribed();
            assertThat(publisher.publish("orders", "first")).isEqualTo(2);
            assertThat(publisher.publish("payments", "paid")).isEqualTo(1);
            assertThat(publisher.publish("nobody", "lost")).isZero();
            for (int i = 0; i < 200; i++) {
                publisher.publish("orders", "o" + i);
            }
            // Each channel's messages in order; two channels may live on two shards, whose relays race
            // (as two nodes of a Redis Cluster do), so "payments" may come anywhere among them.
            List<String> toChannels = new ArrayList<>();
            for (int i = 0; i < 202; i++) {
                toChannels.add(channels.next());
            }
            List<String> orders = new ArrayList<>(List.of("orders=first"));
            for (int i = 0; i < 200; i++) {
                orders.add("orders=o" + i);
            }
            assertThat(toChannels.stream().filter(m -> m.startsWith("orders=")).toList()).isEqualTo(orders);
            assertThat(toChannels).contains("payments=paid");
            assertThat(patterns.next()).isEqualTo("ord*|orders=first");
            for (int i = 0; i < 200; i++) {
                assertThat(patterns.next()).isEqualTo("ord*|orders=o" + i);
            }
            assertThat(publisher.pubsubNumSub("orders", "payments")).containsEntry("orders", 1L).containsEntry("payments", 1L);
            assertThat(publisher.pubsubNumPat()).isEqualTo(1);
        }
    }

    @Test
    void lettuceSubscriberReceivesChannelAndPatternMessages() throws Exception {
        RedisClient client = RedisClient.create("redis://127.0.0.1:" + cluster.clientPort());
        try (StatefulRedisPubSubConnection<String, String> sub = client.connectPubSub();
             var pub = client.connect()) {
            BlockingQueue<String> received = new LinkedBlockingQueue<>();
            sub.addListener(new RedisPubSubAdapter<>() {
                @Override
                public void message(String channel, String message) {
                    received.add(channel + "=" + message);
                }

                @Override
                public void message(String pattern, String channel, String message) {
                    received.add(pattern + "|" + channel + "=" + message);
                }
            });
            sub.sync().subscribe("events");
            sub.sync().psubscribe("metrics.*");
            assertThat(pub.sync().publish("events", "started")).isEqualTo(1);
            assertThat(pub.sync().publish("metrics.cpu", "42")).isEqualTo(1);
            assertThat(received.poll(30, TimeUnit.SECONDS)).isEqualTo("events=started");
            assertThat(received.poll(30, TimeUnit.SECONDS)).isEqualTo("metrics.*|metrics.cpu=42");
            sub.sync().unsubscribe("events");
            assertThat(pub.sync().publish("events", "unheard")).isZero();
        } finally {
            client.shutdown();
        }
    }

    @Test
    void redissonWaiterTakesTheLockAsSoonAsItIsReleased() throws Exception {
        Config config = new Config();
        config.useSingleServer().setAddress("redis://127.0.0.1:" + cluster.clientPort())
                .setConnectionMinimumIdleSize(1).setConnectionPoolSize(4).setTimeout(10_000);
        RedissonClient redisson = Redisson.create(config);
        try {
            RLock held = redisson.getLock("shared-resource");
            held.lock(60, TimeUnit.SECONDS); // the lease would keep a waiter out for a minute
            long[] waited = new long[1];
            Thread waiter = Thread.ofPlatform().start(() -> {
                long start = System.nanoTime();
                RLock lock = redisson.getLock("shared-resource");
                try {
                    if (lock.tryLock(30, 10, TimeUnit.SECONDS)) {
                        waited[0] = System.nanoTime() - start;
                        lock.unlock();
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            Thread.sleep(500); // the waiter subscribes to the lock's channel and waits there
            held.unlock(); // publishes the release
            waiter.join(30_000);
            assertThat(waited[0]).as("the waiter got the lock").isPositive();
            assertThat(Duration.ofNanos(waited[0])).as("woken by the message, not by the lease's end")
                    .isLessThan(Duration.ofSeconds(10));
        } finally {
            redisson.shutdown(0, 5, TimeUnit.SECONDS);
        }
    }

    @Test
    void aSubscriberKeepsReceivingAfterTheRelayingPrimaryIsKilled() throws Exception {
        try (Subscriber subscriber = new Subscriber(List.of("alerts"), List.of());
             Jedis publisher = new Jedis("127.0.0.1", cluster.clientPort())) {
            subscriber.awaitSubscribed();
            publisher.publish("alerts", "before");
            assertThat(subscriber.next()).isEqualTo("alerts=before");
            // the shard PUBLISH sends the channel to: its primary relays the channel's messages to the master
            String shard = cluster.masterBean(TopologyRegistry.class).current()
                    .shardFor("alerts".getBytes(java.nio.charset.StandardCharsets.UTF_8)).name();
            String primary = new ShardReplicas(cluster).primary(shard);
            cluster.stopSlave(shard, primary);
            // Messages published while the shard fails over may be lost (pub/sub is at most once); then they flow again.
            List<String> seen = new ArrayList<>();
            await().atMost(Duration.ofSeconds(60)).until(() -> {
                try {
                    publisher.publish("alerts", "after");
                } catch (RuntimeException e) {
                    return false; // the channel's shard is electing
                }
                String m = subscriber.received.poll(200, TimeUnit.MILLISECONDS);
                if (m != null) {
                    seen.add(m);
                }
                return m != null;
            });
            assertThat(seen).allMatch(m -> m.equals("alerts=after"));
            cluster.startSlave(shard, primary);
        }
    }
}
