package io.kvcache.io;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;

class IoLoopTests {

    @Test
    void tasksFromOtherThreadsRunOnTheLoopInOrder() throws Exception {
        try (IoLoops loops = new IoLoops("test-io", 2)) {
            IoLoop loop = loops.get(1);
            List<Integer> seen = new CopyOnWriteArrayList<>();
            CompletableFuture<Boolean> onLoop = new CompletableFuture<>();
            for (int i = 0; i < 100; i++) {
                int n = i;
                loop.execute(() -> seen.add(n));
            }
            loop.execute(() -> onLoop.complete(loop.inLoop() && loops.current() == loop && loop.index() == 1));
            assertThat(onLoop.get(5, TimeUnit.SECONDS)).isTrue();
            assertThat(seen).hasSize(100).isSorted();
            assertThat(loop.inLoop()).isFalse();
            assertThat(loops.current()).isNull();
        }
    }

    @Test
    void endOfTurnRunsOnceAfterTheTurnsTasks() throws Exception {
        try (IoLoops loops = new IoLoops("test-io", 1)) {
            IoLoop loop = loops.get(0);
            List<String> order = new CopyOnWriteArrayList<>();
            CountDownLatch flushed = new CountDownLatch(1);
            CountDownLatch release = new CountDownLatch(1);
            CountDownLatch holding = new CountDownLatch(1);
            // Hold the loop inside a turn of its own, so that the two tasks below are both queued before
            // the next turn counts what it drains: one turn. (Queued while the loop was waking, the
            // first of them could otherwise be counted into the holding task's turn without the second.)
            loop.execute(() -> {
                holding.countDown();
                try {
                    release.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            assertThat(holding.await(5, TimeUnit.SECONDS)).isTrue();
            loop.execute(() -> {
                // Two requests in one turn ask for one flush: it runs after both.
                order.add("a");
                loop.atEndOfTurn(() -> {
                    order.add("flush");
                    flushed.countDown();
                });
                loop.execute(() -> order.add("next turn"));
            });
            loop.execute(() -> order.add("b"));
            release.countDown();
            assertThat(flushed.await(5, TimeUnit.SECONDS)).isTrue();
            CompletableFuture<Void> drained = new CompletableFuture<>();
            loop.execute(() -> drained.complete(null));
            drained.get(5, TimeUnit.SECONDS);
            assertThat(order).containsExactly("a", "b", "flush", "next turn");
        }
    }

    @Test
    void aTickRunsUntilItReturnsFalse() throws Exception {
        try (IoLoops loops = new IoLoops("test-io", 1)) {
            AtomicInteger runs = new AtomicInteger();
            CountDownLatch third = new CountDownLatch(3);
            loops.get(0).every100ms(() -> {
                third.countDown();
                return runs.incrementAndGet() < 3;
            });
            assertThat(third.await(5, TimeUnit.SECONDS)).isTrue();
            CountDownLatch later = new CountDownLatch(1);
            loops.get(0).every100ms(() -> {
                later.countDown();
                return runs.get() < 0; // once
            });
            // Two more ticks: the first tick, once removed, does not run again.
            assertThat(later.await(5, TimeUnit.SECONDS)).isTrue();
            CountDownLatch twoTicks = new CountDownLatch(2);
            loops.get(0).every100ms(() -> {
                twoTicks.countDown();
                return twoTicks.getCount() > 0;
            });
            assertThat(twoTicks.await(5, TimeUnit.SECONDS)).isTrue();
            assertThat(runs.get()).isEqualTo(3);
        }
    }
}
