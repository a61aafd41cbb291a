package io.kvcache.master;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.context.annotation.Import;

import io.kvcache.web.AdminAccessConfiguration;

/** The master: client port 6666, enrollment port 6667, routing to shards (see issue 3). */
@SpringBootApplication
@Import(AdminAccessConfiguration.class)
public class MasterApplication {

    public static void main(String[] args) {
        SpringApplication.run(MasterApplication.class, args);
    }
}
