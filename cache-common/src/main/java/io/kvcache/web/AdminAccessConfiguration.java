package io.kvcache.web;

import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Puts the access filters in front of the master's or a slave's HTTP endpoints: the admin token
 * for {@code /admin/**} and the actuator ({@link AdminAccessFilter}), the cluster secret for
 * {@code /replication/**} and {@code /migration/**} ({@link ClusterSecretFilter}).
 */
@Configuration(proxyBeanMethods = false)
public class AdminAccessConfiguration {

    @Bean
    FilterRegistrationBean<AdminAccessFilter> adminAccessFilter(@Value("${kvcache.admin.token:}") String token,
                                                                @Value("${kvcache.admin.username:admin}") String user) {
        FilterRegistrationBean<AdminAccessFilter> registration =
                new FilterRegistrationBean<>(new AdminAccessFilter(token, user));
        registration.addUrlPatterns("/admin/*", "/actuator/*");
        return registration;
    }

    @Bean
    FilterRegistrationBean<ClusterSecretFilter> clusterSecretFilter(@Value("${kvcache.cluster.secret:}") String secret) {
        FilterRegistrationBean<ClusterSecretFilter> registration =
                new FilterRegistrationBean<>(new ClusterSecretFilter(secret));
        ClusterSecretFilter.PREFIXES.forEach(prefix -> registration.addUrlPatterns(prefix, prefix + "/*"));
        return registration;
    }
}
