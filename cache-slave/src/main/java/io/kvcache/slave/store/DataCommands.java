package io.kvcache.slave.store;

import io.kvcache.command.Handlers;

/** Every data-type command family of the store, registered in one place (the slave and its test fixtures alike). */
public final class DataCommands {

    private DataCommands() {
    }

    /**
     * @param protoMaxBulkLen the largest string a command may build (proto-max-bulk-len)
     * @param cluster         a slave of a cluster (SORT refuses BY patterns and GET there, as Redis Cluster)
     */
    public static void register(Handlers handlers, Keyspace keyspace, Eviction eviction, long protoMaxBulkLen,
                                boolean cluster) {
        new StringCommands(keyspace, protoMaxBulkLen).register(handlers);
        new BitCommands(keyspace, protoMaxBulkLen).register(handlers);
        new LcsCommand(keyspace, protoMaxBulkLen).register(handlers);
        new BitfieldCommand(keyspace, protoMaxBulkLen).register(handlers);
        new HyperLogLogCommands(keyspace).register(handlers);
        new SortCommand(keyspace, cluster).register(handlers);
        new MemoryCommand(keyspace).register(handlers);
        new DumpCommands(keyspace).register(handlers);
        new KeyCommands(keyspace).register(handlers);
        ListCommands lists = new ListCommands(keyspace);
        lists.register(handlers);
        new HashCommands(keyspace).register(handlers);
        new SetCommands(keyspace).register(handlers);
        new ObjectCommand(keyspace, eviction).register(handlers);
        ZSetCommands zsets = new ZSetCommands(keyspace);
        zsets.register(handlers);
        new ZSetAlgebra(keyspace).register(handlers);
        new BlockingCommands(keyspace, lists, zsets).register(handlers);
    }
}
