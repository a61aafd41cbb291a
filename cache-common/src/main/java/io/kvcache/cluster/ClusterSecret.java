package io.kvcache.cluster;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;

/** The secret master and slaves share, checked on every call between them; never printed. */
public final class ClusterSecret {

    private final byte[] secret;

    public ClusterSecret(String secret) {
        this.secret = secret.getBytes(StandardCharsets.UTF_8);
    }

    /** Constant time: a wrong guess learns nothing about how much of it was right. */
    public boolean matches(String given) {
        return given != null && secret.length > 0 && MessageDigest.isEqual(secret, given.getBytes(StandardCharsets.UTF_8));
    }

    @Override
    public String toString() {
        return "ClusterSecret[hidden]";
    }
}
