package io.kvcache.slave.dispatch;

import io.kvcache.protocol.GlobMatcher;
import static io.kvcache.command.Commands.CONFIG;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.kvcache.command.Handlers;
import io.kvcache.command.Session;
import io.kvcache.config.ConfigCommand;
import io.kvcache.config.ConfigParameter;
import io.kvcache.config.MaxmemoryPolicy;
import io.kvcache.config.KeyspaceEventFlags;
import io.kvcache.protocol.ErrorReply;
import io.kvcache.protocol.Request;
import io.kvcache.protocol.RespWriter;
import io.kvcache.slave.store.Eviction;
import io.kvcache.slave.store.HeapBudget;
import io.kvcache.slave.store.Keyspace;

/**
 * CONFIG on a slave (config.c): GET of the parameters {@link ConfigParameter} lists, SET of the
 * eviction settings (all or nothing), RESETSTAT, and REWRITE answering as a Redis started without
 * a config file. Runs under the dispatcher's lock, as every command.
 */
public final class ConfigCommands {

    private static final Logger log = LoggerFactory.getLogger(ConfigCommands.class);

    private final Eviction eviction;
    private final Keyspace db;
    private final Map<ConfigParameter, String> fixed;
    private final java.util.function.Supplier<CommandDispatcher> dispatcher;

    /**
     * @param fixed   the values of the parameters set at start only
     * @param dispatcher the store's dispatcher, once it exists: its scripts (busy-reply-threshold) and
     *                   keyspace events (notify-keyspace-events)
     */
    public ConfigCommands(Eviction eviction, Keyspace db, Map<ConfigParameter, String> fixed,
                          java.util.function.Supplier<CommandDispatcher> dispatcher) {
        this.eviction = eviction;
        this.db = db;
        this.dispatcher = dispatcher;
        this.fixed = new EnumMap<>(ConfigParameter.class);
        this.fixed.putAll(fixed);
    }

    public void register(Handlers h) {
        h.on(CONFIG, this::config);
    }

    private void config(Request r, RespWriter out, Session s) {
        switch (ConfigCommand.subcommand(r)) {
            case GET -> get(r, out);
            case SET -> set(r, out);
            case RESETSTAT -> {
                db.resetStats();
                eviction.resetStats();
                out.ok();
            }
            case REWRITE -> throw new ErrorReply(ConfigCommand.NO_CONFIG_FILE);
            case HELP -> {
                out.array(ConfigCommand.HELP.size());
                ConfigCommand.HELP.forEach(out::simple);
            }
        }
    }

    /**
     * CONFIG GET pattern [pattern ...]: name/value pairs. A name without glob characters is
     * answered as spelled; a pattern matches names in any case. Redis answers in its dictionary's
     * order; kvcache in the order of {@link ConfigParameter}.
     */
    private void get(Request r, RespWriter out) {
        List<String> names = new ArrayList<>();
        List<ConfigParameter> matched = new ArrayList<>();
        for (int i = 2; i < r.argc(); i++) {
            String pattern = r.text(i);
            if (pattern.chars().noneMatch(c -> c == '*' || c == '?' || c == '[')) {
                ConfigParameter p = ConfigParameter.lookup(pattern);
                if (p != null && !matched.contains(p)) {
                    matched.add(p);
                    names.add(pattern);
                }
                continue;
            }
            for (ConfigParameter p : ConfigParameter.values()) {
                if (!matched.contains(p) && GlobMatcher.matchesIgnoreCase(r.arg(i),
                        p.redisName().getBytes(StandardCharsets.US_ASCII))) {
                    matched.add(p);
                    names.add(p.redisName());
                }
            }
        }
        out.array(2 * matched.size());
        for (int i = 0; i < matched.size(); i++) {
            out.bulk(names.get(i)).bulk(value(matched.get(i)));
        }
    }

    private String value(ConfigParameter p) {
        return switch (p) {
            case MAXMEMORY -> Long.toString(eviction.maxmemory());
            case MAXMEMORY_POLICY -> eviction.policy().redisName();
            case MAXMEMORY_SAMPLES -> Integer.toString(eviction.samples());
            case LFU_LOG_FACTOR -> Integer.toString(eviction.lfuLogFactor());
            case LFU_DECAY_TIME -> Integer.toString(eviction.lfuDecayTime());
            case BUSY_REPLY_THRESHOLD -> Long.toString(dispatcher.get().scripts().busyThresholdMillis());
            case NOTIFY_KEYSPACE_EVENTS -> {
                KeyspaceEvents events = dispatcher.get().keyspaceEvents();
                yield KeyspaceEventFlags.format(events == null ? 0 : events.flags());
            }
            default -> fixed.getOrDefault(p, "");
        };
    }

    /** CONFIG SET name value [name value ...]: every pair is checked before any is applied. */
    private void set(Request r, RespWriter out) {
        Map<ConfigParameter, String> values = ConfigCommand.parseSet(r);
        String maxmemory = values.get(ConfigParameter.MAXMEMORY);
        if (maxmemory != null) {
            String refusal = HeapBudget.refusal(Long.parseLong(maxmemory));
            if (refusal != null) {
                throw ConfigCommand.failed(ConfigParameter.MAXMEMORY.redisName(), refusal);
            }
        }
        values.forEach((p, v) -> {
            if (p == ConfigParameter.BUSY_REPLY_THRESHOLD) {
                dispatcher.get().scripts().busyThresholdMillis(Long.parseLong(v));
            } else if (p == ConfigParameter.NOTIFY_KEYSPACE_EVENTS) {
                KeyspaceEvents events = dispatcher.get().keyspaceEvents();
                if (events != null) {
                    events.flags(KeyspaceEventFlags.parse(v));
                }
            } else {
                apply(eviction, p, v);
            }
        });
        log.info("CONFIG SET {}", values);
        out.ok();
    }

    /** Applies one checked value (in canonical form) to the eviction settings. */
    public static void apply(Eviction eviction, ConfigParameter p, String value) {
        switch (p) {
            case MAXMEMORY -> eviction.maxmemory(Long.parseLong(value));
            case MAXMEMORY_POLICY -> eviction.policy(MaxmemoryPolicy.parse(value));
            case MAXMEMORY_SAMPLES -> eviction.samples(Integer.parseInt(value));
            case LFU_LOG_FACTOR -> eviction.lfuLogFactor(Integer.parseInt(value));
            case LFU_DECAY_TIME -> eviction.lfuDecayTime(Integer.parseInt(value));
            default -> throw new IllegalArgumentException(p + " cannot be set");
        }
    }
}
