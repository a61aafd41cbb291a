package io.kvcache.slave.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

import io.kvcache.slave.compat.RedisServerProcess;
import io.kvcache.slave.support.RunningSlave;

/**
 * CLIENT UNBLOCK beside a real redis-server, the same conversation with both: a client blocked in
 * BLPOP, BZPOPMIN or BLMOVE, unblocked from a second connection as a timeout (a null array) or
 * with UNBLOCKED, the commands it pipelined after it running next; a client that is not blocked
 * (0); the errors for a bad reason, a bad id and a wrong argument count. Nothing is popped for an
 * unblocked client: the list written afterwards holds all its elements.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ClientUnblockIntegrationTests {

    @RegisterExtension
    static final RedisServerProcess REDIS = new RedisServerProcess();

    private static RunningSlave slave;

    @BeforeAll
    static void start() {
        slave = RunningSlave.start();
    }

    @AfterAll
    static void stop() {
        if (slave != null) {
            slave.close();
        }
    }

    @Test
    void unblockedClientsHearWhatRedisSendsThemAndLoseNothing() throws IOException {
        List<String> fromRedis = conversation(REDIS.address());
        List<String> fromKvcache = conversation(slave.address());
        assertThat(fromKvcache).isEqualTo(fromRedis);
        assertThat(fromRedis).contains("*-1\r\n", "-UNBLOCKED client unblocked via CLIENT UNBLOCK\r\n", ":0\r\n",
                "-ERR CLIENT UNBLOCK reason should be TIMEOUT or ERROR\r\n");
    }

    private static List<String> conversation(InetSocketAddress server) throws IOException {
        List<String> replies = new ArrayList<>();
        try (RespConnection blocked = RespConnection.open(server);
             RespConnection control = RespConnection.open(server)) {
            replies.add(control.call("FLUSHALL"));
            String id = blocked.call("CLIENT", "ID").substring(1).trim();

            for (String[] unblock : List.of(new String[] {"CLIENT", "UNBLOCK", id},
                    new String[] {"CLIENT", "UNBLOCK", id, "timeout"},
                    new String[] {"CLIENT", "UNBLOCK", id, "ERROR"})) {
                for (String[] command : List.of(new String[] {"BLPOP", "list", "0"},
                        new String[] {"BZPOPMIN", "zset", "other", "0"},
                        new String[] {"BLMOVE", "list", "dest", "LEFT", "RIGHT", "0"})) {
                    blocked.send(concat(RespConnection.command(command), RespConnection.command("PING")));
                    awaitBlocked(control, 1);
                    replies.add(control.call(unblock));
                    replies.add(blocked.readReplyString());
                    replies.add(blocked.readReplyString()); // the PING pipelined behind it
                    awaitBlocked(control, 0);
                }
            }
            replies.add(control.call("RPUSH", "list", "a", "b"));
            replies.add(control.call("LRANGE", "list", "0", "-1"));
            replies.add(control.call("EXISTS", "dest"));

            replies.add(control.call("CLIENT", "UNBLOCK", id));
            replies.add(control.call("CLIENT", "UNBLOCK", "999999"));
            replies.add(control.call("CLIENT", "UNBLOCK", id, "maybe"));
            replies.add(control.call("CLIENT", "UNBLOCK", "abc", "maybe"));
            replies.add(control.call("CLIENT", "UNBLOCK", "abc"));
            replies.add(control.call("CLIENT", "UNBLOCK", "-1"));
            replies.add(control.call("CLIENT", "UNBLOCK"));
            replies.add(control.call("CLIENT", "UNBLOCK", id, "ERROR", "x"));
            replies.add(blocked.call("PING"));
        }
        return replies;
    }

    private static void awaitBlocked(RespConnection control, long n) {
        Awaitility.await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(5))
                .until(() -> control.infoLong("clients", "blocked_clients"), b -> b == n);
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] both = new byte[a.length + b.length];
        System.arraycopy(a, 0, both, 0, a.length);
        System.arraycopy(b, 0, both, a.length, b.length);
        return both;
    }
}
