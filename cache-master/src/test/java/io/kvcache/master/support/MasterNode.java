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

import org.springframework.boot.SpringApplication;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;
import io.kvcache.io.RespNioServerConnectionFactory;

import io.kvcache.master.MasterApplication;

/**
 * The master in this JVM, or as a separate JVM (from this test classpath) that {@link #stop()} kills
 * with SIGKILL. Ports given as 0 are chosen by the system on the first start; a restart reuses the
 * ports of the first start only when they were fixed up front (see {@link LocalCluster}); a process
 * needs them fixed.
 */
final class MasterNode {

    private final String secret;
    private final List<String> extraArgs;
    private final int requestedClientPort;
    private final int requestedEnrollmentPort;
    private final int requestedHttpPort;
    private final boolean asProcess;
    private ConfigurableApplicationContext context;
    private Process process;
    private int clientPort;
    private int enrollmentPort;
    private int httpPort;

    MasterNode(String secret, int clientPort, int enrollmentPort, int httpPort, List<String> extraArgs,
               boolean asProcess) {
        if (asProcess && (clientPort == 0 || enrollmentPort == 0 || httpPort == 0)) {
            throw new IllegalArgumentException("a master process needs its ports chosen up front");
        }
        this.asProcess = asProcess;
        this.secret = secret;
        this.requestedClientPort = clientPort;
        this.requestedEnrollmentPort = enrollmentPort;
        this.requestedHttpPort = httpPort;
        this.extraArgs = List.copyOf(extraArgs);
    }

    synchronized void start() {
        if (isRunning()) {
            return;
        }
        List<String> args = new ArrayList<>(List.of(
                "--kvcache.master.port=" + requestedClientPort,
                "--kvcache.master.enrollment-port=" + requestedEnrollmentPort,
                "--kvcache.master.http-port=" + requestedHttpPort,
                "--kvcache.cluster.secret=" + secret,
                "--spring.main.banner-mode=off"));
        args.addAll(extraArgs);
        if (asProcess) {
            startProcess(args);
            return;
        }
        ConfigurableApplicationContext started =
                new SpringApplication(MasterApplication.class).run(args.toArray(String[]::new));
        try {
            clientPort = listeningPort(started, "clientPortConnectionFactory");
            enrollmentPort = listeningPort(started, "enrollmentConnectionFactory");
            httpPort = ((WebServerApplicationContext) started).getWebServer().getPort();
        } catch (RuntimeException e) {
            started.close();
            throw e;
        }
        context = started;
    }

    /** The master as a child JVM on this test classpath; returns once its three ports accept connections. */
    private void startProcess(List<String> args) {
        String java = ProcessHandle.current().info().command().orElse(
                Path.of(System.getProperty("java.home"), "bin", "java").toString());
        List<String> command = new ArrayList<>(List.of(java, "-Xmx256m", "-XX:+UseSerialGC",
                "-XX:TieredStopAtLevel=1", "-cp", System.getProperty("java.class.path"),
                MasterApplication.class.getName()));
        command.addAll(args);
        Path log = Path.of("target", "local-cluster", "master.log");
        try {
            Files.createDirectories(log.getParent());
            process = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start the master process", e);
        }
        clientPort = requestedClientPort;
        enrollmentPort = requestedEnrollmentPort;
        httpPort = requestedHttpPort;
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        for (int port : new int[] {clientPort, enrollmentPort, httpPort}) {
            while (!accepts(port)) {
                if (!process.isAlive() || System.nanoTime() > deadline) {
                    process.destroyForcibly();
                    throw new IllegalStateException("the master process did not open port " + port + "; see "
                            + log.toAbsolutePath());
                }
                LockSupport.parkNanos(Duration.ofMillis(50).toNanos());
            }
        }
    }

    private static boolean accepts(int port) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 500);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** In-JVM: closes the context. A process: kill -9, nothing shuts down cleanly. */
    synchronized void stop() {
        if (context != null) {
            context.close();
            context = null;
        }
        if (process != null) {
            process.destroyForcibly();
            try {
                if (!process.waitFor(20, TimeUnit.SECONDS)) {
                    throw new IllegalStateException("the master process did not die after SIGKILL");
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            process = null;
        }
    }

    synchronized boolean isRunning() {
        return context != null || process != null && process.isAlive();
    }

    synchronized ConfigurableApplicationContext context() {
        return context;
    }

    int clientPort() {
        return clientPort;
    }

    int enrollmentPort() {
        return enrollmentPort;
    }

    int httpPort() {
        return httpPort;
    }

    InetSocketAddress clientAddress() {
        return new InetSocketAddress("127.0.0.1", clientPort);
    }

    private static int listeningPort(ConfigurableApplicationContext context, String factoryBean) {
        RespNioServerConnectionFactory factory = context.getBean(factoryBean, RespNioServerConnectionFactory.class);
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (!factory.isListening()) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException(factoryBean + " did not start listening");
            }
            java.util.concurrent.locks.LockSupport.parkNanos(Duration.ofMillis(5).toNanos());
        }
        return factory.getPort();
    }
}
