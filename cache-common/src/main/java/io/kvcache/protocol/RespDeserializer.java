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
 * one {@link RequestBatch}.
 */
public final class RespDeserializer implements Deserializer<RequestBatch> {

    private final ProtocolLimits limits;
    private final Map<Object, RespReader> readers = new ConcurrentHashMap<>();
    private final EndOfStream endOfStream;

    /**
     * @param endOfStream how to signal a clean close (Spring Integration's SoftEndOfStreamException);
     *                    passed in so this module needs no Spring Integration dependency
     */
    public RespDeserializer(ProtocolLimits limits, EndOfStream endOfStream) {
        this.limits = limits;
        this.endOfStream = endOfStream;
    }

    /** Creates the exception the transport treats as a quiet end of the connection. */
    @FunctionalInterface
    public interface EndOfStream {
        RuntimeException create(String message);
    }

    @Override
    public RequestBatch deserialize(InputStream in) throws IOException {
        RespReader reader = readers.computeIfAbsent(in, k -> new RespReader(limits));
        List<Request> requests = null;
        while (true) {
            Object next;
            while ((next = reader.next()) != null) {
                if (next instanceof ProtocolError error) {
                    // The connection closes after this reply; a later read finds no reader and ends.
                    readers.put(in, DEAD);
                    return new RequestBatch(requests == null ? List.of() : requests, error);
                }
                if (requests == null) {
                    requests = new ArrayList<>(4);
                }
                requests.add((Request) next);
            }
            if (requests != null) {
                return new RequestBatch(requests, null);
            }
            int read;
            try {
                read = reader == DEAD ? -1 : reader.readFrom(in);
            } catch (IOException e) {
                release(in);
                throw e;
            }
            if (read < 0) {
                release(in);
                throw endOfStream.create("Connection closed by client");
            }
        }
    }

    /** Forgets a connection's parse state (call when the connection closes). */
    public void release(Object stateKey) {
        if (stateKey != null) {
            readers.remove(stateKey);
        }
    }

    /** Connections with parse state (for tests and metrics). */
    public int connections() {
        return readers.size();
    }

    private static final RespReader DEAD = new RespReader(ProtocolLimits.REDIS_DEFAULTS);
}
