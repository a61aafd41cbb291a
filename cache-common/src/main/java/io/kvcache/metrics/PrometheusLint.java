package io.kvcache.metrics;

import java.util.Map;
import java.util.Set;

import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.config.MeterFilter;
import io.micrometer.core.instrument.config.MeterFilterReply;

/**
 * Keeps {@code /actuator/prometheus} clean under {@code promtool check metrics}: gives the
 * framework's undescribed meters a HELP text, and drops the few whose Prometheus names break its
 * naming rules (units abbreviated as ms/ns, a gauge ending in _count) or that a cache does not
 * have (servlet sessions).
 */
public final class PrometheusLint implements MeterFilter {

    private static final Map<String, String> DESCRIPTIONS = Map.of(
            "http.server.requests", "HTTP requests served (admin, actuator, replication REST)",
            "http.server.requests.active", "HTTP requests being served");
    private static final Set<String> DROPPED = Set.of("jvm.compilation.time", "process.cpu.time", "system.cpu.count");

    @Override
    public Meter.Id map(Meter.Id id) {
        String description = DESCRIPTIONS.get(id.getName());
        if (description != null && (id.getDescription() == null || id.getDescription().isEmpty())) {
            return new Meter.Id(id.getName(), Tags.of(id.getTagsAsIterable()), id.getBaseUnit(), description,
                    id.getType());
        }
        return id;
    }

    @Override
    public MeterFilterReply accept(Meter.Id id) {
        if (DROPPED.contains(id.getName()) || id.getName().startsWith("tomcat.sessions")) {
            return MeterFilterReply.DENY;
        }
        return MeterFilterReply.NEUTRAL;
    }
}
