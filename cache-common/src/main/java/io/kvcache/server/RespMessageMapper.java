package io.kvcache.server;

import java.util.Map;

import org.springframework.integration.ip.IpHeaders;
import org.springframework.integration.ip.tcp.connection.TcpConnection;
import org.springframework.integration.ip.tcp.connection.TcpMessageMapper;
import org.springframework.messaging.Message;
import org.springframework.messaging.support.GenericMessage;

/**
 * Builds the inbound message of a batch with only the headers kvcache reads (connection id,
 * remote address and port, all cached by the connection). The standard mapper also adds
 * {@code ip_localInetAddress}, which asks the kernel ({@code getsockname}) on every message:
 * measured as extra system calls per request at {@code -P 1} (docs/benchmarks.md).
 */
final class RespMessageMapper extends TcpMessageMapper {

    @Override
    public Message<?> toMessage(TcpConnection connection, Map<String, Object> headers) {
        Object payload = connection.getPayload();
        if (payload == null) {
            return null;
        }
        return new GenericMessage<>(payload, Map.of(
                IpHeaders.CONNECTION_ID, connection.getConnectionId(),
                IpHeaders.IP_ADDRESS, connection.getHostAddress(),
                IpHeaders.REMOTE_PORT, connection.getPort()));
    }
}
