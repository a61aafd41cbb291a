package io.kvcache.command;

import static io.kvcache.command.Commands.*;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.security.MessageDigest;

import io.kvcache.protocol.ErrorReply;
import io.kvcache.protocol.RedisNumbers;
import io.kvcache.protocol.Request;
import io.kvcache.protocol.RespErrors;
import io.kvcache.protocol.RespWriter;

/**
 * The commands about the connection itself, answered where the client is connected (by the
 * master for its clients, by a slave on its data port): PING, ECHO, QUIT, HELLO, AUTH, SELECT,
 * COMMAND, CLIENT, TIME, READONLY, READWRITE, REPLCONF.
 */
public final class ConnectionCommands {

    /** The Redis version kvcache answers as (HELLO, INFO redis_version): the one its replies match. */
    public static final String REDIS_VERSION = "7.0.15";

    public static final String NOAUTH = "NOAUTH Authentication required.";
    private static final String WRONGPASS = "WRONGPASS invalid username-password pair or user is disabled.";

    private final CommandTable table;
    private final Clients clients;
    private final byte[] requirepass;
    private final String mode;
    private volatile ReplicaAcks replicaAcks;
    private volatile TrackingCommands tracking;
    private volatile ClientPause pause;

    /**
     * @param requirepass the password clients must AUTH with, or null for none
     * @param mode what HELLO reports as mode ("cluster" for kvcache)
     */
    public ConnectionCommands(CommandTable table, Clients clients, String requirepass, String mode) {
        this.table = table;
        this.clients = clients;
        this.requirepass = requirepass == null || requirepass.isEmpty()
                ? null : requirepass.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        this.mode = mode;
    }

    /** True when this session must AUTH before it may run the command (server.c authRequired). */
    public boolean authRequired(Session session, CommandSpec spec) {
        return requirepass != null && !session.isAuthenticated() && !spec.is(CommandFlag.NO_AUTH);
    }

    public void register(Handlers h) {
        h.on(PING, this::ping)
                .on(ECHO, (r, out, s) -> out.bulk(r.arg(1)))
                .on(QUIT, (r, out, s) -> {
                    out.ok();
                    s.closeAfterReply();
                })
                .on(HELLO, this::hello)
                .on(AUTH, this::auth)
                .on(SELECT, this::select)
                .on(COMMAND, this::command)
                .on(CLIENT, this::client)
                .on(READONLY_CMD, (r, out, s) -> {
                    s.readOnly(true);
                    out.ok();
                })
                .on(READWRITE, (r, out, s) -> {
                    s.readOnly(false);
                    out.ok();
                })
                .on(TIME, this::time)
                .on(REPLCONF, this::replconf);
    }

    /** What CLIENT PAUSE and UNPAUSE act on (the master's router holds commands by it); without it they are unknown. */
    public void pause(ClientPause pause) {
        this.pause = pause;
    }

    /** Where CLIENT TRACKING and its kin are answered (the master); without it they are unknown. */
    public void tracking(TrackingCommands tracking) {
        this.tracking = tracking;
    }

    /** Where REPLCONF ACK goes (a slave in a cluster); without it, acknowledgements are ignored. */
    public void replicaAcks(ReplicaAcks acks) {
        this.replicaAcks = acks;
    }

    /**
     * REPLCONF as replication.c's replconfCommand: options in pairs, accepted with +OK. ACK answers
     * nothing, as in Redis; kvcache's form names the replica and its stream session after the
     * offset ({@code ACK <offset> <replica> <session>}), and one that does not parse is ignored.
     */
    private void replconf(Request r, RespWriter out, Session s) {
        if (r.argc() % 2 == 0) {
            throw new ErrorReply(RespErrors.SYNTAX);
        }
        for (int j = 1; j < r.argc(); j += 2) {
            String option = r.text(j).toLowerCase(java.util.Locale.ROOT);
            switch (option) {
                case "ack" -> {
                    ReplicaAcks acks = replicaAcks;
                    if (acks != null && r.argc() == 5 && RedisNumbers.isLong(r.arg(2))
                            && RedisNumbers.isLong(r.arg(4))) {
                        acks.ack(s, r.text(3), RedisNumbers.parseLong(r.arg(4)), RedisNumbers.parseLong(r.arg(2)));
                    }
                    return;
                }
                case "getack" -> {
                    return;
                }
                case "listening-port", "ip-address", "capa", "rdb-only", "rdb-filter-only" -> {
                    // accepted, as from a replica about to sync; kvcache's replicas sync over HTTP
                }
                default -> throw new ErrorReply("ERR Unrecognized REPLCONF option: " + r.text(j));
            }
        }
        out.ok();
    }

