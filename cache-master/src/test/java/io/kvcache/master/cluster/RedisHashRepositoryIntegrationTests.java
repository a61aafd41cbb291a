package io.kvcache.master.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.springframework.data.annotation.Id;
import org.springframework.data.redis.connection.RedisStandaloneConfiguration;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;
import org.springframework.data.redis.core.RedisHash;
import org.springframework.data.redis.core.RedisKeyValueAdapter;
import org.springframework.data.redis.core.RedisKeyValueAdapter.EnableKeyspaceEvents;
import org.springframework.data.redis.core.RedisKeyValueTemplate;
import org.springframework.data.redis.core.RedisTemplate;
import org.springframework.data.redis.core.TimeToLive;
import org.springframework.data.redis.core.index.Indexed;
import org.springframework.data.redis.core.mapping.RedisMappingContext;
import org.springframework.data.redis.repository.support.RedisRepositoryFactory;
import org.springframework.data.repository.CrudRepository;

import io.kvcache.master.support.LocalCluster;

/**
 * Spring Data Redis repositories of {@code @RedisHash} entities through the master of 2 shards x 2
 * replicas, as an application declares them: save, find by id and by an indexed property, delete,
 * and an entity with a time to live whose expiry (a keyspace event from the shard holding it) makes
 * the repository drop it from its set and indexes.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class RedisHashRepositoryIntegrationTests {

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

    @RedisHash("people")
    public static class Person {
        @Id
        private String id;
        @Indexed
        private String lastname;
        private String firstname;
        @TimeToLive
        private Long ttl;

        public Person() {
        }

        Person(String id, String firstname, String lastname, Long ttl) {
            this.id = id;
            this.firstname = firstname;
            this.lastname = lastname;
            this.ttl = ttl;
        }

        public String getId() {
            return id;
        }

        public void setId(String id) {
            this.id = id;
        }

        public String getLastname() {
            return lastname;
        }

        public void setLastname(String lastname) {
            this.lastname = lastname;
        }

        public String getFirstname() {
            return firstname;
        }

        public void setFirstname(String firstname) {
            this.firstname = firstname;
        }

        public Long getTtl() {
            return ttl;
        }

        public void setTtl(Long ttl) {
            this.ttl = ttl;
        }
    }

    public interface PersonRepository extends CrudRepository<Person, String> {
        List<Person> findByLastname(String lastname);
    }

    @Test
    void repositoriesSaveFindIndexDeleteAndForgetExpiredEntities() throws Exception {
        LettuceConnectionFactory factory = new LettuceConnectionFactory(
                new RedisStandaloneConfiguration("127.0.0.1", cluster.clientPort()));
        factory.afterPropertiesSet();
        factory.start();
        RedisTemplate<byte[], byte[]> template = new RedisTemplate<>();
        template.setConnectionFactory(factory);
        template.afterPropertiesSet();
        RedisMappingContext mapping = new RedisMappingContext();
        RedisKeyValueAdapter adapter = new RedisKeyValueAdapter(template, mapping);
        // What @EnableRedisRepositories(enableKeyspaceEvents = ON_STARTUP) configures, its default parameter included
        adapter.setEnableKeyspaceEvents(EnableKeyspaceEvents.ON_STARTUP);
        adapter.setKeyspaceNotificationsConfigParameter("Ex");
        adapter.afterPropertiesSet();
        adapter.start(); // a SmartLifecycle: the application context starts it, and with it the expiry listener
        try {
            PersonRepository people = new RedisRepositoryFactory(new RedisKeyValueTemplate(adapter, mapping))
                    .getRepository(PersonRepository.class);
            people.save(new Person("1", "Ada", "Lovelace", null));
            people.save(new Person("2", "Alan", "Turing", null));
            people.save(new Person("3", "Byron", "Lovelace", 1L)); // expires after a second
            assertThat(people.findById("1")).hasValueSatisfying(p -> assertThat(p.getFirstname()).isEqualTo("Ada"));
            assertThat(people.findByLastname("Lovelace")).extracting(Person::getId).containsExactlyInAnyOrder("1", "3");
            assertThat(people.count()).isEqualTo(3);
            people.deleteById("2");
            assertThat(people.findById("2")).isEmpty();

            // The expired hash's keyspace event tells the adapter to drop it from "people" and its index.
            await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
                assertThat(people.count()).isEqualTo(1);
                assertThat(people.findByLastname("Lovelace")).extracting(Person::getId).containsExactly("1");
            });
        } finally {
            adapter.destroy();
            factory.destroy();
        }
    }
}
