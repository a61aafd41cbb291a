package io.kvcache.slave.replication;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.Test;

import io.kvcache.protocol.ProtocolLimits;
import io.kvcache.protocol.Request;
import io.kvcache.protocol.RespReader;
import io.kvcache.protocol.RespWriter;
import io.kvcache.slave.dispatch.StoreFixture;
import io.kvcache.slave.store.ExpiryMode;

/**
 * The replication stream without sockets: a primary's store with its {@link ReplicationLog}, a
 * replica's store applying the bytes, each on its own clock. The replica must end with exactly
 * the primary's keys, values and deadlines (same digest), also when it starts from a snapshot
 * taken while writes continue.
 */
class ReplicationStreamTests {

    private final StoreFixture primary = new StoreFixture();
    private final StoreFixture replica = new StoreFixture();
    private final ReplicationBacklog backlog = new ReplicationBacklog(64 << 20);
    private long applied;
    /** Times the primary's log woke its streams for a deletion of its own (no client write to do it). */
    private int wakes;

    ReplicationStreamTests() {
        primary.dispatcher.propagation(new ReplicationLog(primary.keyspace, backlog, () -> null, () -> wakes++));
        replica.keyspace.expiryMode(ExpiryMode.HIDE);
    }

    @Test
    void commandsThatReadTheClockReachTheReplicaAsTheirEffect() {
        primary.call("SET", "a", "1", "EX", "100");
        primary.call("SETEX", "b", "50", "x");
        primary.call("SET", "c", "v");
        primary.call("EXPIRE", "c", "30");
        primary.call("GETEX", "a", "PX", "2000");
        primary.call("INCRBYFLOAT", "f", "1.5");
        primary.call("SET", "counter", "5", "PX", "3000");
        primary.call("INCRBY", "counter", "10");
        primary.call("DECR", "counter");
        replica.advance(700); // the replica applies later: relative deadlines would drift
        applyAll();
        assertSameData();
        assertThat(replica.call("GET", "counter")).as("counters go as their value").isEqualTo("$2\r\n14\r\n");
        assertThat(replica.call("PTTL", "counter")).as("and keep their deadline").isEqualTo(":2300\r\n");
        assertThat(replica.call("PTTL", "a")).isEqualTo(":1300\r\n");
        assertThat(replica.call("PTTL", "b")).isEqualTo(":49300\r\n");
    }

    @Test
    void aRandomPopReachesTheReplicaAsTheRemovalOfWhatItPopped() {
        primary.call("SADD", "s", "a", "b", "c", "d", "e", "f", "g", "h");
        primary.call("SPOP", "s");
        primary.call("SPOP", "s", "3");
        long before = backlog.end();
        primary.call("SPOP", "s", "100"); // the rest: the set is gone
        byte[] last = backlog.read(before, Integer.MAX_VALUE);
        assertThat(new String(last, StandardCharsets.ISO_8859_1)).isEqualTo("*2\r\n$3\r\nDEL\r\n$1\r\ns\r\n");
        primary.call("SADD", "t", "1", "2", "3");
        primary.call("SPOP", "t", "2");
        applyAll();
        assertSameData(); // SPOP again on the replica would pick its own members
        assertThat(primary.call("SCARD", "t")).isEqualTo(":1\r\n");
    }

    @Test
    void aMultiKeyPopReachesTheReplicaAsThePopOfTheKeyItEmptied() {
        primary.call("RPUSH", "l2", "a", "b", "c");
        primary.call("ZADD", "z2", "1", "x", "2", "y");
        long before = backlog.end();
        assertThat(primary.call("LMPOP", "2", "l1", "l2", "RIGHT", "COUNT", "5"))
                .isEqualTo("*2\r\n$2\r\nl2\r\n*3\r\n$1\r\nc\r\n$1\r\nb\r\n$1\r\na\r\n");
        assertThat(primary.call("ZMPOP", "3", "l1", "l2", "z2", "MIN"))
                .isEqualTo("*2\r\n$2\r\nz2\r\n*1\r\n*2\r\n$1\r\nx\r\n$1\r\n1\r\n");
        assertThat(new String(backlog.read(before, Integer.MAX_VALUE), StandardCharsets.ISO_8859_1)).isEqualTo(
                "*3\r\n$4\r\nRPOP\r\n$2\r\nl2\r\n$1\r\n3\r\n*3\r\n$7\r\nZPOPMIN\r\n$2\r\nz2\r\n$1\r\n1\r\n");
        applyAll();
        assertSameData();
    }

