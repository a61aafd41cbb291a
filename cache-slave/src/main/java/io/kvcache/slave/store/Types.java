package io.kvcache.slave.store;

import io.kvcache.protocol.ErrorReply;
import io.kvcache.protocol.RespErrors;

/** checkType: a value of the wrong type raises WRONGTYPE before the command changes anything. */
final class Types {

    static final ErrorReply WRONGTYPE = new ErrorReply(RespErrors.WRONGTYPE);

    private Types() {
    }

    static byte[] string(Entry e) {
        if (e.value instanceof StringValue s) {
            return s.bytes();
        }
        throw WRONGTYPE;
    }

    static HashValue hash(Entry e) {
        if (e.value instanceof HashValue hash) {
            return hash;
        }
        throw WRONGTYPE;
    }

    static ZSetValue zset(Entry e) {
        if (e.value instanceof ZSetValue zset) {
            return zset;
        }
        throw WRONGTYPE;
    }

    static SetValue set(Entry e) {
        if (e.value instanceof SetValue set) {
            return set;
        }
        throw WRONGTYPE;
    }

    static QuickList list(Entry e) {
        if (e.value instanceof QuickList list) {
            return list;
        }
        throw WRONGTYPE;
    }
}
