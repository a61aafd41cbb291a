package io.kvcache.slave.script;

import org.luaj.vm2.LuaFunction;

/**
 * A script compiled once and kept by its SHA1 digest (Redis's f_&lt;sha&gt; in the Lua registry).
 *
 * @param sha      the lower-case hex SHA1 of the body, as EVALSHA names it
 * @param body     the source, as the client sent it (SCRIPT LOAD carries it to replicas)
 * @param function the compiled chunk, bound to the sandbox's globals
 */
record LuaScript(String sha, byte[] body, ScriptFlags flags, LuaFunction function) {
}
