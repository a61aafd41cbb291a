package io.kvcache.master.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;

import io.kvcache.server.ClientPolicy;
import io.kvcache.server.OutputBufferLimit;

/** The master's settings as an operator writes them, and what protected mode makes of them. */
class MasterPropertiesTests {

    private static MasterProperties bind(String... pairs) {
        Map<String, String> map = new HashMap<>();
        for (int i = 0; i < pairs.length; i += 2) {
            map.put("kvcache.master." + pairs[i], pairs[i + 1]);
        }
        return new Binder(new MapConfigurationPropertySource(map))
                .bindOrCreate("kvcache.master", MasterProperties.class);
    }

    @Test
    void defaultsAreRedissAndTheOutputLimitIsSafe() {
        MasterProperties p = bind();
        ClientPolicy policy = p.clientPolicy();
        assertThat(policy.maxClients()).isEqualTo(10_000);
        assertThat(policy.idleTimeout()).isZero();
        assertThat(p.tcpKeepalive()).isEqualTo(Duration.ofSeconds(300));
        assertThat(p.limits().maxBulkLength()).isEqualTo(512L << 20);
        assertThat(p.limits().maxQueryBuffer()).isEqualTo(1L << 30);
        assertThat(policy.outputLimit()).isEqualTo(new OutputBufferLimit(256L << 20, 64L << 20, Duration.ofSeconds(60)));
        assertThat(policy.passwordRequired()).isFalse();
        assertThat(policy.loopbackOnly()).as("protected mode, loopback bind").isTrue();
    }

    @Test
    void redisSpellingsOfTheLimitsBind() {
        MasterProperties p = bind("maxclients", "50", "timeout", "300", "tcp-keepalive", "60",
                "client-output-buffer-limit", "32mb 8mb 10", "protected-mode", "no");
        assertThat(p.clientPolicy().maxClients()).isEqualTo(50);
        assertThat(p.clientPolicy().idleTimeout()).isEqualTo(Duration.ofSeconds(300));
        assertThat(p.tcpKeepalive()).isEqualTo(Duration.ofSeconds(60));
        assertThat(p.clientPolicy().outputLimit().hard()).isEqualTo(32L << 20);
        assertThat(p.clientPolicy().loopbackOnly()).isFalse();
    }

    /** docs/security.md: binding every interface (the images do) keeps protection; a chosen address lifts it. */
    @Test
    void protectedModeHoldsUnlessAPasswordIsSetOrTheOperatorBindsASpecificNetworkAddress() {
        assertThat(bind("bind", "0.0.0.0").loopbackOnly()).isTrue();
        assertThat(bind("bind", "::").loopbackOnly()).isTrue();
        assertThat(bind("bind", "127.0.0.1").loopbackOnly()).isTrue();
        assertThat(bind("bind", "10.1.2.3").loopbackOnly()).isFalse();
        assertThat(bind("bind", "0.0.0.0", "requirepass", "s3cret").loopbackOnly()).isFalse();
        assertThat(bind("bind", "0.0.0.0", "protected-mode", "false").loopbackOnly()).isFalse();
    }

    @Test
    void thePasswordNeverAppearsInTheSettingsAsText() {
        assertThat(bind("requirepass", "hunter2-horse").toString()).doesNotContain("hunter2").contains("******");
    }
}
