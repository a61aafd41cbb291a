package io.kvcache.server;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.concurrent.Executor;
import java.util.concurrent.Executors;

import jdk.net.ExtendedSocketOptions;

import org.springframework.integration.ip.tcp.connection.TcpNetServerConnectionFactory;
import org.springframework.integration.ip.tcp.connection.TcpSocketSupport;
import org.springframework.integration.ip.tcp.serializer.SoftEndOfStreamException;

import io.kvcache.protocol.ClientMemory;
import io.kvcache.protocol.ProtocolLimits;
import io.kvcache.protocol.RespDeserializer;
import io.kvcache.protocol.RespSerializer;

/**
 * Builds the Spring Integration connection factory of a RESP port: blocking sockets (NET) with
 * one thread per connection, the batching RESP codec, TCP_NODELAY, TCP keepalive, no reverse DNS
 * lookups.
 */
public final class RespPorts {

    /** Redis's default tcp-keepalive: a peer that vanished is found within about 300 + 3 x 100 seconds. */
    public static final Duration TCP_KEEPALIVE = Duration.ofSeconds(300);

    private RespPorts() {
    }

    /** A port with Redis's default tcp-keepalive and no client memory budget. */
    public static TcpNetServerConnectionFactory serverFactory(String name, int port, String bindAddress,
                                                              ProtocolLimits limits, boolean virtualThreads) {
        return serverFactory(name, port, bindAddress, limits, ClientMemory.UNLIMITED, TCP_KEEPALIVE, virtualThreads);
    }

    /**
     * @param memory       the heap all clients' unfinished requests and unsent replies may take together
     * @param tcpKeepalive Redis's tcp-keepalive: idle time before the first probe (zero for no keepalive)
     */
    public static TcpNetServerConnectionFactory serverFactory(String name, int port, String bindAddress,
                                                              ProtocolLimits limits, ClientMemory memory,
                                                              Duration tcpKeepalive, boolean virtualThreads) {
        TcpNetServerConnectionFactory factory = new TcpNetServerConnectionFactory(port);
        factory.setLocalAddress(bindAddress);
        factory.setDeserializer(new RespDeserializer(limits, memory, SoftEndOfStreamException::new));
        factory.setSerializer(new RespSerializer());
        factory.setMapper(new RespMessageMapper());
        factory.setSoTcpNoDelay(true);
        factory.setLookupHost(false);
        factory.setBacklog(511);
        factory.setTcpSocketSupport(new KeepAlive(tcpKeepalive));
        factory.setTaskExecutor(connectionExecutor(name, virtualThreads));
        return factory;
    }

    private static Executor connectionExecutor(String name, boolean virtualThreads) {
        return virtualThreads
                ? Executors.newThreadPerTaskExecutor(Thread.ofVirtual().name(name + "-", 0).factory())
                : Executors.newCachedThreadPool(Thread.ofPlatform().name(name + "-", 0).daemon().factory());
    }

    /**
     * Redis's anetKeepAlive: SO_KEEPALIVE, the first probe after {@code interval} idle, then probes
     * every interval / 3, and the connection is dropped after 3 unanswered ones. A client whose host
     * vanished (half-open connection) is closed, and its thread and buffers with it.
     */
    private record KeepAlive(Duration interval) implements TcpSocketSupport {

        @Override
        public void postProcessServerSocket(ServerSocket serverSocket) {
        }

        @Override
        public void postProcessSocket(Socket socket) {
            long seconds = interval.toSeconds();
            if (seconds <= 0) {
                return;
            }
            try {
                socket.setKeepAlive(true);
                if (socket.supportedOptions().contains(ExtendedSocketOptions.TCP_KEEPIDLE)) {
                    int idle = (int) Math.min(seconds, 32767); // Linux's limit for TCP_KEEPIDLE
                    socket.setOption(ExtendedSocketOptions.TCP_KEEPIDLE, idle);
                    socket.setOption(ExtendedSocketOptions.TCP_KEEPINTERVAL, Math.max(1, idle / 3));
                    socket.setOption(ExtendedSocketOptions.TCP_KEEPCOUNT, 3);
                }
            } catch (IOException e) {
                // The peer is already gone (reset before we got here): its first read will tell.
            }
        }
    }
}