    @Test
    void aBlockedPopWritesNothingUntilServedThenReachesTheReplicaAsThePopThatServedIt() {
        io.kvcache.command.Session waiter = primary.clients.session("waiter", "127.0.0.1:50001");
        RespWriter out = new RespWriter();
        java.util.concurrent.atomic.AtomicLong ended = new java.util.concurrent.atomic.AtomicLong(-2);
        long before = backlog.end();
        primary.dispatcher.execute(List.of(Request.of("BLPOP", "q", "0"), Request.of("LLEN", "q")), waiter, out,
                ended::set);
        assertThat(ended.get()).as("suspended").isEqualTo(-2);
        assertThat(backlog.end()).as("a blocked command writes nothing").isEqualTo(before);
        assertThat(primary.call("INFO", "clients")).contains("blocked_clients:1\r\n");

        primary.call("RPUSH", "q", "a", "b");
        assertThat(ended.get()).as("served, then its next command ran").isEqualTo(backlog.end());
        assertThat(new String(out.toByteArray(), StandardCharsets.ISO_8859_1))
                .isEqualTo("*2\r\n$1\r\nq\r\n$1\r\na\r\n:1\r\n");
        assertThat(new String(backlog.read(before, Integer.MAX_VALUE), StandardCharsets.ISO_8859_1)).isEqualTo(
                "*4\r\n$5\r\nRPUSH\r\n$1\r\nq\r\n$1\r\na\r\n$1\r\nb\r\n*2\r\n$4\r\nLPOP\r\n$1\r\nq\r\n");
        assertThat(primary.call("INFO", "commandstats")).contains("cmdstat_blpop:calls=1,")
                .as("counted once, when served");
        assertThat(primary.call("INFO", "clients")).contains("blocked_clients:0\r\n");
        applyAll();
        assertSameData();
    }

    @Test
    void keysExpireOnlyByThePrimarysDeletion() {
        primary.call("SET", "k", "v", "PX", "100");
        applyAll();
        replica.advance(200);
        assertThat(replica.call("GET", "k")).as("a replica hides a key past its deadline").isEqualTo("$-1\r\n");
        assertThat(replica.call("DBSIZE")).as("but keeps it until the primary deletes it").isEqualTo(":1\r\n");
        primary.advance(200);
        assertThat(wakes).isZero();
        assertThat(primary.call("GET", "k")).isEqualTo("$-1\r\n");
        assertThat(wakes).as("the deletion wakes the streams: a GET wakes none").isEqualTo(1);
        applyAll();
        assertThat(replica.call("DBSIZE")).isEqualTo(":0\r\n");
    }

    @Test
    void evictionsReachTheReplicaAsDeletionsAndAReplicaNeverEvictsOnItsOwn() {
        replica.dispatcher.propagation(new ReplicationLog(replica.keyspace, new ReplicationBacklog(1 << 20),
                () -> ReplicationLog.READONLY, () -> { }));
        replica.call("CONFIG", "SET", "maxmemory", "1", "maxmemory-policy", "allkeys-random");
        primary.call("CONFIG", "SET", "maxmemory", "1mb", "maxmemory-policy", "allkeys-lru");
        for (int i = 0; i < 5000; i++) {
            primary.call("SET", "k" + i, "v".repeat(200));
            if (i % 500 == 0) {
                primary.advance(1000);
                applyAll();
            }
        }
        primary.call("PING");
        applyAll();
        assertThat(Long.parseLong(primary.info("stats", "evicted_keys"))).isGreaterThan(1000);
        assertSameData();
        assertThat(replica.call("GET", "k4999")).as("a replica serves reads over its maxmemory")
                .startsWith("$200\r\n");
        assertThat(replica.info("stats", "evicted_keys")).isEqualTo("0");
        assertSameData();
    }