    private void ping(Request r, RespWriter out, Session s) {
        if (r.argc() > 2) {
            throw new ErrorReply(RespErrors.wrongArity("ping"));
        }
        if (s.inSubscribedMode()) { // a subscriber's PING answers as a message would come: [pong, argument or ""]
            out.array(2).bulk("pong").bulk(r.argc() == 2 ? r.arg(1) : new byte[0]);
        } else if (r.argc() == 2) {
            out.bulk(r.arg(1));
        } else {
            out.simple("PONG");
        }
    }

    /**
     * HELLO [2|3 [AUTH user pass] [SETNAME name]]: RESP3 from this reply on (its replies are
     * converted: {@link io.kvcache.protocol.Resp3}); the reply is the server's map.
     */
    private void hello(Request r, RespWriter out, Session s) {
        long version = s.protocol();
        int next = 1;
        if (r.argc() >= 2) {
            version = Arguments.longArg(r, next++, "ERR Protocol version is not an integer or out of range");
            if (version < 2 || version > 3) {
                throw new ErrorReply("NOPROTO unsupported protocol version");
            }
        }
        for (int j = next; j < r.argc(); j++) {
            int more = r.argc() - 1 - j;
            if (r.is(j, "auth") && more >= 2) {
                if (!authenticate(r.arg(j + 1), r.arg(j + 2))) {
                    throw new ErrorReply(WRONGPASS);
                }
                s.authenticated(true);
                j += 2;
            } else if (r.is(j, "setname") && more >= 1) {
                s.name(validClientName(r.arg(++j)));
            } else {
                throw new ErrorReply("ERR Syntax error in HELLO option '" + r.text(j) + "'");
            }
        }
        if (requirepass != null && !s.isAuthenticated()) {
            // redis-server 7.0.15's words, byte for byte (DataPortAuthIntegrationTests compares them).
            throw new ErrorReply("NOAUTH HELLO must be called with the client already authenticated, otherwise the "
                    + "HELLO AUTH <user> <pass> option can be used to authenticate the client and select "
                    + "the RESP protocol version at the same time");
        }
        s.protocol((int) version);
        out.array(14);
        out.bulk("server").bulk("redis");
        out.bulk("version").bulk(REDIS_VERSION);
        out.bulk("proto").integer(version);
        out.bulk("id").integer(s.id());
        out.bulk("mode").bulk(mode);
        out.bulk("role").bulk("master");
        out.bulk("modules").array(0);
    }

    /** AUTH [username] password: only the "default" user exists, as in Redis without ACL users. */
    private void auth(Request r, RespWriter out, Session s) {
        if (r.argc() > 3) {
            throw Arguments.SYNTAX;
        }
        if (r.argc() == 2 && requirepass == null) {
            throw new ErrorReply("ERR AUTH <password> called without any password configured for the default user. "
                    + "Are you sure your configuration is correct?");
        }
        byte[] user = r.argc() == 2 ? DEFAULT_USER : r.arg(1);
        if (!authenticate(user, r.arg(r.argc() - 1))) {
            throw new ErrorReply(WRONGPASS);
        }
        s.authenticated(true);
        out.ok();
    }

    private static final byte[] DEFAULT_USER = {'d', 'e', 'f', 'a', 'u', 'l', 't'};

    /** The default user with the configured password; without one, any password (Redis's nopass). */
    private boolean authenticate(byte[] user, byte[] password) {
        if (!java.util.Arrays.equals(user, DEFAULT_USER)) {
            return false;
        }
        // Constant time, so the password cannot be guessed byte by byte from response times.
        return requirepass == null || MessageDigest.isEqual(requirepass, password);
    }

    /** kvcache has one database, as Redis Cluster: SELECT 0 only. */
    private void select(Request r, RespWriter out, Session s) {
        long id = Arguments.rangeLong(r, 1, Integer.MIN_VALUE, Integer.MAX_VALUE, null);
        if (id != 0) {
            throw new ErrorReply("ERR SELECT is not allowed in cluster mode");
        }
        out.ok();
    }

    private void time(Request r, RespWriter out, Session s) {
        long micros = Math.multiplyExact(System.currentTimeMillis(), 1000L)
                + (System.nanoTime() / 1000) % 1000;
        out.array(2).bulk(Long.toString(micros / 1_000_000)).bulk(Long.toString(micros % 1_000_000));
    }

