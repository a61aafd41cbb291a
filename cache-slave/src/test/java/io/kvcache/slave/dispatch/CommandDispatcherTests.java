package io.kvcache.slave.dispatch;

import static io.kvcache.slave.dispatch.StoreFixture.NIL;
import static io.kvcache.slave.dispatch.StoreFixture.OK;
import static io.kvcache.slave.dispatch.StoreFixture.bulk;
import static io.kvcache.slave.dispatch.StoreFixture.infoField;
import static io.kvcache.slave.dispatch.StoreFixture.integer;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

import io.kvcache.command.CommandFlag;
import io.kvcache.command.CommandSpec;
import io.kvcache.command.CommandTable;
import io.kvcache.command.Handlers;
import io.kvcache.command.Commands;
import io.kvcache.command.KeySpec;
import io.kvcache.command.RequestPolicy;
import io.kvcache.command.ResponsePolicy;
import io.kvcache.protocol.ErrorReply;
import io.kvcache.protocol.Request;
import io.kvcache.slave.store.Keyspace;

/**
 * The dispatcher without sockets: every command has a handler, a failing handler costs one error
 * reply and nothing else, and INFO counts calls and errors as Redis 7.0 does.
 */
class CommandDispatcherTests {

    /** Test-only commands whose handlers write part of a reply and then fail. */
    private static final CommandSpec BOOM = spec("boom");
    private static final CommandSpec BOOMREPLY = spec("boomreply");
    private static final CommandSpec BOOMOOM = spec("boomoom");

    private static CommandSpec spec(String name) {
        return new CommandSpec(name, -2, Set.of(CommandFlag.WRITE), KeySpec.single(), RequestPolicy.SINGLE_SHARD,
                ResponsePolicy.DEFAULT);
    }

    /** The standard table plus the failing commands, each handler writing a partial array first. */
    private static StoreFixture withFailingCommands() {
        List<CommandSpec> specs = new ArrayList<>(Commands.ALL);
        specs.addAll(List.of(BOOM, BOOMREPLY, BOOMOOM));
        return new StoreFixture(new CommandTable(specs), h -> h
                .on(BOOM, (r, out, s) -> {
                    out.array(2).bulk("partial");
                    throw new IllegalStateException("bug in a handler");
                })
                .on(BOOMREPLY, (r, out, s) -> {
                    out.array(2).bulk("partial");
                    throw new ErrorReply("ERR checked late");
                })
                .on(BOOMOOM, (r, out, s) -> {
                    out.array(2).bulk("partial");
                    throw new OutOfMemoryError("simulated");
                }));
    }

    @Test
    void everyCommandOfTheStandardTableHasAHandler() {
        StoreFixture store = new StoreFixture();

        assertThat(store.handlers.missing(CommandTable.standard())).isEmpty();
        assertThat(store.handlers.missing(store.table)).isEmpty();
        for (CommandSpec spec : CommandTable.standard().specs()) {
            assertThat(store.handlers.get(spec)).as(spec.name()).isNotNull();
        }
    }

    @Test
    void aDispatcherRefusesToStartWithACommandThatHasNoHandler() {
        List<CommandSpec> specs = new ArrayList<>(Commands.ALL);
        specs.add(BOOM);
        CommandTable table = new CommandTable(specs);
        Handlers handlers = new StoreFixture().handlers;

        assertThat(handlers.missing(table)).containsExactly("boom");
        assertThatThrownBy(() -> new CommandDispatcher(table, new Keyspace(() -> 0L), handlers))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("boom");
    }

    @Test
    void aSecondHandlerForTheSameCommandIsRefused() {
        Handlers handlers = new StoreFixture().handlers;

        assertThatThrownBy(() -> handlers.on(Commands.GET, (r, out, s) -> out.ok()))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("get");
    }

