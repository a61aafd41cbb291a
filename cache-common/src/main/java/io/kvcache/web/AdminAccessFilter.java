package io.kvcache.web;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Base64;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Guards the operator's endpoints: {@code /admin/**} and every actuator endpoint but health and
 * info need the admin token, as {@code Authorization: Bearer <token>} or as the password of HTTP
 * Basic with the admin user name. With no token configured they are closed (401), so a cluster
 * is never open by default. Other paths (a slave's replication REST, which checks the cluster
 * secret itself) pass untouched. Comparisons take constant time; the token is never logged.
 */
public final class AdminAccessFilter extends OncePerRequestFilter {

    static final String REALM = "Basic realm=\"kvcache\", charset=\"UTF-8\"";

    private final byte[] token;
    private final byte[] basic;

    public AdminAccessFilter(String token, String username) {
        this.token = token.getBytes(StandardCharsets.UTF_8);
        this.basic = (username + ":" + token).getBytes(StandardCharsets.UTF_8);
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        if (!guarded(request.getRequestURI()) || authorized(request.getHeader("Authorization"))) {
            chain.doFilter(request, response);
            return;
        }
        response.setStatus(HttpServletResponse.SC_UNAUTHORIZED);
        response.setHeader("WWW-Authenticate", REALM);
        response.setContentType("application/json");
        response.getWriter().write(token.length == 0
                ? "{\"error\":\"admin endpoints are closed: set kvcache.admin.token to open them\"}"
                : "{\"error\":\"admin token required (Authorization: Bearer <token>)\"}");
    }

    static boolean guarded(String path) {
        if (path.startsWith("/admin/") || path.equals("/admin")) {
            return true;
        }
        if (!path.startsWith("/actuator")) {
            return false;
        }
        return !(path.equals("/actuator/health") || path.startsWith("/actuator/health/")
                || path.equals("/actuator/info"));
    }

    private boolean authorized(String header) {
        if (token.length == 0 || header == null) {
            return false;
        }
        if (header.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return MessageDigest.isEqual(token, header.substring(7).trim().getBytes(StandardCharsets.UTF_8));
        }
        if (header.regionMatches(true, 0, "Basic ", 0, 6)) {
            try {
                byte[] decoded = Base64.getDecoder().decode(header.substring(6).trim());
                return MessageDigest.isEqual(basic, decoded);
            } catch (IllegalArgumentException e) {
                return false;
            }
        }
        return false;
    }
}
