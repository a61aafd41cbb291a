package io.kvcache.master.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.springframework.data.redis.connection.RedisStandaloneConfiguration;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;
import org.springframework.data.redis.core.RedisTemplate;
import org.springframework.data.redis.listener.ChannelTopic;
import org.springframework.data.redis.listener.PatternTopic;
import org.springframework.data.redis.listener.RedisMessageListenerContainer;
import org.springframework.data.redis.serializer.JdkSerializationRedisSerializer;
import org.springframework.data.redis.serializer.StringRedisSerializer;
import org.springframework.session.FindByIndexNameSessionRepository;
import org.springframework.session.data.redis.RedisIndexedSessionRepository;
import org.springframework.session.data.redis.config.ConfigureNotifyKeyspaceEventsAction;
import org.springframework.session.events.AbstractSessionEvent;
import org.springframework.session.events.SessionCreatedEvent;
import org.springframework.session.events.SessionDeletedEvent;
import org.springframework.session.events.SessionExpiredEvent;

import io.kvcache.master.support.LocalCluster;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.JedisPubSub;

/**
 * Keyspace notifications through the master of 2 shards x 2 replicas: events fired on the shard
 * primaries where the writes, expirations and evictions happen reach a subscriber of the master;
 * and Spring Session's indexed repository, which lives on them (session created, deleted, expired).
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class KeyspaceEventsIntegrationTests {

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
    void eventsOfWritesExpirationsAndEvictionsReachASubscriberOfTheMaster() throws Exception {
        BlockingQueue<String> events = new LinkedBlockingQueue<>();
        JedisPubSub listener = new JedisPubSub() {
            @Override
            public void onPMessage(String pattern, String channel, String message) {
                events.add(channel.substring("__keyevent@0__:".length()) + " " + message);
            }
        };
        try (Jedis subscriberConnection = new Jedis("127.0.0.1", cluster.clientPort());
             Jedis jedis = new Jedis("127.0.0.1", cluster.clientPort())) {
            assertThat(jedis.configSet("notify-keyspace-events", "KEA")).isEqualTo("OK");
            assertThat(jedis.configGet("notify-keyspace-events")).containsEntry("notify-keyspace-events", "AKE");
            Thread subscriber = Thread.ofPlatform().start(() -> subscriberConnection.psubscribe(listener, "__keyevent@*__:*"));
            await().atMost(Duration.ofSeconds(30)).until(listener::isSubscribed);
            jedis.set("user:1", "ada");
            jedis.del("user:1");
            jedis.set("user:2", "bob");
            jedis.expire("user:2", 100);
            jedis.psetex("short-lived", 50, "x");
            assertThat(next(events)).isEqualTo("set user:1");
            assertThat(next(events)).isEqualTo("del user:1");
            assertThat(next(events)).isEqualTo("set user:2");
            assertThat(next(events)).isEqualTo("expire user:2");
            assertThat(next(events)).isEqualTo("set short-lived");
            assertThat(next(events)).isEqualTo("expire short-lived");
            assertThat(next(events)).as("the primary's expiry cycle").isEqualTo("expired short-lived");

            jedis.configSet(Map.of("maxmemory", "2mb", "maxmemory-policy", "allkeys-lru"));
            try {
                String value = "v".repeat(10_000);
                for (int i = 0; i < 600; i++) {
                    jedis.set("bulk:" + i, value);
                }
                await().atMost(Duration.ofSeconds(30)).until(() -> events.stream().anyMatch(e -> e.startsWith("evicted ")));
            } finally {
                jedis.configSet("maxmemory", "0");
                jedis.configSet("notify-keyspace-events", "");
                listener.punsubscribe();
                subscriber.join(10_000);
            }
        }
    }

    @Test
    void springSessionIndexedRepositoryHearsSessionsCreatedDeletedAndExpired() throws Exception {
        LettuceConnectionFactory factory = new LettuceConnectionFactory(
                new RedisStandaloneConfiguration("127.0.0.1", cluster.clientPort()));
        factory.afterPropertiesSet();
        factory.start();
        RedisTemplate<String, Object> template = new RedisTemplate<>();
        template.setConnectionFactory(factory);
        template.setKeySerializer(new StringRedisSerializer());
        template.setHashKeySerializer(new StringRedisSerializer());
        template.setValueSerializer(new JdkSerializationRedisSerializer());
        template.setHashValueSerializer(new JdkSerializationRedisSerializer());
        template.afterPropertiesSet();
        RedisIndexedSessionRepository sessions = new RedisIndexedSessionRepository(template);
        Queue<AbstractSessionEvent> heard = new ConcurrentLinkedQueue<>();
        sessions.setApplicationEventPublisher(event -> heard.add((AbstractSessionEvent) event));
        sessions.afterPropertiesSet();
        RedisMessageListenerContainer container = new RedisMessageListenerContainer();
        container.setConnectionFactory(factory);
        try {
            // What @EnableRedisIndexedHttpSession does at start: keyspace events on, then the repository listens.
            try (var connection = factory.getConnection()) {
                new ConfigureNotifyKeyspaceEventsAction().configure(connection);
            }
            container.addMessageListener(sessions, List.of(new ChannelTopic(sessions.getSessionDeletedChannel()),
                    new ChannelTopic(sessions.getSessionExpiredChannel())));
            container.addMessageListener(sessions, List.of(new PatternTopic(sessions.getSessionCreatedChannelPrefix() + "*")));
            container.afterPropertiesSet();
            container.start();
            await().atMost(Duration.ofSeconds(30)).until(container::isListening);

            var kept = sessions.createSession();
            kept.setAttribute(FindByIndexNameSessionRepository.PRINCIPAL_NAME_INDEX_NAME, "ada");
            sessions.save(kept);
            assertThat(sessions.findById(kept.getId())).isNotNull();
            assertThat(sessions.findByPrincipalName("ada")).containsKey(kept.getId());
            sessions.deleteById(kept.getId());

            var shortLived = sessions.createSession();
            shortLived.setMaxInactiveInterval(Duration.ofSeconds(1));
            sessions.save(shortLived);

            await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> assertThat(heard)
                    .anyMatch(e -> e instanceof SessionCreatedEvent && e.getSessionId().equals(kept.getId()))
                    .anyMatch(e -> e instanceof SessionDeletedEvent && e.getSessionId().equals(kept.getId()))
                    .anyMatch(e -> e instanceof SessionExpiredEvent && e.getSessionId().equals(shortLived.getId())));
        } finally {
            container.destroy();
            factory.destroy();
        }
    }

    private static String next(BlockingQueue<String> events) throws InterruptedException {
        String e = events.poll(30, TimeUnit.SECONDS);
        assertThat(e).as("an event within 30 s").isNotNull();
        return e;
    }
}
