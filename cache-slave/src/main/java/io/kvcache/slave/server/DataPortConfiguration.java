package io.kvcache.slave.server;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.integration.dsl.IntegrationFlow;
import io.kvcache.io.RespNioServerConnectionFactory;
import org.springframework.integration.ip.tcp.inbound.TcpReceivingChannelAdapter;
import org.springframework.integration.ip.tcp.outbound.TcpSendingMessageHandler;

import io.kvcache.command.Clients;
import io.kvcache.io.IoLoops;
import io.kvcache.protocol.ClientMemory;
import io.kvcache.server.BatchExecutor;
import io.kvcache.server.RespPorts;
import io.kvcache.server.RespServerEndpoint;
import io.kvcache.slave.config.SlaveProperties;
import io.kvcache.slave.dispatch.CommandDispatcher;
import io.kvcache.slave.replication.ReplicationManager;

/**
 * The data port: a Spring Integration TCP server on a few I/O loops speaking RESP2 and inline commands, with
 * collaborating adapters (an inbound adapter and an outbound handler sharing one connection
 * factory) so a connection may pipeline: an inbound gateway would serve one request at a time.
 * In a cluster its clients (the master's links) must AUTH with the cluster secret first.
 */
@Configuration(proxyBeanMethods = false)
class DataPortConfiguration {

    /** The heap all data port clients may take with unfinished requests and unsent replies. */
    @Bean
    ClientMemory clientMemory(SlaveProperties properties) {
        return properties.clientMemory();
    }

    /** The data port's I/O threads: every connection is served by one of them. */
    @Bean(destroyMethod = "close")
    IoLoops dataPortLoops(SlaveProperties properties) {
        return new IoLoops("data-io", properties.ioThreadCount());
    }

    @Bean
    RespNioServerConnectionFactory dataPortConnectionFactory(SlaveProperties properties, ClientMemory clientMemory,
                                                             IoLoops dataPortLoops) {
        return RespPorts.serverFactory("data-port", properties.port(), properties.bind(), properties.limits(),
                clientMemory, properties.tcpKeepalive(), dataPortLoops, RespPorts.Requests.EXECUTED);
    }

    @Bean
    TcpSendingMessageHandler dataPortOutbound(RespNioServerConnectionFactory dataPortConnectionFactory) {
        TcpSendingMessageHandler handler = new TcpSendingMessageHandler();
        handler.setConnectionFactory(dataPortConnectionFactory);
        return handler;
    }

    @Bean
    TcpReceivingChannelAdapter dataPortInbound(RespNioServerConnectionFactory dataPortConnectionFactory) {
        TcpReceivingChannelAdapter adapter = new TcpReceivingChannelAdapter();
        adapter.setConnectionFactory(dataPortConnectionFactory);
        return adapter;
    }

    @Bean
    RespServerEndpoint dataPortEndpoint(CommandDispatcher dispatcher, ObjectProvider<ReplicationManager> replication,
                                        Clients clients, SlaveProperties properties, ClientMemory clientMemory,
                                        TcpSendingMessageHandler dataPortOutbound,
                                        RespNioServerConnectionFactory dataPortConnectionFactory,
                                        @Value("${kvcache.cluster.secret:}") String clusterSecret) {
        // In a cluster, replication decides when a write may be answered; alone, the store does.
        ReplicationManager manager = replication.getIfAvailable();
        BatchExecutor executor = manager != null ? manager::execute
                : (requests, session, out, done) -> dispatcher.execute(requests, session, out, offset -> done.run());
        return new RespServerEndpoint(executor, clients, dataPortOutbound, dataPortConnectionFactory,
                properties.clientPolicy(!clusterSecret.isEmpty()), clientMemory);
    }

    @Bean
    IntegrationFlow dataPortFlow(TcpReceivingChannelAdapter dataPortInbound, RespServerEndpoint dataPortEndpoint) {
        return IntegrationFlow.from(dataPortInbound).handle(dataPortEndpoint).get();
    }
}
