package io.kvcache.config;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.kvcache.protocol.ErrorReply;
import io.kvcache.protocol.Request;
import io.kvcache.protocol.RespErrors;

/**
 * CONFIG's subcommands and the checks Redis 7.0 makes before running one (config.c): the
 * subcommand, its arity, and for SET every name and value, all before anything changes (CONFIG
 * SET of several parameters is all or nothing). Shared by the slave, which runs CONFIG, and the
 * master, which checks a CONFIG SET once before sending it to every slave.
 */
public final class ConfigCommand {

    public enum Subcommand { GET, SET, RESETSTAT, REWRITE, HELP }

    public static final String NO_CONFIG_FILE = "ERR The server is running without a config file";

    public static final List<String> HELP = List.of(
            "CONFIG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
            "GET <pattern>",
            "    Return parameters matching the glob-like <pattern> and their values.",
            "SET <directive> <value>",
            "    Set the configuration <directive> to <value>.",
            "RESETSTAT",
            "    Reset statistics reported by the INFO command.",
            "REWRITE",
            "    Rewrite the configuration file.",
            "HELP",
            "    Prints this help.");

    private ConfigCommand() {
    }

    /** The subcommand of a CONFIG request whose arity fits it; else Redis's error. */
    public static Subcommand subcommand(Request r) {
        Subcommand sub = switch (r.text(1).toLowerCase(java.util.Locale.ROOT)) {
            case "get" -> Subcommand.GET;
            case "set" -> Subcommand.SET;
            case "resetstat" -> Subcommand.RESETSTAT;
            case "rewrite" -> Subcommand.REWRITE;
            case "help" -> Subcommand.HELP;
            default -> throw new ErrorReply(String.format(RespErrors.UNKNOWN_SUBCOMMAND_FORMAT, r.text(1), "CONFIG"));
        };
        boolean arityFits = switch (sub) {
            case GET -> r.argc() >= 3;
            case SET -> r.argc() >= 4;
            default -> r.argc() == 2;
        };
        if (!arityFits) {
            throw new ErrorReply(RespErrors.wrongArity("config|" + sub.name().toLowerCase(java.util.Locale.ROOT)));
        }
        return sub;
    }

    /**
     * CONFIG SET name value [name value ...], checked as configSetCommand does: the first unknown,
     * immutable or repeated name fails the whole request, then the first bad value.
     *
     * @return each parameter with its value in canonical form, in request order
     */
    public static Map<ConfigParameter, String> parseSet(Request r) {
        if ((r.argc() & 1) != 0) {
            throw new ErrorReply(RespErrors.SYNTAX);
        }
        Map<ConfigParameter, String> values = new LinkedHashMap<>();
        for (int i = 2; i < r.argc(); i += 2) {
            String name = r.text(i);
            ConfigParameter p = ConfigParameter.lookup(name);
            if (p == null) {
                throw new ErrorReply("ERR Unknown option or number of arguments for CONFIG SET - '" + name + "'");
            }
            if (!p.mutable()) {
                throw failed(name, ConfigParameter.IMMUTABLE);
            }
            if (values.putIfAbsent(p, r.text(i + 1)) != null) {
                throw failed(name, "duplicate parameter");
            }
        }
        for (Map.Entry<ConfigParameter, String> e : values.entrySet()) {
            try {
                e.setValue(e.getKey().canonical(e.getValue()));
            } catch (ConfigParameter.InvalidValue invalid) {
                throw failed(e.getKey().redisName(), invalid.getMessage());
            }
        }
        return values;
    }

    /** {@code ERR CONFIG SET failed (possibly related to argument 'x') - reason}. */
    public static ErrorReply failed(String name, String reason) {
        return new ErrorReply(RespErrors.sanitize(
                "ERR CONFIG SET failed (possibly related to argument '" + name + "') - " + reason));
    }
}
