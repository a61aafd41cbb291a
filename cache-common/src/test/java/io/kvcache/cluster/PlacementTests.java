package io.kvcache.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.List;

import org.junit.jupiter.api.Test;

import io.kvcache.ring.HashRing;

class PlacementTests {

    @Test
    void formatsAndParsesBackWithAndWithoutAMove() {
        Placement committed = Placement.committed(4, List.of("slave2", "slave1"));
        Placement moving = committed.moveTo(List.of("slave1", "slave2", "slave3"));
        assertThat(committed.format()).isEqualTo("4;slave1,slave2;");
        assertThat(moving.format()).isEqualTo("5;slave1,slave2;slave1,slave2,slave3");
        assertThat(Placement.parse(committed.format())).isEqualTo(committed);
        assertThat(Placement.parse(moving.format())).isEqualTo(moving);
        assertThat(Placement.parse("")).isEqualTo(Placement.NONE);
        assertThat(Placement.parse("0;;")).isEqualTo(Placement.NONE);
    }

    @Test
    void malformedTextIsRefused() {
        assertThatThrownBy(() -> Placement.parse("slave1,slave2")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Placement.parse("x;a;")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void everyChangeHasAHigherVersionAndACommitEndsTheMove() {
        Placement moving = Placement.committed(1, List.of("a")).moveTo(List.of("a", "b"));
        Placement done = moving.commit();
        assertThat(moving.version()).isEqualTo(2);
        assertThat(done.version()).isEqualTo(3);
        assertThat(done.committed()).containsExactly("a", "b");
        assertThat(done.isMoving()).isFalse();
        assertThat(moving.shards()).containsExactly("a", "b");
        assertThatThrownBy(() -> moving.moveTo(List.of("a"))).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void aShardExportsExactlyTheKeysWhoseOwnerChangesAwayFromIt() {
        Placement.Rings rings = Placement.committed(1, List.of("a", "b")).moveTo(List.of("a", "b", "c")).rings();
        HashRing from = HashRing.of(List.of("a", "b"));
        HashRing to = HashRing.of(List.of("a", "b", "c"));
        for (int i = 0; i < 20_000; i++) {
            byte[] key = ("k" + i).getBytes(StandardCharsets.UTF_8);
            assertThat(rings.owner(key)).isEqualTo(from.shardFor(key));
            assertThat(rings.finalOwner(key)).isEqualTo(to.shardFor(key));
            for (String shard : List.of("a", "b", "c")) {
                boolean expected = shard.equals(from.shardFor(key)) && !shard.equals(to.shardFor(key));
                assertThat(rings.exports(shard, key)).isEqualTo(expected);
            }
        }
    }

    @Test
    void withoutAMoveTheFinalOwnerIsTheOwnerAndNothingIsExported() {
        Placement.Rings rings = Placement.committed(1, List.of("a", "b")).rings();
        byte[] key = "user:1".getBytes(StandardCharsets.UTF_8);
        assertThat(rings.finalOwner(key)).isEqualTo(rings.owner(key));
        assertThat(rings.exports(rings.owner(key), key)).isFalse();
        assertThat(Placement.Rings.NONE.owner(key)).isNull();
    }
}
