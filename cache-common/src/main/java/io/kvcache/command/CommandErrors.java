package io.kvcache.command;

import java.nio.charset.StandardCharsets;

import io.kvcache.protocol.Request;
import io.kvcache.protocol.RespErrors;

/** The errors of command lookup (server.c processCommand), shared by slave and master. */
public final class CommandErrors {

    private CommandErrors() {
    }

    /**
     * {@code ERR unknown command 'x', with args beginning with: 'a' 'b' }: the name cut at 128
     * bytes, arguments appended while the list is shorter than 128 bytes, each cut to what is left.
     */
    public static String unknownCommand(Request request) {
        StringBuilder args = new StringBuilder();
        for (int i = 1; i < request.argc() && args.length() < 128; i++) {
            int room = 128 - args.length(); // measured before the quote, as sdscatprintf's %.*s is
            args.append('\'').append(cString(request.arg(i), room)).append("' ");
        }
        return "ERR unknown command '" + cString(request.arg(0), 128) + "', with args beginning with: " + args;
    }

    /** The arity error, or null when the argument count fits the spec. */
    public static String checkArity(CommandSpec spec, int argc) {
        return spec.arityAccepts(argc) ? null : RespErrors.wrongArity(spec.name());
    }

    /** printf's %.*s: at most max bytes, stopping at a NUL as C strings do. */
    private static String cString(byte[] bytes, int max) {
        int n = 0;
        while (n < bytes.length && n < max && bytes[n] != 0) {
            n++;
        }
        return new String(bytes, 0, n, StandardCharsets.ISO_8859_1);
    }
}
