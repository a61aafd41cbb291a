package io.kvcache.slave.store;

/**
 * A string value (Redis's robj of type OBJ_STRING around its sds). Its bytes are never changed in
 * place: INCR, APPEND and SETRANGE store a new value, so a reply or a replication frame may hold
 * the array after the command.
 */
record StringValue(byte[] bytes) implements Value {
}
