package io.kvcache.command;

import java.nio.charset.StandardCharsets;
import java.util.Collection;
import java.util.List;

import io.kvcache.protocol.Ascii;

/**
 * Finds a command by the bytes of argv[0], ignoring ASCII case, without allocating: specs are
 * bucketed by name length and first letter, then compared byte by byte.
 */
public final class CommandTable {

    private static final int MAX_NAME = 32;

    private final CommandSpec[][][] buckets = new CommandSpec[MAX_NAME + 1][26][];
    private final byte[][][][] names = new byte[MAX_NAME + 1][26][][];
    private final List<CommandSpec> specs;

    public CommandTable(Collection<CommandSpec> specs) {
        this.specs = List.copyOf(specs);
        for (CommandSpec spec : specs) {
            byte[] name = spec.name().getBytes(StandardCharsets.US_ASCII);
            int len = name.length;
            int letter = name[0] - 'a';
            if (len > MAX_NAME || letter < 0 || letter >= 26) {
                throw new IllegalArgumentException("Unsupported command name " + spec.name());
            }
            CommandSpec[] bucket = buckets[len][letter];
            CommandSpec[] grown = bucket == null ? new CommandSpec[1] : java.util.Arrays.copyOf(bucket, bucket.length + 1);
            grown[grown.length - 1] = spec;
            buckets[len][letter] = grown;
            byte[][] bucketNames = names[len][letter];
            byte[][] grownNames = bucketNames == null ? new byte[1][] : java.util.Arrays.copyOf(bucketNames, bucketNames.length + 1);
            grownNames[grownNames.length - 1] = name;
            names[len][letter] = grownNames;
        }
    }

    /** The table of every command kvcache declares. */
    public static CommandTable standard() {
        return new CommandTable(Commands.ALL);
    }

    /** The spec named by these bytes (any case), or null for an unknown command. */
    public CommandSpec lookup(byte[] name) {
        int len = name.length;
        if (len == 0 || len > MAX_NAME) {
            return null;
        }
        int letter = Ascii.toLower(name[0]) - 'a';
        if (letter < 0 || letter >= 26) {
            return null;
        }
        CommandSpec[] bucket = buckets[len][letter];
        if (bucket == null) {
            return null;
        }
        byte[][] bucketNames = names[len][letter];
        outer:
        for (int i = 0; i < bucket.length; i++) {
            byte[] candidate = bucketNames[i];
            for (int j = 1; j < len; j++) {
                if (Ascii.toLower(name[j]) != candidate[j]) {
                    continue outer;
                }
            }
            return bucket[i];
        }
        return null;
    }

    public CommandSpec lookup(String name) {
        return lookup(name.getBytes(StandardCharsets.ISO_8859_1));
    }

    public List<CommandSpec> specs() {
        return specs;
    }
}
