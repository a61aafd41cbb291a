package io.kvcache.master.enrollment;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.integration.ip.IpHeaders;
import org.springframework.integration.ip.tcp.outbound.TcpSendingMessageHandler;
import org.springframework.messaging.support.MessageBuilder;

import io.kvcache.master.topology.TopologyRegistry;
import io.kvcache.protocol.RespWriter;

/**
 * Pushes a shard's new assignment to each of its slaves over their enrollment connections as
 * soon as the shard changes (an election, a replica joining or lost), so that a promoted
 * replica takes writes without waiting for its next heartbeat; and the frame to every slave when
 * the placement changes, or any shard's primary does while keys move (sources need the
 * destinations' addresses). One thread, in order, outside the registry's lock.
 */
final class AssignmentPusher implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(AssignmentPusher.class);

    private final TopologyRegistry registry;
    private final EnrollmentProtocol protocol;
    private final TcpSendingMessageHandler outbound;
    private final ExecutorService thread = Executors.newSingleThreadExecutor(
            Thread.ofPlatform().name("assignment-push").daemon().factory());

    AssignmentPusher(TopologyRegistry registry, EnrollmentProtocol protocol, TcpSendingMessageHandler outbound) {
        this.registry = registry;
        this.protocol = protocol;
        this.outbound = outbound;
        registry.onShardChanged(shard -> thread.execute(() -> {
            if (registry.current().isMoving()) {
                pushAll();
            } else {
                push(shard);
            }
        }));
        registry.onPlacementChanged(() -> thread.execute(this::pushAll));
        registry.onDecommissioned(connection -> thread.execute(() -> {
            RespWriter frame = new RespWriter(256);
            protocol.decommissionedFrame(frame);
            send(connection, frame);
        }));
    }

    private void pushAll() {
        registry.connections().forEach(this::pushFrame);
    }

    private void push(String shard) {
        registry.connectionsOf(shard).forEach(this::pushFrame);
    }

    private void pushFrame(String connection) {
        RespWriter frame = new RespWriter(256);
        protocol.frame(connection, frame);
        send(connection, frame);
    }

    private void send(String connection, RespWriter frame) {
        try {
            outbound.handleMessage(MessageBuilder.withPayload(frame).setHeader(IpHeaders.CONNECTION_ID, connection)
                    .build());
        } catch (RuntimeException e) {
            log.debug("Could not push to enrollment connection {}: {}", connection, e.toString());
        }
    }

    @Override
    public void close() {
        thread.shutdownNow();
    }
}
