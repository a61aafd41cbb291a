package io.kvcache.slave.dispatch;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.Test;

import io.kvcache.command.Session;
import io.kvcache.protocol.Request;
import io.kvcache.protocol.RespWriter;

/**
 * A replica applies a frame, and a slave runs a client's pipeline, as one batch whose keys the
 * keyspace hashes and prefetches first (Keyspace#prefetch). The batch must leave the store exactly
 * as the same commands run one by one do, whatever order the commands look their keys up in: commands with several keys, without
 * keys, the same key array in several requests, keys created and deleted within the batch.
 */
class PrefetchedBatchTests {

    private static final String[] KEYS = {"a", "b", "c", "list", "other", "k:1", "k:2", "k:3"};

    @Test
    void aPrefetchedBatchLeavesTheStoreAsTheSameCommandsOneByOne() {
        Random random = new Random(20261206);
        for (int round = 0; round < 200; round++) {
            List<Request> batch = randomBatch(random, 1 + random.nextInt(120));
            StoreFixture batched = new StoreFixture();
            StoreFixture oneByOne = new StoreFixture();
            seed(batched);
            seed(oneByOne);

            Session replication = new Session(0, "replication", "primary");
            batched.dispatcher.apply(batch, replication, new RespWriter());
            for (Request r : batch) {
                oneByOne.dispatcher.apply(List.of(r), replication, new RespWriter());
            }

            assertThat(batched.keyspace.size()).as("keys after round %d", round).isEqualTo(oneByOne.keyspace.size());
            assertThat(batched.keyspace.digest()).as("digest after round %d", round)
                    .isEqualTo(oneByOne.keyspace.digest());
            for (String key : KEYS) {
                assertThat(batched.call("TYPE", key)).as("TYPE %s after round %d", key, round)
                        .isEqualTo(oneByOne.call("TYPE", key));
            }
        }
    }

    /**
     * A client's pipeline (or the batch a master coalesced) is prefetched the same way, with
     * commands that are refused before they look their key up (unknown, wrong arity) or that fail
     * on a wrong type in between: the replies, byte for byte, and the store are those of the same
     * commands one by one.
     */
    @Test
    void aPrefetchedClientBatchAnswersAndLeavesTheStoreAsTheSameCommandsOneByOne() {
        Random random = new Random(20261207);
        for (int round = 0; round < 200; round++) {
            List<Request> batch = new ArrayList<>(randomBatch(random, 1 + random.nextInt(120)));
            for (int i = random.nextInt(8); i > 0; i--) {
                byte[] k = bytes(KEYS[random.nextInt(KEYS.length)]);
                batch.add(random.nextInt(batch.size() + 1), switch (random.nextInt(4)) {
                    case 0 -> request("GET");
                    case 1 -> request("NOSUCHCOMMAND", k);
                    case 2 -> request("GET", k);
                    default -> request("LPUSH", k, bytes("x"));
                });
            }
            StoreFixture batched = new StoreFixture();
            StoreFixture oneByOne = new StoreFixture();
            seed(batched);
            seed(oneByOne);

            RespWriter together = new RespWriter();
            batched.dispatcher.execute(batch, batched.session, together);
            RespWriter apart = new RespWriter();
            for (Request r : batch) {
                oneByOne.dispatcher.execute(List.of(r), oneByOne.session, apart);
            }

            assertThat(new String(together.toByteArray(), StandardCharsets.ISO_8859_1)).as("replies in round %d", round)
                    .isEqualTo(new String(apart.toByteArray(), StandardCharsets.ISO_8859_1));
            assertThat(batched.keyspace.digest()).as("digest after round %d", round)
                    .isEqualTo(oneByOne.keyspace.digest());
        }
    }

    private static void seed(StoreFixture store) {
        store.call("SET", "a", "1");
        store.call("RPUSH", "list", "x", "y");
        store.call("SET", "k:2", "v");
    }

    /** Writes over a few keys; some requests share their key arrays, as a parser never does but nothing forbids. */
    private static List<Request> randomBatch(Random random, int n) {
        byte[][] shared = new byte[KEYS.length][];
        for (int i = 0; i < KEYS.length; i++) {
            shared[i] = bytes(KEYS[i]);
        }
        List<Request> batch = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            byte[] k = random.nextBoolean() ? shared[random.nextInt(KEYS.length)] : bytes(KEYS[random.nextInt(KEYS.length)]);
            byte[] k2 = shared[random.nextInt(KEYS.length)];
            byte[] v = bytes(Integer.toString(random.nextInt(100)));
            batch.add(switch (random.nextInt(10)) {
                case 0 -> request("SET", k, v);
                case 1 -> request("INCR", k);
                case 2 -> request("DEL", k, k2);
                case 3 -> request("RPUSH", k, v);
                case 4 -> request("LPOP", k);
                case 5 -> request("RENAME", k, k2);
                case 6 -> request("MSET", k, v, k2, v);
                case 7 -> request("PING");
                case 8 -> request("APPEND", k, v);
                default -> request("PEXPIREAT", k, bytes("9999999999999"));
            });
        }
        return batch;
    }

    private static Request request(String name, byte[]... args) {
        byte[][] argv = new byte[args.length + 1][];
        argv[0] = bytes(name);
        System.arraycopy(args, 0, argv, 1, args.length);
        return new Request(argv);
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
