package io.kvcache.master.support;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

import io.kvcache.slave.support.FreePorts;

/**
 * A slave as a separate JVM from cache-slave's runnable jar ({@code cache-slave-<version>-exec.jar}),
 * stopped with SIGKILL. Its data port is chosen free up front and kept across restarts; its output goes
 * to {@code target/local-cluster/<shard>-<replica>.log}.
 */
final class ProcessSlave implements SlaveNode {

    private static final Duration START_TIMEOUT = Duration.ofSeconds(60);

    private final String shard;
    private final String replicaId;
    private final int dataPort;
    private final List<String> enrollmentArgs;
    private final Path log;
    private final String heap;
    private Process process;
    private Thread killOnJvmExit;

    ProcessSlave(String shard, String replicaId, List<String> enrollmentArgs, String heap) {
        this.heap = heap;
        this.shard = shard;
        this.replicaId = replicaId;
        this.dataPort = FreePorts.next();
        this.enrollmentArgs = List.copyOf(enrollmentArgs);
        this.log = Path.of("target", "local-cluster", shard + "-" + replicaId + ".log");
    }

    /** The runnable slave jar, next to this module: ../cache-slave/target/cache-slave-*-exec.jar. */
    static Path execJar() {
        Path target = Path.of("..", "cache-slave", "target");
        try (var files = Files.list(target)) {
            return files.filter(p -> p.getFileName().toString().matches("cache-slave-.*-exec\\.jar"))
                    .findFirst()
                    .orElseThrow(() -> new IllegalStateException("no cache-slave-*-exec.jar in " + target.toAbsolutePath()
                            + "; build it with ./mvnw -pl cache-slave package"));
        } catch (IOException e) {
            throw new IllegalStateException("cannot list " + target.toAbsolutePath(), e);
        }
    }

    static boolean execJarAvailable() {
        try {
            execJar();
            return true;
        } catch (IllegalStateException e) {
            return false;
        }
    }

    @Override
    public String shard() {
        return shard;
    }

    @Override
    public String replicaId() {
        return replicaId;
    }

    @Override
    public int dataPort() {
        return dataPort;
    }

    @Override
    public synchronized java.util.OptionalLong pid() {
        return process == null ? java.util.OptionalLong.empty() : java.util.OptionalLong.of(process.pid());
    }

    @Override
    public synchronized boolean isRunning() {
        return process != null && process.isAlive();
    }

    @Override
    public synchronized void start() {
        if (isRunning()) {
            return;
        }
        String java = ProcessHandle.current().info().command().orElse(
                Path.of(System.getProperty("java.home"), "bin", "java").toString());
        List<String> command = new ArrayList<>(List.of(java,
                // small and quick to start: many JVMs share two cores
                "-Xmx" + heap, "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Xshare:auto",
                "-jar", execJar().toAbsolutePath().toString(),
                "--kvcache.slave.port=" + dataPort,
                "--kvcache.slave.http-port=0",
                "--spring.main.banner-mode=off",
                "--kvcache.slave.shard=" + shard,
                "--kvcache.slave.replica-id=" + replicaId));
        command.addAll(enrollmentArgs);
        try {
            Files.createDirectories(log.getParent());
            process = new ProcessBuilder(command)
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                    .start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + this, e);
        }
        Process started = process;
        killOnJvmExit = new Thread(started::destroyForcibly, "kill-" + shard + "-" + replicaId);
        Runtime.getRuntime().addShutdownHook(killOnJvmExit);
        awaitDataPort(started);
    }

    private void awaitDataPort(Process started) {
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        while (true) {
            if (!started.isAlive()) {
                throw new IllegalStateException(this + " exited with " + started.exitValue() + "; see " + log.toAbsolutePath());
            }
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress("127.0.0.1", dataPort), 500);
                return;
            } catch (IOException notYet) {
                if (System.nanoTime() > deadline) {
                    stop();
                    throw new IllegalStateException(this + " did not open its data port within " + START_TIMEOUT
                            + "; see " + log.toAbsolutePath());
                }
                LockSupport.parkNanos(Duration.ofMillis(50).toNanos());
            }
        }
    }

    /** kill -9: the process gets no chance to close anything. */
    @Override
    public synchronized void stop() {
        if (process == null) {
            return;
        }
        process.destroyForcibly();
        try {
            if (!process.waitFor(20, TimeUnit.SECONDS)) {
                throw new IllegalStateException(this + " did not die after SIGKILL");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try {
            Runtime.getRuntime().removeShutdownHook(killOnJvmExit);
        } catch (IllegalStateException shuttingDown) {
            // the hook runs anyway
        }
        process = null;
    }

    @Override
    public String toString() {
        return shard + "/" + replicaId + " (process, data port " + dataPort + ")";
    }
}
