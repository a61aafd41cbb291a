package io.kvcache.slave.replication;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;

import org.junit.jupiter.api.Test;

class WriteWaitersTests {

    private record W(long offset) implements WriteWaiters.Waiter {
    }

    private final WriteWaiters waiters = new WriteWaiters();

    @Test
    void completesEveryWaiterAtOrBelowTheOffsetInOffsetOrder() {
        waiters.add(new W(10));
        waiters.add(new W(20));
        waiters.add(new W(20));
        waiters.add(new W(35));
        assertThat(waiters.upTo(9)).isEmpty();
        assertThat(waiters.upTo(20)).containsExactly(new W(10), new W(20), new W(20));
        assertThat(waiters.size()).isOne();
        assertThat(waiters.upTo(100)).containsExactly(new W(35));
        assertThat(waiters.size()).isZero();
    }

    @Test
    void aWaiterThatRegistersLateIsStillCompletedInOffsetOrder() {
        waiters.add(new W(10));
        waiters.add(new W(30));
        waiters.add(new W(20)); // its connection registered after a later write's
        waiters.add(new W(40));
        waiters.add(new W(5));
        assertThat(waiters.upTo(25)).containsExactly(new W(5), new W(10), new W(20));
        assertThat(waiters.upTo(30)).containsExactly(new W(30));
        assertThat(waiters.all()).isEqualTo(List.of(new W(40)));
        assertThat(waiters.upTo(Long.MAX_VALUE)).isEmpty();
    }
}
