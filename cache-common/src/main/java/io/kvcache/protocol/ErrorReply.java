package io.kvcache.protocol;

/**
 * An error reply raised while a command is parsed or checked, before it changed anything; the
 * dispatcher writes it as {@code -message}. No stack trace: this is control flow, not a fault.
 */
public final class ErrorReply extends RuntimeException {

    public ErrorReply(String message) {
        super(message, null, false, false);
    }
}
