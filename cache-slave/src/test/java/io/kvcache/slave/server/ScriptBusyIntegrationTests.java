package io.kvcache.slave.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import io.kvcache.slave.support.RunningSlave;

/**
 * A script running past busy-reply-threshold on a real slave, over its data port: other clients
 * (on the same I/O loop) get -BUSY instead of waiting, SCRIPT KILL stops a script that has not
 * written (its client gets Redis's error) and refuses one that has (UNKILLABLE), and the slave
 * serves everyone again afterwards. A script that loops forever does not take the store down.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ScriptBusyIntegrationTests {

    private static final String BUSY = "-BUSY Redis is busy running a script. You can only call SCRIPT KILL or "
            + "SHUTDOWN NOSAVE.\r\n";

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
    void aScriptLoopingForeverAnswersOthersBusyUntilScriptKillStopsIt() throws IOException {
        try (RespConnection runner = RespConnection.open(slave.address(), Duration.ofSeconds(60));
             RespConnection other = RespConnection.open(slave.address())) {
            assertThat(other.call("CONFIG", "SET", "busy-reply-threshold", "100")).isEqualTo("+OK\r\n");
            assertThat(other.call("CONFIG", "GET", "lua-time-limit")).contains("100");
            other.call("SET", "k", "v");
            runner.send(RespConnection.command("EVAL", "local i = 0 while true do i = i + 1 end", "0"));

            Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> other.call("PING").equals(BUSY));
            assertThat(other.call("GET", "k")).isEqualTo(BUSY);
            try (RespConnection killer = RespConnection.open(slave.address())) {
                assertThat(killer.call("FUNCTION", "STATS")).isEqualTo(BUSY);
                assertThat(killer.call("SCRIPT", "KILL")).isEqualTo("+OK\r\n");
            }
            assertThat(runner.readReplyString())
                    .startsWith("-ERR Script killed by user with SCRIPT KILL... script: ")
                    .endsWith(", on @user_script:1.\r\n");
            assertThat(other.call("GET", "k")).isEqualTo("$1\r\nv\r\n");
            assertThat(runner.call("PING")).isEqualTo("+PONG\r\n");
            assertThat(other.call("SCRIPT", "KILL")).isEqualTo("-NOTBUSY No scripts in execution right now.\r\n");
        }
    }

    @Test
    void aScriptThatWroteCannotBeKilledAndRunsToItsEnd() throws IOException {
        try (RespConnection runner = RespConnection.open(slave.address(), Duration.ofSeconds(90));
             RespConnection other = RespConnection.open(slave.address())) {
            other.call("CONFIG", "SET", "busy-reply-threshold", "100");
            runner.send(RespConnection.command("EVAL",
                    "redis.call('set', KEYS[1], 'started') local i = 0 while i < 4e7 do i = i + 1 end "
                            + "return redis.call('set', KEYS[1], 'done')", "1", "w"));
            Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> other.call("PING").equals(BUSY));
            assertThat(other.call("FUNCTION", "KILL")).startsWith("-UNKILLABLE Sorry the script already executed write "
                    + "commands against the dataset.");
            try (RespConnection leaving = RespConnection.open(slave.address())) {
                assertThat(leaving.call("QUIT")).isEqualTo("+OK\r\n");
                assertThat(leaving.read()).as("closed after QUIT, even while busy").isEqualTo(-1);
            }
            assertThat(runner.readReplyString()).isEqualTo("+OK\r\n");
            assertThat(other.call("GET", "w")).isEqualTo("$4\r\ndone\r\n");
        }
    }
}
