package io.kvcache.slave.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

import io.kvcache.slave.compat.RedisServerProcess;
import io.kvcache.slave.support.RunningSlave;

/**
 * A slave given the cluster secret (as every slave of a cluster is) requires it on its data port,
 * as redis-server requires its requirepass: beside a redis-server started with
 * {@code --requirepass <the secret>}, the same bytes before AUTH ({@code -NOAUTH Authentication
 * required.} for every command but AUTH, HELLO and QUIT; unknown commands and arity errors first, as
 * Redis checks them first), the same refusals of a wrong password, the same unauthenticated protocol
 * limits, and the commands served once AUTH (or HELLO ... AUTH) gave the secret. A slave without a
 * secret (alone, no master) stays open, as the other data port tests show.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class DataPortAuthIntegrationTests {

    private static final String SECRET = "cluster-" + UUID.randomUUID();
    private static final String NOAUTH = "-NOAUTH Authentication required.\r\n";

    @RegisterExtension
    static final RedisServerProcess REDIS = new RedisServerProcess("--requirepass", SECRET);

    private static RunningSlave slave;

    @BeforeAll
    static void start() {
        slave = RunningSlave.start("--kvcache.cluster.secret=" + SECRET);
    }

    @AfterAll
    static void stop() {
        if (slave != null) {
            slave.close();
        }
    }

    /** The same conversation with both servers, reply by reply. */
    private static List<String> converse(InetSocketAddress server, List<String[]> commands) throws IOException {
        List<String> replies = new ArrayList<>();
        try (RespConnection c = RespConnection.open(server)) {
            for (String[] argv : commands) {
                replies.add(c.call(argv));
            }
        }
        return replies;
    }

    @Test
    void everyCommandButAuthHelloAndQuitIsRefusedUntilAuthAsRedisRefusesIt() throws IOException {
        List<String[]> beforeAuth = List.of(
                new String[] {"PING"},
                new String[] {"GET", "k"},
                new String[] {"SET", "k", "v"},
                new String[] {"DEL", "k"},
                new String[] {"FLUSHALL"},
                new String[] {"INFO"},
                new String[] {"CONFIG", "GET", "*"},
                new String[] {"CLIENT", "LIST"},
                new String[] {"CLIENT", "SETNAME", "x"},
                new String[] {"SELECT", "0"},
                new String[] {"COMMAND", "COUNT"},
                new String[] {"ECHO", "x"},
                new String[] {"GET"},
                new String[] {"NOSUCHCOMMAND", "a"},
                new String[] {"AUTH", "wrong"},
                new String[] {"AUTH", "default", "wrong"},
                new String[] {"AUTH", "nobody", SECRET},
                new String[] {"HELLO", "2"},
                new String[] {"HELLO", "2", "AUTH", "default", "wrong"},
                new String[] {"GET", "k"},
                new String[] {"AUTH", SECRET},
                new String[] {"SET", "k", "v"},
                new String[] {"GET", "k"},
                new String[] {"AUTH", "default", SECRET},
                new String[] {"DEL", "k"});
        List<String> fromRedis = converse(REDIS.address(), beforeAuth);
        List<String> fromSlave = converse(slave.address(), beforeAuth);
        assertThat(fromSlave).isEqualTo(fromRedis);
        // What that conversation is, so that a Redis that changed its mind would show here too.
        assertThat(fromSlave.subList(0, 12)).containsOnly(NOAUTH);
        assertThat(fromSlave.get(14)).isEqualTo("-WRONGPASS invalid username-password pair or user is disabled.\r\n");
        assertThat(fromSlave.subList(20, 23)).containsExactly("+OK\r\n", "+OK\r\n", "$1\r\nv\r\n");
    }

    @Test
    void helloWithAuthAuthenticatesAndSelectsTheProtocolInOneCommand() throws IOException {
        try (RespConnection c = RespConnection.open(slave.address())) {
            assertThat(c.call("HELLO", "2", "AUTH", "default", SECRET)).startsWith("*14\r\n$6\r\nserver\r\n");
            assertThat(c.call("PING")).isEqualTo("+PONG\r\n");
        }
    }

    @Test
    void inlineCommandsAndQuitBeforeAuthAnswerAsRedis() throws IOException {
        for (InetSocketAddress server : List.of(REDIS.address(), slave.address())) {
            try (RespConnection c = RespConnection.open(server)) {
                c.send("PING\r\nGET k\r\n");
                assertThat(c.readReplyString()).as("%s", server).isEqualTo(NOAUTH);
                assertThat(c.readReplyString()).as("%s", server).isEqualTo(NOAUTH);
                c.send("QUIT\r\n");
                assertThat(c.readReplyString()).as("%s", server).isEqualTo("+OK\r\n");
                assertThat(c.read()).as("%s closed after QUIT", server).isEqualTo(-1);
            }
        }
    }

    @Test
    void theUnauthenticatedLimitsApplyUntilAuthThenRedisUsualOnes() throws IOException {
        String[] offending = {"*11\r\n", "*1\r\n$16385\r\n"};
        for (String request : offending) {
            List<String> answers = new ArrayList<>();
            for (InetSocketAddress server : List.of(REDIS.address(), slave.address())) {
                try (RespConnection c = RespConnection.open(server)) {
                    c.send(request);
                    answers.add(c.readReplyString());
                    assertThat(c.read()).as("%s closed after %s", server, request.strip()).isEqualTo(-1);
                }
            }
            assertThat(answers.get(1)).isEqualTo(answers.get(0)).startsWith("-ERR Protocol error: unauthenticated");
        }
        // Once authenticated, eleven arguments and a 16 KB + 1 value are ordinary requests.
        try (RespConnection c = RespConnection.open(slave.address())) {
            assertThat(c.call("AUTH", SECRET)).isEqualTo("+OK\r\n");
            String[] mset = {"MSET", "a", "1", "b", "2", "c", "3", "d", "4", "e", "5"};
            assertThat(c.call(mset)).isEqualTo("+OK\r\n");
            assertThat(c.call("SET", "big", "x".repeat(16 * 1024 + 1))).isEqualTo("+OK\r\n");
            assertThat(c.call("DEL", "a", "b", "c", "d", "e", "big")).isEqualTo(":6\r\n");
        }
    }
}
