package io.kvcache.protocol;

/**
 * The read buffer one I/O thread lends to the readers of its connections (Redis 7.4's reusable
 * query buffer): a reader that holds no unparsed bytes reads into it, parses what arrived, and keeps
 * a buffer of its own only for what is left. Connections that wait, such as a thousand clients
 * blocked in BLPOP, then hold no read buffer, and young collections have none of theirs to copy.
 * Confined to its thread; lent to one reader at a time.
 */
public final class SharedReadBuffer {

    final byte[] bytes = new byte[RespReader.INITIAL_BUFFER];
    boolean lent;
}
