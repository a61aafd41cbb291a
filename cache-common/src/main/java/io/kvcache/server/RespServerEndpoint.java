package io.kvcache.server;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import org.springframework.context.ApplicationListener;
import org.springframework.integration.ip.IpHeaders;
import org.springframework.integration.ip.tcp.connection.AbstractServerConnectionFactory;
import org.springframework.integration.ip.tcp.connection.TcpConnection;
import org.springframework.integration.ip.tcp.connection.TcpConnectionCloseEvent;
import org.springframework.integration.ip.tcp.connection.TcpConnectionEvent;
import org.springframework.integration.ip.tcp.connection.TcpConnectionOpenEvent;
import org.springframework.integration.ip.tcp.outbound.TcpSendingMessageHandler;
import org.springframework.messaging.Message;
import org.springframework.messaging.MessageHandler;
import org.springframework.messaging.support.MessageBuilder;

import io.kvcache.command.Clients;
import io.kvcache.command.Session;
import io.kvcache.protocol.ProtocolError;
import io.kvcache.protocol.RespDeserializer;
import io.kvcache.protocol.RequestBatch;
import io.kvcache.protocol.RespWriter;

/**
 * The handler behind a RESP port's inbound adapter: runs each batch of a connection's requests
 * and sends all their replies in one message through the outbound adapter (routed by the
 * ip_connectionId header). A QUIT or a protocol error closes the connection after its reply.
 */
public final class RespServerEndpoint implements MessageHandler, ApplicationListener<TcpConnectionEvent> {

    private final BatchExecutor executor;
    private final Clients clients;
    private final TcpSendingMessageHandler outbound;
    private final AbstractServerConnectionFactory connections;
    /** One reply buffer per connection thread, reused: replies are written before the next read. */
    private final ThreadLocal<RespWriter> writers = ThreadLocal.withInitial(RespWriter::new);
    /** Each open connection's parse-state key, taken at open: once the socket closes it can't be asked. */
    private final Map<String, Object> stateKeys = new ConcurrentHashMap<>();

    public RespServerEndpoint(BatchExecutor executor, Clients clients, TcpSendingMessageHandler outbound,
                              AbstractServerConnectionFactory connections) {
        this.executor = executor;
        this.clients = clients;
        this.outbound = outbound;
        this.connections = connections;
    }

    @Override
    public void handleMessage(Message<?> message) {
        String connectionId = (String) message.getHeaders().get(IpHeaders.CONNECTION_ID);
        RequestBatch batch = (RequestBatch) message.getPayload();
        Session session = clients.session(connectionId, address(message));
        RespWriter out = writers.get();
        try {
            executor.execute(batch.requests(), session, out);
            ProtocolError error = batch.error();
            if (error != null && !session.isClosing()) {
                if (error.reply() != null) {
                    out.error(error.reply());
                }
                session.closeAfterReply();
            }
            if (!out.isEmpty()) {
                outbound.handleMessage(MessageBuilder.withPayload(out)
                        .setHeader(IpHeaders.CONNECTION_ID, connectionId)
                        .build());
            }
        } finally {
            out.reset();
        }
        if (session.isClosing()) {
            connections.closeConnection(connectionId);
        }
    }

    /**
     * A connection of this port opened (it counts as a client at once, as in Redis) or closed (its
     * session and parse state are released however it ended). Other ports' events are ignored.
     */
    @Override
    public void onApplicationEvent(TcpConnectionEvent event) {
        if (!(event.getSource() instanceof TcpConnection connection)
                || (connections.getComponentName() != null
                && !connections.getComponentName().equals(event.getConnectionFactoryName()))) {
            return;
        }
        String id = event.getConnectionId();
        if (event instanceof TcpConnectionOpenEvent) {
            clients.session(id, connection.getHostAddress() + ":" + connection.getPort());
            Object key = connection.getDeserializerStateKey();
            if (key != null) {
                stateKeys.put(id, key);
            }
        } else if (event instanceof TcpConnectionCloseEvent) {
            clients.closed(id);
            Object key = stateKeys.remove(id);
            if (key != null && connections.getDeserializer() instanceof RespDeserializer deserializer) {
                deserializer.release(key);
            }
        }
    }

    public Clients clients() {
        return clients;
    }

    private static String address(Message<?> message) {
        return message.getHeaders().get(IpHeaders.IP_ADDRESS) + ":" + message.getHeaders().get(IpHeaders.REMOTE_PORT);
    }
}
