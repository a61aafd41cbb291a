package io.kvcache.slave.store;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

import io.kvcache.protocol.RedisNumbers;

/**
 * Values in Redis's RDB serialization, as DUMP writes them and RESTORE reads them (rdb.c): the
 * value's type and body, then the RDB version (2 bytes) and a CRC-64 (Jones, 8 bytes), both little
 * endian. Reads what Redis 7.0 dumps: strings (raw, integer and LZF encodings), lists (linked or
 * quicklist of listpacks and plain nodes), sets (plain or intset), sorted sets (plain, binary-score
 * or listpack) and hashes (plain or listpack); not the ziplist and zipmap forms of Redis before 7,
 * nor modules or streams. Writes the plain forms (string, list, set, sorted set with binary scores,
 * hash), which every Redis since 4 loads.
 */
final class RdbValue {

    /** Redis 7.0's RDB_VERSION: payloads of a later version are refused. */
    static final int VERSION = 10;

    static final class BadFormat extends RuntimeException {
        BadFormat() {
            super(null, null, false, false);
        }
    }

    private static final int STRING = 0;
    private static final int LIST = 1;
    private static final int SET = 2;
    private static final int ZSET = 3;
    private static final int HASH = 4;
    private static final int ZSET_2 = 5;
    private static final int SET_INTSET = 11;
    private static final int HASH_LISTPACK = 16;
    private static final int ZSET_LISTPACK = 17;
    private static final int LIST_QUICKLIST_2 = 18;
    /** RDB_OPCODE_FUNCTION2: a function library's code follows. */
    private static final int FUNCTION2 = 245;

    private RdbValue() {
    }

    // ---- DUMP ------------------------------------------------------------------------------------

