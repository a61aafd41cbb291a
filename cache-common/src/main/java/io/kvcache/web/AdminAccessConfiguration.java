package io.kvcache.web;

import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** Puts the {@link AdminAccessFilter} in front of the master's or a slave's HTTP endpoints. */
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
}
