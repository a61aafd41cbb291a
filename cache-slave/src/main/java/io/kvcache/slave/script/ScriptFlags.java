package io.kvcache.slave.script;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

import io.kvcache.protocol.ErrorReply;

/**
 * What a script's shebang line declares (eval.c evalExtractShebangFlags): {@code #!lua} then
 * optionally {@code flags=no-writes,allow-oom,...}. A script without one runs in Redis's EVAL
 * compatibility mode: it may write, and memory is checked command by command.
 *
 * @param shebang       whether the script declared its flags (false: compatibility mode)
 * @param shebangLength the length of the first line, without its newline (0 without a shebang)
 */
record ScriptFlags(boolean shebang, int shebangLength, boolean noWrites, boolean allowOom, boolean allowStale,
                   boolean noCluster, boolean allowCrossSlotKeys) {

    static final ScriptFlags COMPATIBLE = new ScriptFlags(false, 0, false, false, false, false, false);
    /** A function registered without flags: it may write, and is refused where a write would be. */
    static final ScriptFlags DECLARED_NONE = new ScriptFlags(true, 0, false, false, false, false, false);

    /** A function's flags, by name (redis.register_function's flags table). */
    static ScriptFlags declared(java.util.List<String> names) {
        boolean noWrites = false;
        boolean allowOom = false;
        boolean allowStale = false;
        boolean noCluster = false;
        boolean allowCrossSlot = false;
        for (String flag : names) {
            switch (flag) {
                case "no-writes" -> noWrites = true;
                case "allow-oom" -> allowOom = true;
                case "allow-stale" -> allowStale = true;
                case "no-cluster" -> noCluster = true;
                case "allow-cross-slot-keys" -> allowCrossSlot = true;
                default -> throw new ErrorReply("ERR unknown flag given");
            }
        }
        return new ScriptFlags(true, 0, noWrites, allowOom, allowStale, noCluster, allowCrossSlot);
    }

    /** The flags' names, in Redis's order (FUNCTION LIST). */
    java.util.List<String> names() {
        java.util.List<String> names = new java.util.ArrayList<>();
        if (noWrites) {
            names.add("no-writes");
        }
        if (allowOom) {
            names.add("allow-oom");
        }
        if (allowStale) {
            names.add("allow-stale");
        }
        if (noCluster) {
            names.add("no-cluster");
        }
        if (allowCrossSlotKeys) {
            names.add("allow-cross-slot-keys");
        }
        return names;
    }

    static ScriptFlags of(byte[] body) {
        if (body.length < 2 || body[0] != '#' || body[1] != '!') {
            return COMPATIBLE;
        }
        int end = 0;
        while (end < body.length && body[end] != '\n') {
            end++;
        }
        if (end == body.length) {
            throw new ErrorReply("ERR Invalid script shebang");
        }
        String[] parts = new String(body, 0, end, StandardCharsets.ISO_8859_1).trim().split("[ \t\r]+");
        if (!parts[0].equals("#!lua")) {
            throw new ErrorReply("ERR Unexpected engine in script shebang: " + parts[0]);
        }
        boolean noWrites = false;
        boolean allowOom = false;
        boolean allowStale = false;
        boolean noCluster = false;
        boolean allowCrossSlot = false;
        for (String part : Arrays.copyOfRange(parts, 1, parts.length)) {
            if (!part.startsWith("flags=")) {
                throw new ErrorReply("ERR Unknown lua shebang option: " + part);
            }
            for (String flag : part.substring(6).split(",", -1)) {
                switch (flag) {
                    case "no-writes" -> noWrites = true;
                    case "allow-oom" -> allowOom = true;
                    case "allow-stale" -> allowStale = true;
                    case "no-cluster" -> noCluster = true;
                    case "allow-cross-slot-keys" -> allowCrossSlot = true;
                    default -> throw new ErrorReply("ERR Unexpected flag in script shebang: " + flag);
                }
            }
        }
        return new ScriptFlags(true, end, noWrites, allowOom, allowStale, noCluster, allowCrossSlot);
    }
}
