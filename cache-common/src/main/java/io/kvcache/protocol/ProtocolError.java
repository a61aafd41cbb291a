package io.kvcache.protocol;

/**
 * A request the reader cannot parse. The connection is closed after {@code reply} (an error
 * line without '-' and CRLF, or null to close silently, as Redis does when a client exceeds its
 * query buffer limit) has been written.
 */
public record ProtocolError(String reply) {
}
