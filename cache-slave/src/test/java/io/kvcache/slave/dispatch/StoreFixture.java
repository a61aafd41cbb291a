package io.kvcache.slave.dispatch;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

import io.kvcache.command.Clients;
import io.kvcache.command.CommandTable;
import io.kvcache.command.ConnectionCommands;
import io.kvcache.command.Handlers;
import io.kvcache.pubsub.PubSub;
import io.kvcache.pubsub.PubSubCommands;
import io.kvcache.command.Session;
import io.kvcache.protocol.Request;
import io.kvcache.protocol.RespWriter;
import io.kvcache.slave.store.DataCommands;
import io.kvcache.slave.store.Eviction;
import io.kvcache.slave.store.Keyspace;

/**
 * The store and dispatcher of one slave, wired as config/StoreConfiguration wires them, but
 * without sockets and with a clock the test moves by hand. Replies come back as the raw RESP
 * text (ISO-8859-1, byte for char) so tests compare them byte for byte.
 */
public final class StoreFixture {

    /** The start of the controlled clock: an arbitrary fixed Unix time in milliseconds. */
    public static final long EPOCH = 1_700_000_000_000L;

    public final AtomicLong clock = new AtomicLong(EPOCH);
    public final Keyspace keyspace = new Keyspace(clock::get);
    public final Eviction eviction = new Eviction(keyspace);
    public final Clients clients = new Clients();
    public final CommandTable table;
    public final Handlers handlers = new Handlers();
    public final CommandDispatcher dispatcher;
    public final Session session;

    /** The store's channels (PUBLISH, keyspace events). */
    public final PubSub pubsub = new PubSub();

    /** The standard command table and handlers, with a 512 MB proto-max-bulk-len. */
    public StoreFixture() {
        this(CommandTable.standard(), h -> {
        });
    }

    /** A custom table; extra registers the handlers of the specs the standard families lack. */
    public StoreFixture(CommandTable table, Consumer<Handlers> extra) {
        this.table = table;
        AtomicReference<CommandDispatcher> self = new AtomicReference<>();
        InfoReport info = new InfoReport(keyspace, clients, 7001, self::get);
        new ConnectionCommands(table, clients, null, "cluster").register(handlers);
        new ServerCommands(keyspace, info).register(handlers);
        new PubSubCommands(pubsub).register(handlers);
        DataCommands.register(handlers, keyspace, eviction, 512L * 1024 * 1024, false);
        new ConfigCommands(eviction, keyspace, Map.of(), self::get).register(handlers);
        extra.accept(handlers);
        dispatcher = new CommandDispatcher(table, null, keyspace, handlers, eviction);
        dispatcher.keyspaceEvents(pubsub);
        self.set(dispatcher);
        session = clients.session("test-connection", "127.0.0.1:50000");
    }

    /** Runs one command; returns its raw reply. */
    public String call(String... argv) {
        return batch(Request.of(argv));
    }

    /** Runs the requests as one pipelined batch (one dispatcher call); returns all replies. */
    public String batch(Request... requests) {
        RespWriter out = new RespWriter();
        dispatcher.execute(List.of(requests), session, out);
        return new String(out.toByteArray(), StandardCharsets.ISO_8859_1);
    }

    /** Moves the clock forward. */
    public void advance(long millis) {
        clock.addAndGet(millis);
    }

    /** The value of one "field:value" line of an INFO reply, or null when absent. */
    public String info(String section, String field) {
        return infoField(call("INFO", section), field);
    }

    /** The value of one "field:value" line of an INFO text, or null when absent. */
    public static String infoField(String info, String field) {
        for (String line : info.split("\r\n")) {
            if (line.startsWith(field + ":")) {
                return line.substring(field.length() + 1);
            }
        }
        return null;
    }

    /** The RESP encoding of an integer reply. */
    public static String integer(long n) {
        return ":" + n + "\r\n";
    }

    /** The RESP encoding of a bulk string reply. */
    public static String bulk(String s) {
        return "$" + s.getBytes(StandardCharsets.ISO_8859_1).length + "\r\n" + s + "\r\n";
    }

    public static final String OK = "+OK\r\n";
    public static final String NIL = "$-1\r\n";
}
