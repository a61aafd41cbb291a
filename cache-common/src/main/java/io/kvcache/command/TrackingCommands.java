package io.kvcache.command;

import io.kvcache.protocol.Request;
import io.kvcache.protocol.RespWriter;

/**
 * CLIENT TRACKING, CACHING, GETREDIR and TRACKINGINFO (client-side caching), answered where the
 * keys clients read are known: the master. A server without it answers them as unknown.
 */
public interface TrackingCommands {

    void tracking(Request r, RespWriter out, Session s);

    void caching(Request r, RespWriter out, Session s);

    void getredir(Request r, RespWriter out, Session s);

    void trackinginfo(Request r, RespWriter out, Session s);
}
