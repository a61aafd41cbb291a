package io.kvcache.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;

import org.junit.jupiter.api.Test;

/** {@link InlineSplitter} against sds.c sdssplitargs, case by case. */
class InlineSplitterTests {

    @Test
    void doubleQuotesUnderstandHexAndLetterEscapes() {
        assertThat(split("set a \"hello\\x41\\n\"")).containsExactly("set", "a", "helloA\n");
        assertThat(split("\"\\n\\r\\t\\b\\a\"")).containsExactly("\n\r\t\b\u0007");
        assertThat(split("\"\\x4a\\x4A\\xff\\x00\"")).containsExactly("JJ\u00ff\0");
    }

    @Test
    void anyOtherEscapedByteInDoubleQuotesIsTakenAsItIs() {
        assertThat(split("\"a\\\"b\"")).containsExactly("a\"b");
        assertThat(split("\"a\\\\b\"")).containsExactly("a\\b");
        assertThat(split("\"\\q\\'\\ \"")).containsExactly("q' ");
        assertThat(split("\"\\X41\"")).containsExactly("X41");
    }

    @Test
    void invalidHexEscapeInDoubleQuotesDropsOnlyTheBackslash() {
        // sdssplitargs: not two hex digits after \x, so "\x" is an ordinary escape of 'x'.
        assertThat(split("\"\\xZZ\"")).containsExactly("xZZ");
        assertThat(split("\"\\x4\"")).containsExactly("x4");
        assertThat(split("\"\\x4g\"")).containsExactly("x4g");
        assertThat(split("\"\\x\"")).containsExactly("x");
    }

    @Test
    void outsideQuotesBackslashesAreLiteral() {
        assertThat(split("a\\xZZ b\\x41 c\\n")).containsExactly("a\\xZZ", "b\\x41", "c\\n");
    }

    @Test
    void singleQuotesUnderstandOnlyEscapedSingleQuote() {
        assertThat(split("'it\\'s'")).containsExactly("it's");
        assertThat(split("'a\\\"b'")).containsExactly("a\\\"b");
        assertThat(split("'a\\\\b'")).containsExactly("a\\\\b");
        assertThat(split("'\\x41\\n'")).containsExactly("\\x41\\n");
        assertThat(split("'say \"hi\"'")).containsExactly("say \"hi\"");
    }

    @Test
    void closingQuoteFollowedByANonBlankIsUnbalanced() {
        assertThat(InlineSplitter.split(bytes("\"a\"b"), 0, 4)).isNull();
        assertThat(splitOrNull("'a'b")).isNull();
        assertThat(splitOrNull("x \"a\"\"b\"")).isNull();
        assertThat(splitOrNull("a\"b c\"d")).isNull();
    }

    @Test
    void closingQuoteFollowedByAnyCSpaceIsFine() {
        assertThat(split("\"a\" b")).containsExactly("a", "b");
        assertThat(split("\"a\"\tb")).containsExactly("a", "b");
        assertThat(split("\"a\"\u000bb")).containsExactly("a", "b");
        assertThat(split("'a'\fb")).containsExactly("a", "b");
        assertThat(split("\"a\"")).containsExactly("a");
    }

    @Test
    void unterminatedQuotesAreUnbalanced() {
        assertThat(splitOrNull("SET \"a b")).isNull();
        assertThat(splitOrNull("'abc")).isNull();
        assertThat(splitOrNull("\"abc\\")).isNull();
        assertThat(splitOrNull("\"")).isNull();
        assertThat(splitOrNull("'it\\'")).isNull();
    }

    @Test
    void aQuoteInsideAnUnquotedTokenStartsAQuotedPart() {
        assertThat(split("foo\"bar baz\"")).containsExactly("foobar baz");
        assertThat(split("foo'bar baz' x")).containsExactly("foobar baz", "x");
    }

    @Test
    void emptyQuotedStringsAreArguments() {
        assertThat(split("a \"\" b")).containsExactly("a", "", "b");
        assertThat(split("''")).containsExactly("");
        assertThat(split("\"\" ''")).containsExactly("", "");
    }

    @Test
    void tabsAndRunsOfBlanksSeparateArguments() {
        assertThat(split("a\tb\t\t c  \t d")).containsExactly("a", "b", "c", "d");
        assertThat(split("  \t lead trail \t ")).containsExactly("lead", "trail");
    }

    @Test
    void verticalTabAndFormFeedAreSkippedBetweenArgumentsButDoNotEndAnUnquotedOne() {
        // Blanks are skipped with isspace(); an unquoted token ends only at ' ', \n, \r, \t or NUL.
        assertThat(split("a\u000bb")).containsExactly("a\u000bb");
        assertThat(split("a\fb")).containsExactly("a\fb");
        assertThat(split("\u000b\fa \u000b b")).containsExactly("a", "b");
    }

    @Test
    void nulByteEndsTheLine() {
        assertThat(split("a b\0c d")).containsExactly("a", "b");
        assertThat(split("\0a b")).isEmpty();
        // Even inside quotes: the quote is then unterminated.
        assertThat(splitOrNull("a \"b\0c\"")).isNull();
    }

    @Test
    void blankLinesHaveNoArguments() {
        assertThat(split("")).isEmpty();
        assertThat(split(" \t \r \n \u000b \f ")).isEmpty();
    }

    @Test
    void bytesAbove127AreNeverBlanks() {
        byte[] line = {(byte) 0xa0, ' ', (byte) 0x85, (byte) 0xff, ' ', '"', (byte) 0xe9, '"'};
        byte[][] args = InlineSplitter.split(line, 0, line.length);
        assertThat(args).hasNumberOfRows(3);
        assertThat(args[0]).containsExactly(0xa0);
        assertThat(args[1]).containsExactly(0x85, 0xff);
        assertThat(args[2]).containsExactly(0xe9);
    }

    @Test
    void onlyTheGivenRangeIsSplit() {
        byte[] buf = bytes("xx\"a\" b\"yy");
        assertThat(decode(InlineSplitter.split(buf, 2, 7))).containsExactly("a", "b");
        // The end of the range acts as the end of the string: a quote open at 'to' is unterminated.
        assertThat(InlineSplitter.split(buf, 2, 4)).isNull();
        assertThat(InlineSplitter.split(buf, 3, 3)).isEmpty();
    }

    private static List<String> split(String line) {
        List<String> args = splitOrNull(line);
        assertThat(args).as("split of %s", line).isNotNull();
        return args;
    }

    private static List<String> splitOrNull(String line) {
        byte[] b = bytes(line);
        byte[][] args = InlineSplitter.split(b, 0, b.length);
        return args == null ? null : decode(args);
    }

    private static List<String> decode(byte[][] args) {
        return Arrays.stream(args).map(a -> new String(a, StandardCharsets.ISO_8859_1)).toList();
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }
}
