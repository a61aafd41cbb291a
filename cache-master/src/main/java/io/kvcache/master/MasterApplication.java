package io.kvcache.master;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.security.autoconfigure.UserDetailsServiceAutoConfiguration;
import org.springframework.context.annotation.Import;

import io.kvcache.web.AdminPlaneSecurity;

/**
 * The master: client port 6666, enrollment port 6667, routing to shards (see issue 3). Its HTTP port
 * is the admin plane ({@link AdminPlaneSecurity}); no user store: the admin token is the only
 * credential, so Spring Boot's generated user (and the password it would log) is left out.
 */
@SpringBootApplication(exclude = UserDetailsServiceAutoConfiguration.class)
@Import(AdminPlaneSecurity.class)
public class MasterApplication {

    public static void main(String[] args) {
        SpringApplication.run(MasterApplication.class, args);
    }
}
