package io.kvcache.slave.dispatch;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;

import io.kvcache.command.CommandSpec;
import io.kvcache.command.Session;
import io.kvcache.protocol.Request;
import io.kvcache.protocol.RespWriter;

/**
 * What a transaction looks like to others on one slave: a client blocked on a key the transaction
 * fills is served after EXEC, never between its commands; the writes reach the replication stream
 * between MULTI and EXEC (only when it wrote), and a transaction of reads adds nothing to it.
 */
class TransactionDispatchTests {

    private final StoreFixture store = new StoreFixture();

    @Test
    void aBlockedClientIsServedAfterExecNotInTheMiddle() {
        Session blockedSession = store.clients.session("blocked", "127.0.0.1:50001");
        RespWriter blockedOut = new RespWriter();
        AtomicLong ended = new AtomicLong(Long.MIN_VALUE);
        store.dispatcher.execute(List.of(Request.of("BLPOP", "list", "0")), blockedSession, blockedOut, ended::set);
        assertThat(ended.get()).as("BLPOP waits").isEqualTo(Long.MIN_VALUE);

        assertThat(store.call("MULTI")).isEqualTo("+OK\r\n");
        store.call("LPUSH", "list", "a");
        store.call("LLEN", "list");
        assertThat(store.call("EXEC")).isEqualTo("*2\r\n:1\r\n:1\r\n");

        assertThat(ended.get()).as("served once EXEC is done").isNotEqualTo(Long.MIN_VALUE);
        assertThat(new String(blockedOut.toByteArray(), StandardCharsets.ISO_8859_1))
                .isEqualTo("*2\r\n$4\r\nlist\r\n$1\r\na\r\n");
        assertThat(store.call("LLEN", "list")).isEqualTo(":0\r\n");
    }

    @Test
    void writesAreBracketedByMultiAndExecInTheStreamAndReadsAddNothing() {
        List<String> stream = new ArrayList<>();
        store.dispatcher.propagation(new WritePropagation() {
            @Override
            public String refuseWrite() {
                return null;
            }

            @Override
            public void beforeWrite(CommandSpec spec, Request request) {
            }

            @Override
            public void afterWrite(CommandSpec spec, Request request) {
                stream.add(String.join(" ", texts(request)));
            }

            @Override
            public void transactionMarker(Request marker) {
                stream.add(marker.text(0));
            }

            @Override
            public long offset() {
                return stream.size();
            }
        });
        store.call("MULTI");
        store.call("GET", "a");
        store.call("SET", "a", "1");
        store.call("LPUSH", "a", "x"); // WRONGTYPE: not replicated
        store.call("INCR", "n");
        store.call("EXEC");
        store.call("MULTI");
        store.call("GET", "a");
        store.call("EXEC");
        assertThat(stream).containsExactly("MULTI", "SET a 1", "INCR n", "EXEC");

        // A script's writes: one unit too, alone or inside a transaction, and the batch waits for them.
        stream.clear();
        String script = "redis.call('set', KEYS[1], 'v') return redis.call('incr', KEYS[2])";
        assertThat(store.dispatcher.execute(List.of(Request.of("EVAL", script, "2", "s", "m")), store.session,
                new io.kvcache.protocol.RespWriter())).as("the offset its client waits for").isPositive();
        store.call("MULTI");
        store.call("EVAL", script, "2", "s", "m");
        io.kvcache.protocol.RespWriter exec = new io.kvcache.protocol.RespWriter();
        assertThat(store.dispatcher.execute(List.of(Request.of("EXEC")), store.session, exec))
                .as("an EXEC that only ran a script: %s", exec).isPositive();
        // (markers are listed by their first word: SCRIPT is the script's SCRIPT LOAD, its first time here)
        assertThat(stream).containsExactly("SCRIPT", "MULTI", "set s v", "incr m", "EXEC",
                "MULTI", "set s v", "incr m", "EXEC");
    }

    @Test
    void aWatchedKeyThatExpiresOrIsEvictedAbortsExec() {
        store.call("SET", "session", "x", "PX", "100");
        store.call("WATCH", "session");
        store.advance(200);
        store.call("MULTI");
        store.call("PING");
        assertThat(store.call("EXEC")).isEqualTo("*-1\r\n");

        store.call("SET", "cached", "x");
        store.call("WATCH", "cached");
        store.call("MULTI");
        store.call("PING");
        assertThat(store.call("EXEC")).as("untouched").isEqualTo("*1\r\n+PONG\r\n");
    }

    @Test
    void aClosedConnectionLeavesNoWatchBehind() {
        Session leaving = store.clients.session("leaving", "127.0.0.1:50003");
        RespWriter out = new RespWriter();
        store.dispatcher.execute(List.of(Request.of("WATCH", "k")), leaving, out);
        assertThat(new String(out.toByteArray(), StandardCharsets.ISO_8859_1)).isEqualTo("+OK\r\n");
        store.call("WATCH", "k", "other");
        assertThat(store.dispatcher.watchedKeys()).isEqualTo(2);
        store.clients.closed("leaving");
        assertThat(store.dispatcher.watchedKeys()).isEqualTo(2); // "k" is still watched by the other client
        store.call("UNWATCH");
        assertThat(store.dispatcher.watchedKeys()).isZero();
        store.call("WATCH", "k");
        store.call("MULTI");
        store.call("EXEC");
        assertThat(store.dispatcher.watchedKeys()).as("EXEC unwatches").isZero();
    }

    private static List<String> texts(Request r) {
        List<String> texts = new ArrayList<>();
        for (int i = 0; i < r.argc(); i++) {
            texts.add(r.text(i));
        }
        return texts;
    }
}
