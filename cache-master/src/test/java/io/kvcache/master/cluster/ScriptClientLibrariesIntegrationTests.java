package io.kvcache.master.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.Lock;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.redisson.Redisson;
import org.redisson.api.RAtomicLong;
import org.redisson.api.RLock;
import org.redisson.api.RMap;
import org.redisson.api.RedissonClient;
import org.redisson.config.Config;
import org.springframework.data.redis.connection.RedisStandaloneConfiguration;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;
import org.springframework.integration.redis.util.RedisLockRegistry;

import io.kvcache.master.support.LocalCluster;

/**
 * The client libraries that lean on Lua scripts, through the master of 2 shards x 2 replicas as
 * applications use them: Spring Integration's RedisLockRegistry (mutual exclusion between
 * threads, reentrancy, tryLock) and Redisson's RLock, RMap and RAtomicLong.compareAndSet.
 */
class ScriptClientLibrariesIntegrationTests {

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

    @Test
    void redisLockRegistryExcludesOtherThreadsAndIsReentrant() throws Exception {
        LettuceConnectionFactory factory = new LettuceConnectionFactory(
                new RedisStandaloneConfiguration("127.0.0.1", cluster.clientPort()));
        factory.afterPropertiesSet();
        factory.start();
        RedisLockRegistry registry = new RedisLockRegistry(factory, "kvcache-locks", 30_000);
        try {
            Lock lock = registry.obtain("orders");
            assertThat(lock.tryLock(5, TimeUnit.SECONDS)).isTrue();
            assertThat(lock.tryLock(5, TimeUnit.SECONDS)).as("reentrant").isTrue();
            lock.unlock();
            lock.unlock();

            AtomicInteger inside = new AtomicInteger();
            AtomicInteger overlaps = new AtomicInteger();
            List<Thread> workers = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                workers.add(Thread.ofPlatform().start(() -> {
                    Lock l = registry.obtain("counter");
                    for (int i = 0; i < 10; i++) {
                        l.lock();
                        try {
                            if (inside.incrementAndGet() > 1) {
                                overlaps.incrementAndGet();
                            }
                            inside.decrementAndGet();
                        } finally {
                            l.unlock();
                        }
                    }
                }));
            }
            for (Thread w : workers) {
                w.join(60_000);
            }
            assertThat(overlaps.get()).isZero();
        } finally {
            registry.destroy();
            factory.destroy();
        }
    }

    @Test
    void redissonLocksMapsAndAtomicLongs() {
        Config config = new Config();
        config.useSingleServer().setAddress("redis://127.0.0.1:" + cluster.clientPort())
                .setConnectionMinimumIdleSize(1).setConnectionPoolSize(4)
                .setSubscriptionConnectionMinimumIdleSize(0).setTimeout(10_000);
        RedissonClient redisson = Redisson.create(config);
        try {
            RLock lock = redisson.getLock("inventory");
            lock.lock(30, TimeUnit.SECONDS);
            assertThat(lock.isLocked()).isTrue();
            assertThat(lock.isHeldByCurrentThread()).isTrue();
            lock.unlock();
            assertThat(lock.isLocked()).isFalse();

            RMap<String, String> map = redisson.getMap("settings");
            map.put("mode", "fast");
            assertThat(map.putIfAbsent("mode", "slow")).isEqualTo("fast");
            assertThat(map.fastPutIfAbsent("size", "10")).isTrue();
            assertThat(map.get("size")).isEqualTo("10");
            assertThat(map.replace("size", "20")).isEqualTo("10");
            assertThat(map.readAllMap()).containsEntry("mode", "fast").containsEntry("size", "20");

            RAtomicLong counter = redisson.getAtomicLong("sequence");
            counter.set(5);
            assertThat(counter.compareAndSet(5, 6)).isTrue();
            assertThat(counter.compareAndSet(5, 7)).isFalse();
            assertThat(counter.incrementAndGet()).isEqualTo(7);
            assertThat(counter.getAndDelete()).isEqualTo(7);
        } finally {
            redisson.shutdown(0, 5, TimeUnit.SECONDS);
        }
    }
}
