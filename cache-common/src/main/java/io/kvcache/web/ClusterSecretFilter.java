package io.kvcache.web;

import java.io.IOException;
import java.util.List;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import org.springframework.web.filter.OncePerRequestFilter;

import io.kvcache.cluster.ClusterSecret;
import io.kvcache.cluster.ReplicationHeaders;

/**
 * Guards what the cluster's own members call on a slave: every path under {@code /replication}
 * and {@code /migration} needs the cluster secret in {@code X-Kvcache-Secret}, or is refused with
 * 403 before any controller sees it. With no secret configured (a slave running alone) they are
 * all refused. One check for every such endpoint, present or future; constant time (the time
 * depends on the secret's length only, never on how much of a guess was right); the secret and
 * the guess are never logged or echoed.
 */
public final class ClusterSecretFilter extends OncePerRequestFilter {

    /** The path prefixes only the cluster's members may call. */
    public static final List<String> PREFIXES = List.of("/replication", "/migration");

    private final ClusterSecret secret;

    public ClusterSecretFilter(String secret) {
        this.secret = new ClusterSecret(secret == null ? "" : secret);
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        if (!guarded(request.getRequestURI()) || secret.matches(request.getHeader(ReplicationHeaders.SECRET))) {
            chain.doFilter(request, response);
            return;
        }
        response.setStatus(HttpServletResponse.SC_FORBIDDEN);
    }

    static boolean guarded(String path) {
        for (String prefix : PREFIXES) {
            if (path.equals(prefix) || path.startsWith(prefix + "/")) {
                return true;
            }
        }
        return false;
    }
}
