package io.kvcache.master.config;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Settings shared by master and slaves ({@code kvcache.cluster.*}).
 *
 * @param secret the shared secret a slave must present to enroll; never logged
 */
@ConfigurationProperties("kvcache.cluster")
public record ClusterProperties(@DefaultValue("") String secret) {

    @Override
    public String toString() {
        return "ClusterProperties[secret=" + (secret.isEmpty() ? "" : "******") + "]";
    }
}
