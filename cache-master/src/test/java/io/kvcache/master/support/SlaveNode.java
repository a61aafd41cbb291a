package io.kvcache.master.support;

import java.net.InetSocketAddress;

/**
 * One slave (a replica of a shard) of a {@link LocalCluster}: in this JVM or a separate process. It
 * keeps its data port across restarts, so the master sees the same replica come back.
 */
public sealed interface SlaveNode permits InJvmSlave, ProcessSlave {

    /** The shard it holds, e.g. "slave1". */
    String shard();

    /** Its replica id within the shard, e.g. "replica1". */
    String replicaId();

    /** Its data port (fixed after the first start). */
    int dataPort();

    default InetSocketAddress dataAddress() {
        return new InetSocketAddress("127.0.0.1", dataPort());
    }

    boolean isRunning();

    /** The process id of a slave running as its own process (none for one in this JVM). */
    default java.util.OptionalLong pid() {
        return java.util.OptionalLong.empty();
    }

    /** Starts it (again) on the same data port; returns once the port accepts connections. */
    void start();

    /**
     * Stops it: an in-JVM slave closes its Spring context (its sockets close as in a crash of the
     * process); a process slave is killed with SIGKILL (kill -9), so nothing shuts down cleanly.
     */
    void stop();
}
