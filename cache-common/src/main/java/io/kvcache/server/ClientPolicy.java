package io.kvcache.server;

import java.time.Duration;

/**
 * What a RESP port allows its clients, with redis.conf's names.
 *
 * @param maxClients connections beyond this many get {@code -ERR max number of clients reached} and are closed
 * @param idleTimeout a client that neither sent a request nor read a reply for this long is closed (Redis's
 *                    {@code timeout}; zero for never)
 * @param outputLimit {@code client-output-buffer-limit normal}
 * @param loopbackOnly protected mode in force: clients from other addresses get {@code -DENIED ...} and are closed
 * @param passwordRequired the port requires AUTH: Redis's unauthenticated protocol limits apply until it is given
 */
public record ClientPolicy(int maxClients, Duration idleTimeout, OutputBufferLimit outputLimit, boolean loopbackOnly,
                           boolean passwordRequired) {

    /** Redis's default maxclients. */
    public static final int MAX_CLIENTS = 10_000;

    /** Redis's defaults for a port without a password, protected mode aside. */
    public static final ClientPolicy REDIS_DEFAULTS =
            new ClientPolicy(MAX_CLIENTS, Duration.ZERO, OutputBufferLimit.NONE, false, false);

    public ClientPolicy {
        if (maxClients < 1) {
            throw new IllegalArgumentException("maxclients must be at least 1: " + maxClients);
        }
        if (idleTimeout.isNegative()) {
            throw new IllegalArgumentException("timeout must not be negative: " + idleTimeout);
        }
    }
}
