package io.kvcache.config;

/**
 * Redis's memory values (util.c memtoull): digits and an optional unit, b, k (1000), kb (1024),
 * m, mb, g, gb, in any case: {@code 100mb} is 104857600 bytes, {@code 100m} 100000000. No sign,
 * spaces or fraction. Values past 2^63-1 saturate (Redis's unsigned arithmetic would wrap; no
 * heap holds either).
 */
public final class MemoryValue {

    private MemoryValue() {
    }

    /** The bytes the text stands for, or -1 when it is not a memory value. */
    public static long parse(String text) {
        int digits = 0;
        while (digits < text.length() && text.charAt(digits) >= '0' && text.charAt(digits) <= '9') {
            digits++;
        }
        long unit = switch (text.substring(digits).toLowerCase(java.util.Locale.ROOT)) {
            case "", "b" -> 1;
            case "k" -> 1000;
            case "kb" -> 1024;
            case "m" -> 1000 * 1000;
            case "mb" -> 1024 * 1024;
            case "g" -> 1000L * 1000 * 1000;
            case "gb" -> 1024L * 1024 * 1024;
            default -> -1;
        };
        if (unit < 0) {
            return -1;
        }
        long value = 0; // memtoull gives 0 for a unit without digits ("mb"), as strtoull of ""
        for (int i = 0; i < digits; i++) {
            int d = text.charAt(i) - '0';
            if (value > (Long.MAX_VALUE - d) / 10) {
                return Long.MAX_VALUE;
            }
            value = value * 10 + d;
        }
        return value > Long.MAX_VALUE / unit ? Long.MAX_VALUE : value * unit;
    }

    /** util.c bytesToHuman, as INFO prints sizes: 512B, 1.00K, 2.50M, 64.00M, 1.50G. */
    public static String human(long bytes) {
        if (bytes < 1024) {
            return bytes + "B";
        }
        String[] units = {"K", "M", "G", "T", "P"};
        double value = bytes;
        int unit = -1;
        while (value >= 1024 && unit < units.length - 1) {
            value /= 1024;
            unit++;
        }
        return String.format(java.util.Locale.ROOT, "%.2f%s", value, units[unit]);
    }
}
