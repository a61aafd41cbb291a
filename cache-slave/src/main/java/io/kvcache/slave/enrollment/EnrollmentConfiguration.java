package io.kvcache.slave.enrollment;

import java.net.InetSocketAddress;

import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.autoconfigure.condition.ConditionalOnExpression;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;


import io.kvcache.slave.config.SlaveProperties;
import io.kvcache.slave.migration.Migration;
import io.kvcache.slave.replication.ReplicationManager;

/** Enrollment with a master, when {@code kvcache.slave.master} names one. */
@Configuration(proxyBeanMethods = false)
@ConditionalOnExpression("!'${kvcache.slave.master:}'.isEmpty()")
class EnrollmentConfiguration {

    @Bean
    EnrollmentClient enrollmentClient(SlaveProperties properties, @Value("${kvcache.cluster.secret:}") String secret,
                                      io.kvcache.io.RespNioServerConnectionFactory dataPortConnectionFactory,
                                      WebServerApplicationContext web, ReplicationManager replication,
                                      Migration migration) {
        if (secret.isBlank()) {
            throw new IllegalStateException("kvcache.cluster.secret must be set to enroll with a master");
        }
        String[] hostPort = properties.master().split(":");
        InetSocketAddress master = new InetSocketAddress(hostPort[0],
                hostPort.length > 1 ? Integer.parseInt(hostPort[1]) : 6667);
        return new EnrollmentClient(master, secret, properties.shard(), properties.replicaId(),
                properties.advertisedHost(), dataPortConnectionFactory::getPort,
                () -> web.getWebServer().getPort(), properties.heartbeatInterval().toMillis(), replication, migration);
    }
}