    @Test
    void aHandlerThatThrowsAnswersInternalErrorDiscardsItsPartialReplyAndTheBatchGoesOn() {
        StoreFixture store = withFailingCommands();
        store.call("SET", "k", "v");
        store.call("RPUSH", "list", "a", "b");
        String dbsizeBefore = store.call("DBSIZE");

        String replies = store.batch(
                Request.of("GET", "k"),
                Request.of("BOOM", "k", "extra"),
                Request.of("GET", "k"),
                Request.of("LRANGE", "list", "0", "-1"),
                Request.of("INCR", "counter"));

        assertThat(replies).isEqualTo(bulk("v")
                + "-ERR internal error\r\n"
                + bulk("v")
                + "*2\r\n" + bulk("a") + bulk("b")
                + integer(1));
        // Nothing but INCR changed the store.
        store.call("DEL", "counter");
        assertThat(store.call("DBSIZE")).isEqualTo(dbsizeBefore);
        assertThat(store.call("GET", "k")).isEqualTo(bulk("v"));
        assertThat(store.call("LRANGE", "list", "0", "-1")).isEqualTo("*2\r\n" + bulk("a") + bulk("b"));
    }

    @Test
    void aHandlerThatThrowsAsFirstAndLastCommandOfABatchLeavesNoPartialReplyBehind() {
        StoreFixture store = withFailingCommands();

        assertThat(store.batch(Request.of("BOOM", "x"), Request.of("PING"), Request.of("BOOM", "y")))
                .isEqualTo("-ERR internal error\r\n+PONG\r\n-ERR internal error\r\n");
        assertThat(store.call("DBSIZE")).isEqualTo(integer(0));
    }

    @Test
    void anErrorReplyRaisedAfterAPartialReplyReplacesIt() {
        StoreFixture store = withFailingCommands();

        assertThat(store.batch(Request.of("BOOMREPLY", "k"), Request.of("ECHO", "next")))
                .isEqualTo("-ERR checked late\r\n" + bulk("next"));
    }

    @Test
    void anOutOfMemoryErrorInAHandlerAnswersOutOfMemoryAndTheBatchGoesOn() {
        StoreFixture store = withFailingCommands();

        assertThat(store.batch(Request.of("BOOMOOM", "k"), Request.of("SET", "k", "v"), Request.of("GET", "k")))
                .isEqualTo("-ERR out of memory\r\n" + OK + bulk("v"));
    }

    @Test
    void unknownCommandsAreCheckedBeforeArityAndArityBeforeTheHandler() {
        StoreFixture store = withFailingCommands();

        assertThat(store.call("FOOBAR")).isEqualTo("-ERR unknown command 'FOOBAR', with args beginning with: \r\n");
        assertThat(store.call("FOOBAR", "a", "b"))
                .isEqualTo("-ERR unknown command 'FOOBAR', with args beginning with: 'a' 'b' \r\n");
        assertThat(store.call("get")).isEqualTo("-ERR wrong number of arguments for 'get' command\r\n");
        // The failing handler is never reached when the arity is wrong.
        assertThat(store.call("boom")).isEqualTo("-ERR wrong number of arguments for 'boom' command\r\n");
        assertThat(store.call("gEt", "missing")).isEqualTo(NIL);
    }

    @Test
    void infoCommandstatsCountsCallsRejectedCallsAndFailedCallsAsRedis() {
        StoreFixture store = withFailingCommands();

        store.call("GET", "a");          // calls
        store.call("SET", "a", "x");     // calls
        store.call("INCR", "a");         // ERR not an integer: failed
        store.call("LPUSH", "a", "b");   // WRONGTYPE: failed
        store.call("GET");               // arity: rejected
        store.call("FOOBAR", "x");       // unknown: errorstats only
        store.call("BOOM", "k");         // internal error: failed

        Map<String, String> stats = commandstats(store.call("INFO", "commandstats"));
        assertThat(stats).containsEntry("get", "calls=1,rejected_calls=1,failed_calls=0")
                .containsEntry("set", "calls=1,rejected_calls=0,failed_calls=0")
                .containsEntry("incr", "calls=1,rejected_calls=0,failed_calls=1")
                .containsEntry("lpush", "calls=1,rejected_calls=0,failed_calls=1")
                .containsEntry("boom", "calls=1,rejected_calls=0,failed_calls=1")
                .doesNotContainKey("foobar")
                .doesNotContainKey("del");
    }

