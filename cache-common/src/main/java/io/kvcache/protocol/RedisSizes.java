package io.kvcache.protocol;

import java.util.Locale;

/** Memory sizes as redis.conf writes them (util.c memtoull): {@code 1k} = 1000, {@code 1kb} = 1024, ... */
public final class RedisSizes {

    private RedisSizes() {
    }

    /** Parses {@code 512mb}, {@code 1gb}, {@code 64k}, {@code 0}, ... (case-insensitive; b k kb m mb g gb). */
    public static long parse(String text) {
        String s = text.trim().toLowerCase(Locale.ROOT);
        int digits = 0;
        while (digits < s.length() && Character.isDigit(s.charAt(digits))) {
            digits++;
        }
        if (digits == 0) {
            throw new IllegalArgumentException("not a memory size: '" + text + "'");
        }
        long multiplier = switch (s.substring(digits)) {
            case "", "b" -> 1;
            case "k" -> 1000;
            case "kb" -> 1024;
            case "m" -> 1000 * 1000;
            case "mb" -> 1024 * 1024;
            case "g" -> 1000L * 1000 * 1000;
            case "gb" -> 1024L * 1024 * 1024;
            default -> throw new IllegalArgumentException("not a memory size: '" + text + "'");
        };
        return Math.multiplyExact(Long.parseLong(s.substring(0, digits)), multiplier);
    }
}
