package io.kvcache.server;

import org.springframework.integration.ip.tcp.connection.TcpConnection;

import io.kvcache.command.Session;
import io.kvcache.protocol.RespReader;
import io.kvcache.protocol.RespWriter;

/**
 * One admitted connection of a RESP port: its session, its parse state, and what the port's
 * {@link ClientWatchdog} needs to judge it (when it last read or was written to, how much of a
 * reply is still unsent). Times are {@link System#nanoTime()}; the fields the watchdog reads are
 * volatile, the rest belong to the connection's own thread.
 */
final class ClientConnection implements RespWriter.Watcher {

    final String id;
    final TcpConnection connection;
    final Session session;
    final Object stateKey;
    /** The parse state, when the port's deserializer keeps one (null otherwise). */
    final RespReader reader;
    /** The replies of the batch in flight (a connection has one at most), reused from batch to batch. */
    final RespWriter out;

    /** The last read or write progress (Redis's lastinteraction). */
    volatile long lastInteraction = System.nanoTime();
    /** True while the connection's requests run: never idle then, whatever they wait for. */
    volatile boolean executing;
    /** Bytes of the current reply still to be written (0 when none is being written). */
    volatile long unsent;
    /** When unsent first went over the soft limit without coming back under it, or 0. */
    volatile long overSoftLimitSince;
    /** Why the server closes it, or null. */
    volatile String closing;
    /** The reason was logged (once is enough). */
    volatile boolean logged;

    ClientConnection(String id, TcpConnection connection, Session session, Object stateKey, RespReader reader,
                     RespWriter out) {
        this.id = id;
        this.connection = connection;
        this.session = session;
        this.stateKey = stateKey;
        this.reader = reader;
        this.out = out;
    }

    /** The replies passed client-output-buffer-limit's hard limit (or the client memory budget). */
    @Override
    public void overflowed() {
        closing = "output buffer limit";
        session.closeAfterReply(); // nothing is left to write: the replies are dropped
    }

    @Override
    public void written(long remaining) {
        unsent = remaining;
        lastInteraction = System.nanoTime();
    }

    /** Redis's client description in its log lines: no request bytes, so no secret, ever. */
    String describe() {
        return "id=" + session.id() + " addr=" + session.address();
    }
}