    @Test
    void aReplicaRefusesClientWritesWithRedissReadonlyError() {
        StoreFixture readOnly = new StoreFixture();
        readOnly.dispatcher.propagation(new ReplicationLog(readOnly.keyspace, new ReplicationBacklog(1 << 20),
                () -> ReplicationLog.READONLY, () -> { }));
        assertThat(readOnly.call("SET", "k", "v"))
                .isEqualTo("-READONLY You can't write against a read only replica.\r\n");
        assertThat(readOnly.call("GET", "k")).isEqualTo("$-1\r\n");
    }

    @Test
    void aSnapshotTakenWhileWritesContinueEndsIdenticalToThePrimary() {
        Random random = new Random(42);
        for (int i = 0; i < 3000; i++) {
            randomWrite(random);
        }
        // The replica starts empty and takes snapshot chunks interleaved with the stream.
        primary.keyspace.beginSnapshot();
        long from = backlog.end();
        long cursor = 0;
        do {
            for (int i = 0; i < 40; i++) {
                randomWrite(random); // writes between chunks touch sent and unsent keys alike
            }
            RespWriter chunk = new RespWriter();
            long upTo = backlog.end();
            cursor = primary.keyspace.snapshotStep(cursor, 2048, chunk);
            apply(backlog.read(from, upTo, Integer.MAX_VALUE));
            apply(chunk.toByteArray());
            from = upTo;
        } while (cursor != 0);
        primary.keyspace.endSnapshot();
        applied = from;
        for (int i = 0; i < 500; i++) {
            randomWrite(random);
        }
        applyAll();
        assertSameData();
    }

    @Test
    void theBacklogKeepsTheRecentStreamAndSaysWhenAnOffsetIsGone() {
        ReplicationBacklog small = new ReplicationBacklog(100_000);
        byte[] chunk = new byte[30_000];
        for (int i = 0; i < 10; i++) {
            java.util.Arrays.fill(chunk, (byte) i);
            small.append(chunk, 0, chunk.length);
        }
        assertThat(small.end()).isEqualTo(300_000);
        assertThat(small.start()).isGreaterThan(0).isLessThanOrEqualTo(300_000 - 100_000);
        assertThat(small.read(0, 10)).as("trimmed").isNull();
        assertThat(small.read(270_000, 5)).containsExactly(9, 9, 9, 9, 9);
        assertThat(small.read(269_998, 4)).containsExactly(8, 8, 9, 9);
        assertThat(small.read(300_000, 5)).isEmpty();
        assertThat(small.read(300_001, 5)).as("beyond the end").isNull();
        small.reset(1_234_567);
        assertThat(small.start()).isEqualTo(1_234_567);
        small.append(new byte[] {1, 2, 3}, 0, 3);
        assertThat(small.read(1_234_567, 10)).containsExactly(1, 2, 3);
    }

