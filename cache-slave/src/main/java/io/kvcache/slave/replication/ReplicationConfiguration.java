package io.kvcache.slave.replication;

import java.lang.management.ManagementFactory;

import com.sun.management.HotSpotDiagnosticMXBean;

import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.autoconfigure.condition.ConditionalOnExpression;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.tomcat.TomcatConnectorCustomizer;
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
        long size = properties.backlogSize().toBytes();
        long directMax = maxDirectMemory();
        // Checked now rather than by an append that fails under the store's lock once the stream fills it.
        if (size + ReplicationBacklog.SEGMENT > directMax) {
            throw new IllegalStateException("kvcache.replication.backlog-size (" + size + " bytes) does not fit the JVM's "
                    + "direct memory (" + directMax + " bytes): raise -XX:MaxDirectMemorySize (by default the maximum heap)");
        }
        return new ReplicationBacklog(size);
    }

    /** -XX:MaxDirectMemorySize, which defaults to the maximum heap. */
    private static long maxDirectMemory() {
        String option = ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class)
                .getVMOption("MaxDirectMemorySize").getValue();
        long value = Long.parseLong(option);
        return value > 0 ? value : Runtime.getRuntime().maxMemory();
    }

    @Bean(destroyMethod = "stop")
    ReplicationManager replicationManager(CommandDispatcher dispatcher, Keyspace keyspace, ReplicationBacklog backlog,
                                          @Value("${kvcache.cluster.secret:}") String secret,
                                          ReplicationProperties properties, SlaveProperties slave) {
        return new ReplicationManager(dispatcher, keyspace, backlog, secret, slave.replicaId(), properties,
                slave.limits());
    }

    /**
     * A frame leaves in one socket write. Tomcat copies what a response writes into a buffer per
     * connection (8 KiB by default) and writes the socket each time it fills, so a 20 KiB frame left
     * in three writes, and the replica often woke for the first and read again for the rest. The
     * buffer now holds the largest frame a data port's loop writes (the servlet thread's larger frames
     * still leave in pieces of this size); slaves keep few HTTP connections, so the memory is small.
     */
    @Bean
    TomcatConnectorCustomizer streamFrameInOneWrite() {
        return connector -> connector.setProperty("socket.appWriteBufSize",
                Integer.toString(ReplicationController.FRAME_BUFFER));
    }
}
