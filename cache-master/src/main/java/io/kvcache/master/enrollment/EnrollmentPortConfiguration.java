package io.kvcache.master.enrollment;

import org.springframework.context.ApplicationListener;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.integration.dsl.IntegrationFlow;
import org.springframework.integration.ip.tcp.connection.TcpConnectionCloseEvent;
import org.springframework.integration.ip.tcp.connection.TcpConnectionServerListeningEvent;

import org.springframework.integration.ip.tcp.inbound.TcpReceivingChannelAdapter;
import org.springframework.integration.ip.tcp.outbound.TcpSendingMessageHandler;

import io.kvcache.command.Clients;
import io.kvcache.master.config.ClusterProperties;
import io.kvcache.master.config.MasterProperties;
import io.kvcache.master.topology.TopologyRegistry;
import io.kvcache.io.IoLoops;
import io.kvcache.io.RespNioServerConnectionFactory;
import io.kvcache.protocol.ClientMemory;
import io.kvcache.server.BatchExecutor;
import io.kvcache.protocol.ProtocolLimits;
import io.kvcache.server.ClientPolicy;
import io.kvcache.server.OutputBufferLimit;
import io.kvcache.server.RespPorts;
import io.kvcache.server.RespServerEndpoint;

/**
 * Port 6667: slaves enroll and beat over long-lived connections (collaborating Spring
 * Integration TCP adapters, RESP framing); a closed connection marks its replica down.
 */
@Configuration(proxyBeanMethods = false)
class EnrollmentPortConfiguration {

    /** Enrollment frames are tiny: limits far below the client port's. */
    private static final ProtocolLimits ENROLLMENT_LIMITS = new ProtocolLimits(4096, 4096, 64 * 1024);

    /** One I/O thread of its own: enrollment and heartbeats never wait behind clients, nor clients behind them. */
    @Bean(destroyMethod = "close")
    IoLoops enrollmentLoop() {
        return new IoLoops("enrollment-io", 1);
    }

    @Bean
    RespNioServerConnectionFactory enrollmentConnectionFactory(MasterProperties properties, IoLoops enrollmentLoop) {
        return RespPorts.serverFactory("enrollment", properties.enrollmentPort(), properties.bind(),
                ENROLLMENT_LIMITS, enrollmentLoop);
    }

    @Bean
    TcpSendingMessageHandler enrollmentOutbound(RespNioServerConnectionFactory enrollmentConnectionFactory) {
        TcpSendingMessageHandler handler = new TcpSendingMessageHandler();
        handler.setConnectionFactory(enrollmentConnectionFactory);
        return handler;
    }

    @Bean
    TcpReceivingChannelAdapter enrollmentInbound(RespNioServerConnectionFactory enrollmentConnectionFactory) {
        TcpReceivingChannelAdapter adapter = new TcpReceivingChannelAdapter();
        adapter.setConnectionFactory(enrollmentConnectionFactory);
        return adapter;
    }

    @Bean
    EnrollmentProtocol enrollmentProtocol(TopologyRegistry registry, ClusterProperties cluster) {
        if (cluster.secret().isBlank()) {
            throw new IllegalStateException("kvcache.cluster.secret must be set: slaves enroll with it");
        }
        return new EnrollmentProtocol(registry, cluster.secret());
    }

    /**
     * A slave beats well within the heartbeat timeout; a connection silent for ten of them (never
     * enrolled, or its host gone) is closed, so idle connections cannot pile up on the port.
     */
    @Bean
    RespServerEndpoint enrollmentEndpoint(EnrollmentProtocol protocol, MasterProperties properties,
                                          TcpSendingMessageHandler enrollmentOutbound,
                                          RespNioServerConnectionFactory enrollmentConnectionFactory) {
        ClientPolicy policy = new ClientPolicy(ClientPolicy.MAX_CLIENTS, properties.heartbeatTimeout().multipliedBy(10),
                OutputBufferLimit.NONE, false, false);
        return new RespServerEndpoint(BatchExecutor.of(protocol::execute), new Clients(), enrollmentOutbound,
                enrollmentConnectionFactory, policy, ClientMemory.UNLIMITED);
    }

    @Bean
    AssignmentPusher assignmentPusher(TopologyRegistry registry, EnrollmentProtocol protocol,
                                      TcpSendingMessageHandler enrollmentOutbound) {
        return new AssignmentPusher(registry, protocol, enrollmentOutbound);
    }

    /** A replica whose enrollment connection closes is down at once. */
    @Bean
    ApplicationListener<TcpConnectionCloseEvent> enrollmentCloseListener(
            TopologyRegistry registry, RespNioServerConnectionFactory enrollmentConnectionFactory) {
        return event -> {
            if (enrollmentConnectionFactory.getComponentName().equals(event.getConnectionFactoryName())) {
                registry.connectionClosed(event.getConnectionId());
            }
        };
    }

    /** The election grace starts once slaves can reach the port. */
    @Bean
    ApplicationListener<TcpConnectionServerListeningEvent> enrollmentListeningListener(
            TopologyRegistry registry, RespNioServerConnectionFactory enrollmentConnectionFactory) {
        return event -> {
            if (event.getSource() == enrollmentConnectionFactory) {
                registry.enrollmentOpened();
            }
        };
    }

    @Bean
    IntegrationFlow enrollmentFlow(TcpReceivingChannelAdapter enrollmentInbound,
                                   RespServerEndpoint enrollmentEndpoint) {
        return IntegrationFlow.from(enrollmentInbound).handle(enrollmentEndpoint).get();
    }
}
