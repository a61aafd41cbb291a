package io.kvcache.slave.script;

import org.luaj.vm2.LuaValue;

/** SCRIPT KILL stopped the script: no pcall of the script catches it. */
final class ScriptKilled extends ScriptError {

    static final String MESSAGE = "ERR Script killed by user with SCRIPT KILL...";

    ScriptKilled() {
        super(LuaErrors.errorTable(MESSAGE), false);
    }
}
