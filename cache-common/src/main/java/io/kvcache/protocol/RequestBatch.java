package io.kvcache.protocol;

import java.util.List;

/**
 * Every complete request a connection had buffered at one read, in order, so that the
 * per-message costs of the transport are paid per read and not per command. When {@code error}
 * is set, the requests before it are executed, its reply is written and the connection closed.
 */
public record RequestBatch(List<Request> requests, ProtocolError error) {
}
