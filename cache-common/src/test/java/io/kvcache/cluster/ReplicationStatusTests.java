package io.kvcache.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Optional;

import org.junit.jupiter.api.Test;

class ReplicationStatusTests {

    @Test
    void travelsAsEnrollmentArgumentsAndAsHeadersUnchanged() {
        ReplicationStatus primary = new ReplicationStatus(true, 7, "abc", 1234);
        ReplicationStatus fresh = new ReplicationStatus(false, 0, null, 0);
        for (ReplicationStatus s : new ReplicationStatus[] {primary, fresh}) {
            String[] a = s.toArgs();
            assertThat(ReplicationStatus.parse(a[0], a[1], a[2], a[3])).isEqualTo(s);
            assertThat(ReplicationStatus.fromHeaders(name -> Optional.ofNullable(s.toHeaders().get(name)))).isEqualTo(s);
        }
        assertThat(fresh.toArgs()).containsExactly("replica", "0", "-", "0");
        assertThat(fresh.synced()).isFalse();
        assertThat(primary.synced()).isTrue();
    }

    @Test
    void aMalformedReportIsRefused() {
        assertThatThrownBy(() -> ReplicationStatus.parse("leader", "1", "-", "0"))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> ReplicationStatus.parse("replica", "x", "-", "0"))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
