package io.kvcache.web;

import jakarta.servlet.DispatcherType;
import jakarta.servlet.http.HttpServletResponse;

import org.springframework.beans.factory.annotation.Value;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.http.HttpMethod;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.config.observation.SecurityObservationSettings;
import org.springframework.security.web.SecurityFilterChain;

/**
 * The HTTP plane of operators and monitoring, on the master and on every slave: the chain that
 * takes every request no other chain took. {@code GET /actuator/health/**} (the aggregate, without
 * details, and the liveness and readiness probes) is open; {@code /admin/**} and every other
 * actuator path need the admin token ({@link AdminToken}); <b>anything else is denied</b>, so an
 * endpoint added later is closed until a rule here opens it.
 * <p>
 * The rules match the normalized path Spring MVC itself routes ({@code requestMatchers(String)} is
 * a {@code PathPatternRequestMatcher}: percent-decoded, path parameters removed), so
 * {@code /%61dmin/slaves} is {@code /admin/slaves} to the rule as to the controller; the firewall
 * rejects what could be read two ways ({@code ;}, encoded slashes and periods, {@code //}, dot
 * segments) before any rule. Error dispatches ({@code /error}, rendered by the container after a
 * request was already decided) pass.
 */
@Configuration(proxyBeanMethods = false)
public class AdminPlaneSecurity {

    @Bean
    @Order(Ordered.LOWEST_PRECEDENCE) // the catch-all: after every chain with a narrower securityMatcher
    SecurityFilterChain adminPlane(HttpSecurity http, @Value("${kvcache.admin.token:}") String token,
                                   @Value("${kvcache.admin.username:admin}") String username) throws Exception {
        AdminToken admin = new AdminToken(token, username);
        Planes.authenticateWith(Planes.stateless(http), admin, admin::refuse);
        http.authorizeHttpRequests(requests -> requests
                        .dispatcherTypeMatchers(DispatcherType.ERROR).permitAll()
                        .requestMatchers(HttpMethod.GET, "/actuator/health/**").permitAll()
                        .requestMatchers("/admin/**", "/actuator/**").hasRole(AdminToken.ROLE)
                        .anyRequest().denyAll())
                .exceptionHandling(refusals -> refusals
                        .authenticationEntryPoint(admin::refuse)
                        // The admin token, but a path nobody may call.
                        .accessDeniedHandler((request, response, denied) ->
                                response.setStatus(HttpServletResponse.SC_FORBIDDEN)));
        return http.build();
    }

    /**
     * Spring Security's own observations off: they would time every filter of every chain and every
     * authorization, series whose names promtool refuses (camelCase, no help text) in /actuator/prometheus.
     * Requests stay measured as before ({@code http_server_requests_seconds}).
     */
    @Bean
    SecurityObservationSettings securityObservationSettings() {
        return SecurityObservationSettings.noObservations();
    }
}
