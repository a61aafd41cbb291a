package io.kvcache.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;

import org.junit.jupiter.api.Test;

import io.kvcache.protocol.ClientMemory;

/** The limits read as redis.conf writes them. */
class ClientLimitSettingsTests {

    @Test
    void outputBufferLimitIsHardSoftAndSeconds() {
        assertThat(OutputBufferLimit.parse("256mb 64mb 60"))
                .isEqualTo(new OutputBufferLimit(256L << 20, 64L << 20, Duration.ofSeconds(60)));
        assertThat(OutputBufferLimit.parse("0 0 0")).isEqualTo(OutputBufferLimit.NONE);
        assertThat(OutputBufferLimit.parse("1gb  100k 5").hard()).isEqualTo(1L << 30);
        assertThat(OutputBufferLimit.parse("1gb  100k 5").soft()).isEqualTo(100_000);
        assertThatThrownBy(() -> OutputBufferLimit.parse("256mb 64mb")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> OutputBufferLimit.parse("-1mb 0 0")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> OutputBufferLimit.parse("12tb 0 0")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void clientMemoryIsASizeAPercentageOfTheHeapOrNone() {
        assertThat(ClientMemory.parse("0")).isSameAs(ClientMemory.UNLIMITED);
        assertThat(ClientMemory.parse("512mb").capacity()).isEqualTo(512L << 20);
        assertThat(ClientMemory.parse("50%").capacity()).isEqualTo(Runtime.getRuntime().maxMemory() / 2);
        assertThatThrownBy(() -> ClientMemory.parse("150%")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aShareReservesInStepsBeyondItsAllowanceAndGivesBackOnClose() {
        ClientMemory memory = new ClientMemory(4L << 20);
        ClientMemory.Share share = memory.share();
        assertThat(share.cover(ClientMemory.FREE_PER_CLIENT)).isTrue();
        assertThat(memory.used()).as("within the free allowance").isZero();
        assertThat(share.cover(ClientMemory.FREE_PER_CLIENT + 1)).isTrue();
        assertThat(memory.used()).isEqualTo(ClientMemory.STEP);
        assertThat(share.cover(ClientMemory.FREE_PER_CLIENT + (5L << 20))).isFalse();
        assertThat(memory.used()).as("a refused reservation takes nothing").isEqualTo(ClientMemory.STEP);
        share.close();
        assertThat(memory.used()).isZero();
        assertThat(share.cover(ClientMemory.FREE_PER_CLIENT + 1)).as("closed for good").isFalse();
    }
}
