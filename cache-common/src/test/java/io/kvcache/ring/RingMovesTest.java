package io.kvcache.ring;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.Test;

/** {@link HashRing#movesTo}: the stretches of the hash space whose owner changes between two rings. */
class RingMovesTest {

    @Test
    void aRingHasNoMovesToItself() {
        HashRing ring = HashRing.of(List.of("slave1", "slave2"));
        assertThat(ring.movesTo(HashRing.of(List.of("slave2", "slave1")))).isEmpty();
    }

    @Test
    void aJoiningShardOnlyTakesKeysAndLeavingOneOnlyGivesThem() {
        HashRing two = HashRing.of(List.of("slave1", "slave2"));
        HashRing three = HashRing.of(List.of("slave1", "slave2", "slave3"));
        assertThat(two.movesTo(three)).isNotEmpty().allSatisfy(m -> assertThat(m.after()).isEqualTo("slave3"));
        assertThat(three.movesTo(two)).isNotEmpty().allSatisfy(m -> assertThat(m.before()).isEqualTo("slave3"));
    }

    /** A key changes owner exactly when its hash lies in one of the moves, which name both owners. */
    @Test
    void aKeyChangesOwnerExactlyWhenItsHashIsInAMove() {
        HashRing from = HashRing.of(List.of("a", "b", "c"));
        HashRing to = HashRing.of(List.of("a", "c", "d", "e"));
        List<HashRing.Move> moves = from.movesTo(to);
        Random random = new Random(7);
        int changed = 0;
        for (int i = 0; i < 200_000; i++) {
            byte[] key = ("key:" + random.nextLong()).getBytes(StandardCharsets.UTF_8);
            long hash = from.keyHash(key);
            HashRing.Move move = moves.stream().filter(m -> contains(m, hash)).findFirst().orElse(null);
            String before = from.shardFor(key);
            String after = to.shardFor(key);
            if (move == null) {
                assertThat(after).as("owner of a key outside every move").isEqualTo(before);
            } else {
                changed++;
                assertThat(List.of(move.before(), move.after())).isEqualTo(List.of(before, after));
            }
        }
        assertThat(changed).isPositive();
    }

    @Test
    void adjacentStretchesWithTheSameOwnersAreMerged() {
        HashRing from = HashRing.of(List.of("a", "b"));
        List<HashRing.Move> moves = from.movesTo(HashRing.of(List.of("a", "b", "c")));
        for (int i = 1; i < moves.size(); i++) {
            HashRing.Move previous = moves.get(i - 1);
            HashRing.Move next = moves.get(i);
            assertThat(previous.to() == next.from() && previous.before().equals(next.before())
                    && previous.after().equals(next.after())).as("moves %s and %s merged", previous, next).isFalse();
        }
    }

    private static boolean contains(HashRing.Move m, long hash) {
        if (Long.compareUnsigned(m.from(), m.to()) < 0) {
            return Long.compareUnsigned(hash, m.from()) >= 0 && Long.compareUnsigned(hash, m.to()) < 0;
        }
        return Long.compareUnsigned(hash, m.from()) >= 0 || Long.compareUnsigned(hash, m.to()) < 0; // wraps past 2^64
    }
}
