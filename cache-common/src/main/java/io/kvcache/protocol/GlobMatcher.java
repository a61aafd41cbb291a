package io.kvcache.protocol;

/**
 * Redis's glob matching (util.c stringmatchlen): * ? [abc] [^a-z] and \ escapes, binary-safe.
 * Like Redis 7.0.x after CVE-2022-36021, recursion is bounded and a pattern that would
 * backtrack without end gives up: stars are handled by skipping longer matches.
 * Note that, as in Redis, "*" does not match the empty string: KEYS and SCAN treat a lone "*"
 * as "everything" before calling this.
 */
public final class GlobMatcher {

    private static final int MAX_NESTING = 1000;

    private GlobMatcher() {
    }

    public static boolean matches(byte[] pattern, byte[] string) {
        boolean[] skipLongerMatches = new boolean[1];
        return match(pattern, 0, string, 0, false, skipLongerMatches, 0);
    }

    /** stringmatchlen with nocase set (CONFIG GET's patterns). */
    public static boolean matchesIgnoreCase(byte[] pattern, byte[] string) {
        boolean[] skipLongerMatches = new boolean[1];
        return match(pattern, 0, string, 0, true, skipLongerMatches, 0);
    }

    private static boolean match(byte[] p, int pi, byte[] s, int si, boolean nocase, boolean[] skipLonger,
                                 int nesting) {
        if (nesting > MAX_NESTING) {
            return false;
        }
        int plen = p.length;
        int slen = s.length;
        while (pi < plen && si < slen) {
            switch (p[pi]) {
                case '*' -> {
                    while (pi + 1 < plen && p[pi + 1] == '*') {
                        pi++;
                    }
                    if (pi + 1 == plen) {
                        return true;
                    }
                    while (si < slen) {
                        if (match(p, pi + 1, s, si, nocase, skipLonger, nesting + 1)) {
                            return true;
                        }
                        if (skipLonger[0]) {
                            return false;
                        }
                        si++;
                    }
                    skipLonger[0] = true;
                    return false;
                }
                case '?' -> si++;
                case '[' -> {
                    pi++;
                    boolean not = pi < plen && p[pi] == '^';
                    if (not) {
                        pi++;
                    }
                    boolean match = false;
                    while (true) {
                        if (pi < plen && p[pi] == '\\' && plen - pi >= 2) {
                            pi++;
                            if (same(p[pi], s[si], nocase)) {
                                match = true;
                            }
                        } else if (pi >= plen || p[pi] == ']') {
                            break;
                        } else if (plen - pi >= 3 && p[pi + 1] == '-') {
                            // C's char is signed on x86: bytes >= 0x80 compare as negative, as in Redis.
                            int start = nocase ? lower(p[pi]) : p[pi];
                            int end = nocase ? lower(p[pi + 2]) : p[pi + 2];
                            int c = nocase ? lower(s[si]) : s[si];
                            if (start > end) {
                                int t = start;
                                start = end;
                                end = t;
                            }
                            pi += 2;
                            if (c >= start && c <= end) {
                                match = true;
                            }
                        } else if (same(p[pi], s[si], nocase)) {
                            match = true;
                        }
                        pi++;
                    }
                    if (pi >= plen) {
                        // Redis: an unterminated class ends the pattern here ("pattern--" then loop exit)
                        pi--;
                    }
                    if (not) {
                        match = !match;
                    }
                    if (!match) {
                        return false;
                    }
                    si++;
                }
                case '\\' -> {
                    if (plen - pi >= 2) {
                        pi++;
                    }
                    if (!same(p[pi], s[si], nocase)) {
                        return false;
                    }
                    si++;
                }
                default -> {
                    if (!same(p[pi], s[si], nocase)) {
                        return false;
                    }
                    si++;
                }
            }
            pi++;
            if (si == slen) {
                while (pi < plen && p[pi] == '*') {
                    pi++;
                }
                break;
            }
        }
        return pi == plen && si == slen;
    }

    private static boolean same(byte a, byte b, boolean nocase) {
        return a == b || nocase && lower(a) == lower(b);
    }

    /** C's tolower in the C locale: only A-Z change. */
    private static int lower(byte c) {
        return c >= 'A' && c <= 'Z' ? c + 32 : c;
    }
}
