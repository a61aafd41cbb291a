package io.kvcache.master.routing;

import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

import io.kvcache.command.ResponsePolicy;
import io.kvcache.master.routing.Fragmenter.Fragment;
import io.kvcache.master.upstream.PendingReply;
import io.kvcache.protocol.Replies;
import io.kvcache.protocol.RespWriter;

/**
 * The replies of a split or fanned-out command, merged by the command's response policy
 * (twemproxy's redis_post_coalesce; Redis's response_policy tips). An error from any shard is
 * the answer.
 */
record Merge(ResponsePolicy policy, List<Fragment> fragments, List<PendingReply> parts, int keyCount) {

    void writeTo(RespWriter out) {
        if (policy == ResponsePolicy.ANY_SUCCEEDED) {
            anySucceeded(out);
            return;
        }
        for (PendingReply part : parts) {
            byte[] reply = ShardLinks.reply(part);
            if (Replies.isError(reply)) {
                out.raw(reply);
                return;
            }
        }
        switch (policy) {
            case AGG_SUM -> {
                long sum = 0;
                for (PendingReply part : parts) {
                    sum += Replies.integer(ShardLinks.reply(part));
                }
                out.integer(sum);
            }
            case ALL_SUCCEEDED -> out.ok();
            case KEY_ORDER -> keyOrder(out);
            case CONCAT -> {
                List<List<byte[]>> arrays = parts.stream().map(p -> Replies.elements(ShardLinks.reply(p))).toList();
                out.array(arrays.stream().mapToInt(List::size).sum());
                arrays.forEach(a -> a.forEach(out::raw));
            }
            case ONE_SUCCEEDED -> {
                List<byte[]> found = parts.stream().map(ShardLinks::reply).filter(r -> !Replies.isNullBulk(r)).toList();
                out.raw(found.isEmpty() ? ShardLinks.reply(parts.getFirst())
                        : found.get(ThreadLocalRandom.current().nextInt(found.size())));
            }
            case AGG_LOGICAL_AND -> logicalAnd(out);
            default -> out.raw(ShardLinks.reply(parts.getFirst()));
        }
    }

    /** SCRIPT EXISTS: 1 for an element where every shard said 1. */
    private void logicalAnd(RespWriter out) {
        List<byte[]> first = Replies.elements(ShardLinks.reply(parts.getFirst()));
        boolean[] all = new boolean[first.size()];
        java.util.Arrays.fill(all, true);
        for (PendingReply part : parts) {
            List<byte[]> elements = Replies.elements(ShardLinks.reply(part));
            for (int i = 0; i < all.length; i++) {
                all[i] &= i < elements.size() && Replies.integer(elements.get(i)) != 0;
            }
        }
        out.array(all.length);
        for (boolean b : all) {
            out.integer(b ? 1 : 0);
        }
    }

    /** SCRIPT KILL: done when one shard killed its script; NOTBUSY only when none ran one. */
    private void anySucceeded(RespWriter out) {
        for (PendingReply part : parts) {
            byte[] reply = ShardLinks.reply(part);
            if (!Replies.isError(reply)) {
                out.raw(reply);
                return;
            }
        }
        for (PendingReply part : parts) { // an UNKILLABLE tells more than a NOTBUSY
            byte[] reply = ShardLinks.reply(part);
            if (!Replies.startsWith(reply, "-NOTBUSY")) {
                out.raw(reply);
                return;
            }
        }
        out.raw(ShardLinks.reply(parts.getFirst()));
    }

    /** MGET: each shard's array element goes back to the position of the key that asked for it. */
    private void keyOrder(RespWriter out) {
        byte[][] slots = new byte[keyCount][];
        for (int f = 0; f < fragments.size(); f++) {
            List<byte[]> elements = Replies.elements(ShardLinks.reply(parts.get(f)));
            List<Integer> positions = fragments.get(f).keyPositions();
            for (int i = 0; i < positions.size(); i++) {
                slots[positions.get(i)] = elements.get(i);
            }
        }
        out.array(keyCount);
        for (byte[] element : slots) {
            out.raw(element);
        }
    }
}
