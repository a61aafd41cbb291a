package io.kvcache.protocol;

/**
 * The request limits of Redis 7 (server.h PROTO_INLINE_MAX_SIZE, config.c proto-max-bulk-len,
 * client-query-buffer-limit). A client over a limit gets the protocol error and is closed.
 * Before a client has authenticated on a port that requires a password, the far smaller
 * UNAUTHENTICATED_* limits apply instead (networking.c, the fix of CVE-2021-32675).
 *
 * @param maxInlineLength longest inline request or count line, in bytes (64 KB)
 * @param maxBulkLength longest bulk string (512 MB)
 * @param maxQueryBuffer most bytes buffered for one client before it is closed (1 GB)
 */
public record ProtocolLimits(int maxInlineLength, long maxBulkLength, long maxQueryBuffer) {

    public static final int PROTO_INLINE_MAX_SIZE = 64 * 1024;

    /** Before AUTH: at most this many arguments in a multibulk request. */
    public static final int UNAUTHENTICATED_MAX_ARGS = 10;
    /** Before AUTH: the longest bulk argument. */
    public static final int UNAUTHENTICATED_MAX_BULK = 16 * 1024;
    /** Before AUTH: the most bytes buffered for the client. */
    public static final int UNAUTHENTICATED_MAX_QUERY_BUFFER = 1024 * 1024;

    public static final ProtocolLimits REDIS_DEFAULTS =
            new ProtocolLimits(PROTO_INLINE_MAX_SIZE, 512L * 1024 * 1024, 1024L * 1024 * 1024);
}
