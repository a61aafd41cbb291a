package io.kvcache.slave.compat;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;

/**
 * One connection to the reference server and one to the candidate, driven in lock-step: every
 * action runs on both at the same time, so the two servers see each command within a few
 * milliseconds of each other (which keeps the TTL tolerance small).
 */
final class ServerPair implements AutoCloseable {

    /** The two results of one action. */
    record Both<T>(T reference, T candidate) {
    }

    @FunctionalInterface
    interface ClientAction<T> {
        T apply(RawRedisClient client) throws IOException;
    }

    /** An I/O failure (typically a timeout) on one side, with the side named. */
    static final class SideFailure extends IOException {
        SideFailure(String side, IOException cause) {
            super(side + " server: " + cause.getMessage(), cause);
        }
    }

    private final RawRedisClient reference;
    private final RawRedisClient candidate;

    ServerPair(InetSocketAddress referenceAddress, InetSocketAddress candidateAddress) throws IOException {
        reference = new RawRedisClient(referenceAddress);
        try {
            candidate = new RawRedisClient(candidateAddress);
        } catch (IOException e) {
            reference.close();
            throw new SideFailure("candidate", e);
        }
    }

    <T> Both<T> onBoth(ClientAction<T> action) throws IOException {
        FutureTask<T> onCandidate = new FutureTask<>(() -> action.apply(candidate));
        Thread.ofVirtual().name("differential-candidate").start(onCandidate);
        T fromReference;
        try {
            fromReference = action.apply(reference);
        } catch (IOException e) {
            close();
            throw new SideFailure("reference", e);
        }
        try {
            return new Both<>(fromReference, onCandidate.get());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        } catch (ExecutionException e) {
            close();
            throw e.getCause() instanceof IOException io ? new SideFailure("candidate", io)
                    : new IOException("candidate side failed: " + e.getCause(), e.getCause());
        }
    }

    @Override
    public void close() throws IOException {
        try {
            reference.close();
        } finally {
            candidate.close();
        }
    }
}
