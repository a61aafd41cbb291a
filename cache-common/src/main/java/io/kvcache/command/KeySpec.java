package io.kvcache.command;

import io.kvcache.protocol.RedisNumbers;
import io.kvcache.protocol.Request;

/**
 * Where a command's keys are. A range as Redis's legacy (first, last, step) triple: keys are the
 * arguments first, first+step, ... up to last; a negative last counts from the end (-1 = the last
 * argument). Then, for commands that say how many keys follow (Redis's "keynum" key spec:
 * ZUNIONSTORE, LMPOP, SINTERCARD, BLMPOP, ...), numkeysAt is the argument holding that number,
 * and the keys are the arguments right after it. Last, for a key named by an option (SORT ...
 * STORE destination: Redis's "keyword" key spec), the argument after the last keyword argument.
 * {@link #NONE} for commands without keys.
 * <p>
 * Iterate keys as {@code for (int k = 0; k < spec.count(r); k++) r.arg(spec.position(r, k))}:
 * a keynum that is not a number, or promises more keys than there are arguments, counts no key
 * (as Redis's getKeysFromCommand), so the command itself answers the error.
 *
 * @param overwrites the command replaces its first key's value without reading it (in its plain
 *                   form: Redis 7's OW key-spec flag), so a batch need not bring the value into the
 *                   cache before it runs
 * @param numkeysAt  the argument that counts the keys after it, 0 for none
 * @param keyword    the option whose next argument is a key (lower case), or null
 */
public record KeySpec(int first, int last, int step, boolean overwrites, int numkeysAt, String keyword) {

    public static final KeySpec NONE = new KeySpec(0, 0, 0);

    public KeySpec(int first, int last, int step) {
        this(first, last, step, false, 0, null);
    }

    public static KeySpec single() {
        return new KeySpec(1, 1, 1);
    }

    /** One key, whose value the command replaces unread (SET, SETEX, PSETEX). */
    public static KeySpec singleOverwritten() {
        return new KeySpec(1, 1, 1, true, 0, null);
    }

    /** As many keys as argument numkeysAt says, right after it (LMPOP numkeys key ..., BLMPOP timeout numkeys key ...). */
    public static KeySpec counted(int numkeysAt) {
        return new KeySpec(0, 0, 0, false, numkeysAt, null);
    }

    /** Argument 1, then as many keys as argument 2 says (ZUNIONSTORE destination numkeys key ...). */
    public static KeySpec destinationAndCounted() {
        return new KeySpec(1, 1, 1, false, 2, null);
    }

    /** Argument 1, and the one after the last keyword argument if any (SORT key ... STORE destination). */
    public static KeySpec firstAndAfter(String keyword) {
        return new KeySpec(1, 1, 1, false, 0, keyword);
    }

    public boolean hasKeys() {
        return first > 0 || numkeysAt > 0;
    }

    /** Whether the keys' positions depend on an argument's value (Redis's "movablekeys"). */
    public boolean movable() {
        return numkeysAt > 0 || keyword != null;
    }

    /** The index of the last key argument of the range, for a request of argc arguments. */
    public int lastIndex(int argc) {
        return last < 0 ? argc + last : Math.min(last, argc - 1);
    }

    /** How many key arguments the request has. */
    public int count(Request r) {
        int ranged = rangeCount(r.argc());
        int n = numkeysAt == 0 ? ranged : ranged + counted(r);
        return keyword == null || keywordKey(r) < 0 ? n : n + 1;
    }

    /** The argument index of the request's key number ordinal (0-based, below {@link #count}). */
    public int position(Request r, int ordinal) {
        int ranged = rangeCount(r.argc());
        if (ordinal < ranged) {
            return first + ordinal * step;
        }
        int counted = numkeysAt == 0 ? 0 : counted(r);
        return ordinal < ranged + counted ? numkeysAt + 1 + ordinal - ranged : keywordKey(r);
    }

    /** The index of the argument after the last keyword argument (past the range), or -1. */
    private int keywordKey(Request r) {
        for (int i = r.argc() - 2; i > Math.max(first, 0); i--) {
            if (r.is(i, keyword)) {
                return i + 1;
            }
        }
        return -1;
    }

    /** The argument index of the request's first key, or 0 when it has none. */
    public int firstPosition(Request r) {
        if (first > 0) {
            return first < r.argc() ? first : 0;
        }
        return numkeysAt > 0 && counted(r) > 0 ? numkeysAt + 1 : 0;
    }

    private int rangeCount(int argc) {
        if (first <= 0 || first >= argc) {
            return 0;
        }
        return (lastIndex(argc) - first) / step + 1;
    }

    private int counted(Request r) {
        if (numkeysAt >= r.argc()) {
            return 0;
        }
        long n;
        try {
            n = RedisNumbers.parseLong(r.arg(numkeysAt));
        } catch (RedisNumbers.NotANumber e) {
            return 0;
        }
        return n >= 1 && n <= r.argc() - numkeysAt - 1 ? (int) n : 0;
    }
}
