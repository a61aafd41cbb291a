package io.kvcache.web;

import java.io.IOException;
import java.util.Base64;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import org.springframework.http.HttpHeaders;
import org.springframework.security.core.AuthenticationException;

/**
 * The admin token ({@code kvcache.admin.token}), as {@code Authorization: Bearer <token>} or as the
 * password of HTTP Basic with the admin user name ({@code kvcache.admin.username}, default
 * {@code admin}). With no token configured nothing matches: the admin plane is closed to everyone.
 */
final class AdminToken extends Credential {

    static final String ROLE = "ADMIN";
    static final String BEARER_CHALLENGE = "Bearer realm=\"kvcache\"";
    static final String BASIC_CHALLENGE = "Basic realm=\"kvcache\", charset=\"UTF-8\"";

    private final byte[] token;
    private final byte[] basic;

    AdminToken(String token, String username) {
        super("admin", ROLE);
        this.token = utf8(token == null ? "" : token);
        this.basic = this.token.length == 0 ? new byte[0] : utf8(username + ":" + token);
    }

    boolean configured() {
        return token.length > 0;
    }

    @Override
    String presented(HttpServletRequest request) {
        return request.getHeader(HttpHeaders.AUTHORIZATION);
    }

    @Override
    boolean matches(String header) {
        if (header.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return constantTimeEquals(token, utf8(header.substring(7).trim()));
        }
        if (header.regionMatches(true, 0, "Basic ", 0, 6)) {
            try {
                return constantTimeEquals(basic, Base64.getDecoder().decode(header.substring(6).trim()));
            } catch (IllegalArgumentException notBase64) {
                return false;
            }
        }
        return false;
    }

    /** 401 with both challenges (RFC 6750's and RFC 7617's) and a line saying what to send; never the token. */
    void refuse(HttpServletRequest request, HttpServletResponse response, AuthenticationException reason)
            throws IOException {
        response.setStatus(HttpServletResponse.SC_UNAUTHORIZED);
        response.addHeader(HttpHeaders.WWW_AUTHENTICATE, BEARER_CHALLENGE);
        response.addHeader(HttpHeaders.WWW_AUTHENTICATE, BASIC_CHALLENGE);
        response.setContentType("application/json");
        response.getWriter().write(configured()
                ? "{\"error\":\"admin token required (Authorization: Bearer <token>)\"}"
                : "{\"error\":\"admin endpoints are closed: set kvcache.admin.token to open them\"}");
    }
}