    private void randomWrite(Random random) {
        String key = "k" + random.nextInt(300);
        String other = "k" + random.nextInt(300);
        String value = Integer.toString(random.nextInt(1000));
        switch (random.nextInt(35)) {
            case 0 -> primary.call("SET", key, value);
            case 1 -> primary.call("SET", key, value, "EX", Integer.toString(1 + random.nextInt(5)));
            case 2 -> primary.call("INCR", "n" + key);
            case 3 -> primary.call("LPUSH", "l" + key, value, value + "x");
            case 4 -> primary.call("RPOPLPUSH", "l" + key, "l" + other);
            case 5 -> primary.call("LMOVE", "l" + key, "l" + other, "LEFT", "RIGHT");
            case 6 -> primary.call("MSETNX", key, value, other, value);
            case 7 -> primary.call("DEL", key, "l" + other);
            case 8 -> primary.call("RENAME", "l" + key, "l" + other);
            case 9 -> primary.call("SETNX", key, value);
            case 10 -> primary.call("APPEND", key, value);
            case 11 -> primary.call("LPUSHX", "l" + key, value);
            case 12 -> primary.call("PEXPIRE", "l" + key, Integer.toString(random.nextInt(3000)));
            case 13 -> primary.call("HSET", "h" + key, "f" + random.nextInt(5), value, "g", value + "x");
            case 14 -> primary.call("HDEL", "h" + key, "f" + random.nextInt(5), "g");
            case 15 -> primary.call("HINCRBYFLOAT", "h" + key, "n", "0.1");
            case 16 -> primary.call("PEXPIRE", "h" + key, Integer.toString(random.nextInt(3000)));
            case 17 -> primary.call("SADD", "s" + key, value, "m" + random.nextInt(5));
            case 18 -> primary.call("SREM", "s" + key, value, "m" + random.nextInt(5));
            case 19 -> primary.call("SPOP", "s" + key);
            case 20 -> primary.call("ZADD", "z" + key, Integer.toString(random.nextInt(20)), value, "0.1", "m");
            case 21 -> primary.call("ZINCRBY", "z" + key, "0.7", value);
            case 22 -> primary.call("ZPOPMIN", "z" + key);
            case 23 -> primary.call("ZREMRANGEBYSCORE", "z" + key, "(5", "+inf");
            case 24 -> primary.call("LMPOP", "2", "l" + key, "l" + other, "RIGHT", "COUNT", "2");
            case 25 -> primary.call("ZMPOP", "2", "z" + key, "z" + other, "MAX");
            case 26 -> primary.call("ZUNIONSTORE", "z" + key, "2", "z" + other, "s" + other, "WEIGHTS", "2", "0.5");
            case 27 -> primary.call("ZDIFFSTORE", "z" + key, "2", "z" + other, "z" + key);
            case 28 -> primary.call("PFADD", "hll" + key, value, value + "x", "e" + random.nextInt(100_000));
            case 29 -> primary.call("PFCOUNT", "hll" + key); // caches the cardinality in the value
            case 30 -> primary.call("PFMERGE", "hll" + key, "hll" + other);
            case 31 -> primary.call("SORT", "l" + key, "ALPHA", "STORE", "l" + other);
            case 32 -> primary.call("BITFIELD", key, "INCRBY", "u8", "#" + random.nextInt(4), value);
            case 33 -> primary.call("LMPOP", "1", "l" + key, "LEFT");
            default -> primary.advance(random.nextInt(300)); // lets deadlines pass: lazy expiry
        }
    }

    private void applyAll() {
        byte[] bytes = backlog.read(applied, Integer.MAX_VALUE);
        apply(bytes);
        applied += bytes.length;
    }

    private void apply(byte[] bytes) {
        RespReader reader = new RespReader(ProtocolLimits.REDIS_DEFAULTS);
        reader.feed(bytes, 0, bytes.length);
        List<Request> requests = new ArrayList<>();
        for (Object next = reader.next(); next != null; next = reader.next()) {
            requests.add((Request) next);
        }
        assertThat(reader.buffered()).as("the stream ends on a command boundary").isZero();
        replica.dispatcher.apply(requests, replica.session, new RespWriter());
    }

    private void assertSameData() {
        assertThat(replica.keyspace.size()).isEqualTo(primary.keyspace.size());
        assertThat(Long.toHexString(replica.keyspace.digest())).isEqualTo(Long.toHexString(primary.keyspace.digest()));
    }
}
