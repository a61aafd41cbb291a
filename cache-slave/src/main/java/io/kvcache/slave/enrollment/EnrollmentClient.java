package io.kvcache.slave.enrollment;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.IntSupplier;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;

import io.kvcache.protocol.Replies;
import io.kvcache.protocol.ReplyScanner;
import io.kvcache.protocol.Request;

/**
 * Keeps this slave enrolled with the master: connects to the enrollment port, ENROLLs with the
 * cluster secret, then sends a HEARTBEAT every interval. When the master is away or the
 * connection breaks it retries with exponential backoff (100 ms doubling to 5 s, with jitter),
 * so a restarted master gets its whole topology back. It remembers every shard name the master
 * reported and hands them back on the next enrollment.
 */
public final class EnrollmentClient implements SmartLifecycle {

    private static final Logger log = LoggerFactory.getLogger(EnrollmentClient.class);
    private static final long MAX_BACKOFF_MILLIS = 5000;

    private final InetSocketAddress master;
    private final String secret;
    private final String shard;
    private final String replicaId;
    private final String advertisedHost;
    private final IntSupplier dataPort;
    private final IntSupplier httpPort;
    private final long heartbeatMillis;
    private volatile List<String> knownShards = List.of();
    private volatile boolean running;
    private volatile boolean enrolled;
    private volatile Socket socket;
    private Thread thread;

    public EnrollmentClient(InetSocketAddress master, String secret, String shard, String replicaId,
                            String advertisedHost, IntSupplier dataPort, IntSupplier httpPort, long heartbeatMillis) {
        this.master = master;
        this.secret = secret;
        this.shard = shard;
        this.replicaId = replicaId;
        this.advertisedHost = advertisedHost;
        this.dataPort = dataPort;
        this.httpPort = httpPort;
        this.heartbeatMillis = heartbeatMillis;
    }

    public boolean isEnrolled() {
        return enrolled;
    }

    @Override
    public void start() {
        running = true;
        thread = Thread.ofPlatform().daemon().name("enrollment").start(this::run);
    }

    @Override
    public void stop() {
        running = false;
        closeSocket();
        if (thread != null) {
            thread.interrupt();
        }
    }

    @Override
    public boolean isRunning() {
        return running;
    }

    /** After the data port: enroll only once it can serve. */
    @Override
    public int getPhase() {
        return Integer.MAX_VALUE - 100;
    }

    private void run() {
        long backoff = 100;
        while (running) {
            try (Socket s = new Socket()) {
                socket = s;
                s.setTcpNoDelay(true);
                s.connect(master, 1000);
                s.setSoTimeout((int) Math.max(3000, heartbeatMillis * 3));
                enroll(s.getOutputStream(), s.getInputStream());
                backoff = 100;
                while (running) {
                    Thread.sleep(heartbeatMillis);
                    byte[] reply = call(s.getOutputStream(), s.getInputStream(), "HEARTBEAT");
                    if (Replies.isError(reply)) {
                        throw new IOException("heartbeat refused: " + text(reply));
                    }
                    rememberShards(reply);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (IOException | RuntimeException e) {
                if (enrolled) {
                    log.warn("Lost the master at {}: {}; enrolling again", master, e.toString());
                } else if (running) {
                    log.info("Master at {} not reachable ({}); retrying in {} ms", master, e.toString(), backoff);
                }
            } finally {
                enrolled = false;
            }
            if (!running) {
                return;
            }
            try {
                Thread.sleep(backoff + ThreadLocalRandom.current().nextLong(backoff / 4 + 1));
            } catch (InterruptedException e) {
                return;
            }
            backoff = Math.min(MAX_BACKOFF_MILLIS, backoff * 2);
        }
    }

    private void enroll(OutputStream out, InputStream in) throws IOException {
        byte[] reply = call(out, in, "ENROLL", secret, shard, replicaId, advertisedHost,
                Integer.toString(dataPort.getAsInt()), advertisedHost, Integer.toString(httpPort.getAsInt()),
                String.join(",", knownShards));
        if (Replies.isError(reply)) {
            // The master's error names the problem; the secret itself is never logged.
            throw new IOException("enrollment refused: " + text(reply));
        }
        rememberShards(reply);
        enrolled = true;
        log.info("Enrolled with the master at {} as {}/{}", master, shard, replicaId);
    }

    /** Keeps the shard names the master reported (an {@code *2 +OK $shards} reply). */
    private void rememberShards(byte[] reply) {
        List<byte[]> parts = Replies.elements(reply);
        byte[] shards = Replies.bulk(parts.get(1));
        knownShards = shards.length == 0 ? List.of()
                : Arrays.asList(new String(shards, StandardCharsets.UTF_8).split(","));
    }

    private static byte[] call(OutputStream out, InputStream in, String... argv) throws IOException {
        out.write(Request.of(argv).encode());
        out.flush();
        byte[] buf = new byte[1024];
        int len = 0;
        while (true) {
            int n = in.read(buf, len, buf.length - len);
            if (n < 0) {
                throw new IOException("closed by the master");
            }
            len += n;
            int end = ReplyScanner.end(buf, 0, len);
            if (end >= 0) {
                return Arrays.copyOf(buf, end);
            }
            if (len == buf.length) {
                buf = Arrays.copyOf(buf, buf.length * 2);
            }
        }
    }

    private void closeSocket() {
        Socket s = socket;
        if (s != null) {
            try {
                s.close();
            } catch (IOException ignored) {
                // stopping anyway
            }
        }
    }

    private static String text(byte[] reply) {
        return new String(reply, StandardCharsets.ISO_8859_1).trim();
    }
}
