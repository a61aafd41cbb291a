package io.kvcache.protocol;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;

/**
 * Splits an inline command line into arguments exactly as Redis's sdssplitargs (sds.c):
 * blanks separate arguments; "double quotes" understand \n \r \t \b \a \xHH and \\-escapes;
 * 'single quotes' understand only \'; a closing quote must be followed by a blank or the end.
 * The line is a C string for Redis, so a NUL byte ends it.
 */
final class InlineSplitter {

    private InlineSplitter() {
    }

    /** The arguments of line [from, to), or null for unbalanced quotes. */
    static byte[][] split(byte[] line, int from, int to) {
        for (int i = from; i < to; i++) {
            if (line[i] == 0) {
                to = i;
                break;
            }
        }
        List<byte[]> args = new ArrayList<>();
        int p = from;
        ByteArrayOutputStream current = new ByteArrayOutputStream();
        while (true) {
            while (p < to && Ascii.isSpace(line[p])) {
                p++;
            }
            if (p >= to) {
                return args.toArray(new byte[0][]);
            }
            boolean inDouble = false;
            boolean inSingle = false;
            boolean done = false;
            current.reset();
            while (!done) {
                int c = p < to ? line[p] & 0xff : 0;
                int next = p + 1 < to ? line[p + 1] & 0xff : 0;
                if (inDouble) {
                    if (c == '\\' && next == 'x' && isHex(line, p + 2, to) && isHex(line, p + 3, to)) {
                        current.write(hex(line[p + 2]) * 16 + hex(line[p + 3]));
                        p += 3;
                    } else if (c == '\\' && next != 0) {
                        p++;
                        current.write(switch (next) {
                            case 'n' -> '\n';
                            case 'r' -> '\r';
                            case 't' -> '\t';
                            case 'b' -> '\b';
                            case 'a' -> 7;
                            default -> next;
                        });
                    } else if (c == '"') {
                        if (next != 0 && !Ascii.isSpace((byte) next)) {
                            return null;
                        }
                        done = true;
                    } else if (c == 0) {
                        return null;
                    } else {
                        current.write(c);
                    }
                } else if (inSingle) {
                    if (c == '\\' && next == '\'') {
                        p++;
                        current.write('\'');
                    } else if (c == '\'') {
                        if (next != 0 && !Ascii.isSpace((byte) next)) {
                            return null;
                        }
                        done = true;
                    } else if (c == 0) {
                        return null;
                    } else {
                        current.write(c);
                    }
                } else {
                    switch (c) {
                        case ' ', '\n', '\r', '\t', 0 -> done = true;
                        case '"' -> inDouble = true;
                        case '\'' -> inSingle = true;
                        default -> current.write(c);
                    }
                }
                if (p < to) {
                    p++;
                }
            }
            args.add(current.toByteArray());
        }
    }

    private static boolean isHex(byte[] line, int i, int to) {
        if (i >= to) {
            return false;
        }
        byte b = line[i];
        return (b >= '0' && b <= '9') || (b >= 'a' && b <= 'f') || (b >= 'A' && b <= 'F');
    }

    private static int hex(byte b) {
        return b <= '9' ? b - '0' : (b | 0x20) - 'a' + 10;
    }
}
