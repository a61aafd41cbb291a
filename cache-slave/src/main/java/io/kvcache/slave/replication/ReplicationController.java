package io.kvcache.slave.replication;

import static io.kvcache.cluster.ReplicationHeaders.*;

import java.util.LinkedHashMap;
import java.util.Map;

import org.springframework.boot.autoconfigure.condition.ConditionalOnExpression;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

import io.kvcache.cluster.ReplicationStatus;
import io.kvcache.slave.dispatch.CommandDispatcher;
import io.kvcache.slave.store.Keyspace;

/**
 * The replication REST endpoints of a slave's HTTP port. A primary calls them on its replicas
 * (the stream, full syncs); the master reads the state when it elects a primary. Every call must
 * carry the cluster secret, checked by Spring Security before any of them runs (io.kvcache.web.ClusterPlaneSecurity);
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

    @PostMapping("/stream")
    ResponseEntity<Void> stream(@RequestHeader(EPOCH) long epoch, @RequestHeader(REPLID) String replid,
                                @RequestHeader(name = REPLID2, required = false) String replid2,
                                @RequestHeader(name = OFFSET2, defaultValue = "-1") long offset2,
                                @RequestHeader(OFFSET) long offset, @RequestBody(required = false) byte[] body) {
        return reply(manager.applyStream(epoch, replid, replid2, offset2, offset, body == null ? new byte[0] : body));
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
