package io.kvcache.slave.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import org.junit.jupiter.api.Test;

/** The table behind hashes and sets against a LinkedHashMap: same elements, same order, same footprint. */
class ElementTableTests {

    @Test
    void keepsTheElementsAndTheirInsertionOrderThroughGrowthDeletionsAndCompactions() {
        Random random = new Random(5);
        for (int bound : new int[] {5, 40, 3000}) { // scans only; an index; many compactions
            ElementTable table = new ElementTable(true);
            Map<String, String> model = new LinkedHashMap<>();
            for (int i = 0; i < 40_000; i++) {
                String key = "f" + random.nextInt(bound);
                byte[] k = key.getBytes(StandardCharsets.UTF_8);
                int at = table.find(k);
                assertThat(at >= 0).as("find %s", key).isEqualTo(model.containsKey(key));
                if (random.nextInt(3) == 0) {
                    if (at >= 0) {
                        table.remove(at);
                        model.remove(key);
                    }
                } else {
                    String value = "v" + i;
                    if (at >= 0) {
                        table.setValue(at, value.getBytes(StandardCharsets.UTF_8));
                    } else {
                        table.add(k, value.getBytes(StandardCharsets.UTF_8));
                    }
                    model.put(key, value);
                }
                if (i % 997 == 0) {
                    assertThat(contents(table)).containsExactlyElementsOf(flatten(model));
                    assertThat(table.size()).isEqualTo(model.size());
                }
            }
            assertThat(contents(table)).containsExactlyElementsOf(flatten(model));
            for (String key : List.copyOf(model.keySet())) {
                table.remove(table.find(key.getBytes(StandardCharsets.UTF_8)));
            }
            assertThat(table.size()).isZero();
            assertThat(table.find("f0".getBytes(StandardCharsets.UTF_8))).isEqualTo(-1);
        }
    }

    @Test
    void itsFootprintCountsItsArraysAndElements() {
        ElementTable set = new ElementTable(false);
        assertThat(set.footprint()).isEqualTo(Footprint.references(4));
        for (int i = 0; i < 100; i++) {
            set.add(("member:" + i).getBytes(StandardCharsets.UTF_8), null);
        }
        long elements = 0;
        for (int i = 0; i < 100; i++) {
            elements += Footprint.bytes(("member:" + i).length());
        }
        // 100 references in a grown array, and an index of 256 ints at a load of 100/256
        assertThat(set.footprint()).isGreaterThan(elements + Footprint.references(100) + Footprint.ints(128))
                .isLessThanOrEqualTo(elements + Footprint.references(150) + Footprint.ints(256));
    }

    private static List<String> contents(ElementTable table) {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < table.end(); i++) {
            if (table.key(i) != null) {
                out.add(new String(table.key(i), StandardCharsets.UTF_8));
                out.add(new String(table.value(i), StandardCharsets.UTF_8));
            }
        }
        return out;
    }

    private static List<String> flatten(Map<String, String> model) {
        List<String> out = new ArrayList<>();
        model.forEach((k, v) -> {
            out.add(k);
            out.add(v);
        });
        return out;
    }
}
