package io.kvcache.slave.migration;

import static io.kvcache.slave.dispatch.StoreFixture.NIL;
import static io.kvcache.slave.dispatch.StoreFixture.OK;
import static io.kvcache.slave.dispatch.StoreFixture.bulk;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.function.Predicate;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.kvcache.cluster.Placement;
import io.kvcache.command.Session;
import io.kvcache.protocol.Request;
import io.kvcache.protocol.RespWriter;
import io.kvcache.slave.dispatch.StoreFixture;

/**
 * The fence of shard "a" while keys move from ring {a, b} to ring {a, b, c}: what a client's command
 * gets for keys that stay, keys this shard gives away (still here, in flight, gone), keys it receives
 * and keys it never owned.
 */
class KeyOwnershipTests {

    private static final Placement COMMITTED = Placement.committed(1, List.of("a", "b"));
    private static final Placement MOVING = COMMITTED.moveTo(List.of("a", "b", "c"));

    private final StoreFixture store = new StoreFixture();
    private boolean primary = true;
    private final KeyOwnership fence = new KeyOwnership("a", store.keyspace, () -> primary);
    private final Placement.Rings rings = MOVING.rings();

    @BeforeEach
    void install() {
        store.dispatcher.guard(fence);
    }

    /** The first key k0, k1, ... that satisfies the condition. */
    private String key(Predicate<byte[]> condition) {
        for (int i = 0; ; i++) {
            String key = "k" + i;
            if (condition.test(key.getBytes(StandardCharsets.UTF_8))) {
                return key;
            }
        }
    }

    private String staying() {
        return key(k -> rings.owner(k).equals("a") && rings.finalOwner(k).equals("a"));
    }

    private String leaving(int nth) {
        String[] found = new String[nth + 1];
        int n = 0;
        for (int i = 0; n <= nth; i++) {
            byte[] k = ("k" + i).getBytes(StandardCharsets.UTF_8);
            if (rings.exports("a", k)) {
                found[n++] = "k" + i;
            }
        }
        return found[nth];
    }

    private String notMine() {
        return key(k -> rings.owner(k).equals("b") && rings.finalOwner(k).equals("b"));
    }

    @Test
    void beforeAnyPlacementEveryKeyIsServed() {
        assertThat(store.call("SET", notMine(), "v")).isEqualTo(OK);
    }

    @Test
    void withNoMoveAKeyOfAnotherShardIsMovedThere() {
        fence.rings(COMMITTED.rings());
        String other = notMine();
        assertThat(store.call("GET", other)).isEqualTo("-MOVED b\r\n");
        assertThat(store.call("SET", staying(), "v")).isEqualTo(OK);
    }

    @Test
    void aKeyGivenAwayIsServedWhileItIsHereAndAskedForOnItsNewShardOnceGone() {
        String key = leaving(0);
        assertThat(store.call("SET", key, "v1")).isEqualTo(OK); // before the move
        fence.rings(rings);
        assertThat(store.call("GET", key)).isEqualTo(bulk("v1"));
        assertThat(store.call("SET", key, "v2")).isEqualTo(OK);
        assertThat(store.call("DEL", key)).isEqualTo(":1\r\n");
        // Gone: never created here again, whatever the command.
        assertThat(store.call("GET", key)).isEqualTo("-ASK c\r\n");
        assertThat(store.call("SET", key, "v3")).isEqualTo("-ASK c\r\n");
        assertThat(store.call("RPUSH", key, "x")).isEqualTo("-ASK c\r\n");
        assertThat(store.keyspace.exists(key.getBytes(StandardCharsets.UTF_8))).isFalse();
    }

    @Test
    void aReplicaSendsAbsentKeysItGivesAwayToItsShardsPrimaryWhichAloneKnowsWhetherTheyLeft() {
        fence.rings(rings);
        primary = false;
        assertThat(store.call("GET", leaving(0))).isEqualTo("-MOVED a\r\n");
    }

    @Test
    void aKeyInFlightGetsTryAgainUntilItsBatchEnds() {
        String key = leaving(0);
        store.call("SET", key, "v1");
        fence.rings(rings);
        fence.markInFlight(key.getBytes(StandardCharsets.UTF_8));
        assertThat(store.call("GET", key)).isEqualTo("-TRYAGAIN Multiple keys request during rehashing of slot\r\n");
        fence.clearInFlight(key.getBytes(StandardCharsets.UTF_8));
        assertThat(store.call("GET", key)).isEqualTo(bulk("v1"));
    }

    @Test
    void keysThisShardReceivesAreServedAndKeysOfNeitherRingAreMoved() {
        // b is drained: its keys come to a (or stay nowhere else: the ring is only a).
        Placement.Rings drain = COMMITTED.moveTo(List.of("a")).rings();
        fence.rings(drain);
        String receiving = key(k -> drain.owner(k).equals("b"));
        assertThat(store.call("SET", receiving, "imported by the master's ASK")).isEqualTo(OK);
        assertThat(store.call("SET", staying(), "v")).isEqualTo(OK);
        // A shard outside both rings is told where the key will be.
        KeyOwnership outsider = new KeyOwnership("z", store.keyspace, () -> true);
        outsider.rings(drain);
        store.dispatcher.guard(outsider);
        assertThat(store.call("GET", receiving)).isEqualTo("-MOVED a\r\n");
    }

    @Test
    void aCommandWhoseKeysGoDifferentWaysGetsTryAgain() {
        String here = leaving(0);
        String gone = leaving(1);
        store.call("SET", here, "v");
        fence.rings(rings);
        assertThat(store.call("MGET", here, gone)).isEqualTo("-TRYAGAIN Multiple keys request during rehashing of slot\r\n");
        assertThat(store.call("MGET", here, staying())).isEqualTo(
                "*2\r\n" + bulk("v") + NIL);
    }

    @Test
    void keysAllGoneToOneShardAreAskedForThere() {
        fence.rings(rings);
        assertThat(store.call("MGET", leaving(0), leaving(1))).isEqualTo("-ASK c\r\n");
    }

    @Test
    void malformedKeyArgumentsGetTheCommandsOwnError() {
        fence.rings(rings);
        assertThat(store.call("MSET", leaving(0), "v", leaving(1)))
                .isEqualTo("-ERR wrong number of arguments for 'mset' command\r\n");
    }

    @Test
    void theClustersOwnSessionsPassTheFence() {
        fence.rings(rings);
        String key = leaving(0);
        Session internal = new Session(0, "migration", "migration").internal();
        RespWriter out = new RespWriter();
        store.dispatcher.execute(List.of(Request.of("SET", key, "imported")), internal, out);
        assertThat(new String(out.toByteArray(), StandardCharsets.ISO_8859_1)).isEqualTo(OK);
    }
}
