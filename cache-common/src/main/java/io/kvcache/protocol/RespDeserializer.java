package io.kvcache.protocol;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import org.springframework.core.serializer.Deserializer;

/**
 * The RESP decoder for a Spring Integration TCP connection factory. One instance serves every
 * connection; each connection's parse state is a {@link RespReader} kept under the connection's
 * deserializer state key (its input stream). Returns every complete request already buffered as
 * one {@link RequestBatch}; while a connection has still to authenticate, one request at a time,
 * so that an AUTH takes effect before the next request is parsed (as Redis parses and runs each
 * command in turn).
 * <p>
 * A request too large for the heap (the JVM cannot grow its buffer) closes only its connection,
 * as if it had passed client-query-buffer-limit: the failed allocation took nothing from others.
 */
public final class RespDeserializer implements Deserializer<RequestBatch> {

    private final ProtocolLimits limits;
    private final ClientMemory memory;
    private final Map<Object, RespReader> readers = new ConcurrentHashMap<>();
    /** Set before the port opens (see {@link #withoutRaw()}). */
    private boolean keepRaw = true;
    private final EndOfStream endOfStream;

    /**
     * @param endOfStream how to signal a clean close (Spring Integration's SoftEndOfStreamException);
     *                    passed in so this module needs no Spring Integration dependency
     */
    public RespDeserializer(ProtocolLimits limits, EndOfStream endOfStream) {
        this(limits, ClientMemory.UNLIMITED, endOfStream);
    }

    /** @param memory the heap all connections' unfinished requests (and replies) may take together */
    public RespDeserializer(ProtocolLimits limits, ClientMemory memory, EndOfStream endOfStream) {
        this.limits = limits;
        this.memory = memory;
        this.endOfStream = endOfStream;
    }

    /** Creates the exception the transport treats as a quiet end of the connection. */
    @FunctionalInterface
    public interface EndOfStream {
        RuntimeException create(String message);
    }

    /**
     * Requests come without {@link Request#raw} (see {@link RespReader#withoutRaw()}): for a port
     * that executes its requests and never forwards them, one copy less per request.
     */
    public RespDeserializer withoutRaw() {
        keepRaw = false;
        return this;
    }

    /** The parse state of a connection, created before its first read (to set its authentication state). */
    public RespReader reader(Object stateKey) {
        return readers.computeIfAbsent(stateKey, k -> keepRaw ? new RespReader(limits, memory)
                : new RespReader(limits, memory).withoutRaw());
    }

    @Override
    public RequestBatch deserialize(InputStream in) throws IOException {
        RespReader reader = reader(in);
        while (true) {
            RequestBatch batch = take(in, reader);
            if (batch != null) {
                return batch;
            }
            int read;
            try {
                read = reader == DEAD ? -1 : reader.readFrom(in);
            } catch (IOException e) {
                release(in);
                throw e;
            } catch (OutOfMemoryError e) {
                return failed(in, null, OUT_OF_MEMORY);
            }
            if (read < 0) {
                release(in);
                throw endOfStream.create("Connection closed by client");
            }
        }
    }

    /**
     * Every complete request the connection's reader holds, as one batch (one request while the
     * client has still to authenticate); null when none is complete yet. For transports that read
     * into the reader themselves (the event loops).
     */
    public RequestBatch take(Object stateKey, RespReader reader) {
        List<Request> requests = null;
        Object next;
        try {
            while ((next = reader.next()) != null) {
                if (next instanceof ProtocolError error) {
                    return failed(stateKey, requests, error);
                }
                if (requests == null) {
                    requests = new ArrayList<>(4);
                }
                requests.add((Request) next);
                if (reader.isAuthenticationPending()) {
                    break;
                }
            }
        } catch (OutOfMemoryError e) {
            return failed(stateKey, requests, OUT_OF_MEMORY);
        }
        return requests == null ? null : new RequestBatch(requests, null);
    }

    /** The requests parsed before the error run, its reply is written, then the connection closes. */
    private RequestBatch failed(Object stateKey, List<Request> requests, ProtocolError error) {
        // A later read finds the dead reader and ends; its buffers are garbage now.
        RespReader reader = readers.put(stateKey, DEAD);
        if (reader != null && reader != DEAD) {
            reader.dispose();
        }
        return new RequestBatch(requests == null ? List.of() : requests, error);
    }

    /** Forgets a connection's parse state (call when the connection closes). */
    public void release(Object stateKey) {
        if (stateKey != null) {
            RespReader reader = readers.remove(stateKey);
            if (reader != null && reader != DEAD) {
                reader.dispose();
            }
        }
    }

    /** Connections with parse state (for tests and metrics). */
    public int connections() {
        return readers.size();
    }

    private static final RespReader DEAD = new RespReader(ProtocolLimits.REDIS_DEFAULTS);
    /** Closes silently, as the query buffer limit does. */
    private static final ProtocolError OUT_OF_MEMORY = new ProtocolError(null);
}
