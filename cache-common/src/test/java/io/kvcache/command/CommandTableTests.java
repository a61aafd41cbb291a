package io.kvcache.command;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

import io.kvcache.protocol.ErrorReply;
import io.kvcache.protocol.Request;
import io.kvcache.protocol.RespErrors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** {@link CommandTable} lookup, {@link CommandErrors} texts and {@link Arguments} parsing. */
class CommandTableTests {

    private final CommandTable table = CommandTable.standard();

    @Test
    void lookupIgnoresAsciiCaseOfTheBytes() {
        for (String name : List.of("get", "GET", "Get", "gEt", "geT")) {
            assertThat(table.lookup(name.getBytes(StandardCharsets.US_ASCII))).as(name).isSameAs(Commands.GET);
            assertThat(table.lookup(name)).as(name).isSameAs(Commands.GET);
        }
        assertThat(table.lookup("INCRBYFLOAT")).isSameAs(Commands.INCRBYFLOAT);
        assertThat(table.lookup("rPopLPush")).isSameAs(Commands.RPOPLPUSH);
    }

    @Test
    void everyDeclaredCommandIsFoundByItsNameInAnyCase() {
        for (CommandSpec spec : Commands.ALL) {
            assertThat(table.lookup(spec.name())).as(spec.name()).isSameAs(spec);
            assertThat(table.lookup(spec.name().toUpperCase(Locale.ROOT))).as(spec.name()).isSameAs(spec);
        }
        assertThat(table.specs()).containsExactlyElementsOf(Commands.ALL);
    }

    @Test
    void commandNamesAreUniqueLowerCaseLettersWithUnderscores() {
        Set<String> names = new HashSet<>();
        for (CommandSpec spec : Commands.ALL) {
            assertThat(spec.name()).matches("[a-z]+(_[a-z]+)?"); // sort_ro, bitfield_ro
            assertThat(names.add(spec.name())).as("duplicate %s", spec.name()).isTrue();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "ge", "gett", "xget", "g3t", "get ", " get", "1get", "_get", "{et", "`et", "@et",
            "incrbyfloat2", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "getgetgetgetgetgetgetgetgetgetgetget"})
    void unknownNamesAreNotFound(String name) {
        assertThat(table.lookup(name.getBytes(StandardCharsets.ISO_8859_1))).isNull();
    }

    @Test
    void namesWithNonAsciiOrControlBytesAreNotFound() {
        assertThat(table.lookup(new byte[] {'g', 'e', (byte) ('t' + 128)})).isNull();
        assertThat(table.lookup(new byte[] {(byte) ('g' + 128), 'e', 't'})).isNull();
        assertThat(table.lookup(new byte[] {'g', 'e', 't', 0})).isNull();
        assertThat(table.lookup(new byte[] {0})).isNull();
        // A non-letter in the middle of a name of a known length and first letter.
        assertThat(table.lookup("g[t")).isNull();
        assertThat(table.lookup(new byte[40])).isNull();
    }