    static byte[] dump(Value value) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        switch (value) {
            case StringValue s -> {
                out.write(STRING);
                string(out, s.bytes());
            }
            case QuickList l -> {
                out.write(LIST);
                length(out, l.size());
                for (int i = 0; i < l.size(); i++) {
                    string(out, l.get(i));
                }
            }
            case SetValue s -> {
                List<byte[]> members = s.members();
                out.write(SET);
                length(out, members.size());
                members.forEach(m -> string(out, m));
            }
            case ZSetValue z -> {
                out.write(ZSET_2);
                length(out, z.size());
                for (Iterator<ZSetValue.Scored> it = z.iterator(false); it.hasNext(); ) {
                    ZSetValue.Scored m = it.next();
                    string(out, m.member());
                    LittleEndian.write(out, Double.doubleToRawLongBits(m.score()), 8);
                }
            }
            case HashValue h -> {
                List<byte[]> pairs = h.flatten();
                out.write(HASH);
                length(out, pairs.size() / 2);
                pairs.forEach(p -> string(out, p));
            }
        }
        LittleEndian.write(out, VERSION, 2);
        LittleEndian.write(out, Crc64.of(out.toByteArray()), 8);
        return out.toByteArray();
    }

    private static void length(ByteArrayOutputStream out, long len) {
        if (len < 1 << 6) {
            out.write((int) len);
        } else if (len < 1 << 14) {
            out.write((int) (len >>> 8) | 0x40);
            out.write((int) len & 0xff);
        } else if (len <= 0xffffffffL) {
            out.write(0x80);
            for (int i = 3; i >= 0; i--) {
                out.write((int) (len >>> (8 * i)));
            }
        } else {
            out.write(0x81);
            for (int i = 7; i >= 0; i--) {
                out.write((int) (len >>> (8 * i)));
            }
        }
    }

    private static void string(ByteArrayOutputStream out, byte[] s) {
        length(out, s.length);
        out.writeBytes(s);
    }

    /** FUNCTION DUMP's payload: each library's code after RDB_OPCODE_FUNCTION2, then the footer. */
    static byte[] dumpFunctions(List<byte[]> codes) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] code : codes) {
            out.write(FUNCTION2);
            string(out, code);
        }
        LittleEndian.write(out, VERSION, 2);
        LittleEndian.write(out, Crc64.of(out.toByteArray()), 8);
        return out.toByteArray();
    }

    /** The libraries' code in a verified FUNCTION DUMP payload; BadFormat when Redis would refuse it. */
    static List<byte[]> restoreFunctions(byte[] payload) {
        Reader in = new Reader(payload, payload.length - 10);
        List<byte[]> codes = new java.util.ArrayList<>();
        try {
            while (in.remaining() > 0) {
                if (in.u8() != FUNCTION2) {
                    throw new BadFormat();
                }
                codes.add(in.string());
            }
        } catch (ArrayIndexOutOfBoundsException e) {
            throw new BadFormat();
        }
        return codes;
    }

    // ---- RESTORE ---------------------------------------------------------------------------------

    /** verifyDumpPayload: at least the footer, a version this Redis reads, a matching CRC-64. */
    static boolean verify(byte[] payload) {
        if (payload.length < 10) {
            return false;
        }
        if (LittleEndian.read(payload, payload.length - 10, 2) > VERSION) {
            return false;
        }
        return Crc64.of(payload, 0, payload.length - 8) == LittleEndian.read(payload, payload.length - 8, 8);
    }

    /** rdbLoadObjectType and rdbLoadObject of a verified payload; BadFormat when Redis would refuse it. */
    static Value restore(byte[] payload) {
        Reader in = new Reader(payload, payload.length - 10);
        try {
            Value v = switch (in.u8()) {
                case STRING -> StringValue.of(in.string());
                case LIST -> {
                    QuickList list = new QuickList();
                    for (long n = in.length(); n > 0; n--) {
                        list.addLast(in.string());
                    }
                    yield nonEmpty(list.size(), list);
                }
                case LIST_QUICKLIST_2 -> {
                    QuickList list = new QuickList();
                    for (long nodes = in.length(); nodes > 0; nodes--) {
                        long container = in.length();
                        byte[] node = in.string();
                        if (container == 1) {
                            list.addLast(node); // a plain node: one element
                        } else if (container == 2) {
                            Listpack.elements(node).forEach(list::addLast);
                        } else {
                            throw new BadFormat();
                        }
                    }
                    yield nonEmpty(list.size(), list);
                }
                case SET -> {
                    SetValue set = new SetValue();
                    for (long n = in.length(); n > 0; n--) {
                        set.add(in.string());
                    }
                    yield nonEmpty(set.size(), set);
                }
                case SET_INTSET -> {
                    SetValue set = new SetValue();
                    for (byte[] m : Listpack.intset(in.string())) {
                        set.add(m);
                    }
                    yield nonEmpty(set.size(), set);
                }
                case ZSET, ZSET_2 -> {
                    boolean binary = payload[0] == ZSET_2;
                    List<ZSetValue.Scored> members = new ArrayList<>();
                    for (long n = in.length(); n > 0; n--) {
                        byte[] member = in.string();
                        members.add(new ZSetValue.Scored(binary ? in.binaryDouble() : in.textDouble(), member));
                    }
                    yield zset(members);
                }
                case ZSET_LISTPACK -> {
                    List<byte[]> flat = Listpack.elements(in.string());
                    if (flat.size() % 2 != 0) {
                        throw new BadFormat();
                    }
                    List<ZSetValue.Scored> members = new ArrayList<>();
                    for (int i = 0; i < flat.size(); i += 2) {
                        members.add(new ZSetValue.Scored(score(flat.get(i + 1)), flat.get(i)));
                    }
                    yield zset(members);
                }
                case HASH -> {
                    HashValue hash = new HashValue();
                    for (long n = in.length(); n > 0; n--) {
                        hash.put(in.string(), in.string());
                    }
                    yield nonEmpty(hash.size(), hash);
                }
                case HASH_LISTPACK -> {
                    List<byte[]> flat = Listpack.elements(in.string());
                    if (flat.size() % 2 != 0) {
                        throw new BadFormat();
                    }
                    HashValue hash = new HashValue();
                    for (int i = 0; i < flat.size(); i += 2) {
                        hash.put(flat.get(i), flat.get(i + 1));
                    }
                    yield nonEmpty(hash.size(), hash);
                }
                default -> throw new BadFormat(); // ziplists, zipmaps, modules, streams
            };
            if (in.pos != in.end) {
                throw new BadFormat();
            }
            return v;
        } catch (IndexOutOfBoundsException | NegativeArraySizeException e) {
            throw new BadFormat();
        }
    }

    private static Value nonEmpty(int size, Value v) {
        if (size == 0) {
            throw new BadFormat(); // Redis refuses empty collections in a payload
        }
        return v;
    }

    private static Value zset(List<ZSetValue.Scored> members) {
        if (members.isEmpty()) {
            throw new BadFormat();
        }
        for (ZSetValue.Scored m : members) {
            if (Double.isNaN(m.score())) {
                throw new BadFormat();
            }
        }
        return ZSetValue.built(members);
    }

    private static double score(byte[] s) {
        try {
            return Scores.parseStrict(s);
        } catch (Scores.NotAScore e) {
            throw new BadFormat();
        }
    }

    /** A cursor over a payload's body (the footer excluded). */
    private static final class Reader {
        private final byte[] b;
        private final int end;
        private int pos;

        Reader(byte[] b, int end) {
            this.b = b;
            this.end = end;
        }

        int remaining() {
            return end - pos;
        }

        int u8() {
            if (pos >= end) {
                throw new BadFormat();
            }
            return b[pos++] & 0xff;
        }

        /** rdbLoadLen of a length (not a special encoding). */
        long length() {
            int first = u8();
            int type = first >>> 6;
            return switch (type) {
                case 0 -> first & 0x3f;
                case 1 -> ((long) (first & 0x3f) << 8) | u8();
                case 2 -> {
                    int bytes = first == 0x80 ? 4 : first == 0x81 ? 8 : -1;
                    if (bytes < 0) {
                        throw new BadFormat();
                    }
                    long len = 0;
                    for (int i = 0; i < bytes; i++) {
                        len = (len << 8) | u8();
                    }
                    yield len;
                }
                default -> throw new BadFormat();
            };
        }

        /** rdbGenericLoadStringObject: raw, an integer (8, 16, 32 bits) or LZF. */
        byte[] string() {
            int first = u8();
            if (first >>> 6 != 3) {
                pos--;
                long len = length();
                if (len > end - pos) {
                    throw new BadFormat();
                }
                byte[] s = java.util.Arrays.copyOfRange(b, pos, pos + (int) len);
                pos += (int) len;
                return s;
            }
            return switch (first & 0x3f) {
                case 0 -> RedisNumbers.toBytes((byte) u8());
                case 1 -> RedisNumbers.toBytes((short) (u8() | u8() << 8));
                case 2 -> RedisNumbers.toBytes(u8() | u8() << 8 | u8() << 16 | u8() << 24);
                case 3 -> {
                    long compressed = length();
                    long length = length();
                    if (compressed > end - pos || length > Integer.MAX_VALUE) {
                        throw new BadFormat();
                    }
                    byte[] s = Lzf.decompress(b, pos, (int) compressed, (int) length);
                    pos += (int) compressed;
                    yield s;
                }
                default -> throw new BadFormat();
            };
        }

        double binaryDouble() {
            if (end - pos < 8) {
                throw new BadFormat();
            }
            double v = Double.longBitsToDouble(LittleEndian.read(b, pos, 8));
            pos += 8;
            return v;
        }

        /** rdbLoadDoubleValue: 253 nan, 254 +inf, 255 -inf, else that many ASCII bytes. */
        double textDouble() {
            int len = u8();
            return switch (len) {
                case 253 -> Double.NaN;
                case 254 -> Double.POSITIVE_INFINITY;
                case 255 -> Double.NEGATIVE_INFINITY;
                default -> {
                    if (len > end - pos) {
                        throw new BadFormat();
                    }
                    String text = new String(b, pos, len, StandardCharsets.US_ASCII);
                    pos += len;
                    try {
                        yield Double.parseDouble(text);
                    } catch (NumberFormatException e) {
                        throw new BadFormat();
                    }
                }
            };
        }
    }
}
