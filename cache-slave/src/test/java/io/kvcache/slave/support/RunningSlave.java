package io.kvcache.slave.support;

import java.net.InetSocketAddress;
import java.time.Duration;

import org.springframework.boot.SpringApplication;
import org.springframework.context.ConfigurableApplicationContext;
import io.kvcache.io.RespNioServerConnectionFactory;

import io.kvcache.slave.SlaveApplication;

/**
 * A real slave in this JVM, listening on free loopback ports, for tests that speak to it over
 * real sockets. Close it to stop it.
 */
public final class RunningSlave implements AutoCloseable {

    private final ConfigurableApplicationContext context;
    private final int port;

    private RunningSlave(ConfigurableApplicationContext context, int port) {
        this.context = context;
        this.port = port;
    }

    /** Starts a slave; extra arguments are Spring Boot command-line properties ("--name=value"). */
    public static RunningSlave start(String... extraArgs) {
        String[] args = new String[extraArgs.length + 3];
        args[0] = "--kvcache.slave.port=0";
        args[1] = "--kvcache.slave.http-port=0";
        args[2] = "--spring.main.banner-mode=off";
        System.arraycopy(extraArgs, 0, args, 3, extraArgs.length);
        ConfigurableApplicationContext context = new SpringApplication(SlaveApplication.class).run(args);
        RespNioServerConnectionFactory factory = context.getBean(RespNioServerConnectionFactory.class);
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (!factory.isListening()) {
            if (System.nanoTime() > deadline) {
                context.close();
                throw new IllegalStateException("The data port did not start listening");
            }
            java.util.concurrent.locks.LockSupport.parkNanos(Duration.ofMillis(5).toNanos());
        }
        return new RunningSlave(context, factory.getPort());
    }

    public int port() {
        return port;
    }

    public InetSocketAddress address() {
        return new InetSocketAddress("127.0.0.1", port);
    }

    /** The HTTP port (actuator, and /replication/** in a cluster). */
    public int httpPort() {
        return ((org.springframework.boot.web.server.context.WebServerApplicationContext) context).getWebServer()
                .getPort();
    }

    public <T> T bean(Class<T> type) {
        return context.getBean(type);
    }

    @Override
    public void close() {
        context.close();
    }
}
