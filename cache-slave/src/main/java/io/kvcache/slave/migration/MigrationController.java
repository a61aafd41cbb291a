package io.kvcache.slave.migration;

import static io.kvcache.cluster.ReplicationHeaders.*;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.springframework.boot.autoconfigure.condition.ConditionalOnExpression;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

import io.kvcache.command.CommandSpec;
import io.kvcache.command.CommandTable;
import io.kvcache.command.KeySpec;
import io.kvcache.protocol.ProtocolLimits;
import io.kvcache.protocol.Request;
import io.kvcache.protocol.RespReader;

/**
 * The migration REST endpoints of a slave's HTTP port, each needing the cluster secret (checked
 * by Spring Security before any of them runs, io.kvcache.web.ClusterPlaneSecurity):
 * {@code POST /migration/import} (a source primary's batch), {@code POST /migration/settle} (the
 * master, for a client's command whose keys are in flight or split: move them now) and
 * {@code GET /migration/state} (the master, to know when every key has moved).
 */
@RestController
@RequestMapping("/migration")
@ConditionalOnExpression("!'${kvcache.slave.master:}'.isEmpty()")
class MigrationController {

    private final Migration migration;
    private final CommandTable table = CommandTable.standard();

    MigrationController(Migration migration) {
        this.migration = migration;
    }

    @PostMapping("/import")
    ResponseEntity<String> importBatch(@RequestHeader(PLACEMENT) long placement,
                                       @RequestBody(required = false) byte[] body) {
        KeyImporter.Refusal refusal = migration.importBatch(placement, body == null ? new byte[0] : body);
        if (refusal == null) {
            return ResponseEntity.ok().build();
        }
        return ResponseEntity.status(refusal.status()).header(REASON, refusal.reason()).body(refusal.reason());
    }

    /** The body is the client's request, as RESP: its keys are the ones to settle. */
    @PostMapping("/settle")
    ResponseEntity<Void> settle(@RequestBody(required = false) byte[] body) throws InterruptedException {
        List<byte[]> keys = keysOf(body == null ? new byte[0] : body);
        if (keys == null) {
            return ResponseEntity.badRequest().build();
        }
        return migration.settle(keys) ? ResponseEntity.ok().build()
                : ResponseEntity.status(HttpStatus.SERVICE_UNAVAILABLE).build();
    }

    @GetMapping("/state")
    ResponseEntity<Map<String, Object>> state() {
        return ResponseEntity.ok(migration.state());
    }

    private List<byte[]> keysOf(byte[] body) {
        RespReader reader = new RespReader(ProtocolLimits.REDIS_DEFAULTS);
        reader.feed(body, 0, body.length);
        List<byte[]> keys = new ArrayList<>();
        for (Object next = reader.next(); next != null; next = reader.next()) {
            if (!(next instanceof Request request)) {
                return null;
            }
            CommandSpec spec = table.lookup(request.arg(0));
            if (spec == null) {
                return null;
            }
            KeySpec k = spec.keys();
            int count = k.count(request);
            for (int j = 0; j < count; j++) {
                keys.add(request.arg(k.position(request, j)));
            }
        }
        return keys;
    }
}
