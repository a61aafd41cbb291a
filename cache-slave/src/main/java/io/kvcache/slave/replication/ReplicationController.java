package io.kvcache.slave.replication;

import static io.kvcache.cluster.ReplicationHeaders.*;

import java.io.IOException;
import java.io.OutputStream;
import java.util.LinkedHashMap;
import java.util.Map;

import jakarta.servlet.http.HttpServletResponse;

import org.springframework.boot.autoconfigure.condition.ConditionalOnExpression;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

import io.kvcache.cluster.ReplicationStatus;
import io.kvcache.io.RespNioServerConnectionFactory;
import io.kvcache.slave.dispatch.CommandDispatcher;
import io.kvcache.slave.store.Keyspace;

/**
 * The replication REST endpoints of a slave's HTTP port. Replicas stream their primary's writes
 * (and acknowledge them with REPLCONF ACK on its data port); a primary calls its replicas for full syncs and
 * asks the state of a silent one; the master reads the state when it elects a primary. Every call must carry the cluster secret,
 * checked by Spring Security before any of them runs (io.kvcache.web.ClusterPlaneSecurity);
 * the answer's headers carry the replica's offset and epoch.
 */
@RestController
@RequestMapping("/replication")
@ConditionalOnExpression("!'${kvcache.slave.master:}'.isEmpty()")
class ReplicationController {

    /**
     * The stream response's buffer, and Tomcat's write buffer per connection: the largest frame the
     * data port's loop writes, with its 4-byte length, its chunk's size line and closing CRLF, so that
     * such a frame leaves as one chunk in one socket write.
     */
    static final int FRAME_BUFFER = ReplicationManager.INLINE_FRAME_MAX + 64;

    private final ReplicationManager manager;
    private final CommandDispatcher dispatcher;
    private final Keyspace keyspace;
    private final RespNioServerConnectionFactory dataPort;

    ReplicationController(ReplicationManager manager, CommandDispatcher dispatcher, Keyspace keyspace,
                          RespNioServerConnectionFactory dataPort) {
        this.manager = manager;
        this.dispatcher = dispatcher;
        this.keyspace = keyspace;
        this.dataPort = dataPort;
    }

    @GetMapping("/state")
    ResponseEntity<Map<String, Object>> state() {
        ReplicationStatus s = manager.state();
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("role", s.primary() ? "primary" : "replica");
        body.put("epoch", s.epoch());
        body.put("replid", s.replid());
        body.put("offset", s.offset());
        body.put("synced", s.synced());
        body.put("ack", manager.ackMode().name().toLowerCase(java.util.Locale.ROOT));
        body.put("replicas", manager.links());
        ResponseEntity.BodyBuilder ok = ResponseEntity.ok();
        s.toHeaders().forEach(ok::header);
        return ok.body(body);
    }

    /** An order-independent digest of the whole store, to check that replicas hold the same data. */
    @GetMapping("/digest")
    ResponseEntity<Map<String, Object>> digest() {
        return ResponseEntity.ok(dispatcher.exclusive(() -> Map.of("keys", keyspace.size(),
                "digest", Long.toHexString(keyspace.digest()), "offset", manager.state().offset())));
    }

    /**
     * A replica's stream after offset (it holds everything before it): refused with a 409 and its
     * reason, or answered 200 with the primary's epoch, replid, the offset the stream starts at and
     * the session its acknowledgements name and the data port they go to (REPLCONF ACK, read by its
     * I/O loop), then written as it grows until the session ends: each
     * frame a 4-byte length and that many bytes of the stream, flushed at once (length 0 is a
     * heartbeat). The servlet thread stays with the stream, one per replica; the data port's I/O
     * loop may write a small frame to it in its stead (ReplicationManager#stream).
     */
    @GetMapping("/stream")
    void stream(@RequestParam String replica, @RequestParam long epoch, @RequestParam(required = false) String replid,
                @RequestParam long offset, HttpServletResponse response) throws IOException {
        ReplicationManager.StreamStart start = manager.openStream(replica, epoch, replid, offset);
        response.setStatus(start.status());
        response.setHeader(EPOCH, Long.toString(start.epoch()));
        response.setHeader(OFFSET, Long.toString(start.offset()));
        if (start.replid() != null) {
            response.setHeader(REPLID, start.replid());
        }
        if (!start.ok()) {
            response.setHeader(REASON, start.reason());
            return;
        }
        StreamSession session = start.session();
        try {
            response.setHeader(SESSION, Long.toString(session.id));
            response.setHeader(ACK_PORT, Integer.toString(dataPort.getPort()));
            response.setContentType(MediaType.APPLICATION_OCTET_STREAM_VALUE);
            // One chunk per frame (the default buffer, 8 KiB, cut frames into 8 KiB chunks).
            response.setBufferSize(FRAME_BUFFER);
            OutputStream out = response.getOutputStream();
            response.flushBuffer();
            byte[] length = new byte[4];
            manager.stream(session, frame -> {
                int n = frame.length;
                length[0] = (byte) (n >>> 24);
                length[1] = (byte) (n >>> 16);
                length[2] = (byte) (n >>> 8);
                length[3] = (byte) n;
                out.write(length);
                out.write(frame);
                out.flush();
            });
        } finally {
            manager.closeStream(session);
        }
    }

    @PostMapping("/sync/begin")
    ResponseEntity<Void> syncBegin(@RequestHeader(EPOCH) long epoch) {
        return reply(manager.syncBegin(epoch));
    }

    @PostMapping("/sync/chunk")
    ResponseEntity<Void> syncChunk(@RequestHeader(EPOCH) long epoch, @RequestBody(required = false) byte[] body) {
        return reply(manager.syncChunk(epoch, body == null ? new byte[0] : body));
    }

    @PostMapping("/sync/end")
    ResponseEntity<Void> syncEnd(@RequestHeader(EPOCH) long epoch, @RequestHeader(REPLID) String replid,
                                 @RequestHeader(OFFSET) long offset) {
        return reply(manager.syncEnd(epoch, replid, offset));
    }

    private static ResponseEntity<Void> reply(ReplicationManager.Reply r) {
        return ResponseEntity.status(r.status()).header(OFFSET, Long.toString(r.offset()))
                .header(EPOCH, Long.toString(r.epoch())).header(REASON, r.reason()).build();
    }
}
