package io.kvcache.protocol;

/**
 * The request limits of Redis 7 (server.h PROTO_INLINE_MAX_SIZE, config.c proto-max-bulk-len,
 * client-query-buffer-limit). A client over a limit gets the protocol error and is closed.
 *
 * @param maxInlineLength longest inline request or count line, in bytes (64 KB)
 * @param maxBulkLength longest bulk string (512 MB)
 * @param maxQueryBuffer most bytes buffered for one client before it is closed (1 GB)
 */
public record ProtocolLimits(int maxInlineLength, long maxBulkLength, long maxQueryBuffer) {

    public static final int PROTO_INLINE_MAX_SIZE = 64 * 1024;

    public static final ProtocolLimits REDIS_DEFAULTS =
            new ProtocolLimits(PROTO_INLINE_MAX_SIZE, 512L * 1024 * 1024, 1024L * 1024 * 1024);
}
