package io.kvcache.slave.compat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import io.kvcache.slave.support.FreePorts;

/**
 * A real redis-server child process on a free loopback port, used as the reference implementation.
 * <p>
 * Use it with try-with-resources ({@code try (var redis = RedisServerProcess.start()) {...}}) or as a
 * JUnit extension ({@code @RegisterExtension static final RedisServerProcess REDIS = new RedisServerProcess();}),
 * which starts it before all tests of the class and stops it after them. Tests are skipped, not failed,
 * when no redis-server binary is installed. Persistence is disabled so nothing is written to disk.
 * <p>
 * The binary is {@code -Dkvcache.redis.server=<path>}, else {@code redis-server} from the PATH.
 */
public final class RedisServerProcess implements AutoCloseable, BeforeAllCallback, AfterAllCallback {

    private static final String READY_LINE = "Ready to accept connections";
    private static final int START_ATTEMPTS = 3;
    private static final long START_TIMEOUT_SECONDS = 20;

    private final List<String> extraArguments;
    private final List<String> log = Collections.synchronizedList(new ArrayList<>());
    private Process process;
    private Thread stopOnJvmExit;
    private int port;

    /** An unstarted server: start it with {@link #startServer()} or register it as a JUnit extension. */
    public RedisServerProcess(String... extraArguments) {
        this.extraArguments = List.of(extraArguments);
    }

    /** Starts a server now, or skips the calling test (JUnit assumption) if redis-server is not installed. */
    public static RedisServerProcess start(String... extraArguments) {
        RedisServerProcess server = new RedisServerProcess(extraArguments);
        server.startServer();
        return server;
    }

    public static boolean binaryAvailable() {
        return binary() != null;
    }

    public RedisServerProcess startServer() {
        if (process != null) {
            return this;
        }
        Path binary = binary();
        Assumptions.assumeTrue(binary != null, "redis-server is not installed; skipping the Redis differential tests");
        // The free port is only free when we look; another process may take it before redis binds, so retry.
        for (int attempt = 1; ; attempt++) {
            try {
                launch(binary, FreePorts.next());
                return this;
            } catch (IllegalStateException e) {
                if (attempt == START_ATTEMPTS) {
                    throw e;
                }
            }
        }
    }

    public int port() {
        return port;
    }

    public InetSocketAddress address() {
        return new InetSocketAddress("127.0.0.1", port);
    }

    /** What the server printed so far (its log goes to stdout), for diagnosing failures. */
    public List<String> log() {
        synchronized (log) {
            return List.copyOf(log);
        }
    }

    @Override
    public void close() {
        if (process == null) {
            return;
        }
        try {
            Runtime.getRuntime().removeShutdownHook(stopOnJvmExit);
        } catch (IllegalStateException alreadyShuttingDown) {
            // the hook is running or will run; stopping twice is harmless
        }
        process.destroy(); // SIGTERM: redis shuts down cleanly; with --save '' it writes nothing
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
        process = null;
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        startServer();
    }

    @Override
    public void afterAll(ExtensionContext context) {
        close();
    }

    private void launch(Path binary, int candidatePort) {
        List<String> command = new ArrayList<>(List.of(binary.toString(),
                "--port", Integer.toString(candidatePort),
                "--bind", "127.0.0.1",
                "--save", "",
                "--appendonly", "no",
                "--protected-mode", "yes",
                "--dir", System.getProperty("java.io.tmpdir")));
        command.addAll(extraArguments);
        log.clear();
        Process started;
        try {
            started = new ProcessBuilder(command).redirectErrorStream(true).start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run " + command, e);
        }
        CompletableFuture<Void> ready = watchLog(started);
        try {
            ready.get(START_TIMEOUT_SECONDS, TimeUnit.SECONDS);
            process = started;
            port = candidatePort;
            awaitPong();
            // a JVM that exits without close() (a crash in a test, Ctrl-C) must not leave the server running
            stopOnJvmExit = new Thread(started::destroy, "stop-redis-server-" + candidatePort);
            Runtime.getRuntime().addShutdownHook(stopOnJvmExit);
        } catch (ExecutionException | TimeoutException | IOException | RuntimeException e) {
            started.destroyForcibly();
            process = null;
            throw new IllegalStateException("redis-server did not start on port " + candidatePort
                    + ": " + e + "\n" + String.join("\n", log()), e);
        } catch (InterruptedException e) {
            started.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while starting redis-server", e);
        }
    }

    /**
     * Completes when the server logs that it accepts connections, or fails when its output ends
     * (the process exited, e.g. because the port was taken). This awaits the event itself: no sleeps.
     */
    private CompletableFuture<Void> watchLog(Process started) {
        CompletableFuture<Void> ready = new CompletableFuture<>();
        Thread.ofVirtual().name("redis-server-log").start(() -> {
            try (BufferedReader reader = new BufferedReader(
                    new InputStreamReader(started.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = reader.readLine()) != null) {
                    log.add(line);
                    if (line.contains(READY_LINE)) {
                        ready.complete(null);
                    }
                }
            } catch (IOException e) {
                // the stream closes when the process is destroyed
            }
            ready.completeExceptionally(new IllegalStateException("redis-server exited"));
        });
        return ready;
    }

    /** The log line is the signal; a PING proves the port we chose is really this server. */
    private void awaitPong() throws IOException {
        try (RawRedisClient client = new RawRedisClient(address())) {
            byte[] reply = client.call("PING");
            String text = new String(reply, StandardCharsets.ISO_8859_1);
            // A server started with --requirepass answers NOAUTH: alive all the same.
            if (!"+PONG\r\n".equals(text) && !text.startsWith("-NOAUTH")) {
                throw new IOException("unexpected PING reply " + Escaping.reply(reply));
            }
        }
    }

    private static Path binary() {
        String configured = System.getProperty("kvcache.redis.server");
        if (configured != null) {
            Path path = Paths.get(configured);
            return Files.isExecutable(path) ? path : null;
        }
        String pathVariable = System.getenv().getOrDefault("PATH", "/usr/bin:/usr/local/bin");
        return Stream.of(pathVariable.split(java.io.File.pathSeparator))
                .map(directory -> Paths.get(directory, "redis-server"))
                .filter(Files::isExecutable)
                .findFirst()
                .orElse(null);
    }
}
