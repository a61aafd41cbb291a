package io.kvcache.protocol;

import static io.kvcache.protocol.RespReaderTests.bytes;
import static io.kvcache.protocol.RespReaderTests.concat;
import static io.kvcache.protocol.RespReaderTests.mb;
import static io.kvcache.protocol.RespReaderTests.req;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;

import org.junit.jupiter.api.Test;

/** {@link RespDeserializer}: one batch per read of every complete request buffered. */
class RespDeserializerTests {

    /** Stands in for Spring Integration's SoftEndOfStreamException. */
    static final class QuietEnd extends RuntimeException {
        QuietEnd(String message) {
            super(message);
        }
    }

    private final RespDeserializer deserializer = new RespDeserializer(ProtocolLimits.REDIS_DEFAULTS, QuietEnd::new);

    @Test
    void oneCallReturnsEveryCompleteCommandBufferedAsOneBatch() throws IOException {
        InputStream in = new ByteArrayInputStream(concat(mb("SET", "k", "v"), bytes("GET k\r\n"), mb("PING"),
                bytes("\r\n*0\r\n"), mb("DEL", "k")));
        RequestBatch batch = deserializer.deserialize(in);
        assertThat(batch.requests()).containsExactly(req("SET", "k", "v"), req("GET", "k"), req("PING"),
                req("DEL", "k"));
        assertThat(batch.error()).isNull();
    }

    @Test
    void aPartialTrailingCommandStaysBufferedForTheNextCall() throws IOException {
        ChunkedInputStream in = new ChunkedInputStream(
                concat(mb("PING"), bytes("*2\r\n$4\r\nECHO\r\n$5\r\nhel")),
                bytes("lo\r\nPI"),
                bytes("NG\r\n"));
        assertThat(deserializer.deserialize(in).requests()).containsExactly(req("PING"));
        assertThat(deserializer.deserialize(in).requests()).containsExactly(req("ECHO", "hello"));
        assertThat(deserializer.deserialize(in).requests()).containsExactly(req("PING"));
        assertThat(deserializer.connections()).isEqualTo(1);
    }

    @Test
    void aCallReadsAgainUntilACommandIsComplete() throws IOException {
        ChunkedInputStream in = new ChunkedInputStream(bytes("*1\r\n"), bytes("$4\r\n"), bytes("PI"), bytes("NG\r\n"));
        RequestBatch batch = deserializer.deserialize(in);
        assertThat(batch.requests()).containsExactly(req("PING"));
        assertThat(in.reads).isEqualTo(4);
    }

    @Test
    void endOfStreamRaisesTheExceptionFromTheSuppliedFactoryAndForgetsTheConnection() throws IOException {
        InputStream in = new ByteArrayInputStream(concat(mb("PING"), bytes("*1\r\n$4\r\nPI")));
        assertThat(deserializer.deserialize(in).requests()).containsExactly(req("PING"));
        assertThatThrownBy(() -> deserializer.deserialize(in))
                .isExactlyInstanceOf(QuietEnd.class)
                .hasMessage("Connection closed by client");
        assertThat(deserializer.connections()).isZero();
    }

    @Test
    void endOfStreamOnAnIdleConnectionRaisesTheSuppliedException() {
        assertThatThrownBy(() -> deserializer.deserialize(new ByteArrayInputStream(new byte[0])))
                .isExactlyInstanceOf(QuietEnd.class);
        assertThat(deserializer.connections()).isZero();
    }