    /** COMMAND, COMMAND COUNT|LIST|INFO|DOCS|GETKEYS|HELP, from the one command table. */
    private void command(Request r, RespWriter out, Session s) {
        if (r.argc() == 1) {
            out.array(table.specs().size());
            table.specs().forEach(spec -> commandInfo(spec, out));
            return;
        }
        if (r.is(1, "count") && r.argc() == 2) {
            out.integer(table.specs().size());
        } else if (r.is(1, "list") && r.argc() == 2) {
            out.array(table.specs().size());
            table.specs().forEach(spec -> out.bulk(spec.name()));
        } else if (r.is(1, "info")) {
            out.array(r.argc() - 2);
            for (int i = 2; i < r.argc(); i++) {
                CommandSpec spec = table.lookup(r.arg(i));
                if (spec == null) {
                    out.nullArray();
                } else {
                    commandInfo(spec, out);
                }
            }
        } else if (r.is(1, "docs")) {
            // No documentation is served; redis-cli then falls back to its built-in hints.
            out.array(0);
        } else if (r.is(1, "getkeys") && r.argc() >= 3) {
            commandGetKeys(r, out);
        } else if (r.is(1, "help") && r.argc() == 2) {
            helpReply(out, List.of("COMMAND <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
                    "(no subcommand)", "    Return details about all Redis commands.",
                    "COUNT", "    Return the total number of commands in this Redis server.",
                    "LIST", "    Return a list of all commands in this Redis server.",
                    "INFO [<command-name> ...]", "    Return details about multiple Redis commands.",
                    "DOCS [<command-name> ...]", "    Return documentation details about multiple Redis commands.",
                    "GETKEYS <full-command>", "    Return the keys from a full Redis command.",
                    "HELP", "    Print this help."));
        } else {
            throw unknownSubcommand(r, "COMMAND");
        }
    }

    private void commandGetKeys(Request r, RespWriter out) {
        CommandSpec spec = table.lookup(r.arg(2));
        if (spec == null) {
            throw new ErrorReply("ERR Invalid command specified");
        }
        int argc = r.argc() - 2;
        if (!spec.arityAccepts(argc)) {
            throw new ErrorReply("ERR Invalid number of arguments specified for command");
        }
        if (!spec.keys().hasKeys()) {
            throw new ErrorReply("ERR The command has no key arguments");
        }
        Request command = new Request(java.util.Arrays.copyOfRange(r.argv(), 2, r.argc()));
        int keys = spec.keys().count(command);
        if (keys == 0) {
            throw new ErrorReply("ERR Invalid arguments specified for command");
        }
        out.array(keys);
        for (int k = 0; k < keys; k++) {
            out.bulk(command.arg(spec.keys().position(command, k)));
        }
    }

    /** One COMMAND entry: name, arity, flags, first key, last key, step, ACL categories, tips, key specs, subcommands. */
    private static void commandInfo(CommandSpec spec, RespWriter out) {
        out.array(10);
        out.bulk(spec.name());
        out.integer(spec.arity());
        boolean movable = spec.keys().movable();
        out.array(spec.flags().size() + (movable ? 1 : 0));
        for (CommandFlag flag : CommandFlag.values()) {
            if (spec.is(flag)) {
                out.simple(flag.redisName());
            }
        }
        if (movable) {
            out.simple("movablekeys"); // not a declared flag: Redis derives it from the key specs too
        }
        out.integer(spec.keys().first());
        out.integer(spec.keys().last());
        out.integer(spec.keys().step());
        out.array(0);
        out.array(0);
        out.array(0);
        out.array(0);
    }

