package io.kvcache.server;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import io.kvcache.protocol.Ascii;
import io.kvcache.protocol.Request;

/**
 * Redis's defence against cross protocol scripting (server.c securityWarningCommand): a web page
 * can make a browser POST to a loopback cache, and the request's lines would run as inline
 * commands (the body's {@code SET ...} among them). A request named {@code POST} or {@code Host:}
 * is never a Redis client's: the connection is closed at once, without a reply, and the attempt
 * logged, at most once a minute.
 */
final class CrossProtocolScripting {

    static final String WARNING = "Possible SECURITY ATTACK detected. It looks like somebody is sending POST or Host: "
            + "commands to Redis. This is likely due to an attacker attempting to use Cross Protocol Scripting to "
            + "compromise your Redis instance. Connection aborted.";

    private static final byte[] POST = "post".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] HOST = "host:".getBytes(StandardCharsets.US_ASCII);
    private static final long LOG_EVERY_NANOS = TimeUnit.SECONDS.toNanos(60);
    private static final AtomicLong lastLogged = new AtomicLong(System.nanoTime() - LOG_EVERY_NANOS - 1);

    private CrossProtocolScripting() {
    }

    /** The position of the first request named POST or Host: (any case), or -1. */
    static int indexIn(List<Request> requests) {
        for (int i = 0, n = requests.size(); i < n; i++) {
            byte[] name = requests.get(i).arg(0);
            if (Ascii.equalsIgnoreCase(name, POST) || Ascii.equalsIgnoreCase(name, HOST)) {
                return i;
            }
        }
        return -1;
    }

    /** True at most once a minute (Redis's rate), so a flood of them does not flood the log. */
    static boolean shouldLog() {
        long now = System.nanoTime();
        long last = lastLogged.get();
        return now - last > LOG_EVERY_NANOS && lastLogged.compareAndSet(last, now);
    }
}
