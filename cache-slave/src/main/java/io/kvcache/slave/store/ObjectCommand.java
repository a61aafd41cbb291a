package io.kvcache.slave.store;

import static io.kvcache.command.Commands.OBJECT;

import java.util.List;

import io.kvcache.command.Handlers;
import io.kvcache.command.Session;
import io.kvcache.config.MaxmemoryPolicy;
import io.kvcache.protocol.ErrorReply;
import io.kvcache.protocol.RedisNumbers;
import io.kvcache.protocol.Request;
import io.kvcache.protocol.RespErrors;
import io.kvcache.protocol.RespWriter;

/**
 * OBJECT ENCODING, REFCOUNT, IDLETIME, FREQ and HELP (Redis 7.0's object.c). The encodings are the
 * names Redis 7.0 gives for the sizes it uses: a string's from its {@link StringValue} kind, a list
 * "quicklist", a hash "listpack" or "hashtable", a set "intset" or "hashtable", a sorted set
 * "listpack" or "skiplist", each value remembering, as Redis's objects do, whether it outgrew the
 * small encoding.
 */
public final class ObjectCommand {

    private static final int OBJ_SHARED_INTEGERS = 10_000;
    private static final List<String> HELP = List.of(
            "OBJECT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
            "ENCODING <key>",
            "    Return the kind of internal representation used in order to store the value",
            "    associated with a <key>.",
            "FREQ <key>",
            "    Return the access frequency index of the <key>. The returned integer is",
            "    proportional to the logarithm of the recent access frequency of the key.",
            "IDLETIME <key>",
            "    Return the idle time of the <key>, that is the approximated number of",
            "    seconds elapsed since the last access to the key.",
            "REFCOUNT <key>",
            "    Return the number of references of the value associated with the specified",
            "    <key>.",
            "HELP",
            "    Prints this help.");
    private static final ErrorReply NO_LFU = new ErrorReply("ERR An LFU maxmemory policy is not selected, access frequency"
            + " not tracked. Please note that when switching between policies at runtime LRU and LFU data will take"
            + " some time to adjust.");
    private static final ErrorReply LFU = new ErrorReply("ERR An LFU maxmemory policy is selected, idle time not tracked."
            + " Please note that when switching between policies at runtime LRU and LFU data will take some time to"
            + " adjust.");

    private final Keyspace db;
    private final Eviction eviction;

    public ObjectCommand(Keyspace db, Eviction eviction) {
        this.db = db;
        this.eviction = eviction;
    }

    public void register(Handlers h) {
        h.on(OBJECT, this::object);
    }

    private void object(Request r, RespWriter out, Session s) {
        String name = switch (r.text(1).toLowerCase(java.util.Locale.ROOT)) {
            case "encoding", "refcount", "idletime", "freq", "help" -> r.text(1).toLowerCase(java.util.Locale.ROOT);
            default -> throw new ErrorReply(String.format(RespErrors.UNKNOWN_SUBCOMMAND_FORMAT, r.text(1), "OBJECT"));
        };
        if (r.argc() != (name.equals("help") ? 2 : 3)) {
            throw new ErrorReply(RespErrors.wrongArity("object|" + name));
        }
        if (name.equals("help")) {
            out.array(HELP.size());
            HELP.forEach(out::simple);
            return;
        }
        Entry e = db.peek(r.arg(2)); // LOOKUP_NOTOUCH: OBJECT reads the clock it reports, never moves it
        if (e == null) {
            out.nullBulk();
            return;
        }
        switch (name) {
            case "encoding" -> out.bulk(encoding(e.value));
            case "refcount" -> out.integer(sharedInteger(e.value) ? Integer.MAX_VALUE : 1);
            case "idletime" -> {
                if (eviction.policy().lfu()) {
                    throw LFU;
                }
                out.integer(AccessClock.idleMillis(e.access, db.now()) / 1000);
            }
            default -> {
                if (!eviction.policy().lfu()) {
                    throw NO_LFU;
                }
                out.integer(AccessClock.lfuDecayed(e.access, db.now(), eviction.lfuDecayTime()));
            }
        }
    }

    static String encoding(Value value) {
        return switch (value) {
            case StringValue.Int s -> "int";
            case StringValue.Encoded s -> isInt(s.bytes()) ? "int" : s.bytes().length <= 44 ? "embstr" : "raw";
            case StringValue.Created s -> s.bytes().length <= 44 ? "embstr" : "raw";
            case StringValue.Edited s -> "raw";
            case StringValue.Duplicated s -> isInt(s.bytes()) ? "int" : s.bytes().length <= 44 ? "embstr" : "raw";
            case QuickList l -> "quicklist";
            case HashValue h -> h.isListpack() ? "listpack" : "hashtable";
            case SetValue set -> set.isIntset() ? "intset" : "hashtable";
            case ZSetValue z -> z.isListpack() ? "listpack" : "skiplist";
        };
    }

    /** A value Redis shares: an int-encoded string from 0 to 9999, unless maxmemory evicts by LRU or LFU. */
    private boolean sharedInteger(Value value) {
        long v;
        if (value instanceof StringValue.Int counter) {
            v = counter.value();
        } else if (value instanceof StringValue.Encoded s && isInt(s.bytes())) {
            v = RedisNumbers.parseLong(s.bytes());
        } else {
            return false;
        }
        MaxmemoryPolicy policy = eviction.policy();
        if (eviction.maxmemory() != 0 && (policy.lru() || policy.lfu())) {
            return false;
        }
        return v >= 0 && v < OBJ_SHARED_INTEGERS;
    }

    /** tryObjectEncoding's test: at most 20 characters, and string2l takes them. */
    private static boolean isInt(byte[] bytes) {
        if (bytes.length > 20) {
            return false;
        }
        try {
            RedisNumbers.parseLong(bytes);
            return true;
        } catch (RedisNumbers.NotANumber e) {
            return false;
        }
    }
}
