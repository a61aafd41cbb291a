package io.kvcache.master.client;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.integration.dsl.IntegrationFlow;
import io.kvcache.io.RespNioServerConnectionFactory;
import org.springframework.integration.ip.tcp.inbound.TcpReceivingChannelAdapter;
import org.springframework.integration.ip.tcp.outbound.TcpSendingMessageHandler;

import io.kvcache.command.Clients;
import io.kvcache.io.IoLoops;
import io.kvcache.master.config.MasterProperties;
import io.kvcache.master.routing.Router;
import io.kvcache.protocol.ClientMemory;
import io.kvcache.server.RespPorts;
import io.kvcache.server.RespServerEndpoint;

/**
 * Port 6666: clients speak Redis's protocol (RESP2 and inline) through collaborating Spring
 * Integration TCP adapters, so they may pipeline; the router answers each batch in order.
 */
@Configuration(proxyBeanMethods = false)
class ClientPortConfiguration {

    /** The heap all clients may take with unfinished requests and unsent replies (maxmemory-clients). */
    @Bean
    ClientMemory clientMemory(MasterProperties properties) {
        return properties.clientMemory();
    }

    @Bean
    RespNioServerConnectionFactory clientPortConnectionFactory(MasterProperties properties, ClientMemory clientMemory,
                                                               IoLoops ioLoops) {
        return RespPorts.serverFactory("client-port", properties.port(), properties.bind(), properties.limits(),
                clientMemory, properties.tcpKeepalive(), ioLoops, RespPorts.Requests.FORWARDED);
    }

    @Bean
    TcpSendingMessageHandler clientPortOutbound(RespNioServerConnectionFactory clientPortConnectionFactory) {
        TcpSendingMessageHandler handler = new TcpSendingMessageHandler();
        handler.setConnectionFactory(clientPortConnectionFactory);
        return handler;
    }

    @Bean
    TcpReceivingChannelAdapter clientPortInbound(RespNioServerConnectionFactory clientPortConnectionFactory) {
        TcpReceivingChannelAdapter adapter = new TcpReceivingChannelAdapter();
        adapter.setConnectionFactory(clientPortConnectionFactory);
        return adapter;
    }

    @Bean
    RespServerEndpoint clientPortEndpoint(Router router, Clients clientSessions, MasterProperties properties,
                                          ClientMemory clientMemory, TcpSendingMessageHandler clientPortOutbound,
                                          RespNioServerConnectionFactory clientPortConnectionFactory) {
        return new RespServerEndpoint(router::execute, clientSessions, clientPortOutbound,
                clientPortConnectionFactory, properties.clientPolicy(), clientMemory);
    }

    @Bean
    IntegrationFlow clientPortFlow(TcpReceivingChannelAdapter clientPortInbound,
                                   RespServerEndpoint clientPortEndpoint) {
        return IntegrationFlow.from(clientPortInbound).handle(clientPortEndpoint).get();
    }
}
