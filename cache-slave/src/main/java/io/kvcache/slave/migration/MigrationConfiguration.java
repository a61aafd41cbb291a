package io.kvcache.slave.migration;

import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.autoconfigure.condition.ConditionalOnExpression;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import io.kvcache.slave.config.SlaveProperties;
import io.kvcache.slave.dispatch.CommandDispatcher;
import io.kvcache.slave.replication.ReplicationManager;
import io.kvcache.slave.store.Keyspace;

/** Key placement and migration, for a slave that enrolls with a master; a slave on its own serves every key. */
@Configuration(proxyBeanMethods = false)
@ConditionalOnExpression("!'${kvcache.slave.master:}'.isEmpty()")
@EnableConfigurationProperties(MigrationProperties.class)
class MigrationConfiguration {

    @Bean
    Migration migration(SlaveProperties slave, CommandDispatcher dispatcher, Keyspace keyspace,
                        ReplicationManager replication, @Value("${kvcache.cluster.secret:}") String secret,
                        MigrationProperties properties) {
        return new Migration(slave.shard(), dispatcher, keyspace, replication, secret, properties, slave.limits());
    }
}
