package io.kvcache.server;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

import org.springframework.context.ApplicationListener;
import org.springframework.core.log.LogAccessor;
import org.springframework.integration.ip.IpHeaders;
import org.springframework.integration.ip.tcp.connection.AbstractServerConnectionFactory;
import org.springframework.integration.ip.tcp.connection.TcpConnection;
import org.springframework.integration.ip.tcp.connection.TcpConnectionCloseEvent;
import org.springframework.integration.ip.tcp.connection.TcpConnectionEvent;
import org.springframework.integration.ip.tcp.connection.TcpConnectionOpenEvent;
import org.springframework.integration.ip.tcp.outbound.TcpSendingMessageHandler;
import org.springframework.messaging.Message;
import org.springframework.messaging.MessageHandler;
import org.springframework.messaging.MessagingException;
import org.springframework.messaging.support.GenericMessage;
import org.springframework.messaging.support.MessageBuilder;

import io.kvcache.command.Clients;
import io.kvcache.command.Session;
import io.kvcache.protocol.ClientMemory;
import io.kvcache.protocol.ProtocolError;
import io.kvcache.protocol.Request;
import io.kvcache.protocol.RequestBatch;
import io.kvcache.protocol.RespDeserializer;
import io.kvcache.protocol.RespErrors;
import io.kvcache.protocol.RespReader;
import io.kvcache.protocol.RespWriter;

/**
 * The handler behind a RESP port's inbound adapter: runs each batch of a connection's requests
 * and sends all their replies in one message through the outbound adapter (routed by the
 * ip_connectionId header). A QUIT or a protocol error closes the connection after its reply.
 * <p>
 * It also keeps the port's {@link ClientPolicy}, as Redis's networking.c does: at accept,
 * {@code maxclients} and protected mode; before AUTH, the unauthenticated request limits; on every
 * batch, the output buffer limit; and, through a {@link ClientWatchdog}, the idle timeout and the
 * soft output limit. A client over a limit is closed; its memory is released with it.
 */
