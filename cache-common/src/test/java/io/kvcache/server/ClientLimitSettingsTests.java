package io.kvcache.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;

import org.junit.jupiter.api.Test;

import io.kvcache.protocol.ClientMemory;
import io.kvcache.protocol.RedisSizes;

/** The limits read as redis.conf writes them. */
class ClientLimitSettingsTests {

    @Test
    void sizesFollowRedisUnits() {
        assertThat(RedisSizes.parse("0")).isZero();
        assertThat(RedisSizes.parse("100")).isEqualTo(100);
        assertThat(RedisSizes.parse("1k")).isEqualTo(1000);
        assertThat(RedisSizes.parse("1kb")).isEqualTo(1024);
        assertThat(RedisSizes.parse("64MB")).isEqualTo(64L * 1024 * 1024);
        assertThat(RedisSizes.parse("2g")).isEqualTo(2_000_000_000L);
        assertThat(RedisSizes.parse("1gb")).isEqualTo(1L << 30);
        assertThatThrownBy(() -> RedisSizes.parse("-1mb")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> RedisSizes.parse("12tb")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void outputBufferLimitIsHardSoftAndSeconds() {
        assertThat(OutputBufferLimit.parse("256mb 64mb 60"))
                .isEqualTo(new OutputBufferLimit(256L << 20, 64L << 20, Duration.ofSeconds(60)));
        assertThat(OutputBufferLimit.parse("0 0 0")).isEqualTo(OutputBufferLimit.NONE);
        assertThatThrownBy(() -> OutputBufferLimit.parse("256mb 64mb")).isInstanceOf(IllegalArgumentException.class);
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
