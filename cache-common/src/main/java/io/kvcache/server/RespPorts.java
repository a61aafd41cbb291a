package io.kvcache.server;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.concurrent.Executors;

import jdk.net.ExtendedSocketOptions;

import org.springframework.integration.ip.tcp.connection.TcpSocketSupport;
import org.springframework.integration.ip.tcp.serializer.SoftEndOfStreamException;

import io.kvcache.io.IoLoops;
import io.kvcache.io.RespNioServerConnectionFactory;
import io.kvcache.protocol.ClientMemory;
import io.kvcache.protocol.ProtocolLimits;
import io.kvcache.protocol.RespDeserializer;
import io.kvcache.protocol.RespSerializer;

/**
 * Builds the Spring Integration connection factory of a RESP port: connections on a few I/O
 * loops ({@link RespNioServerConnectionFactory}), the batching RESP codec, TCP_NODELAY, TCP
 * keepalive, no reverse DNS lookups.
 */
public final class RespPorts {

    /** Redis's default tcp-keepalive: a peer that vanished is found within about 300 + 3 x 100 seconds. */
    public static final Duration TCP_KEEPALIVE = Duration.ofSeconds(300);

    private RespPorts() {
    }

    /** What becomes of a port's requests: whether they must keep the bytes they came as. */
    public enum Requests {
        /** Forwarded to another server as they came (the master's client port): kept raw. */
        FORWARDED,
        /** Executed where they arrive: parsed into their arguments only. */
        EXECUTED
    }

    /** A port that executes its requests, with Redis's default tcp-keepalive and no client memory budget. */
    public static RespNioServerConnectionFactory serverFactory(String name, int port, String bindAddress,
                                                               ProtocolLimits limits, IoLoops loops) {
        return serverFactory(name, port, bindAddress, limits, ClientMemory.UNLIMITED, TCP_KEEPALIVE, loops,
                Requests.EXECUTED);
    }

    /**
     * @param memory       the heap all clients' unfinished requests and unsent replies may take together
     * @param tcpKeepalive Redis's tcp-keepalive: idle time before the first probe (zero for no keepalive)
     * @param loops        the I/O threads that serve the port's connections
     * @param requests     whether requests are forwarded as they came or executed here
     */
    public static RespNioServerConnectionFactory serverFactory(String name, int port, String bindAddress,
                                                               ProtocolLimits limits, ClientMemory memory,
                                                               Duration tcpKeepalive, IoLoops loops,
                                                               Requests requests) {
        RespNioServerConnectionFactory factory = new RespNioServerConnectionFactory(port, loops);
        factory.setLocalAddress(bindAddress);
        RespDeserializer deserializer = new RespDeserializer(limits, memory, SoftEndOfStreamException::new);
        factory.setDeserializer(requests == Requests.FORWARDED ? deserializer : deserializer.withoutRaw());
        factory.setSerializer(new RespSerializer());
        factory.setMapper(new RespMessageMapper());
        factory.setSoTcpNoDelay(true);
        factory.setLookupHost(false);
        factory.setBacklog(511);
        factory.setTcpSocketSupport(new KeepAlive(tcpKeepalive));
        // Only the acceptor runs on it: connections live on the loops.
        factory.setTaskExecutor(Executors.newSingleThreadExecutor(
                Thread.ofPlatform().name(name + "-acceptor").daemon().factory()));
        return factory;
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
