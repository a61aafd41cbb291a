package io.kvcache.ring;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The cases from Redis Cluster's specification of keyHashSlot. */
class HashTagTest {

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    /** The hashed part of {@code key}, as a string. */
    private static String hashed(String key) {
        HashTag.Range range = HashTag.rangeOf(bytes(key));
        return key.substring(range.from(), range.to());
    }

    @Test
    void keysWithTheSameTagColocate() {
        HashRing ring = HashRing.of(RingKeySets.FOUR_SHARDS);
        assertThat(hashed("{user1000}.following")).isEqualTo("user1000");
        assertThat(hashed("{user1000}.followers")).isEqualTo("user1000");
        assertThat(ring.shardFor(bytes("{user1000}.following"))).isEqualTo(ring.shardFor(bytes("{user1000}.followers")));
        assertThat(ring.keyHash(bytes("{user1000}.following"))).isEqualTo(RollingHash.hash(bytes("user1000")));
        // The tag, not the key, decides: a tagged key routes like its bare tag.
        for (int i = 0; i < 100; i++) {
            assertThat(ring.shardFor(bytes("x" + i + "{user" + i + "}y"))).isEqualTo(ring.shardFor(bytes("user" + i)));
        }
    }

    @Test
    void emptyTagHashesTheWholeKey() {
        assertThat(hashed("foo{}{bar}")).isEqualTo("foo{}{bar}");
        assertThat(hashed("{}")).isEqualTo("{}");
    }

    @Test
    void tagEndsAtTheFirstClosingBraceAfterTheFirstOpeningBrace() {
        assertThat(hashed("foo{{bar}}zap")).isEqualTo("{bar");
        assertThat(hashed("foo{bar}{zap}")).isEqualTo("bar");
        assertThat(hashed("a}b{c}d")).isEqualTo("c");
    }

    @Test
    void keysWithoutACompleteTagHashWhole() {
        assertThat(hashed("")).isEmpty();
        assertThat(hashed("plain")).isEqualTo("plain");
        assertThat(hashed("foo{bar")).isEqualTo("foo{bar");
        assertThat(hashed("foo}bar{")).isEqualTo("foo}bar{");
    }

    @Test
    void tagsAreBinarySafe() {
        byte[] key = {(byte) 0xFF, '{', 0, (byte) 0x80, '}', (byte) 0xFE};
        HashTag.Range range = HashTag.rangeOf(key);
        assertThat(range).isEqualTo(new HashTag.Range(2, 4));
    }
}
