package io.kvcache.command;

/**
 * Where a command's keys are, as Redis's legacy (first, last, step) triple: keys are the
 * arguments first, first+step, ... up to last; a negative last counts from the end
 * (-1 = the last argument). {@link #NONE} for commands without keys.
 */
public record KeySpec(int first, int last, int step) {

    public static final KeySpec NONE = new KeySpec(0, 0, 0);

    public static KeySpec single() {
        return new KeySpec(1, 1, 1);
    }

    public boolean hasKeys() {
        return first > 0;
    }

    /** The index after the last key argument, for a request of argc arguments. */
    public int lastIndex(int argc) {
        return last < 0 ? argc + last : Math.min(last, argc - 1);
    }
}
