package io.kvcache.slave.replication;

import java.net.URI;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

import io.kvcache.cluster.InSyncReplicas;

/**
 * What the master tells a slave about its shard, on every enrollment reply, heartbeat reply and
 * push: {@code epoch role primaryId primaryHttp replicas [inSync]}, space-separated, where replicas
 * is {@code id@host:port,...} (the primary's siblings) or {@code -}, and inSync, sent to a primary,
 * the replicas the master records as in sync: {@code id,...}, {@code -} for none, {@code ?} when it
 * does not know yet (it restarted).
 *
 * @param replicas the other live replicas, by id, with their HTTP addresses (a primary ships to them)
 * @param inSync the replicas the master may elect if the primary dies; null when not known
 */
public record Assignment(long epoch, Role role, String primaryId, URI primaryHttp, Map<String, URI> replicas,
                         Set<String> inSync) {

    /** Parses the master's text; null when the shard has no primary yet (an empty text). */
    public static Assignment parse(String text) {
        if (text.isBlank()) {
            return null;
        }
        String[] parts = text.trim().split(" ");
        if (parts.length != 5 && parts.length != 6) {
            throw new IllegalArgumentException("malformed assignment: " + text);
        }
        Map<String, URI> replicas = new LinkedHashMap<>();
        if (!parts[4].equals("-")) {
            for (String replica : parts[4].split(",")) {
                int at = replica.indexOf('@');
                replicas.put(replica.substring(0, at), http(replica.substring(at + 1)));
            }
        }
        Set<String> inSync = parts.length < 6 ? null : InSyncReplicas.parse(parts[5]);
        return new Assignment(Long.parseLong(parts[0]), Role.valueOf(parts[1].toUpperCase(java.util.Locale.ROOT)),
                parts[2], http(parts[3]), replicas, inSync);
    }

    private static URI http(String hostPort) {
        return URI.create("http://" + hostPort);
    }
}
