package io.kvcache.slave.store;

import io.kvcache.protocol.RedisNumbers;

/**
 * A string value (Redis's robj of type OBJ_STRING around its sds). Its bytes are never changed in
 * place: every command that changes a string stores a new value, so a reply or a replication frame
 * may hold the array after the command.
 * <p>
 * The kinds are the histories OBJECT ENCODING and REFCOUNT tell apart, at no cost (each is a 16-byte
 * object): what Redis stored through tryObjectEncoding ("int" when the bytes are an integer of at
 * most 20 characters, "embstr" up to 44 bytes, else "raw"), what it created without it (INCRBYFLOAT's
 * result: "embstr" or "raw"), and what it edited in place or built with createObject (APPEND to an
 * existing string, SETRANGE, SETBIT, BITOP: "raw" whatever the length), that kind again held as a
 * number when INCR wrote it; and COPY's duplicate of
 * the first kind, encoded alike but never one of Redis's shared integers (OBJECT REFCOUNT 1).
 */
sealed interface StringValue extends Value
        permits StringValue.Encoded, StringValue.Int, StringValue.Created, StringValue.Edited, StringValue.Duplicated {

    byte[] bytes();

    /** The length of {@link #bytes()}, without building them. */
    default int length() {
        return bytes().length;
    }

    /** SET and most writers: Redis tries the int and embstr encodings. */
    static StringValue of(byte[] bytes) {
        return new Encoded(bytes);
    }

    /** createStringObject without tryObjectEncoding (INCRBYFLOAT). */
    static StringValue created(byte[] bytes) {
        return new Created(bytes);
    }

    /** An sds edited in place, or a raw createObject (APPEND, SETRANGE, SETBIT, BITOP). */
    static StringValue edited(byte[] bytes) {
        return new Edited(bytes);
    }

    record Encoded(byte[] bytes) implements StringValue {
    }

    /**
     * An {@link Encoded} string whose bytes are the integer value, kept as the number (Redis's
     * OBJ_ENCODING_INT) because INCR and its kin wrote it: the next INCR neither follows a pointer
     * to the bytes nor parses them, which on a counter under load is a cache miss per call.
     */
    record Int(long value) implements StringValue {

        @Override
        public byte[] bytes() {
            return RedisNumbers.toBytes(value);
        }

        @Override
        public int length() {
            return RedisNumbers.length(value);
        }
    }

    record Created(byte[] bytes) implements StringValue {
    }

    record Edited(byte[] bytes) implements StringValue {
    }

    /** COPY's dupStringObject of an {@link Encoded} string: the same encoding, never a shared integer. */
    record Duplicated(byte[] bytes) implements StringValue {
    }
}
