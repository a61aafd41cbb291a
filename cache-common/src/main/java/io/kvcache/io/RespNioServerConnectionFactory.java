package io.kvcache.io;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.StandardSocketOptions;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;

import org.springframework.integration.ip.tcp.connection.AbstractServerConnectionFactory;

/**
 * A Spring Integration server connection factory whose connections live on a few {@link IoLoops}
 * instead of a thread each. Spring Integration's own NIO factory reads on its selector thread but
 * hands every read to an executor thread that runs the deserializer over a blocking stream: a thread
 * hop and a wake-up per request, the cost docs/benchmarks.md measured. Here the loop that reads also
 * parses, runs the flow and writes, as twemproxy's and Redis's event loops do; adapters, flows,
 * the codec and connection events stay Spring Integration's.
 * <p>
 * The factory's own thread only accepts; each accepted connection goes to the next loop.
 */
public final class RespNioServerConnectionFactory extends AbstractServerConnectionFactory {

    private final IoLoops loops;
    private volatile ServerSocketChannel server;

    public RespNioServerConnectionFactory(int port, IoLoops loops) {
        super(port);
        this.loops = loops;
    }

    @Override
    public String getComponentType() {
        return "resp-nio-server-connection-factory";
    }

    @Override
    public int getPort() {
        int port = super.getPort();
        ServerSocketChannel s = server;
        if (port == 0 && s != null) {
            port = s.socket().getLocalPort();
        }
        return port;
    }

    @Override
    public SocketAddress getServerSocketAddress() {
        ServerSocketChannel s = server;
        return s == null ? null : s.socket().getLocalSocketAddress();
    }

    public IoLoops loops() {
        return loops;
    }

    @Override
    public void run() {
        if (getListener() == null) {
            logger.info(() -> this + " No listener bound to server connection factory; will not read; exiting...");
            return;
        }
        boolean bound = false;
        try {
            ServerSocketChannel channel = ServerSocketChannel.open();
            channel.setOption(StandardSocketOptions.SO_REUSEADDR, true);
            InetAddress nic = getLocalAddress() == null ? null : InetAddress.getByName(getLocalAddress());
            channel.bind(new InetSocketAddress(nic, super.getPort()), Math.abs(getBacklog()));
            postProcessServerSocket(channel.socket());
            server = channel;
            bound = true;
            setListening(true);
            logger.info(() -> this + " Listening");
            publishServerListeningEvent(getPort());
            while (isActive()) {
                accept(channel.accept());
            }
        } catch (IOException e) {
            if (!bound) {
                logger.error(e, "Error on server socket; port = " + getPort());
                publishServerExceptionEvent(e);
            }
        } finally {
            setListening(false);
            setActive(false);
        }
    }

    private void accept(SocketChannel channel) {
        if (isShuttingDown()) {
            closeQuietly(channel);
            return;
        }
        try {
            channel.configureBlocking(false);
            setSocketAttributes(channel.socket());
            getTcpSocketSupport().postProcessSocket(channel.socket());
            IoLoop loop = loops.next();
            RespNioConnection connection = new RespNioConnection(channel, loop, isLookupHost(),
                    getApplicationEventPublisher(), getComponentName());
            initializeConnection(connection, channel.socket());
            addConnection(connection);
            if (server == null) {
                // stop() has begun and may have closed the connections before this one joined them:
                // close it here, or it would outlive the port (a client blocked on it forever)
                connection.close();
                return;
            }
            loop.execute(connection::start);
            harvestClosedConnections();
        } catch (IOException | RuntimeException e) {
            logger.debug(() -> "Could not set up an accepted connection: " + e);
            closeQuietly(channel);
        }
    }

    private static void closeQuietly(SocketChannel channel) {
        try {
            channel.close();
        } catch (IOException ignored) {
            // gone anyway
        }
    }

    @Override
    public void stop() {
        ServerSocketChannel s = server;
        server = null;
        if (s != null) {
            try {
                s.close();
            } catch (IOException ignored) {
                // closing anyway
            }
        }
        super.stop();
    }
}
