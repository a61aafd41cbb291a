package io.kvcache.slave.store;

/**
 * A key's value, one class per Redis type. The set is closed: every switch over a value names
 * each type, so a new type does not compile until replication and full sync ({@link StateEncoder}),
 * memory accounting ({@link Footprint}), TYPE and SCAN's TYPE filter ({@link Entry#typeName}), the
 * digest and the prefetch ({@link EntryTable}) handle it.
 */
sealed interface Value permits StringValue, QuickList, HashValue, SetValue, ZSetValue {
}
