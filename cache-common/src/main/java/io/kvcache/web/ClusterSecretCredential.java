package io.kvcache.web;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import org.springframework.security.core.AuthenticationException;

import io.kvcache.cluster.ClusterSecret;
import io.kvcache.cluster.ReplicationHeaders;

/**
 * The cluster secret ({@code kvcache.cluster.secret}) in {@code X-Kvcache-Secret}, as the cluster's
 * own members send it (replication, the master's probes and migration orders, keys moving between
 * shards). With no secret configured (a slave running alone) nothing matches.
 */
final class ClusterSecretCredential extends Credential {

    static final String ROLE = "CLUSTER";

    private final ClusterSecret secret;

    ClusterSecretCredential(String secret) {
        super("cluster", ROLE);
        this.secret = new ClusterSecret(secret == null ? "" : secret);
    }

    @Override
    String presented(HttpServletRequest request) {
        return request.getHeader(ReplicationHeaders.SECRET);
    }

    @Override
    boolean matches(String presented) {
        return secret.matches(presented);
    }

    /** 403, with no body: what the cluster's members have always been answered. */
    static void refuse(HttpServletRequest request, HttpServletResponse response, AuthenticationException reason) {
        response.setStatus(HttpServletResponse.SC_FORBIDDEN);
    }
}
