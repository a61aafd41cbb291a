package io.kvcache.slave.compat;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * CLIENT REPLY, KILL and NO-EVICT on a slave's data port beside redis-server, over real sockets:
 * the replies a client gets (and does not get), the errors of bad filters, and a client killed by
 * another.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ClientCommandComparisonTests extends AgainstRedisServerAndSlave {

    @Test
    void clientReplyOffAndSkipDropRepliesAsRedisDoes() throws Exception {
        for (var server : List.of(slave.address(), redis.address())) {
            try (RawRedisClient c = new RawRedisClient(server)) {
                c.sendRaw(RawRedisClient.encode(List.of(
                        args("CLIENT", "REPLY", "OFF"), args("SET", "reply:a", "1"), args("GET", "reply:a"),
                        args("CLIENT", "REPLY", "SKIP"), args("CLIENT", "REPLY", "ON"), args("INCR", "reply:a"),
                        args("CLIENT", "REPLY", "SKIP"), args("INCR", "reply:a"), args("GET", "reply:a"))));
                assertThat(text(c.readReply())).as("%s", server).isEqualTo("+OK\r\n"); // only REPLY ON's
                assertThat(text(c.readReply())).as("%s", server).isEqualTo(":2\r\n");
                assertThat(text(c.readReply())).as("%s", server).isEqualTo("$1\r\n3\r\n"); // INCR after SKIP dropped
                c.call("DEL", "reply:a");
            }
        }
    }

    @Test
    void clientKillFiltersAndErrorsAreRedis() throws Exception {
        try (RawRedisClient kv = new RawRedisClient(slave.address());
             RawRedisClient rs = new RawRedisClient(redis.address())) {
            for (String[] command : List.of(
                    strings("CLIENT", "KILL", "1.2.3.4:5"), strings("CLIENT", "KILL", "TYPE", "nobody"),
                    strings("CLIENT", "KILL", "USER", "ghost"), strings("CLIENT", "KILL", "ID", "0"),
                    strings("CLIENT", "KILL", "ID"), strings("CLIENT", "KILL", "SKIPME", "maybe"),
                    strings("CLIENT", "KILL", "ID", "999999"), strings("CLIENT", "KILL", "BOGUS", "x"),
                    strings("CLIENT", "NO-EVICT", "ON"), strings("CLIENT", "NO-EVICT", "maybe"),
                    strings("CLIENT", "REPLY", "maybe"))) {
                assertThat(text(kv.call(command))).as(String.join(" ", command)).isEqualTo(text(rs.call(command)));
            }
        }
        for (var server : List.of(slave.address(), redis.address())) {
            try (RawRedisClient killer = new RawRedisClient(server);
                 RawRedisClient victim = new RawRedisClient(server)) {
                String id = text(victim.call("CLIENT", "ID")).substring(1).trim();
                assertThat(text(killer.call("CLIENT", "KILL", "ID", id))).as("%s", server).isEqualTo(":1\r\n");
                assertThat(victimClosed(victim)).as("%s", server).isTrue();
            }
        }
    }

    private static boolean victimClosed(RawRedisClient victim) {
        try {
            victim.call("PING");
            return false;
        } catch (IOException e) {
            return true;
        }
    }

    private static String[] strings(String... argv) {
        return argv;
    }

    private static byte[][] args(String... argv) {
        byte[][] b = new byte[argv.length][];
        for (int i = 0; i < argv.length; i++) {
            b[i] = argv[i].getBytes(StandardCharsets.ISO_8859_1);
        }
        return b;
    }

    private static String text(byte[] b) {
        return new String(b, StandardCharsets.ISO_8859_1);
    }
}