    @Test
    void aReadFailureIsRethrownAndForgetsTheConnection() throws IOException {
        IOException reset = new IOException("Connection reset");
        ChunkedInputStream partial = new ChunkedInputStream(bytes("PING\r\nECHO"));
        InputStream in = new InputStream() {
            @Override
            public int read() throws IOException {
                throw reset;
            }

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                int n = partial.read(b, off, len);
                if (n < 0) {
                    throw reset;
                }
                return n;
            }
        };
        assertThat(deserializer.deserialize(in).requests()).containsExactly(req("PING"));
        assertThat(deserializer.connections()).isEqualTo(1);
        assertThatThrownBy(() -> deserializer.deserialize(in)).isSameAs(reset);
        assertThat(deserializer.connections()).isZero();
    }

    @Test
    void aProtocolErrorEndsTheBatchAfterTheRequestsBeforeIt() throws IOException {
        InputStream in = new ByteArrayInputStream(concat(mb("SET", "a", "1"), bytes("PING\r\n*1\r\n$x\r\n"), mb("GET", "a")));
        RequestBatch batch = deserializer.deserialize(in);
        assertThat(batch.requests()).containsExactly(req("SET", "a", "1"), req("PING"));
        assertThat(batch.error()).isEqualTo(new ProtocolError(RespErrors.PROTOCOL_INVALID_BULK));
        // The connection is closed after the error reply: the next read ends it, whatever is buffered.
        assertThatThrownBy(() -> deserializer.deserialize(in)).isExactlyInstanceOf(QuietEnd.class);
        assertThat(deserializer.connections()).isZero();
    }

    @Test
    void aProtocolErrorAloneIsABatchWithNoRequests() throws IOException {
        InputStream in = new ByteArrayInputStream(bytes("ECHO \"a\r\n"));
        RequestBatch batch = deserializer.deserialize(in);
        assertThat(batch.requests()).isEmpty();
        assertThat(batch.error()).isEqualTo(new ProtocolError(RespErrors.PROTOCOL_UNBALANCED_QUOTES));
    }

    @Test
    void queryBufferOverflowIsASilentError() throws IOException {
        RespDeserializer small = new RespDeserializer(new ProtocolLimits(64 * 1024, 1 << 20, 1000), QuietEnd::new);
        ChunkedInputStream in = new ChunkedInputStream(concat(mb("PING"), bytes("*2\r\n$4\r\nECHO\r\n$5000\r\n"),
                new byte[500]), new byte[600]);
        RequestBatch first = small.deserialize(in);
        assertThat(first.requests()).containsExactly(req("PING"));
        assertThat(first.error()).as("504 bytes pending, under the limit").isNull();
        RequestBatch second = small.deserialize(in);
        assertThat(second.requests()).isEmpty();
        assertThat(second.error()).isEqualTo(new ProtocolError(null));
    }

    @Test
    void whileAuthenticationIsPendingEachBatchHoldsOneRequest() throws IOException {
        // AUTH must run before the next request is parsed, as in Redis: that one may be large.
        InputStream in = new ByteArrayInputStream(concat(mb("AUTH", "secret"), mb("PING"), mb("ECHO", "x")));
        deserializer.reader(in).authenticationPending(true);
        assertThat(deserializer.deserialize(in).requests()).containsExactly(req("AUTH", "secret"));
        deserializer.reader(in).authenticationPending(false);
        assertThat(deserializer.deserialize(in).requests()).containsExactly(req("PING"), req("ECHO", "x"));
    }

    @Test
    void releasingAConnectionGivesItsClientMemoryBack() throws IOException {
        ClientMemory memory = new ClientMemory(16L * 1024 * 1024);
        RespDeserializer budgeted = new RespDeserializer(ProtocolLimits.REDIS_DEFAULTS, memory, QuietEnd::new);
        byte[][] chunks = new byte[301][];
        chunks[0] = bytes("*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$8000000\r\n");
        for (int i = 1; i < chunks.length; i++) {
            chunks[i] = new byte[16 * 1024];
        }
        ChunkedInputStream in = new ChunkedInputStream(chunks);
        assertThatThrownBy(() -> budgeted.deserialize(in)).isExactlyInstanceOf(QuietEnd.class);
        assertThat(memory.used()).as("the unfinished request's buffer went with the connection").isZero();
    }

    @Test
    void eachConnectionHasItsOwnParseState() throws IOException {
        ChunkedInputStream a = new ChunkedInputStream(bytes("*1\r\n$4\r\nPI"), bytes("NG\r\n"));
        ChunkedInputStream b = new ChunkedInputStream(bytes("ECHO x\r\nECHO y"), bytes("\r\n"));
        assertThat(deserializer.deserialize(b).requests()).containsExactly(req("ECHO", "x"));
        assertThat(deserializer.deserialize(a).requests()).containsExactly(req("PING"));
        assertThat(deserializer.deserialize(b).requests()).containsExactly(req("ECHO", "y"));
        assertThat(deserializer.connections()).isEqualTo(2);
        deserializer.release(a);
        deserializer.release(null);
        assertThat(deserializer.connections()).isEqualTo(1);
    }

    @Test
    void aLargePipelineComesInBatchesOfWhatEachReadBrought() throws IOException {
        List<byte[]> parts = new ArrayList<>();
        List<Request> expected = new ArrayList<>();
        for (int i = 0; i < 5000; i++) {
            parts.add(mb("SET", "key:" + i, "value:" + i));
            expected.add(req("SET", "key:" + i, "value:" + i));
        }
        InputStream in = new ByteArrayInputStream(concat(parts.toArray(new byte[0][])));
        List<Request> got = new ArrayList<>();
        int batches = 0;
        while (got.size() < expected.size()) {
            RequestBatch batch = deserializer.deserialize(in);
            assertThat(batch.requests()).isNotEmpty();
            assertThat(batch.error()).isNull();
            got.addAll(batch.requests());
            batches++;
        }
        assertThat(got).isEqualTo(expected);
        assertThat(batches).as("more than one command per batch").isLessThan(500);
    }

    /** Hands out its chunks one per read (a read never spans two chunks), then end of stream. */
    static final class ChunkedInputStream extends InputStream {
        private final Deque<byte[]> chunks = new ArrayDeque<>();
        private byte[] current = new byte[0];
        private int pos;
        int reads;

        ChunkedInputStream(byte[]... chunks) {
            this.chunks.addAll(List.of(chunks));
        }

        @Override
        public int read() {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) {
            if (len == 0) {
                return 0;
            }
            if (pos == current.length) {
                if (chunks.isEmpty()) {
                    return -1;
                }
                current = chunks.poll();
                pos = 0;
            }
            reads++;
            int n = Math.min(len, current.length - pos);
            System.arraycopy(current, pos, b, off, n);
            pos += n;
            return n;
        }
    }
}
