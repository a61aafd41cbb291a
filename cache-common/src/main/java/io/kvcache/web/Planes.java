package io.kvcache.web;

import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.config.annotation.web.configurers.AbstractHttpConfigurer;
import org.springframework.security.config.http.SessionCreationPolicy;
import org.springframework.security.web.AuthenticationEntryPoint;
import org.springframework.security.web.authentication.AuthenticationEntryPointFailureHandler;
import org.springframework.security.web.authentication.AuthenticationFilter;
import org.springframework.security.web.authentication.www.BasicAuthenticationFilter;

/**
 * What the two HTTP planes share: stateless token APIs (no session, no CSRF token, no login form,
 * no logout page, no saved request), and one authentication filter per plane. Spring Security's
 * own {@code StrictHttpFirewall} stays in front of both (it rejects {@code ;}, encoded slashes
 * and periods, {@code //}, {@code /./}, {@code /../}, backslashes ... with 400), and every rule
 * matches the path Spring MVC routes (decoded, without path parameters), never the raw URI.
 */
final class Planes {

    private Planes() {
    }

    /** A stateless chain: each request carries its credential, nothing is remembered between requests. */
    static HttpSecurity stateless(HttpSecurity http) throws Exception {
        return http.csrf(AbstractHttpConfigurer::disable)
                .formLogin(AbstractHttpConfigurer::disable)
                .httpBasic(AbstractHttpConfigurer::disable)
                .logout(AbstractHttpConfigurer::disable)
                .requestCache(AbstractHttpConfigurer::disable)
                .sessionManagement(session -> session.sessionCreationPolicy(SessionCreationPolicy.STATELESS));
    }

    /**
     * Authenticates a request that carries the plane's credential; a request with none goes on as
     * anonymous (and is refused by the authorization rules unless its path is open), one with a
     * wrong credential is refused at once by {@code refusal}.
     */
    static HttpSecurity authenticateWith(HttpSecurity http, Credential credential, AuthenticationEntryPoint refusal) {
        AuthenticationFilter filter = new AuthenticationFilter(credential, credential);
        // Go on down the chain (the default would redirect to a saved request, as after a login form).
        filter.setSuccessHandler((request, response, authentication) -> {
        });
        filter.setFailureHandler(new AuthenticationEntryPointFailureHandler(refusal));
        return http.addFilterAt(filter, BasicAuthenticationFilter.class);
    }
}