    /** CLIENT SETNAME|GETNAME|ID|LIST|INFO|HELP; other subcommands answer as unknown. */
    private void client(Request r, RespWriter out, Session s) {
        if (r.is(1, "setname") && r.argc() == 3) {
            s.name(validClientName(r.arg(2)));
            out.ok();
        } else if (r.is(1, "getname") && r.argc() == 2) {
            out.bulkOrNull(s.name() == null ? null : s.name().getBytes(StandardCharsets.ISO_8859_1));
        } else if (r.is(1, "id") && r.argc() == 2) {
            out.integer(s.id());
        } else if (r.is(1, "info") && r.argc() == 2) {
            out.bulk(clientLine(s) + "\n");
        } else if (r.is(1, "list") && r.argc() == 2) {
            StringBuilder sb = new StringBuilder();
            for (Session each : clients.all()) {
                sb.append(clientLine(each)).append('\n');
            }
            out.bulk(sb.toString());
        } else if (r.is(1, "unblock")) {
            if (r.argc() < 3) {
                throw new ErrorReply(RespErrors.wrongArity("client|unblock"));
            }
            if (r.argc() > 4) {
                throw new ErrorReply(String.format(RespErrors.SUBCOMMAND_SYNTAX_FORMAT, r.text(1), "CLIENT"));
            }
            out.integer(unblock(r) ? 1 : 0);
        } else if (r.is(1, "setinfo") && r.argc() == 4) {
            setinfo(r, s);
            out.ok();
        } else if ((r.is(1, "no-evict") || r.is(1, "no-touch")) && r.argc() == 3) {
            // Accepted: kvcache's clients are never evicted, and what a read touches stays as Redis keeps it.
            if (!r.is(2, "on") && !r.is(2, "off")) {
                throw new ErrorReply(RespErrors.SYNTAX);
            }
            out.ok();
        } else if (r.is(1, "reply") && r.argc() == 3) {
            if (r.is(2, "on")) {
                s.replyMode(Session.ReplyMode.ON);
                out.ok();
            } else if (r.is(2, "off")) {
                s.replyMode(Session.ReplyMode.OFF);
            } else if (r.is(2, "skip")) {
                s.replyMode(Session.ReplyMode.SKIP_NEXT);
            } else {
                throw new ErrorReply(RespErrors.SYNTAX);
            }
        } else if (pause != null && r.is(1, "pause") && (r.argc() == 3 || r.argc() == 4)) {
            long millis = Arguments.longArg(r, 2, "ERR timeout is not an integer or out of range");
            if (millis < 0) {
                throw new ErrorReply("ERR timeout is negative");
            }
            boolean all = true;
            if (r.argc() == 4) {
                if (r.is(3, "write")) {
                    all = false;
                } else if (!r.is(3, "all")) {
                    throw new ErrorReply(RespErrors.SYNTAX);
                }
            }
            pause.pause(millis, all);
            out.ok();
        } else if (pause != null && r.is(1, "unpause") && r.argc() == 2) {
            pause.unpause();
            out.ok();
        } else if (r.is(1, "kill") && r.argc() >= 3) {
            kill(r, out, s);
        } else if (tracking != null && r.is(1, "tracking") && r.argc() >= 3) {
            tracking.tracking(r, out, s);
        } else if (tracking != null && r.is(1, "caching") && r.argc() >= 3) {
            tracking.caching(r, out, s);
        } else if (tracking != null && r.is(1, "getredir") && r.argc() == 2) {
            tracking.getredir(r, out, s);
        } else if (tracking != null && r.is(1, "trackinginfo") && r.argc() == 2) {
            tracking.trackinginfo(r, out, s);
        } else if (r.is(1, "help") && r.argc() == 2) {
            helpReply(out, List.of("CLIENT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
                    "GETNAME", "    Return the name of the current connection.",
                    "ID", "    Return the ID of the current connection.",
                    "INFO", "    Return information about the current client connection.",
                    "LIST", "    Return information about client connections.",
                    "SETNAME <name>", "    Assign the name <name> to the current connection.",
                    "UNBLOCK <clientid> [TIMEOUT|ERROR]",
                    "    Unblock the specified blocked client.",
                    "HELP", "    Print this help."));
        } else {
            throw unknownSubcommand(r, "CLIENT");
        }
    }

    /** CLIENT SETINFO LIB-NAME|LIB-VER value (Redis 7.2; client libraries send it when they connect). */
    private static void setinfo(Request r, Session s) {
        String attribute = r.text(2);
        boolean name = attribute.equalsIgnoreCase("lib-name");
        if (!name && !attribute.equalsIgnoreCase("lib-ver")) {
            throw new ErrorReply("ERR Unrecognized option '" + attribute + "'");
        }
        for (byte b : r.arg(3)) {
            if (b < '!' || b > '~') {
                throw new ErrorReply("ERR " + attribute + " cannot contain spaces, newlines or special characters.");
            }
        }
        String value = r.text(3);
        s.libInfo(name ? value : null, name ? null : value);
    }

