package io.kvcache.master.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.springframework.data.redis.connection.RedisClusterConfiguration;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;
import org.springframework.data.redis.core.StringRedisTemplate;

import io.kvcache.master.support.LocalCluster;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.JedisCluster;

/**
 * Cluster-mode clients through the master of 2 shards x 2 replicas: each starts from CLUSTER SLOTS,
 * SHARDS or NODES, finds one node serving every slot (the master, at the address it connected to),
 * and reads and writes keys of every slot there; kvcache's own shards stay behind it.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ClusterModeClientsIntegrationTests {

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
    void jedisClusterReadsAndWritesKeysOfEverySlot() {
        try (JedisCluster jedis = new JedisCluster(new HostAndPort("127.0.0.1", cluster.clientPort()))) {
            assertThat(jedis.getClusterNodes()).containsOnlyKeys("127.0.0.1:" + cluster.clientPort());
            for (int i = 0; i < 300; i++) {
                jedis.set("jc:" + i, "v" + i);
            }
            for (int i = 0; i < 300; i++) {
                assertThat(jedis.get("jc:" + i)).isEqualTo("v" + i);
            }
            jedis.mset("{user42}.name", "ada", "{user42}.mail", "ada@example.com");
            assertThat(jedis.mget("{user42}.name", "{user42}.mail")).containsExactly("ada", "ada@example.com");
            assertThat(jedis.incr("jc:counter")).isEqualTo(1);
            assertThat(jedis.del("jc:0")).isEqualTo(1);
        }
    }

    @Test
    void lettuceClusterClientReadsWritesAndSplitsMultiKeyCommandsBySlot() {
        RedisClusterClient client = RedisClusterClient.create("redis://127.0.0.1:" + cluster.clientPort());
        try (StatefulRedisClusterConnection<String, String> connection = client.connect()) {
            var sync = connection.sync();
            assertThat(connection.getPartitions().size()).isEqualTo(1);
            Map<String, String> values = new HashMap<>();
            for (int i = 0; i < 200; i++) {
                values.put("lc:" + i, "v" + i);
            }
            assertThat(sync.mset(values)).isEqualTo("OK"); // keys of many slots: Lettuce splits them by slot
            List<String> keys = List.of("lc:1", "lc:77", "lc:199", "lc:absent");
            assertThat(sync.mget(keys.toArray(String[]::new))).extracting(kv -> kv.getValueOrElse(null))
                    .containsExactly("v1", "v77", "v199", null);
            assertThat(sync.clusterKeyslot("lc:1")).isBetween(0L, 16383L);
            assertThat(sync.dbsize()).isGreaterThanOrEqualTo(200);
        } finally {
            client.shutdown();
        }
    }

    @Test
    void springDataRedisInClusterMode() {
        LettuceConnectionFactory factory = new LettuceConnectionFactory(
                new RedisClusterConfiguration(List.of("127.0.0.1:" + cluster.clientPort())));
        factory.afterPropertiesSet();
        factory.start();
        try {
            StringRedisTemplate template = new StringRedisTemplate(factory);
            template.opsForValue().set("sd:greeting", "hello");
            assertThat(template.opsForValue().get("sd:greeting")).isEqualTo("hello");
            template.opsForHash().put("sd:profile", "name", "ada");
            assertThat(template.opsForHash().get("sd:profile", "name")).isEqualTo("ada");
            template.opsForList().rightPushAll("sd:queue", "a", "b");
            assertThat(template.opsForList().range("sd:queue", 0, -1)).containsExactly("a", "b");
            assertThat(template.delete(List.of("sd:greeting", "sd:profile", "sd:queue"))).isEqualTo(3);
        } finally {
            factory.destroy();
        }
    }
}
