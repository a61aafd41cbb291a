package io.kvcache.master.upstream;

import io.kvcache.io.IoLoops;

/**
 * How the master's links to the slaves are made.
 *
 * @param loops               the I/O loops: each has one pipelined link to each slave it talks to
 * @param connectTimeoutMillis a link not connected by then fails its requests
 * @param replyTimeoutMillis  a link whose oldest request has had no reply for this long is broken (its requests
 *                            fail with an error) and replaced, as twemproxy's server timeout
 * @param greeting            bytes sent first on every new link (AUTH with the cluster secret), or null
 */
public record UpstreamSettings(IoLoops loops, int connectTimeoutMillis, long replyTimeoutMillis, byte[] greeting) {
}
