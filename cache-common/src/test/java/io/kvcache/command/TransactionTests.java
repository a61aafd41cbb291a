package io.kvcache.command;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

import io.kvcache.protocol.ClientMemory;
import io.kvcache.protocol.Request;

/** A queued transaction holds client memory from the port's budget until it ends, however it ends. */
class TransactionTests {

    private final ClientMemory budget = new ClientMemory(4096);

    @Test
    void queuingStopsWhenTheBudgetIsSpentAndEndingGivesItBack() {
        Session session = new Session(1, "c1", "127.0.0.1:1");
        Transaction tx = session.beginTransaction();
        int queued = 0;
        while (tx.reserve(budget, Request.of("SET", "key", "x".repeat(100)))) {
            queued++;
        }
        assertThat(queued).isBetween(10, 30);
        assertThat(budget.used()).isPositive();
        session.endTransaction();
        assertThat(budget.used()).isZero();
    }

    @Test
    void aClientGoneWithATransactionOpenGivesItsMemoryBack() {
        Session session = new Session(2, "c2", "127.0.0.1:2");
        assertThat(session.beginTransaction().reserve(budget, Request.of("SET", "k", "v"))).isTrue();
        assertThat(budget.used()).isPositive();
        session.disconnected();
        assertThat(budget.used()).isZero();
    }
}
