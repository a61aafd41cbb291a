package io.kvcache.master.support;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.locks.LockSupport;

import org.springframework.boot.SpringApplication;
import org.springframework.context.ConfigurableApplicationContext;
import io.kvcache.io.RespNioServerConnectionFactory;

import io.kvcache.slave.SlaveApplication;
import io.kvcache.slave.support.FreePorts;

/**
 * A slave in this JVM, like cache-slave's {@code RunningSlave} but restartable on the same data port:
 * Its data port comes from {@link FreePorts}, below the ephemeral range, so nothing else takes it while it is
 * stopped. RunningSlave always passes {@code --kvcache.slave.port=0}, and a second {@code --kvcache.slave.port}
 * argument would not override it (Spring joins repeated command-line options with a comma).
 * <p>
 * It passes {@code --server.port=0} explicitly: on the master's test classpath {@code application.yml} is the
 * master's (it comes first), so the slave's own {@code server.port: ${kvcache.slave.http-port}} is not read.
 */
final class InJvmSlave implements SlaveNode {

    private final String shard;
    private final String replicaId;
    private final List<String> enrollmentArgs;
    private volatile int dataPort;
    private ConfigurableApplicationContext context;

    InJvmSlave(String shard, String replicaId, List<String> enrollmentArgs) {
        this.shard = shard;
        this.replicaId = replicaId;
        this.enrollmentArgs = List.copyOf(enrollmentArgs);
        this.dataPort = FreePorts.next();
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
    public synchronized boolean isRunning() {
        return context != null;
    }

    @Override
    public synchronized void start() {
        if (context != null) {
            return;
        }
        String[] args = java.util.stream.Stream.concat(List.of(
                "--kvcache.slave.port=" + dataPort,
                "--kvcache.slave.http-port=0",
                "--server.port=0",
                "--spring.application.name=kvcache-slave-" + shard + "-" + replicaId,
                "--spring.main.banner-mode=off",
                "--kvcache.slave.shard=" + shard,
                "--kvcache.slave.replica-id=" + replicaId).stream(), enrollmentArgs.stream())
                .toArray(String[]::new);
        ConfigurableApplicationContext started = new SpringApplication(SlaveApplication.class).run(args);
        RespNioServerConnectionFactory factory = started.getBean(RespNioServerConnectionFactory.class);
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (!factory.isListening()) {
            if (System.nanoTime() > deadline) {
                started.close();
                throw new IllegalStateException("The data port of " + this + " did not start listening");
            }
            LockSupport.parkNanos(Duration.ofMillis(5).toNanos());
        }
        dataPort = factory.getPort();
        context = started;
    }

    @Override
    public synchronized void stop() {
        if (context != null) {
            context.close();
            context = null;
        }
    }

    @Override
    public String toString() {
        return shard + "/" + replicaId + " (in-JVM, data port " + dataPort + ")";
    }
}
