package io.kvcache.slave;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.security.autoconfigure.UserDetailsServiceAutoConfiguration;
import org.springframework.context.annotation.Import;

import io.kvcache.web.AdminPlaneSecurity;
import io.kvcache.web.ClusterPlaneSecurity;

/**
 * A kvcache slave: holds one shard's data and serves it on its data port (default 7001). Its HTTP
 * port has two planes: the cluster's ({@link ClusterPlaneSecurity}: replication and migration, with
 * the cluster secret) and the operators' ({@link AdminPlaneSecurity}: health, metrics). No user
 * store: Spring Boot's generated user (and the password it would log) is left out.
 */
@SpringBootApplication(exclude = UserDetailsServiceAutoConfiguration.class)
@Import({ClusterPlaneSecurity.class, AdminPlaneSecurity.class})
public class SlaveApplication {

    public static void main(String[] args) {
        SpringApplication.run(SlaveApplication.class, args);
    }
}
