package io.kvcache.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.lang.reflect.Field;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** {@link RespWriter} encodes RESP2 byte for byte as Redis does. */
class RespWriterTests {

    @ParameterizedTest
    @ValueSource(longs = {0, 1, -1, 9, 10, -9, -10, 99, 100, 12345, -12345, 1_000_000_000_000L,
            Long.MAX_VALUE, Long.MIN_VALUE, Long.MIN_VALUE + 1, Integer.MAX_VALUE, Integer.MIN_VALUE})
    void integersAreWrittenInDecimal(long value) {
        assertThat(text(new RespWriter().integer(value))).isEqualTo(":" + value + "\r\n");
    }

    @Test
    void longMinValueIsWrittenWithoutOverflow() {
        assertThat(text(new RespWriter().integer(Long.MIN_VALUE))).isEqualTo(":-9223372036854775808\r\n");
    }

    @Test
    void bulksCarryTheirLengthAndAnyBytes() {
        byte[] binary = {'a', '\r', '\n', 0, (byte) 0xff};
        RespWriter w = new RespWriter().bulk("foo").bulk(new byte[0]).bulk(binary).bulk(bytes("xhellox"), 1, 5);
        assertThat(w.toByteArray()).isEqualTo(concat(bytes("$3\r\nfoo\r\n$0\r\n\r\n$5\r\n"), binary,
                bytes("\r\n$5\r\nhello\r\n")));
    }

    @Test
    void bulkOfTextIsUtf8() {
        assertThat(new RespWriter().bulk("\u00e9").toByteArray()).isEqualTo(bytes("$2\r\n\u00c3\u00a9\r\n"));
    }

    @Test
    void nullBulkAndNullArray() {
        assertThat(text(new RespWriter().nullBulk())).isEqualTo("$-1\r\n");
        assertThat(text(new RespWriter().bulkOrNull(null))).isEqualTo("$-1\r\n");
        assertThat(text(new RespWriter().bulkOrNull(bytes("x")))).isEqualTo("$1\r\nx\r\n");
        assertThat(text(new RespWriter().nullArray())).isEqualTo("*-1\r\n");
    }

    @Test
    void arraysSimpleStringsAndOk() {
        RespWriter w = new RespWriter().array(2).bulk("a").integer(1).array(0).simple("PONG").ok();
        assertThat(text(w)).isEqualTo("*2\r\n$1\r\na\r\n:1\r\n*0\r\n+PONG\r\n+OK\r\n");
    }

    @Test
    void errorsGetTheirDashAndHaveCrAndLfReplacedBySpaces() {
        assertThat(text(new RespWriter().error(RespErrors.WRONGTYPE)))
                .isEqualTo("-WRONGTYPE Operation against a key holding the wrong kind of value\r\n");
        assertThat(text(new RespWriter().error("ERR bad\r\nthing\rhere\n"))).isEqualTo("-ERR bad  thing here \r\n");
        assertThat(new RespWriter().error("ERR \u00ff").toByteArray()).isEqualTo(new byte[] {'-', 'E', 'R', 'R', ' ',
                (byte) 0xff, '\r', '\n'});
    }

    @Test
    void errorPrefixIsTheFirstWordOfTheErrorAtTheMark() {
        RespWriter w = new RespWriter().ok();
        int mark = w.size();
        w.error(RespErrors.WRONGTYPE);
        assertThat(w.byteAt(mark)).isEqualTo((byte) '-');
        assertThat(w.errorPrefix(mark)).isEqualTo("WRONGTYPE");
        int second = w.size();
        w.error("ERR");
        assertThat(w.errorPrefix(second)).isEqualTo("ERR");
    }

    @Test
    void truncateRollsBackToAnEarlierSize() {
        RespWriter w = new RespWriter().array(2).bulk("a");
        int mark = w.size();
        w.bulk("b").error("ERR x");
        w.truncate(mark);
        assertThat(w.size()).isEqualTo(mark);
        w.bulk("c");
        assertThat(text(w)).isEqualTo("*2\r\n$1\r\na\r\n$1\r\nc\r\n");
    }

    @Test
    void growsForLargeRepliesFromATinyInitialCapacity() {
        byte[] big = new byte[300_000];
        Arrays.fill(big, (byte) 'z');
        RespWriter w = new RespWriter(1);
        for (int i = 0; i < 1000; i++) {
            w.integer(i);
        }
        w.bulk(big);
        String expectedHead = ":0\r\n:1\r\n";
        assertThat(text(w)).startsWith(expectedHead).endsWith("$300000\r\n" + "z".repeat(300_000) + "\r\n");
    }

