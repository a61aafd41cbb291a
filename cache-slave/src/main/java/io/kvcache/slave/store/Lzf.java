package io.kvcache.slave.store;

/** LZF decompression (lzf_d.c), for the compressed strings of DUMP payloads. */
final class Lzf {

    private Lzf() {
    }

    /** @return exactly length bytes; RdbValue.BadFormat when the data does not decode to them */
    static byte[] decompress(byte[] in, int from, int inLength, int length) {
        byte[] out = new byte[length];
        int ip = from;
        int end = from + inLength;
        int op = 0;
        while (ip < end) {
            int ctrl = in[ip++] & 0xff;
            if (ctrl < 32) {
                int run = ctrl + 1;
                if (op + run > length || ip + run > end) {
                    throw new RdbValue.BadFormat();
                }
                System.arraycopy(in, ip, out, op, run);
                ip += run;
                op += run;
            } else {
                int len = ctrl >>> 5;
                int ref = op - ((ctrl & 0x1f) << 8) - 1;
                if (len == 7) {
                    len += in[ip++] & 0xff;
                }
                ref -= in[ip++] & 0xff;
                len += 2;
                if (ref < 0 || op + len > length) {
                    throw new RdbValue.BadFormat();
                }
                for (int i = 0; i < len; i++) {
                    out[op++] = out[ref++];
                }
            }
        }
        if (op != length) {
            throw new RdbValue.BadFormat();
        }
        return out;
    }
}
