package io.kvcache.slave.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Ports for servers a test starts (or restarts) on a port it chose. They come from below the kernel's
 * ephemeral range: a port the kernel handed out for {@code bind(0)} is in that range, and once its
 * server stops, any outgoing connection (the master reconnecting to it, an HTTP client) may take it as
 * its local port, or connect to itself through it, and the server can no longer bind it on restart.
 */
public final class FreePorts {

    private static final Path EPHEMERAL_RANGE = Path.of("/proc/sys/net/ipv4/ip_local_port_range");
    private static final int LOWEST = 10_000;
    private static final Set<Integer> HANDED_OUT = ConcurrentHashMap.newKeySet();
    /** The first port of the ephemeral range, read once. */
    private static final int EPHEMERAL_LOW = ephemeralLow();

    private FreePorts() {
    }

    /** A loopback port free right now, below the ephemeral range, not handed out before in this JVM. */
    public static int next() {
        int below = EPHEMERAL_LOW;
        if (below - LOWEST < 1_000) {
            return kernelChosen();
        }
        for (int attempt = 0; attempt < 1_000; attempt++) {
            int port = ThreadLocalRandom.current().nextInt(LOWEST, below);
            if (HANDED_OUT.add(port) && bindable(port)) {
                return port;
            }
        }
        return kernelChosen();
    }

    private static int ephemeralLow() {
        try {
            // readAllLines, not readString: on procfs (a size of 0) readString returned only "3" here.
            return Integer.parseInt(Files.readAllLines(EPHEMERAL_RANGE).getFirst().trim().split("\\s+")[0]);
        } catch (IOException | RuntimeException e) {
            return LOWEST; // not Linux: no range to keep out of
        }
    }

    private static boolean bindable(int port) {
        try (ServerSocket socket = new ServerSocket()) {
            socket.setReuseAddress(true);
            socket.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 1);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static int kernelChosen() {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("no free port", e);
        }
    }
}