    @Test
    void infoErrorstatsCountsErrorsByTheirFirstWordAndTotalErrorRepliesCountsThemAll() {
        StoreFixture store = withFailingCommands();

        store.call("SET", "a", "x");
        store.call("INCR", "a");         // ERR
        store.call("LPUSH", "a", "b");   // WRONGTYPE
        store.call("GET");               // ERR (arity)
        store.call("FOOBAR", "x");       // ERR (unknown)
        store.call("BOOM", "k");         // ERR (internal)
        store.call("LLEN", "a");         // WRONGTYPE

        String errorstats = store.call("INFO", "errorstats");
        assertThat(infoField(errorstats, "errorstat_ERR")).isEqualTo("count=4");
        assertThat(infoField(errorstats, "errorstat_WRONGTYPE")).isEqualTo("count=2");
        assertThat(store.info("stats", "total_error_replies")).isEqualTo("6");
    }

    @Test
    void totalCommandsProcessedCountsExecutedCommandsOnlyAsRedis() {
        StoreFixture store = withFailingCommands();

        store.call("GET", "a");          // executed
        store.call("LPUSH", "l", "x");   // executed
        store.call("INCR", "l");         // executed (and failed): Redis counts it
        store.call("GET");               // rejected for its arity: Redis does not count it
        store.call("FOOBAR", "x");       // unknown: Redis does not count it

        // Redis 7.0 increments stat_numcommands in call(), after the command ran, so the INFO that
        // reports it is not counted yet either: 3 here (checked against redis-server 7.0.15).
        assertThat(store.info("stats", "total_commands_processed")).isEqualTo("3");
    }

    @Test
    void commandsAReplicaAppliesAreCountedInCommandstatsOncePerCommand() {
        StoreFixture store = new StoreFixture();
        io.kvcache.command.Session replication = new io.kvcache.command.Session(0, "replication", "primary");
        store.dispatcher.apply(List.of(Request.of("SET", "a", "x"), Request.of("SET", "b", "1"),
                Request.of("INCR", "b"), Request.of("SET", "c", "y"), Request.of("INCR", "a")), replication,
                new io.kvcache.protocol.RespWriter());
        store.dispatcher.apply(List.of(Request.of("INCR", "b")), replication, new io.kvcache.protocol.RespWriter());

        // Runs of one command are summed before they reach the shared counters: every call still counts.
        assertThat(commandstats(store.call("INFO", "commandstats")))
                .containsEntry("set", "calls=3,rejected_calls=0,failed_calls=0")
                .containsEntry("incr", "calls=3,rejected_calls=0,failed_calls=1");
        assertThat(store.info("stats", "total_commands_processed")).isEqualTo("7");
    }

    /** A client batch's calls are counted once it is done, but INFO in the batch sees those before it, as in Redis. */
    @Test
    void infoInAPipelineCountsTheCommandsBeforeIt() {
        StoreFixture store = new StoreFixture();
        String replies = store.batch(Request.of("SET", "a", "x"), Request.of("INCR", "a"), Request.of("SET", "b", "1"),
                Request.of("INFO", "commandstats"), Request.of("SET", "c", "2"));
        assertThat(commandstats(replies.substring(replies.indexOf("# Commandstats"))))
                .containsEntry("set", "calls=2,rejected_calls=0,failed_calls=0")
                .containsEntry("incr", "calls=1,rejected_calls=0,failed_calls=1");
        assertThat(commandstats(store.call("INFO", "commandstats")))
                .containsEntry("set", "calls=3,rejected_calls=0,failed_calls=0")
                .containsEntry("info", "calls=1,rejected_calls=0,failed_calls=0");
    }

    private static final Pattern CMDSTAT = Pattern.compile(
            "cmdstat_([a-z|]+):calls=(\\d+),usec=\\d+,usec_per_call=[0-9.]+,rejected_calls=(\\d+),failed_calls=(\\d+)");

    /** cmdstat lines without the timings: name to "calls=..,rejected_calls=..,failed_calls=..". */
    private static Map<String, String> commandstats(String reply) {
        assertThat(reply).contains("# Commandstats\r\n");
        Map<String, String> stats = new LinkedHashMap<>();
        for (String line : reply.split("\r\n")) {
            Matcher m = CMDSTAT.matcher(line);
            if (m.matches()) {
                stats.put(m.group(1), "calls=" + m.group(2) + ",rejected_calls=" + m.group(3) + ",failed_calls="
                        + m.group(4));
            } else {
                assertThat(line).as("INFO commandstats line").doesNotStartWith("cmdstat_");
            }
        }
        return stats;
    }
}
