package io.kvcache.protocol;

/** ASCII helpers on raw bytes; Redis compares command names and options with strcasecmp. */
public final class Ascii {

    private Ascii() {
    }

    public static byte toLower(byte b) {
        return b >= 'A' && b <= 'Z' ? (byte) (b + 32) : b;
    }

    /** C's isspace: space, \t, \n, \v, \f, \r. */
    public static boolean isSpace(byte b) {
        return b == ' ' || (b >= '\t' && b <= '\r');
    }

    public static boolean equalsIgnoreCase(byte[] a, byte[] b) {
        if (a.length != b.length) {
            return false;
        }
        for (int i = 0; i < a.length; i++) {
            if (toLower(a[i]) != toLower(b[i])) {
                return false;
            }
        }
        return true;
    }
}
