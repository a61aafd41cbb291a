package io.kvcache.slave.script;

import org.luaj.vm2.LuaValue;

/** SCRIPT KILL (or a time limit) stopped the script: no pcall of the script catches it. */
final class ScriptKilled extends ScriptError {

    static final String MESSAGE = "ERR Script killed by user with SCRIPT KILL...";

    ScriptKilled() {
        this(MESSAGE);
    }

    /** Stopped for another reason (a library that loads too long). */
    ScriptKilled(String message) {
        super(LuaErrors.errorTable(message), false);
    }
}
