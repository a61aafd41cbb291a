package io.kvcache.master.routing;

import java.nio.charset.StandardCharsets;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.kvcache.command.Session;
import io.kvcache.master.topology.Shard;
import io.kvcache.protocol.Replies;
import io.kvcache.protocol.RespErrors;
import io.kvcache.protocol.RespWriter;

/**
 * RPOPLPUSH and LMOVE between two shards: check both types as Redis does (source first), pop
 * from the source, push to the destination, and push the element back where it came from if
 * the push fails. No element is lost or duplicated; while it moves, a concurrent reader sees
 * it in neither list (docs/master.md).
 */
final class ListMove {

    private static final Logger log = LoggerFactory.getLogger(ListMove.class);
    private static final byte[] NULL_BULK = "$-1\r\n".getBytes(StandardCharsets.US_ASCII);

    private final ShardLinks links;
    private final Session session;

    ListMove(ShardLinks links, Session session) {
        this.links = links;
        this.session = session;
    }

    byte[] move(byte[] sourceKey, Shard source, byte[] targetKey, Shard target, boolean fromLeft, boolean toLeft) {
        byte[] sourceType = links.call(source, session, bytes("TYPE"), sourceKey);
        if (Replies.isError(sourceType)) {
            return sourceType;
        }
        if (isType(sourceType, "none")) {
            return NULL_BULK;
        }
        if (!isType(sourceType, "list")) {
            return ShardLinks.error(RespErrors.WRONGTYPE);
        }
        byte[] targetType = links.call(target, session, bytes("TYPE"), targetKey);
        if (Replies.isError(targetType)) {
            return targetType;
        }
        if (!isType(targetType, "none") && !isType(targetType, "list")) {
            return ShardLinks.error(RespErrors.WRONGTYPE);
        }
        byte[] popped = links.call(source, session, bytes(fromLeft ? "LPOP" : "RPOP"), sourceKey);
        if (Replies.isError(popped) || Replies.isNullBulk(popped)) {
            return popped;
        }
        byte[] value = Replies.bulk(popped);
        byte[] pushed = links.call(target, session, bytes(toLeft ? "LPUSH" : "RPUSH"), targetKey, value);
        if (!Replies.isError(pushed)) {
            return new RespWriter(value.length + 16).bulk(value).toByteArray();
        }
        byte[] restored = links.call(source, session, bytes(fromLeft ? "LPUSH" : "RPUSH"), sourceKey, value);
        if (Replies.isError(restored)) {
            log.error("A list element could not be moved nor put back ({}); it is lost",
                    new String(restored, StandardCharsets.ISO_8859_1).trim());
        }
        return pushed;
    }

    private static boolean isType(byte[] reply, String type) {
        return new String(reply, StandardCharsets.US_ASCII).equals("+" + type + "\r\n");
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }
}
