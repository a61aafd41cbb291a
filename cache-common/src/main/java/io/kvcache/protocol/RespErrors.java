package io.kvcache.protocol;

/**
 * Every error reply kvcache sends, spelled as Redis 7 spells it (server.c createSharedObjects,
 * networking.c, t_string.c, t_list.c, db.c). Constants hold the text without the leading
 * '-' and the trailing CRLF; {@link RespWriter#error(String)} adds both.
 */
public final class RespErrors {

    public static final String WRONGTYPE = "WRONGTYPE Operation against a key holding the wrong kind of value";
    public static final String SYNTAX = "ERR syntax error";
    public static final String NOT_INTEGER = "ERR value is not an integer or out of range";
    public static final String NOT_FLOAT = "ERR value is not a valid float";
    public static final String OVERFLOW = "ERR increment or decrement would overflow";
    public static final String INCR_NAN_OR_INF = "ERR increment would produce NaN or Infinity";
    public static final String NO_SUCH_KEY = "ERR no such key";
    /** What a client blocked in a blocking command gets from CLIENT UNBLOCK ... ERROR. */
    public static final String UNBLOCKED = "UNBLOCKED client unblocked via CLIENT UNBLOCK";
    public static final String UNBLOCK_REASON = "ERR CLIENT UNBLOCK reason should be TIMEOUT or ERROR";
    public static final String INDEX_OUT_OF_RANGE = "ERR index out of range";
    public static final String DB_INDEX_OUT_OF_RANGE = "ERR DB index is out of range";
    public static final String SELECT_NOT_INTEGER = "ERR value is not an integer or out of range";
    public static final String OFFSET_OUT_OF_RANGE = "ERR offset is out of range";
    public static final String STRING_TOO_LONG = "ERR string exceeds maximum allowed size (proto-max-bulk-len)";
    public static final String INVALID_CURSOR = "ERR invalid cursor";
    public static final String NOT_POSITIVE = "ERR value is out of range, must be positive";
    public static final String EXPIRE_OPTIONS_NX_XX_GT_LT =
            "ERR NX and XX, GT or LT options at the same time are not compatible";
    public static final String EXPIRE_OPTIONS_GT_LT = "ERR GT and LT options at the same time are not compatible";
    public static final String UNKNOWN_SUBCOMMAND_FORMAT = "ERR unknown subcommand '%s'. Try %s HELP.";
    /** A known subcommand given more arguments than its code reads (addReplySubcommandSyntaxError). */
    public static final String SUBCOMMAND_SYNTAX_FORMAT =
            "ERR unknown subcommand or wrong number of arguments for '%s'. Try %s HELP.";
    public static final String LPOS_RANK =
            "ERR RANK can't be zero: use 1 to start from the first match, 2 from the second ... "
                    + "or use negative to start from the end of the list";
    /** server.c shared.oomerr: a DENYOOM command while used memory stays above maxmemory. */
    public static final String OOM = "OOM command not allowed when used memory > 'maxmemory'.";
    /** A primary with fewer good replicas than min-replicas-to-write (Redis's processCommand). */
    public static final String NOREPLICAS = "NOREPLICAS Not enough good replicas to write.";
    public static final String LPOS_COUNT = "ERR COUNT can't be negative";
    /** LMPOP, ZMPOP, SINTERCARD and the blocking MPOPs. */
    public static final String NUMKEYS_NOT_POSITIVE = "ERR numkeys should be greater than 0";
    public static final String COUNT_NOT_POSITIVE = "ERR count should be greater than 0";
    public static final String LPOS_MAXLEN = "ERR MAXLEN can't be negative";

