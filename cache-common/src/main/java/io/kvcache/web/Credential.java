package io.kvcache.web;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.List;

import jakarta.servlet.http.HttpServletRequest;

import org.springframework.security.authentication.AuthenticationManager;
import org.springframework.security.authentication.BadCredentialsException;
import org.springframework.security.authentication.UsernamePasswordAuthenticationToken;
import org.springframework.security.core.Authentication;
import org.springframework.security.core.authority.SimpleGrantedAuthority;
import org.springframework.security.web.authentication.AuthenticationConverter;

/**
 * One plane's credential: how a request presents it ({@link #presented}) and the one value that
 * is right. It reads the credential as Spring Security's {@link AuthenticationConverter} and
 * checks it as its {@link AuthenticationManager}: a match is authenticated with the plane's role,
 * anything else is a {@link BadCredentialsException}. Comparisons take constant time (their time
 * depends on the lengths only, never on how much of a guess was right); neither the right value
 * nor a guess is ever logged or echoed (the tokens' {@code toString} hides credentials, and the
 * authenticated token keeps none).
 */
abstract class Credential implements AuthenticationConverter, AuthenticationManager {

    private final String principal;
    private final List<SimpleGrantedAuthority> authorities;

    Credential(String principal, String role) {
        this.principal = principal;
        this.authorities = List.of(new SimpleGrantedAuthority("ROLE_" + role));
    }

    /** What the request presents as this credential (a header's value), or null when it presents none. */
    abstract String presented(HttpServletRequest request);

    /** Whether what was presented is the right credential; false whenever none is configured. */
    abstract boolean matches(String presented);

    @Override
    public final Authentication convert(HttpServletRequest request) {
        String presented = presented(request);
        return presented == null ? null : UsernamePasswordAuthenticationToken.unauthenticated(principal, presented);
    }

    @Override
    public final Authentication authenticate(Authentication authentication) {
        if (authentication.getCredentials() instanceof String presented && matches(presented)) {
            return UsernamePasswordAuthenticationToken.authenticated(principal, null, authorities);
        }
        throw new BadCredentialsException("Wrong " + principal + " credential");
    }

    static byte[] utf8(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    /** MessageDigest.isEqual: constant time for equal lengths; an unset secret (empty) matches nothing. */
    static boolean constantTimeEquals(byte[] expected, byte[] given) {
        return expected.length > 0 && MessageDigest.isEqual(expected, given);
    }
}
