package io.kvcache.slave.replication;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

import io.kvcache.protocol.Request;

/** A replica's parse of its primary's stream, frames cut anywhere. */
class StreamParserTests {

    private static final long MAX_BULK = 512L * 1024 * 1024;

    private static final List<Request> COMMANDS = List.of(
            Request.of("SET", "k", "v"),
            Request.of("SET", "empty", ""),
            Request.of("RPUSH", "list", "a", "bb", "ccc"),
            Request.of("SET", "big", "x".repeat(70_000)),
            Request.of("DEL", "k"),
            Request.of("SET", "binary", "\r\n*3\r\n$1\r\n"));

    @Test
    void aWholeStreamGivesEveryCommandInOrderAndEndsAtItsEnd() {
        byte[] stream = encode(COMMANDS);
        List<Request> out = new ArrayList<>();
        assertThat(StreamParser.parse(stream, 0, stream.length, MAX_BULK, out)).isEqualTo(stream.length);
        assertThat(out).usingElementComparator(StreamParserTests::compare).containsExactlyElementsOf(COMMANDS);
    }

    /** Whatever byte a frame ends at, the complete commands come now and the rest with the next frame. */
    @Test
    void aStreamCutAtEveryByteLosesAndRepeatsNothing() {
        byte[] stream = encode(COMMANDS);
        for (int cut = 0; cut <= stream.length; cut += cut < 200 || stream.length - cut < 200 ? 1 : 997) {
            List<Request> out = new ArrayList<>();
            int first = StreamParser.parse(stream, 0, cut, MAX_BULK, out);
            assertThat(first).isBetween(0, cut);
            int second = StreamParser.parse(stream, first, stream.length, MAX_BULK, out);
            assertThat(second).as("cut at %d", cut).isEqualTo(stream.length);
            assertThat(out).usingElementComparator(StreamParserTests::compare).containsExactlyElementsOf(COMMANDS);
        }
    }

    /**
     * A transaction comes whole or not at all: a frame that ends between its MULTI and its EXEC
     * gives the commands before MULTI only, and ends where MULTI starts, at every cut.
     */
    @Test
    void aTransactionCutByAFrameWaitsForItsExec() {
        List<Request> commands = List.of(Request.of("SET", "before", "1"), Request.of("MULTI"),
                Request.of("INCR", "a"), Request.of("SET", "b", "2"), Request.of("EXEC"), Request.of("SET", "after", "3"));
        byte[] stream = encode(commands);
        int multiStarts = encode(commands.subList(0, 1)).length;
        int execEnds = encode(commands.subList(0, 5)).length;
        for (int cut = 0; cut <= stream.length; cut++) {
            List<Request> out = new ArrayList<>();
            int first = StreamParser.parse(stream, 0, cut, MAX_BULK, out);
            if (cut >= multiStarts && cut < execEnds) {
                assertThat(first).as("cut at %d", cut).isEqualTo(multiStarts);
                assertThat(out).usingElementComparator(StreamParserTests::compare)
                        .containsExactlyElementsOf(commands.subList(0, 1));
            }
            int second = StreamParser.parse(stream, first, stream.length, MAX_BULK, out);
            assertThat(second).as("cut at %d", cut).isEqualTo(stream.length);
            assertThat(out).usingElementComparator(StreamParserTests::compare).containsExactlyElementsOf(commands);
        }
    }

    /** A stream repeats a few command names: a name like the one before it is not copied again, any other is. */
    @Test
    void aCommandNamedAsTheOneBeforeSharesItsName() {
        List<Request> commands = List.of(Request.of("SET", "a", "1"), Request.of("SET", "b", "2"),
                Request.of("SETEX", "c", "9", "3"), Request.of("SET", "d", "4"), Request.of("SE", "e"));
        byte[] stream = encode(commands);
        List<Request> out = new ArrayList<>();
        StreamParser.parse(stream, 0, stream.length, MAX_BULK, out);
        assertThat(out).usingElementComparator(StreamParserTests::compare).containsExactlyElementsOf(commands);
        assertThat(out.get(1).arg(0)).isSameAs(out.get(0).arg(0));
        assertThat(out.get(3).arg(0)).isNotSameAs(out.get(0).arg(0));
    }

    @Test
    void anEmptyMultibulkIsSkippedAsRedisSkipsIt() {
        byte[] stream = "*0\r\n*1\r\n$4\r\nPING\r\n".getBytes(StandardCharsets.US_ASCII);
        List<Request> out = new ArrayList<>();
        assertThat(StreamParser.parse(stream, 0, stream.length, MAX_BULK, out)).isEqualTo(stream.length);
        assertThat(out).hasSize(1);
    }

    @Test
    void bytesThatAreNotAMultibulkStreamFail() {
        for (String bad : List.of("PING\r\n", "*1\r\n+OK\r\n", "*x\r\n", "*1\r\n$-1\r\n", "*1\r\n$1a\r\n",
                "*99999999999\r\n", "*1\r\n$99999999999\r\n")) {
            byte[] b = bad.getBytes(StandardCharsets.US_ASCII);
            assertThatThrownBy(() -> StreamParser.parse(b, 0, b.length, MAX_BULK, new ArrayList<>()))
                    .as(bad).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("malformed");
        }
    }

    @Test
    void anArgumentLongerThanTheLimitFails() {
        byte[] b = "*1\r\n$1025\r\n".getBytes(StandardCharsets.US_ASCII);
        assertThatThrownBy(() -> StreamParser.parse(b, 0, b.length, 1024, new ArrayList<>()))
                .isInstanceOf(IllegalArgumentException.class);
    }

    /** A count far beyond the bytes at hand is a cut command: it waits, and allocates nothing for it. */
    @Test
    void aHugeCountWaitsForItsBytesInsteadOfAllocating() {
        byte[] b = "*2000000000\r\n$1\r\nx\r\n".getBytes(StandardCharsets.US_ASCII);
        List<Request> out = new ArrayList<>();
        assertThat(StreamParser.parse(b, 0, b.length, MAX_BULK, out)).isZero();
        assertThat(out).isEmpty();
    }

    private static byte[] encode(List<Request> commands) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        commands.forEach(r -> out.writeBytes(r.encode()));
        return out.toByteArray();
    }

    private static int compare(Request a, Request b) {
        return java.util.Arrays.deepEquals(a.argv(), b.argv()) ? 0 : 1;
    }
}
