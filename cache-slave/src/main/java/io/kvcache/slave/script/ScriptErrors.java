package io.kvcache.slave.script;

/** The error replies of scripting, as Redis 7.0 words them (script.c, eval.c). */
public final class ScriptErrors {

    public static final String BUSY =
            "BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE.";
    static final String NOTBUSY = "NOTBUSY No scripts in execution right now.";
    static final String UNKILLABLE = "UNKILLABLE Sorry the script already executed write commands against the "
            + "dataset. You can either wait the script termination or kill the server in a hard way using the "
            + "SHUTDOWN NOSAVE command.";
    static final String NOSCRIPT = "NOSCRIPT No matching script. Please use EVAL.";
    static final String NUMKEYS_TOO_BIG = "ERR Number of keys can't be greater than number of args";
    static final String NUMKEYS_NEGATIVE = "ERR Number of keys can't be negative";
    static final String RO_WITH_WRITE_FLAG = "ERR Can not execute a script with write flag using *_ro command.";
    public static final String UNKNOWN_COMMAND = "ERR Unknown Redis command called from script";
    public static final String WRONG_ARITY = "ERR Wrong number of args calling Redis command from script";
    public static final String NOT_ALLOWED = "ERR This Redis command is not allowed from script";
    public static final String WRITE_IN_READ_ONLY = "ERR Write commands are not allowed from read-only scripts.";
    public static final String NON_LOCAL_KEY = "ERR Script attempted to access a non local key in a cluster node";

    private ScriptErrors() {
    }
}
