package io.kvcache.slave.replication;

import static io.kvcache.cluster.ReplicationHeaders.*;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Consumer;

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
import org.springframework.web.context.request.async.DeferredResult;

import io.kvcache.cluster.ReplicationStatus;
import io.kvcache.slave.dispatch.CommandDispatcher;
import io.kvcache.slave.store.Keyspace;

/**
 * The replication REST endpoints of a slave's HTTP port. Replicas long-poll their primary for the
 * stream; a primary calls its replicas for full syncs and asks the state of a silent one; the
 * master reads the state when it elects a primary. Every call must carry the cluster secret,
 * checked by Spring Security before any of them runs (io.kvcache.web.ClusterPlaneSecurity);
 * the answer's headers carry the replica's offset and epoch.
 */
@RestController
@RequestMapping("/replication")
@ConditionalOnExpression("!'${kvcache.slave.master:}'.isEmpty()")
class ReplicationController {

    private final ReplicationManager manager;
    private final CommandDispatcher dispatcher;
    private final Keyspace keyspace;

    ReplicationController(ReplicationManager manager, CommandDispatcher dispatcher, Keyspace keyspace) {
        this.manager = manager;
        this.dispatcher = dispatcher;
        this.keyspace = keyspace;
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
     * A replica's long poll for the stream after offset (which acknowledges everything before it):
     * answered at once when this primary has bytes after it or refuses the poll, otherwise held
     * without a servlet thread (a {@link DeferredResult}) until a write lands or the poll wait ends.
     * The answer's headers name the primary's epoch, its replid, and the offset the body starts at;
     * a refusal is a 409 with its reason.
     */
    @GetMapping("/log")
    Object poll(@RequestParam String replica, @RequestParam long epoch, @RequestParam(required = false) String replid,
                @RequestParam long offset, @RequestParam(defaultValue = "0") int max) {
        PollResponse response = new PollResponse(manager.pollWait().plusSeconds(5).toMillis());
        manager.poll(replica, epoch, replid, offset, max, response);
        // The declared type is Object so that Spring MVC picks the handler of what is returned: an
        // answer ready now goes out as a plain response, without the cost of an async dispatch.
        return response.result();
    }

    /** The answer to one poll: ready before the handler returns, or set later on whichever thread has it. */
    private static final class PollResponse implements Consumer<ReplicationManager.PollAnswer> {

        private final long timeoutMillis;
        private ResponseEntity<byte[]> early;
        private DeferredResult<ResponseEntity<byte[]>> deferred;

        PollResponse(long timeoutMillis) {
            this.timeoutMillis = timeoutMillis;
        }

        @Override
        public synchronized void accept(ReplicationManager.PollAnswer answer) {
            ResponseEntity<byte[]> entity = entity(answer);
            if (deferred == null) {
                early = entity;
            } else {
                deferred.setResult(entity);
            }
        }

        synchronized Object result() {
            if (early != null) {
                return early;
            }
            deferred = new DeferredResult<>(timeoutMillis);
            return deferred;
        }

        private static ResponseEntity<byte[]> entity(ReplicationManager.PollAnswer a) {
            ResponseEntity.BodyBuilder b = ResponseEntity.status(a.status()).header(EPOCH, Long.toString(a.epoch()))
                    .header(OFFSET, Long.toString(a.offset()));
            if (a.replid() != null) {
                b.header(REPLID, a.replid());
            }
            if (!a.ok()) {
                return b.header(REASON, a.reason()).build();
            }
            return b.contentType(MediaType.APPLICATION_OCTET_STREAM).body(a.body());
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
