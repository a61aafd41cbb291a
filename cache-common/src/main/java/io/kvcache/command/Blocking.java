package io.kvcache.command;

import java.util.List;

/**
 * What a blocking command waits for when it found nothing to pop: one of keys to hold a value of
 * type (as TYPE names it: "list", "zset"), for up to timeoutMillis (0: for ever). When it times
 * out, the client hears a null array, whatever the command (Redis's replyToBlockedClientTimedOut,
 * BLMOVE's too).
 */
public record Blocking(List<byte[]> keys, String type, long timeoutMillis) {
}
