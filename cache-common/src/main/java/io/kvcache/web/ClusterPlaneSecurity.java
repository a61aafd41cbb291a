package io.kvcache.web;

import jakarta.servlet.DispatcherType;

import org.springframework.beans.factory.annotation.Value;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.web.SecurityFilterChain;

/**
 * The HTTP plane of the cluster's own members, on a slave: every path under {@code /replication}
 * and {@code /migration}, present or future, needs the cluster secret ({@link ClusterSecretCredential})
 * and is refused with 403 before any controller sees it. Matched on the normalized path Spring MVC
 * routes, as {@link AdminPlaneSecurity}'s rules are, so {@code /%72eplication/state} is guarded
 * too; the admin token is not accepted here, nor the cluster secret on the admin plane.
 */
@Configuration(proxyBeanMethods = false)
public class ClusterPlaneSecurity {

    /** The path prefixes only the cluster's members may call. */
    public static final String[] PATHS = {"/replication/**", "/migration/**"};

    @Bean
    @Order(Ordered.HIGHEST_PRECEDENCE + 10) // before the admin plane's catch-all
    SecurityFilterChain clusterPlane(HttpSecurity http, @Value("${kvcache.cluster.secret:}") String secret)
            throws Exception {
        Planes.authenticateWith(Planes.stateless(http.securityMatcher(PATHS)), new ClusterSecretCredential(secret),
                ClusterSecretCredential::refuse);
        http.authorizeHttpRequests(requests -> requests
                        .dispatcherTypeMatchers(DispatcherType.ERROR).permitAll()
                        .anyRequest().hasRole(ClusterSecretCredential.ROLE))
                .exceptionHandling(refusals -> refusals
                        .authenticationEntryPoint(ClusterSecretCredential::refuse)
                        .accessDeniedHandler((request, response, denied) ->
                                ClusterSecretCredential.refuse(request, response, null)));
        return http.build();
    }
}
