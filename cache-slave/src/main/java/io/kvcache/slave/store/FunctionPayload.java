package io.kvcache.slave.store;

import java.util.List;

/** FUNCTION DUMP and RESTORE's payload, in Redis 7.0's format (RDB_OPCODE_FUNCTION2 entries, version, CRC-64). */
public final class FunctionPayload {

    private FunctionPayload() {
    }

    public static byte[] dump(List<byte[]> codes) {
        return RdbValue.dumpFunctions(codes);
    }

    /** The libraries' code, or null when the payload's version or checksum is wrong or it does not parse. */
    public static List<byte[]> restore(byte[] payload) {
        if (!RdbValue.verify(payload)) {
            return null;
        }
        try {
            return RdbValue.restoreFunctions(payload);
        } catch (RdbValue.BadFormat e) {
            return null;
        }
    }
}
