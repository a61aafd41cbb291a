package io.kvcache.master.compat;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

import org.junit.jupiter.api.Test;

import io.kvcache.slave.compat.CommandGenerator;
import io.kvcache.slave.compat.DifferentialSettings;

/** The differential generator's cluster mode, used by {@link MasterDifferentialTests}. */
class ClusterModeCommandGeneratorTests {

    private static final Set<String> TAGGED = Set.of("{tag}a", "{tag}b", "{tag}c");
    private static final long FAR_FUTURE = 2_000_000_000L;

    @Test
    void inClusterModeRenameRenamenxAndMsetnxOnlyUseKeysOfOneHashSlot() {
        CommandGenerator generator = new CommandGenerator(2024, FAR_FUTURE, true);
        int checked = 0;
        for (int i = 0; i < 200_000; i++) {
            byte[][] command = generator.next();
            String name = text(command[0]).toUpperCase(Locale.ROOT);
            List<String> keys = switch (name) {
                case "RENAME", "RENAMENX" -> Arrays.stream(command).skip(1).limit(2).map(ClusterModeCommandGeneratorTests::text).toList();
                case "MSETNX" -> keysAtOddPositions(command);
                default -> List.of();
            };
            assertThat(keys).as("keys of command #%d %s", i, name).allSatisfy(k -> assertThat(TAGGED).contains(k));
            checked += keys.isEmpty() ? 0 : 1;
        }
        assertThat(checked).isGreaterThan(1000);
    }

    @Test
    void withoutClusterModeTheStreamIsTheStandardOneWithKeysFromEverySlot() {
        CommandGenerator standard = new CommandGenerator(2024, FAR_FUTURE);
        CommandGenerator explicit = new CommandGenerator(2024, FAR_FUTURE, false);
        Set<String> renameKeys = new HashSet<>();
        for (int i = 0; i < 50_000; i++) {
            byte[][] command = standard.next();
            assertThat(explicit.next()).as("command #%d", i).isDeepEqualTo(command);
            if (text(command[0]).equalsIgnoreCase("RENAME") && command.length > 1) {
                renameKeys.add(text(command[1]));
            }
        }
        assertThat(renameKeys).contains("k0", "{tag}a");
        assertThat(DifferentialSettings.fromSystemProperties().clusterMode())
                .as("cluster mode only when asked for").isEqualTo(Boolean.getBoolean(DifferentialSettings.CLUSTER_PROPERTY));
        assertThat(DifferentialSettings.fromSystemProperties().inClusterMode().clusterMode()).isTrue();
    }

    private static List<String> keysAtOddPositions(byte[][] command) {
        return java.util.stream.IntStream.iterate(1, i -> i < command.length, i -> i + 2)
                .mapToObj(i -> text(command[i])).toList();
    }

    private static String text(byte[] bytes) {
        return new String(bytes, StandardCharsets.ISO_8859_1);
    }
}
