package io.kvcache.slave.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.Test;

import io.kvcache.slave.compat.RawRedisClient;
import io.kvcache.slave.support.RunningSlave;

/**
 * maxmemory and its policy as a slave starts with them (kvcache.slave.*), in Redis's units; a
 * value Redis would refuse, or a maxmemory more than half this JVM's heap, stops the start.
 */
class MaxmemorySettingsTests {

    @Test
    void aSlaveStartsWithTheConfiguredMaxmemoryAndPolicyInRedissUnits() throws Exception {
        try (RunningSlave slave = RunningSlave.start("--kvcache.slave.maxmemory=100mb",
                "--kvcache.slave.maxmemory-policy=allkeys-lfu", "--kvcache.slave.maxmemory-samples=10");
             RawRedisClient client = new RawRedisClient(slave.address())) {
            assertThat(text(client.call("CONFIG", "GET", "maxmemory")))
                    .isEqualTo("*2\r\n$9\r\nmaxmemory\r\n$9\r\n104857600\r\n");
            assertThat(text(client.call("CONFIG", "GET", "maxmemory-policy"))).contains("allkeys-lfu");
            assertThat(text(client.call("CONFIG", "GET", "maxmemory-samples"))).endsWith("$2\r\n10\r\n");
            assertThat(text(client.call("INFO", "memory"))).contains("maxmemory:104857600\r\n",
                    "maxmemory_human:100.00M\r\n", "maxmemory_policy:allkeys-lfu\r\n");
        }
    }

    @Test
    void aSlaveRefusesToStartWithAMaxmemoryItsHeapCannotHold() {
        long tooMuch = Runtime.getRuntime().maxMemory() / 100 * 50 + (1 << 20);
        assertThatThrownBy(() -> RunningSlave.start("--kvcache.slave.maxmemory=" + tooMuch).close())
                .rootCause().hasMessageContaining("kvcache.slave.maxmemory=" + tooMuch)
                .hasMessageContaining("is more than 50% of the JVM heap");
    }

    @Test
    void aSlaveRefusesToStartWithValuesRedisWouldRefuse() {
        assertThatThrownBy(() -> RunningSlave.start("--kvcache.slave.maxmemory=1.5gb").close())
                .rootCause().hasMessage("kvcache.slave.maxmemory=1.5gb: argument must be a memory value");
        assertThatThrownBy(() -> RunningSlave.start("--kvcache.slave.maxmemory-policy=lru").close())
                .rootCause().hasMessageStartingWith("kvcache.slave.maxmemory-policy=lru: argument(s) must be one of");
    }

    @Test
    void configSetRefusesAMaxmemoryTheHeapCannotHold() throws Exception {
        long tooMuch = Runtime.getRuntime().maxMemory();
        try (RunningSlave slave = RunningSlave.start();
             RawRedisClient client = new RawRedisClient(slave.address())) {
            assertThat(text(client.call("CONFIG", "SET", "maxmemory", Long.toString(tooMuch))))
                    .startsWith("-ERR CONFIG SET failed (possibly related to argument 'maxmemory') - maxmemory "
                            + tooMuch + " is more than 50% of the JVM heap");
            assertThat(text(client.call("CONFIG", "GET", "maxmemory"))).endsWith("$1\r\n0\r\n");
        }
    }

    private static String text(byte[] reply) {
        return new String(reply, StandardCharsets.ISO_8859_1);
    }
}
