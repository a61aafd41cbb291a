package io.kvcache.command;

/**
 * Where a command's keys are, as Redis's legacy (first, last, step) triple: keys are the
 * arguments first, first+step, ... up to last; a negative last counts from the end
 * (-1 = the last argument). {@link #NONE} for commands without keys.
 *
 * @param overwrites the command replaces its first key's value without reading it (in its plain
 *                   form: Redis 7's OW key-spec flag), so a batch need not bring the value into the
 *                   cache before it runs
 */
public record KeySpec(int first, int last, int step, boolean overwrites) {

    public static final KeySpec NONE = new KeySpec(0, 0, 0);

    public KeySpec(int first, int last, int step) {
        this(first, last, step, false);
    }

    public static KeySpec single() {
        return new KeySpec(1, 1, 1);
    }

    /** One key, whose value the command replaces unread (SET, SETEX, PSETEX). */
    public static KeySpec singleOverwritten() {
        return new KeySpec(1, 1, 1, true);
    }

    public boolean hasKeys() {
        return first > 0;
    }

    /** The index after the last key argument, for a request of argc arguments. */
    public int lastIndex(int argc) {
        return last < 0 ? argc + last : Math.min(last, argc - 1);
    }
}