    // Transactions (multi.c)
    public static final String MULTI_NESTED = "ERR MULTI calls can not be nested";
    public static final String EXEC_WITHOUT_MULTI = "ERR EXEC without MULTI";
    public static final String DISCARD_WITHOUT_MULTI = "ERR DISCARD without MULTI";
    public static final String WATCH_INSIDE_MULTI = "ERR WATCH inside MULTI is not allowed";
    /** server.c shared.execaborterr: EXEC of a transaction one of whose commands was refused while queued. */
    public static final String EXECABORT = "EXECABORT Transaction discarded because of previous errors.";

    // Redirections while keys move between shards (cluster.c): answered by slaves, resolved by the master.
    /** {@code ASK <shard>}: the key moved (or would be created) on that shard; ask there. */
    public static final String ASK = "ASK";
    /** {@code MOVED <shard>}: that shard owns the key. */
    public static final String MOVED = "MOVED";
    /** A key is being moved right now, or a multi-key request's keys are split between two shards. */
    public static final String TRYAGAIN = "TRYAGAIN Multiple keys request during rehashing of slot";

    // Protocol errors (networking.c): the client is closed after the reply is written.
    public static final String PROTOCOL_INVALID_MULTIBULK = "ERR Protocol error: invalid multibulk length";
    public static final String PROTOCOL_INVALID_BULK = "ERR Protocol error: invalid bulk length";
    public static final String PROTOCOL_UNBALANCED_QUOTES = "ERR Protocol error: unbalanced quotes in request";
    public static final String PROTOCOL_TOO_BIG_INLINE = "ERR Protocol error: too big inline request";
    public static final String PROTOCOL_TOO_BIG_MBULK_COUNT = "ERR Protocol error: too big mbulk count string";
    public static final String PROTOCOL_TOO_BIG_BULK_COUNT = "ERR Protocol error: too big bulk count string";
    public static final String PROTOCOL_EXPECTED_DOLLAR_FORMAT = "ERR Protocol error: expected '$', got '%c'";
    public static final String PROTOCOL_UNAUTHENTICATED_MULTIBULK =
            "ERR Protocol error: unauthenticated multibulk length";
    public static final String PROTOCOL_UNAUTHENTICATED_BULK = "ERR Protocol error: unauthenticated bulk length";

    // Refusals at accept (networking.c acceptCommonHandler, clientAcceptHandler): written, then the socket closes.
    public static final String MAX_CLIENTS = "ERR max number of clients reached";
    public static final String DENIED_PROTECTED_MODE = "DENIED Redis is running in protected mode because protected "
            + "mode is enabled and no password is set for the default user. In this mode connections are only "
            + "accepted from the loopback interface. If you want to connect from external computers to Redis you "
            + "may adopt one of the following solutions: 1) Just disable protected mode sending the command "
            + "'CONFIG SET protected-mode no' from the loopback interface by connecting to Redis from the same host "
            + "the server is running, however MAKE SURE Redis is not publicly accessible from internet if you do so. "
            + "Use CONFIG REWRITE to make this change permanent. 2) Alternatively you can just disable the protected "
            + "mode by editing the Redis configuration file, and setting the protected mode option to 'no', and then "
            + "restarting the server. 3) If you started the server manually just for testing, restart it with the "
            + "'--protected-mode no' option. 4) Setup a an authentication password for the default user. NOTE: You "
            + "only need to do one of the above things in order for the server to start accepting connections from "
            + "the outside.";

    private RespErrors() {
    }

    /** {@code -ERR wrong number of arguments for 'get' command} (server.c commandCheckArity). */
    public static String wrongArity(String commandName) {
        return "ERR wrong number of arguments for '" + commandName + "' command";
    }

    /** {@code -ERR invalid expire time in 'set' command}. */
    public static String invalidExpireTime(String commandName) {
        return "ERR invalid expire time in '" + commandName + "' command";
    }

    /** Like Redis's addReplyErrorFormat: an error line may not contain CR or LF. */
    public static String sanitize(String error) {
        return error.indexOf('\r') < 0 && error.indexOf('\n') < 0
                ? error
                : error.replace('\r', ' ').replace('\n', ' ');
    }
}
