package io.kvcache.slave.replication;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;

import org.junit.jupiter.api.Test;
import org.springframework.util.unit.DataSize;

/** The backlog lives in direct memory: a size that cannot fit fails at start, not at an append under the store's lock. */
class ReplicationConfigurationTests {

    @Test
    void aBacklogBeyondTheDirectMemoryLimitFailsAtStart() {
        long tooLarge = Runtime.getRuntime().maxMemory() * 2;
        assertThatThrownBy(() -> new ReplicationConfiguration().replicationBacklog(properties(DataSize.ofBytes(tooLarge))))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("MaxDirectMemorySize");
    }

    @Test
    void theDefaultBacklogFits() {
        ReplicationBacklog backlog = new ReplicationConfiguration().replicationBacklog(properties(DataSize.ofMegabytes(64)));
        byte[] write = "*1\r\n$4\r\nPING\r\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        backlog.append(write, 0, write.length);
        assertThat(backlog.read(0, 100)).isEqualTo(write);
    }

    private static ReplicationProperties properties(DataSize backlogSize) {
        return new ReplicationProperties(AckMode.REPLICAS, backlogSize, DataSize.ofMegabytes(1), DataSize.ofMegabytes(1),
                Duration.ofSeconds(2), Duration.ofMillis(250), 0);
    }
}