public final class RespServerEndpoint implements MessageHandler, ApplicationListener<TcpConnectionEvent>,
        AutoCloseable {

    private static final LogAccessor log = new LogAccessor(RespServerEndpoint.class);

    private static final byte[] MAX_CLIENTS_REPLY = RespWriter.encodedError(RespErrors.MAX_CLIENTS);
    private static final byte[] DENIED_REPLY = RespWriter.encodedError(RespErrors.DENIED_PROTECTED_MODE);

    private final BatchExecutor executor;
    private final Clients clients;
    private final TcpSendingMessageHandler outbound;
    private final AbstractServerConnectionFactory connections;
    private final ClientPolicy policy;
    private final ClientMemory memory;
    /** The admitted connections, by connection id. */
    private final Map<String, ClientConnection> open = new ConcurrentHashMap<>();
    /** Connections admitted and not yet closed; counted apart from the map so two at once cannot both pass. */
    private final AtomicInteger admitted = new AtomicInteger();
    private final ClientWatchdog watchdog;

    /** A port with Redis's default policy (no password, no protected mode) and no client memory budget. */
    public RespServerEndpoint(BatchExecutor executor, Clients clients, TcpSendingMessageHandler outbound,
                              AbstractServerConnectionFactory connections) {
        this(executor, clients, outbound, connections, ClientPolicy.REDIS_DEFAULTS, ClientMemory.UNLIMITED);
    }

    public RespServerEndpoint(BatchExecutor executor, Clients clients, TcpSendingMessageHandler outbound,
                              AbstractServerConnectionFactory connections, ClientPolicy policy, ClientMemory memory) {
        this.executor = executor;
        this.clients = clients;
        this.outbound = outbound;
        this.connections = connections;
        this.policy = policy;
        this.memory = memory;
        this.watchdog = new ClientWatchdog(String.valueOf(connections.getComponentName()), open.values(), policy,
                this::closeByServer);
    }

    @Override
    public void handleMessage(Message<?> message) {
        String connectionId = (String) message.getHeaders().get(IpHeaders.CONNECTION_ID);
        RequestBatch batch = (RequestBatch) message.getPayload();
        ClientConnection client = open.get(connectionId);
        if (client == null) {
            return; // refused at accept, or closed meanwhile: nothing of it runs
        }
        RespWriter out = client.out;
        out.reset();
        out.watch(policy.outputLimit().hard(), client);
        client.executing = true;
        client.lastInteraction = System.nanoTime();
        List<Request> requests = batch.requests();
        int attack = CrossProtocolScripting.indexIn(requests);
        client.session.takeAwaitingReplicas(); // a word left by an earlier batch answered later is not this one's
        try {
            executor.execute(attack < 0 ? requests : requests.subList(0, attack), client.session, out,
                    () -> finish(client, batch, attack >= 0));
            if (client.session.takeAwaitingReplicas()
                    && client.connection instanceof io.kvcache.io.RespNioConnection nio) {
                nio.pauseReadsWhileInFlight();
            }
        } catch (RuntimeException e) {
            log.error(() -> "Batch of client " + client.describe() + " failed: " + e);
            client.session.closeAfterReply();
            finish(client, batch, false);
        }
    }

    /** The batch's replies are all in out (on whichever thread completed it): send them, then close if asked. */
    private void finish(ClientConnection client, RequestBatch batch, boolean attack) {
        Session session = client.session;
        RespWriter out = client.out;
        if (attack) {
            // Redis frees such a client at once: not even the replies before it are written.
            out.overflow();
            session.closeAfterReply();
            client.closing = CrossProtocolScripting.WARNING;
            client.logged = !CrossProtocolScripting.shouldLog();
        }
        ProtocolError error = batch.error();
        if (error != null && !session.isClosing()) {
            if (error.reply() != null) {
                out.error(error.reply());
            } else {
                client.closing = "query buffer limit";
            }
            session.closeAfterReply();
        }
        if (client.reader != null && client.reader.isAuthenticationPending() && session.isAuthenticated()) {
            client.reader.authenticationPending(false); // Redis's usual limits from the next request on
        }
        client.executing = false;
        // Always one message per batch, even empty: it is what lets the connection read the next one.
        send(client, out);
        if (session.isClosing()) {
            if (client.closing != null && !client.logged) {
                client.logged = true;
                // Redis logs these at warning level too; never with the request's bytes.
                log.warn(() -> "Closing client " + client.describe() + ": " + client.closing);
            }
            connections.closeConnection(client.id);
        }
    }

    private void send(ClientConnection client, RespWriter out) {
        client.unsent = out.size();
        try {
            outbound.handleMessage(MessageBuilder.withPayload(out)
                    .setHeader(IpHeaders.CONNECTION_ID, client.id)
                    .build());
        } catch (MessagingException e) {
            // The client went away (or the watchdog closed it) while its replies were written.
            client.session.closeAfterReply();
        } finally {
            client.overSoftLimitSince = 0;
            client.lastInteraction = System.nanoTime();
        }
    }

    /**
     * A connection of this port opened (admitted, it counts as a client at once, as in Redis) or
     * closed (its session, parse state and memory are released however it ended). Events are
     * published on the connection's own thread before it reads, so a refusal comes first.
     * Other ports' events are ignored.
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
            opened(id, connection);
        } else if (event instanceof TcpConnectionCloseEvent) {
            closed(id);
        }
    }

    private void opened(String id, TcpConnection connection) {
        // The order of Redis's acceptCommonHandler and clientAcceptHandler: maxclients, then protected mode.
        if (admitted.incrementAndGet() > policy.maxClients()) {
            admitted.decrementAndGet();
            refuse(connection, MAX_CLIENTS_REPLY);
            return;
        }
        if (policy.loopbackOnly() && !isLoopback(connection.getHostAddress())) {
            admitted.decrementAndGet();
            refuse(connection, DENIED_REPLY);
            return;
        }
        Session session = clients.session(id, connection.getHostAddress() + ":" + connection.getPort());
        Object key = connection.getDeserializerStateKey();
        RespReader reader = key != null && connections.getDeserializer() instanceof RespDeserializer deserializer
                ? deserializer.reader(key) : null;
        if (reader != null && policy.passwordRequired()) {
            reader.authenticationPending(true);
        }
        if (connection instanceof io.kvcache.io.RespNioConnection nio) {
            nio.onPeerClosed(session::disconnected); // a blocked client that left stops waiting
            session.pushTo(nio::push); // a subscriber's messages
            session.localAddress(nio.localAddress());
        }
        if (connection instanceof io.kvcache.io.RespNioConnection) {
            session.killer(connection::close);
        }
        open.put(id, new ClientConnection(id, connection, session, key, reader, new RespWriter(memory)));
    }

    private void closed(String id) {
        ClientConnection client = open.remove(id);
        if (client == null) {
            return; // refused at accept: never admitted
        }
        admitted.decrementAndGet();
        clients.closed(id);
        client.out.dispose();
        if (client.stateKey != null && connections.getDeserializer() instanceof RespDeserializer deserializer) {
            deserializer.release(client.stateKey);
        }
    }

    /** Writes the refusal (a few bytes into an empty socket buffer: it does not block) and closes, as Redis. */
    private void refuse(TcpConnection connection, byte[] reply) {
        clients.rejected();
        try {
            connection.send(new GenericMessage<>(reply));
        } catch (RuntimeException e) {
            // already gone: nothing to tell it
        }
        connection.close();
    }

    /** The watchdog's verdict: the connection's thread, blocked reading or writing, ends with the socket. */
    private void closeByServer(ClientConnection client, String reason) {
        client.closing = reason;
        client.logged = true;
        if (reason.equals(ClientWatchdog.IDLE)) {
            log.debug(() -> "Closing client " + client.describe() + ": " + reason); // Redis: verbose level
        } else {
            log.warn(() -> "Closing client " + client.describe() + ": " + reason);
        }
        client.connection.close();
    }

    /** Redis's connIsLocal: the peer is 127.x.x.x or ::1. The address is a literal: no name lookup. */
    private static boolean isLoopback(String hostAddress) {
        try {
            return InetAddress.getByName(hostAddress).isLoopbackAddress();
        } catch (UnknownHostException e) {
            return false;
        }
    }

    public Clients clients() {
        return clients;
    }

    public ClientPolicy policy() {
        return policy;
    }

    public ClientMemory memory() {
        return memory;
    }

    /** Connections admitted and open now. */
    public int admittedConnections() {
        return admitted.get();
    }

    @Override
    public void close() {
        watchdog.close();
    }
}
