package io.kvcache.slave.compat;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

import io.kvcache.slave.support.RunningSlave;

/** Tests that compare a slave's data port, over real sockets, with one real redis-server, both started for the class. */
abstract class AgainstRedisServerAndSlave extends AgainstRedisServer {

    static RunningSlave slave;

    @BeforeAll
    static void startSlave() {
        slave = RunningSlave.start();
    }

    @AfterAll
    static void stopSlave() {
        if (slave != null) {
            slave.close();
        }
    }
}
