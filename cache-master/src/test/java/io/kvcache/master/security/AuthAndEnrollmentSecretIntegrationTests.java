package io.kvcache.master.security;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

import io.kvcache.master.support.LocalCluster;
import io.kvcache.master.support.Resp;
import io.kvcache.slave.compat.RawRedisClient;

/**
 * AUTH with kvcache.master.requirepass as Redis's requirepass, and the enrollment port refusing a
 * wrong cluster secret without ever writing it to the log.
 */
@ExtendWith(OutputCaptureExtension.class)
class AuthAndEnrollmentSecretIntegrationTests {

    private static final String PASSWORD = "correct-horse-battery";
    private static LocalCluster cluster;

    @BeforeAll
    static void start() {
        cluster = LocalCluster.builder().shards(1).replicas(1)
                .masterArg("--kvcache.master.requirepass=" + PASSWORD).start();
    }

    @AfterAll
    static void stop() {
        cluster.close();
    }

    @Test
    void commandsBeforeAuthGetNoauthAndAuthUnlocksTheConnection() throws Exception {
        try (RawRedisClient client = new RawRedisClient(cluster.clientAddress())) {
            assertThat(Resp.call(client, "GET", "k")).isEqualTo("-NOAUTH Authentication required.\r\n");
            assertThat(Resp.call(client, "PING")).isEqualTo("-NOAUTH Authentication required.\r\n");
            // Unknown commands and arity errors come first, as in Redis's processCommand.
            assertThat(Resp.call(client, "NOSUCH")).startsWith("-ERR unknown command 'NOSUCH'");
            assertThat(Resp.call(client, "AUTH", "wrong"))
                    .isEqualTo("-WRONGPASS invalid username-password pair or user is disabled.\r\n");
            assertThat(Resp.call(client, "AUTH", "someone", PASSWORD))
                    .isEqualTo("-WRONGPASS invalid username-password pair or user is disabled.\r\n");
            assertThat(Resp.call(client, "AUTH", PASSWORD)).isEqualTo("+OK\r\n");
            assertThat(Resp.call(client, "SET", "k", "v")).isEqualTo("+OK\r\n");
            assertThat(Resp.call(client, "GET", "k")).isEqualTo("$1\r\nv\r\n");
        }
        try (RawRedisClient client = new RawRedisClient(cluster.clientAddress())) {
            assertThat(Resp.call(client, "AUTH", "default", PASSWORD)).isEqualTo("+OK\r\n");
            assertThat(Resp.call(client, "GET", "k")).isEqualTo("$1\r\nv\r\n");
        }
    }

    @Test
    void helloAuthenticatesAndWithoutAuthAnswersNoauth() throws Exception {
        try (RawRedisClient client = new RawRedisClient(cluster.clientAddress())) {
            assertThat(Resp.call(client, "HELLO", "2")).startsWith("-NOAUTH HELLO must be called with the client"
                    + " already authenticated");
            assertThat(Resp.call(client, "HELLO", "2", "AUTH", "default", PASSWORD)).startsWith("*14\r\n");
            assertThat(Resp.call(client, "DBSIZE")).startsWith(":");
        }
    }

    @Test
    void enrollmentWithAWrongSecretIsRefusedAndTheSecretIsNotLogged(CapturedOutput output) throws Exception {
        String guess = "guessed-secret-" + System.nanoTime();
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", cluster.enrollmentPort()), 2000);
            socket.setSoTimeout(5000);
            OutputStream out = socket.getOutputStream();
            String[] argv = {"ENROLL", guess, "intruder", "replica1", "127.0.0.1", "1", "127.0.0.1", "2", "",
                    "replica", "0", "-", "0"};
            StringBuilder frame = new StringBuilder("*" + argv.length + "\r\n");
            for (String arg : argv) {
                frame.append('$').append(arg.length()).append("\r\n").append(arg).append("\r\n");
            }
            out.write(frame.toString().getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = socket.getInputStream();
            byte[] reply = in.readAllBytes(); // the master closes the connection after its reply
            assertThat(new String(reply, StandardCharsets.US_ASCII)).isEqualTo("-ERR invalid cluster secret\r\n");
        }
        assertThat(output.getAll()).contains("wrong cluster secret").doesNotContain(guess);
        assertThat(cluster.shardNames()).doesNotContain("intruder");
        assertThat(cluster.getJson("/admin/slaves").toString()).doesNotContain("intruder");
    }
}
