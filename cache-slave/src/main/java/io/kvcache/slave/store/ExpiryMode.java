package io.kvcache.slave.store;

/** What the store does with a key whose deadline has passed. */
public enum ExpiryMode {
    /** A primary (or a slave on its own): delete it, lazily or in the active cycle. */
    DELETE,
    /** A replica serving reads: the key looks absent, but only the primary's DEL removes it. */
    HIDE,
    /** A replica applying its primary's stream: the key is there until the stream deletes it. */
    KEEP
}
