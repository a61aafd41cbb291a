package io.kvcache.slave.replication;

import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.autoconfigure.condition.ConditionalOnExpression;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import io.kvcache.slave.config.SlaveProperties;
import io.kvcache.slave.dispatch.CommandDispatcher;
import io.kvcache.slave.store.Keyspace;

/** Replication, for a slave that enrolls with a master; a slave on its own has none. */
@Configuration(proxyBeanMethods = false)
@ConditionalOnExpression("!'${kvcache.slave.master:}'.isEmpty()")
@EnableConfigurationProperties(ReplicationProperties.class)
class ReplicationConfiguration {

    @Bean
    ReplicationBacklog replicationBacklog(ReplicationProperties properties) {
        return new ReplicationBacklog(properties.backlogSize().toBytes());
    }

    @Bean(destroyMethod = "stop")
    ReplicationManager replicationManager(CommandDispatcher dispatcher, Keyspace keyspace, ReplicationBacklog backlog,
                                          @Value("${kvcache.cluster.secret:}") String secret,
                                          ReplicationProperties properties, SlaveProperties slave) {
        return new ReplicationManager(dispatcher, keyspace, backlog, secret, slave.replicaId(), properties,
                slave.limits());
    }
}