    @Test
    void resetEmptiesTheWriterAndReleasesABufferGrownPastOneMegabyte() throws Exception {
        RespWriter w = new RespWriter();
        w.bulk(new byte[2 * 1024 * 1024]);
        assertThat(capacity(w)).isGreaterThan(2 * 1024 * 1024);
        w.reset();
        assertThat(w.isEmpty()).isTrue();
        assertThat(w.size()).isZero();
        assertThat(capacity(w)).isLessThanOrEqualTo(1024 * 1024);
        w.ok();
        assertThat(text(w)).isEqualTo("+OK\r\n");
    }

    @Test
    void resetKeepsASmallBuffer() throws Exception {
        RespWriter w = new RespWriter();
        w.bulk(new byte[100_000]);
        int grown = capacity(w);
        w.reset();
        assertThat(capacity(w)).isEqualTo(grown);
        assertThat(w.isEmpty()).isTrue();
    }

    @Test
    void writeToAndRawCopyTheBytes() throws IOException {
        RespWriter w = new RespWriter().raw(bytes("+relayed\r\n")).raw(bytes("xx:1\r\nyy"), 2, 4);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        w.writeTo(out);
        assertThat(out.toByteArray()).isEqualTo(bytes("+relayed\r\n:1\r\n"));
        assertThat(w.toString()).isEqualTo("+relayed\r\n:1\r\n");
    }

    @Test
    void serializerWritesAWriterOrRawBytes() throws IOException {
        RespSerializer serializer = new RespSerializer();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        serializer.serialize(new RespWriter().ok(), out);
        serializer.serialize(bytes(":1\r\n"), out);
        assertThat(out.toString(StandardCharsets.ISO_8859_1)).isEqualTo("+OK\r\n:1\r\n");
    }

    private static int capacity(RespWriter w) throws ReflectiveOperationException {
        Field buf = RespWriter.class.getDeclaredField("buf");
        buf.setAccessible(true);
        return ((byte[]) buf.get(w)).length;
    }

    private static String text(RespWriter w) {
        return new String(w.toByteArray(), StandardCharsets.ISO_8859_1);
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    private static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }

    /** Records what a watched writer reports. */
    static final class Recorder implements RespWriter.Watcher {
        int overflows;
        final List<Long> remaining = new ArrayList<>();

        @Override
        public void overflowed() {
            overflows++;
        }

        @Override
        public void written(long left) {
            remaining.add(left);
        }
    }

    @Test
    void pastItsLimitAWatchedWriterDropsEverythingTellsItsWatcherOnceAndIgnoresLaterReplies() {
        RespWriter w = new RespWriter();
        Recorder watcher = new Recorder();
        w.watch(100, watcher);
        w.bulk(new byte[60]);
        assertThat(w.remaining()).isEqualTo(100 - 67);
        w.bulk(new byte[60]);
        assertThat(w.overflowed()).isTrue();
        assertThat(w.isEmpty()).as("what was written before is dropped too: none of it is sent").isTrue();
        w.ok().integer(7).error("ERR x").array(3).simple("PONG").truncate(10);
        assertThat(w.size()).isZero();
        assertThat(watcher.overflows).isEqualTo(1);

        w.reset();
        assertThat(w.overflowed()).isFalse();
        assertThat(text(w.bulk(new byte[200]))).startsWith("$200\r\n");
    }

    @Test
    void repliesOfExactlyTheLimitPassAndOneByteMoreDoesNot() {
        RespWriter exact = new RespWriter();
        exact.watch(67 + 5, new Recorder());
        exact.bulk(new byte[60]).ok();
        assertThat(exact.overflowed()).isFalse();
        assertThat(exact.size()).isEqualTo(72);
        RespWriter over = new RespWriter();
        over.watch(71, new Recorder());
        over.bulk(new byte[60]).ok();
        assertThat(over.overflowed()).isTrue();
    }

    @Test
    void aWatchedWriterThatTheClientMemoryCannotCoverOverflowsToo() {
        ClientMemory memory = new ClientMemory(2L * 1024 * 1024);
        RespWriter w = new RespWriter(memory);
        Recorder watcher = new Recorder();
        w.watch(0, watcher);
        for (int i = 0; i < 40 && !w.overflowed(); i++) {
            w.bulk(new byte[100 * 1024]);
        }
        assertThat(w.overflowed()).isTrue();
        assertThat(watcher.overflows).isEqualTo(1);
        w.reset();
        assertThat(memory.used()).isZero();
    }

    @Test
    void aLargeWatchedReplyIsWrittenInPiecesReportingWhatIsLeft() throws Exception {
        RespWriter w = new RespWriter();
        Recorder watcher = new Recorder();
        w.watch(0, watcher);
        byte[] value = new byte[3 * RespWriter.WRITE_CHUNK];
        w.bulk(value);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        w.writeTo(out);
        assertThat(out.size()).isEqualTo(w.size());
        assertThat(watcher.remaining).hasSize(4).endsWith(0L);
        assertThat(watcher.remaining).isSortedAccordingTo(Comparator.reverseOrder());
    }
}
