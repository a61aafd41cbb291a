import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.LongAdder;

/**
 * A cache-aside workload for bench/eviction.sh: each client GETs keys drawn from a Zipf
 * distribution over a key space larger than the cache holds and, for every miss, SETs the key
 * (as an application fills its cache). Requests go in pipelined batches: a batch of GETs, then
 * the SETs of its misses. The key sequence is seeded, so two servers see the same requests.
 *
 * Usage: java CacheWorkload.java HOST PORT KEYS VALUE_BYTES ZIPF_S CLIENTS PIPELINE WARMUP_OPS OPS SEED
 * Prints one line: hits misses gets sets seconds gets_per_second (of the measured phase).
 */
public final class CacheWorkload {

    public static void main(String[] args) throws Exception {
        String host = args[0];
        int port = Integer.parseInt(args[1]);
        int keys = Integer.parseInt(args[2]);
        int valueBytes = Integer.parseInt(args[3]);
        double s = Double.parseDouble(args[4]);
        int clients = Integer.parseInt(args[5]);
        int pipeline = Integer.parseInt(args[6]);
        long warmup = Long.parseLong(args[7]);
        long ops = Long.parseLong(args[8]);
        long seed = Long.parseLong(args[9]);

        double[] cdf = zipfCdf(keys, s);
        byte[] value = "v".repeat(valueBytes).getBytes(StandardCharsets.US_ASCII);
        run(host, port, cdf, value, clients, pipeline, warmup / clients, seed, null);
        Counters measured = new Counters();
        long start = System.nanoTime();
        run(host, port, cdf, value, clients, pipeline, ops / clients, seed + 1, measured);
        double seconds = (System.nanoTime() - start) / 1e9;
        long gets = measured.hits.sum() + measured.misses.sum();
        System.out.printf(java.util.Locale.ROOT, "%d %d %d %d %.3f %.0f%n", measured.hits.sum(), measured.misses.sum(),
                gets, measured.sets.sum(), seconds, gets / seconds);
    }

    private static final class Counters {
        final LongAdder hits = new LongAdder();
        final LongAdder misses = new LongAdder();
        final LongAdder sets = new LongAdder();
    }

    private static void run(String host, int port, double[] cdf, byte[] value, int clients, int pipeline,
                            long opsPerClient, long seed, Counters counters) throws Exception {
        List<Thread> threads = new ArrayList<>();
        List<Throwable> failures = java.util.Collections.synchronizedList(new ArrayList<>());
        for (int c = 0; c < clients; c++) {
            long clientSeed = seed * 1000 + c;
            threads.add(Thread.ofPlatform().start(() -> {
                try {
                    client(host, port, cdf, value, pipeline, opsPerClient, new Random(clientSeed), counters);
                } catch (Throwable t) {
                    failures.add(t);
                }
            }));
        }
        for (Thread t : threads) {
            t.join();
        }
        if (!failures.isEmpty()) {
            throw new IllegalStateException("a client failed", failures.getFirst());
        }
    }

    private static void client(String host, int port, double[] cdf, byte[] value, int pipeline, long ops, Random random,
                               Counters counters) throws IOException {
        try (Socket socket = new Socket()) {
            socket.setTcpNoDelay(true);
            socket.connect(new InetSocketAddress(host, port), 5000);
            socket.setSoTimeout(60_000);
            OutputStream out = new java.io.BufferedOutputStream(socket.getOutputStream(), 1 << 16);
            InputStream in = new BufferedInputStream(socket.getInputStream(), 1 << 16);
            byte[][] batch = new byte[pipeline][];
            boolean[] missed = new boolean[pipeline];
            for (long done = 0; done < ops; done += pipeline) {
                for (int i = 0; i < pipeline; i++) {
                    batch[i] = ("key:" + rank(cdf, random.nextDouble())).getBytes(StandardCharsets.US_ASCII);
                    command(out, "GET".getBytes(StandardCharsets.US_ASCII), batch[i]);
                }
                out.flush();
                int misses = 0;
                for (int i = 0; i < pipeline; i++) {
                    missed[i] = readIsNull(in);
                    misses += missed[i] ? 1 : 0;
                }
                for (int i = 0; i < pipeline; i++) {
                    if (missed[i]) {
                        command(out, "SET".getBytes(StandardCharsets.US_ASCII), batch[i], value);
                    }
                }
                out.flush();
                for (int i = 0; i < misses; i++) {
                    readIsNull(in);
                }
                if (counters != null) {
                    counters.hits.add(pipeline - misses);
                    counters.misses.add(misses);
                    counters.sets.add(misses);
                }
            }
        }
    }

    /** The rank (0 = hottest) whose cumulative probability first reaches u. */
    private static int rank(double[] cdf, double u) {
        int lo = 0;
        int hi = cdf.length - 1;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (cdf[mid] < u) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        return lo;
    }

    private static double[] zipfCdf(int n, double s) {
        double[] cdf = new double[n];
        double sum = 0;
        for (int i = 0; i < n; i++) {
            sum += 1 / Math.pow(i + 1, s);
            cdf[i] = sum;
        }
        for (int i = 0; i < n; i++) {
            cdf[i] /= sum;
        }
        return cdf;
    }

    private static void command(OutputStream out, byte[]... argv) throws IOException {
        out.write(('*' + Integer.toString(argv.length) + "\r\n").getBytes(StandardCharsets.US_ASCII));
        for (byte[] a : argv) {
            out.write(('$' + Integer.toString(a.length) + "\r\n").getBytes(StandardCharsets.US_ASCII));
            out.write(a);
            out.write('\r');
            out.write('\n');
        }
    }

    /** Reads one reply; true when it is a null bulk. An error reply stops the run. */
    private static boolean readIsNull(InputStream in) throws IOException {
        int type = in.read();
        String line = line(in);
        switch (type) {
            case '$' -> {
                int length = Integer.parseInt(line);
                if (length < 0) {
                    return true;
                }
                in.skipNBytes(length + 2L);
                return false;
            }
            case '+', ':' -> {
                return false;
            }
            case '-' -> throw new IOException("error reply: " + line);
            default -> throw new IOException("unexpected reply type " + type);
        }
    }

    private static String line(InputStream in) throws IOException {
        StringBuilder sb = new StringBuilder();
        for (int b = in.read(); b != '\r'; b = in.read()) {
            if (b < 0) {
                throw new IOException("connection closed");
            }
            sb.append((char) b);
        }
        in.read();
        return sb.toString();
    }
}
