package io.kvcache.slave.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import io.kvcache.slave.compat.RawRedisClient;
import io.kvcache.slave.support.RunningSlave;

/**
 * A subscriber that stops reading is closed once the messages waiting for it pass
 * client-output-buffer-limit pubsub's hard limit (32 MB, Redis's default), as Redis closes it; the
 * server, its publisher and its other subscribers go on.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class SlowSubscriberIntegrationTests {

    private static RunningSlave slave;

    @BeforeAll
    static void startSlave() {
        slave = RunningSlave.start();
    }

    @AfterAll
    static void stopSlave() {
        if (slave != null) {
            slave.close();
        }
    }

    @Test
    void aSubscriberThatReadsNothingIsCutOffAtTheHardLimit() throws Exception {
        try (Socket stuck = new Socket();
             RawRedisClient reader = new RawRedisClient(slave.address());
             RawRedisClient publisher = new RawRedisClient(slave.address())) {
            stuck.setReceiveBufferSize(64 * 1024);
            stuck.connect(slave.address());
            OutputStream out = stuck.getOutputStream();
            out.write("SUBSCRIBE firehose\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = stuck.getInputStream();
            in.readNBytes("*3\r\n$9\r\nsubscribe\r\n$8\r\nfirehose\r\n:1\r\n".length()); // then it never reads again
            reader.call("SUBSCRIBE", "firehose");
            String payload = "x".repeat(1 << 20);
            for (int i = 0; i < 48; i++) { // 48 MB: past the 32 MB hard limit whatever the socket buffers hold
                publisher.call("PUBLISH", "firehose", payload);
                assertThat(reader.readReply()).hasSizeGreaterThan(1 << 20); // the reading subscriber gets each
            }
            await().atMost(Duration.ofSeconds(30)).until(() -> new String(
                    publisher.call("PUBSUB", "NUMSUB", "firehose"), StandardCharsets.US_ASCII).endsWith(":1\r\n"));
            assertThat(new String(publisher.call("PING"), StandardCharsets.US_ASCII)).isEqualTo("+PONG\r\n");
        }
    }
}
