package io.kvcache.slave.store;

/**
 * The running total of the bytes the store's keys and values take ({@link Footprint}), kept as
 * they change, so reading it (before every command under maxmemory) costs nothing. Lists add
 * their own changes: they are mutated in place.
 */
final class UsedMemory {

    private long bytes;

    void add(long delta) {
        bytes += delta;
    }

    long bytes() {
        return bytes;
    }

    void reset() {
        bytes = 0;
    }
}
