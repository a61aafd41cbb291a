package io.kvcache.server;

import java.util.concurrent.Executor;
import java.util.concurrent.Executors;

import org.springframework.integration.ip.tcp.connection.TcpNetServerConnectionFactory;
import org.springframework.integration.ip.tcp.serializer.SoftEndOfStreamException;

import io.kvcache.protocol.ProtocolLimits;
import io.kvcache.protocol.RespDeserializer;
import io.kvcache.protocol.RespSerializer;

/**
 * Builds the Spring Integration connection factory of a RESP port: blocking sockets (NET) with
 * one thread per connection, the batching RESP codec, TCP_NODELAY, no reverse DNS lookups.
 */
public final class RespPorts {

    private RespPorts() {
    }

    public static TcpNetServerConnectionFactory serverFactory(String name, int port, String bindAddress,
                                                              ProtocolLimits limits, boolean virtualThreads) {
        TcpNetServerConnectionFactory factory = new TcpNetServerConnectionFactory(port);
        factory.setLocalAddress(bindAddress);
        factory.setDeserializer(new RespDeserializer(limits, SoftEndOfStreamException::new));
        factory.setSerializer(new RespSerializer());
        factory.setMapper(new RespMessageMapper());
        factory.setSoTcpNoDelay(true);
        factory.setLookupHost(false);
        factory.setBacklog(511);
        factory.setTaskExecutor(connectionExecutor(name, virtualThreads));
        return factory;
    }

    private static Executor connectionExecutor(String name, boolean virtualThreads) {
        return virtualThreads
                ? Executors.newThreadPerTaskExecutor(Thread.ofVirtual().name(name + "-", 0).factory())
                : Executors.newCachedThreadPool(Thread.ofPlatform().name(name + "-", 0).daemon().factory());
    }
}