    /**
     * CLIENT KILL addr:port (answers OK) or CLIENT KILL with filters ID, ADDR, LADDR, USER, SKIPME,
     * TYPE, MAXAGE (answers how many it closed), as networking.c's clientKillCommand.
     */
    private void kill(Request r, RespWriter out, Session s) {
        if (r.argc() == 3) {
            Session victim = null;
            for (Session each : clients.all()) {
                if (r.text(2).equals(each.address())) {
                    victim = each;
                }
            }
            if (victim == null || !victim.kill()) {
                throw new ErrorReply("ERR No such client");
            }
            out.ok();
            return;
        }
        if (r.argc() % 2 != 0) {
            throw new ErrorReply(RespErrors.SYNTAX);
        }
        Long id = null;
        String addr = null;
        String laddr = null;
        String type = null;
        boolean skipMe = true;
        long maxAge = 0;
        for (int j = 2; j < r.argc(); j += 2) {
            String value = r.text(j + 1);
            if (r.is(j, "id")) {
                id = Arguments.longArg(r, j + 1, "ERR client-id should be greater than 0");
                if (id <= 0) {
                    throw new ErrorReply("ERR client-id should be greater than 0");
                }
            } else if (r.is(j, "addr")) {
                addr = value;
            } else if (r.is(j, "laddr")) {
                laddr = value;
            } else if (r.is(j, "type")) {
                type = value.toLowerCase(java.util.Locale.ROOT);
                if (!List.of("normal", "pubsub", "master", "replica", "slave").contains(type)) {
                    throw new ErrorReply("ERR Unknown client type '" + value + "'");
                }
            } else if (r.is(j, "user")) {
                if (!value.equals("default")) {
                    throw new ErrorReply("ERR No such user '" + value + "'");
                }
            } else if (r.is(j, "skipme")) {
                if (value.equalsIgnoreCase("yes")) {
                    skipMe = true;
                } else if (value.equalsIgnoreCase("no")) {
                    skipMe = false;
                } else {
                    throw new ErrorReply(RespErrors.SYNTAX);
                }
            } else if (r.is(j, "maxage")) {
                maxAge = Arguments.longArg(r, j + 1);
            } else {
                throw new ErrorReply(RespErrors.SYNTAX);
            }
        }
        long killed = 0;
        long now = System.currentTimeMillis();
        for (Session each : clients.all()) {
            if ((id != null && each.id() != id) || (addr != null && !addr.equals(each.address()))
                    || (laddr != null && (each.localAddress() == null || !laddr.equals(
                    each.localAddress().getHostString() + ":" + each.localAddress().getPort())))
                    || (type != null && !type.equals(each.isSubscribed() ? "pubsub" : "normal"))
                    || (maxAge > 0 && (now - each.createdMillis()) / 1000 < maxAge)
                    || (skipMe && each == s)) {
                continue;
            }
            if (each == s) {
                s.closeAfterReply(); // its own connection: after this reply, as Redis's CLIENT_CLOSE_AFTER_REPLY
                killed++;
            } else if (each.kill()) {
                killed++;
            }
        }
        out.integer(killed);
    }

    /** CLIENT UNBLOCK id [TIMEOUT|ERROR]: the reason is checked before the id, as Redis does. */
    private boolean unblock(Request r) {
        boolean withError = false;
        if (r.argc() == 4) {
            if (r.is(3, "error")) {
                withError = true;
            } else if (!r.is(3, "timeout")) {
                throw new ErrorReply(RespErrors.UNBLOCK_REASON);
            }
        }
        Session blocked = clients.byId(Arguments.longArg(r, 2));
        return blocked != null && blocked.unblock(withError);
    }

    private static String clientLine(Session s) {
        long age = (System.currentTimeMillis() - s.createdMillis()) / 1000;
        return "id=" + s.id() + " addr=" + s.address() + " name=" + (s.name() == null ? "" : s.name())
                + " age=" + age + " db=0 cmd=client";
    }

    /** clientSetNameOrReply: no spaces, newlines or other characters outside '!'..'~'. */
    private static String validClientName(byte[] name) {
        for (byte b : name) {
            if (b < '!' || b > '~') {
                throw new ErrorReply("ERR Client names cannot contain spaces, newlines or special characters.");
            }
        }
        return name.length == 0 ? null : new String(name, StandardCharsets.ISO_8859_1);
    }

    private static ErrorReply unknownSubcommand(Request r, String command) {
        return new ErrorReply(String.format(RespErrors.UNKNOWN_SUBCOMMAND_FORMAT, r.text(1), command));
    }

    private static void helpReply(RespWriter out, List<String> lines) {
        out.array(lines.size());
        lines.forEach(out::simple);
    }
}
