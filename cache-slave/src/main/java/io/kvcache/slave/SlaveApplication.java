package io.kvcache.slave;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.context.annotation.Import;

import io.kvcache.web.AdminAccessConfiguration;

/** A kvcache slave: holds one shard's data and serves it on its data port (default 7001). */
@SpringBootApplication
@Import(AdminAccessConfiguration.class)
public class SlaveApplication {

    public static void main(String[] args) {
        SpringApplication.run(SlaveApplication.class, args);
    }
}
