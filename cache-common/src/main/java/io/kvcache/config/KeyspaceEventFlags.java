package io.kvcache.config;

/**
 * notify-keyspace-events as Redis 7.0 reads and prints it (notify.c): one flag per class of event
 * and two for where events go (K: __keyspace@0__:key, E: __keyevent@0__:event).
 */
public final class KeyspaceEventFlags {

    public static final int KEYSPACE = 1;
    public static final int KEYEVENT = 1 << 1;
    public static final int GENERIC = 1 << 2;
    public static final int STRING = 1 << 3;
    public static final int LIST = 1 << 4;
    public static final int SET = 1 << 5;
    public static final int HASH = 1 << 6;
    public static final int ZSET = 1 << 7;
    public static final int EXPIRED = 1 << 8;
    public static final int EVICTED = 1 << 9;
    public static final int STREAM = 1 << 10;
    public static final int KEY_MISS = 1 << 11;
    public static final int MODULE = 1 << 13;
    public static final int NEW = 1 << 14;
    /** "A": every class but key misses and new keys. */
    public static final int ALL = GENERIC | STRING | LIST | SET | HASH | ZSET | EXPIRED | EVICTED | STREAM | MODULE;

    static final String INVALID = "Invalid event class character. Use 'Ag$lshzxeKEtmdn'.";

    private KeyspaceEventFlags() {
    }

    /** keyspaceEventsStringToFlags; -1 for a character that is not a flag. */
    public static int parse(String value) {
        int flags = 0;
        for (int i = 0; i < value.length(); i++) {
            flags |= switch (value.charAt(i)) {
                case 'A' -> ALL;
                case 'g' -> GENERIC;
                case '$' -> STRING;
                case 'l' -> LIST;
                case 's' -> SET;
                case 'h' -> HASH;
                case 'z' -> ZSET;
                case 'x' -> EXPIRED;
                case 'e' -> EVICTED;
                case 'K' -> KEYSPACE;
                case 'E' -> KEYEVENT;
                case 't' -> STREAM;
                case 'm' -> KEY_MISS;
                case 'd' -> MODULE;
                case 'n' -> NEW;
                default -> -1;
            };
            if (flags == -1) {
                return -1;
            }
        }
        return flags;
    }

    /** keyspaceEventsFlagsToString: what CONFIG GET prints. */
    public static String format(int flags) {
        StringBuilder s = new StringBuilder();
        if ((flags & ALL) == ALL) {
            s.append('A');
        } else {
            append(s, flags, GENERIC, 'g');
            append(s, flags, STRING, '$');
            append(s, flags, LIST, 'l');
            append(s, flags, SET, 's');
            append(s, flags, HASH, 'h');
            append(s, flags, ZSET, 'z');
            append(s, flags, EXPIRED, 'x');
            append(s, flags, EVICTED, 'e');
            append(s, flags, STREAM, 't');
            append(s, flags, MODULE, 'd');
            append(s, flags, NEW, 'n');
        }
        append(s, flags, KEYSPACE, 'K');
        append(s, flags, KEYEVENT, 'E');
        append(s, flags, KEY_MISS, 'm');
        return s.toString();
    }

    private static void append(StringBuilder s, int flags, int flag, char c) {
        if ((flags & flag) != 0) {
            s.append(c);
        }
    }
}
