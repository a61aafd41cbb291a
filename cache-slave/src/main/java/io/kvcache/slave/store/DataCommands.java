package io.kvcache.slave.store;

import io.kvcache.command.Handlers;

/** Every data-type command family of the store, registered in one place (the slave and its test fixtures alike). */
public final class DataCommands {

    private DataCommands() {
    }

    /** @param protoMaxBulkLen the largest string a command may build (proto-max-bulk-len) */
    public static void register(Handlers handlers, Keyspace keyspace, Eviction eviction, long protoMaxBulkLen) {
        new StringCommands(keyspace, protoMaxBulkLen).register(handlers);
        new BitCommands(keyspace, protoMaxBulkLen).register(handlers);
        new KeyCommands(keyspace).register(handlers);
        new ListCommands(keyspace).register(handlers);
        new HashCommands(keyspace).register(handlers);
        new SetCommands(keyspace).register(handlers);
        new ObjectCommand(keyspace, eviction).register(handlers);
        new ZSetCommands(keyspace).register(handlers);
        new ZSetAlgebra(keyspace).register(handlers);
    }
}