    @Test
    void aTableRejectsNamesItCannotIndex() {
        assertThatThrownBy(() -> new CommandTable(List.of(spec("1abc")))).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new CommandTable(List.of(spec("a".repeat(33)))))
                .isInstanceOf(IllegalArgumentException.class);
        CommandTable longest = new CommandTable(List.of(spec("a".repeat(32))));
        assertThat(longest.lookup("A".repeat(32))).isNotNull();
    }

    @Test
    void commandsSharingLengthAndFirstLetterAreToldApart() {
        // "getex", "getdel"... and "lpush"/"lpos"/"lpop"/"llen"/"lrem"/"lset" share buckets.
        assertThat(table.lookup("lpop")).isSameAs(Commands.LPOP);
        assertThat(table.lookup("lpos")).isSameAs(Commands.LPOS);
        assertThat(table.lookup("lrem")).isSameAs(Commands.LREM);
        assertThat(table.lookup("lset")).isSameAs(Commands.LSET);
        assertThat(table.lookup("llen")).isSameAs(Commands.LLEN);
        assertThat(table.lookup("lpox")).isNull();
        assertThat(table.lookup("pexpire")).isSameAs(Commands.PEXPIRE);
        assertThat(table.lookup("persist")).isSameAs(Commands.PERSIST);
        assertThat(table.lookup("psetex")).isSameAs(Commands.PSETEX);
    }

    // ---- Arity ----

    @Test
    void getWithOneOrThreeArgumentsIsRejected() {
        assertThat(CommandErrors.checkArity(Commands.GET, 1)).isEqualTo("ERR wrong number of arguments for 'get' command");
        assertThat(CommandErrors.checkArity(Commands.GET, 3)).isEqualTo("ERR wrong number of arguments for 'get' command");
        assertThat(CommandErrors.checkArity(Commands.GET, 2)).isNull();
    }

    @Test
    void negativeArityIsAMinimum() {
        assertThat(CommandErrors.checkArity(Commands.SET, 2)).isEqualTo(RespErrors.wrongArity("set"));
        assertThat(CommandErrors.checkArity(Commands.SET, 3)).isNull();
        assertThat(CommandErrors.checkArity(Commands.SET, 9)).isNull();
        assertThat(CommandErrors.checkArity(Commands.PING, 1)).isNull();
        assertThat(CommandErrors.checkArity(Commands.PING, 2)).isNull();
        assertThat(CommandErrors.checkArity(Commands.MSET, 2)).isEqualTo("ERR wrong number of arguments for 'mset' command");
    }

    @Test
    void arityOfRedisCommandsIsRedis70s() {
        // src/commands/*.json of Redis 7.0 (LREM is deliberately -3, see Commands.LREM).
        assertThat(Commands.ECHO.arity()).isEqualTo(2);
        assertThat(Commands.GETEX.arity()).isEqualTo(-2);
        assertThat(Commands.LPOS.arity()).isEqualTo(-3);
        assertThat(Commands.LMOVE.arity()).isEqualTo(5);
        assertThat(Commands.EXPIRE.arity()).isEqualTo(-3);
        assertThat(Commands.SCAN.arity()).isEqualTo(-2);
        assertThat(Commands.SELECT.arity()).isEqualTo(2);
    }

    // ---- Unknown command ----

    @Test
    void unknownCommandListsTheArgumentsQuoted() {
        assertThat(CommandErrors.unknownCommand(Request.of("foo", "bar", "baz")))
                .isEqualTo("ERR unknown command 'foo', with args beginning with: 'bar' 'baz' ");
        assertThat(CommandErrors.unknownCommand(Request.of("foo")))
                .isEqualTo("ERR unknown command 'foo', with args beginning with: ");
        assertThat(CommandErrors.unknownCommand(Request.of("")))
                .isEqualTo("ERR unknown command '', with args beginning with: ");
        assertThat(CommandErrors.unknownCommand(Request.of("foo", "")))
                .isEqualTo("ERR unknown command 'foo', with args beginning with: '' ");
    }

    @Test
    void unknownCommandCutsTheNameAt128Bytes() {
        String name = "n".repeat(200);
        assertThat(CommandErrors.unknownCommand(Request.of(name)))
                .isEqualTo("ERR unknown command '" + "n".repeat(128) + "', with args beginning with: ");
    }

    @Test
    void unknownCommandStopsAddingArgumentsOnceTheListReaches128Bytes() {
        // At 125 bytes the list is 128 long after it: nothing more is added.
        assertThat(CommandErrors.unknownCommand(Request.of("foo", "x".repeat(125), "y")))
                .isEqualTo("ERR unknown command 'foo', with args beginning with: '" + "x".repeat(125) + "' ");
        // Ten arguments of 10 bytes make 130 bytes; the eleventh is not added.
        String[] args = new String[12];
        args[0] = "foo";
        java.util.Arrays.fill(args, 1, 12, "abcdefghij");
        assertThat(CommandErrors.unknownCommand(Request.of(args)))
                .isEqualTo("ERR unknown command 'foo', with args beginning with: " + "'abcdefghij' ".repeat(10));
    }

    /*
     * BUG (CommandErrors.unknownCommand): in
     *     args.append('\'').append(cString(request.arg(i), 128 - args.length()))
     * the precision 128 - args.length() is computed after the opening quote was appended, so every
     * argument is cut one byte shorter than Redis's  sdscatprintf(args, "'%.*s' ", 128-sdslen(args), arg)
     * (server.c processCommand). Confirmed against redis-server 7.0.15 in RedisInlineComparisonTests.
     */
    @Test
    void unknownCommandCutsEachArgumentToWhatIsLeftOf128BytesNotOneByteLess() {
        // A first argument of 128 bytes or more fills the list alone: Redis shows 128 bytes of it.
        assertThat(CommandErrors.unknownCommand(Request.of("foo", "x".repeat(300), "y")))
                .as("regression: first argument cut to 127 bytes instead of 128")
                .isEqualTo("ERR unknown command 'foo', with args beginning with: '" + "x".repeat(128) + "' ");
        // After 'aaa…' (100 bytes + 3 = 103), 25 bytes are left: the second argument is cut to 25.
        assertThat(CommandErrors.unknownCommand(Request.of("foo", "a".repeat(100), "b".repeat(50), "c")))
                .as("regression: second argument cut to 24 bytes instead of 25")
                .isEqualTo("ERR unknown command 'foo', with args beginning with: '" + "a".repeat(100) + "' '"
                        + "b".repeat(25) + "' ");
        // At 124 bytes the list is 127 long: one more argument, cut to 1 byte.
        assertThat(CommandErrors.unknownCommand(Request.of("foo", "x".repeat(124), "yz")))
                .as("regression: last argument cut to 0 bytes instead of 1")
                .isEqualTo("ERR unknown command 'foo', with args beginning with: '" + "x".repeat(124) + "' 'y' ");
    }

    @Test
    void unknownCommandStopsEachStringAtANulLikePrintf() {
        Request r = new Request(new byte[][] {bytes("fo\0o"), bytes("a\0b"), bytes("\0"), bytes("c")});
        assertThat(CommandErrors.unknownCommand(r))
                .isEqualTo("ERR unknown command 'fo', with args beginning with: 'a' '' 'c' ");
    }

    @Test
    void unknownCommandKeepsBytesAbove127AsTheyAre() {
        Request r = new Request(new byte[][] {new byte[] {(byte) 0xe9}, new byte[] {(byte) 0xff, 'x'}});
        assertThat(CommandErrors.unknownCommand(r).getBytes(StandardCharsets.ISO_8859_1)).isEqualTo(
                bytes("ERR unknown command '\u00e9', with args beginning with: '\u00ffx' "));
    }

    // ---- Arguments ----

    @Test
    void integerArgumentsUseString2llAndRedisErrors() {
        Request r = Request.of("incrby", "k", "-42", "+1", "007", "9223372036854775808");
        assertThat(Arguments.longArg(r, 2)).isEqualTo(-42);
        for (int i = 3; i <= 5; i++) {
            int index = i;
            assertThatThrownBy(() -> Arguments.longArg(r, index)).isInstanceOf(ErrorReply.class)
                    .hasMessage(RespErrors.NOT_INTEGER);
        }
        assertThatThrownBy(() -> Arguments.longArg(r, 3, "ERR timeout is not an integer or out of range"))
                .hasMessage("ERR timeout is not an integer or out of range");
    }

    @Test
    void rangeAndPositiveArgumentsUseRedisMessages() {
        Request r = Request.of("x", "5", "-1", "abc");
        assertThat(Arguments.rangeLong(r, 1, 0, 10, null)).isEqualTo(5);
        assertThatThrownBy(() -> Arguments.rangeLong(r, 1, 0, 4, null))
                .hasMessage("ERR value is out of range, value must between 0 and 4");
        assertThatThrownBy(() -> Arguments.rangeLong(r, 1, 0, 4, "ERR custom")).hasMessage("ERR custom");
        assertThatThrownBy(() -> Arguments.rangeLong(r, 3, 0, 4, "ERR custom")).hasMessage("ERR custom");
        assertThat(Arguments.positiveLong(r, 1, null)).isEqualTo(5);
        assertThatThrownBy(() -> Arguments.positiveLong(r, 2, null)).hasMessage(RespErrors.NOT_POSITIVE);
        assertThatThrownBy(() -> Arguments.positiveLong(r, 3, null)).hasMessage(RespErrors.NOT_POSITIVE);
    }

    private static CommandSpec spec(String name) {
        return new CommandSpec(name, 1, Set.of(), KeySpec.NONE, RequestPolicy.LOCAL, ResponsePolicy.DEFAULT);
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }
}
