package io.kvcache.master.support;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.integration.ip.tcp.connection.TcpNetServerConnectionFactory;

import io.kvcache.master.MasterApplication;

/**
 * The master in this JVM. Ports given as 0 are chosen by the system on the first start; a restart
 * reuses the ports of the first start only when they were fixed up front (see {@link LocalCluster}).
 */
final class MasterNode {

    private final String secret;
    private final List<String> extraArgs;
    private final int requestedClientPort;
    private final int requestedEnrollmentPort;
    private final int requestedHttpPort;
    private ConfigurableApplicationContext context;
    private int clientPort;
    private int enrollmentPort;
    private int httpPort;

    MasterNode(String secret, int clientPort, int enrollmentPort, int httpPort, List<String> extraArgs) {
        this.secret = secret;
        this.requestedClientPort = clientPort;
        this.requestedEnrollmentPort = enrollmentPort;
        this.requestedHttpPort = httpPort;
        this.extraArgs = List.copyOf(extraArgs);
    }

    synchronized void start() {
        if (context != null) {
            return;
        }
        List<String> args = new ArrayList<>(List.of(
                "--kvcache.master.port=" + requestedClientPort,
                "--kvcache.master.enrollment-port=" + requestedEnrollmentPort,
                "--kvcache.master.http-port=" + requestedHttpPort,
                "--kvcache.cluster.secret=" + secret,
                "--spring.main.banner-mode=off"));
        args.addAll(extraArgs);
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

    synchronized void stop() {
        if (context != null) {
            context.close();
            context = null;
        }
    }

    synchronized boolean isRunning() {
        return context != null;
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
        TcpNetServerConnectionFactory factory = context.getBean(factoryBean, TcpNetServerConnectionFactory.class);
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
