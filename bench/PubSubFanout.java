import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Pub/sub fan-out for bench/pubsub.sh: SUBSCRIBERS connections subscribe to one channel, then
 * PUBLISHERS connections publish MESSAGES messages between them ("<publisher>:<sequence>",
 * pipelined 100 at a time). Every subscriber checks that it receives every message, each
 * publisher's in order. Prints one line: seconds deliveries deliveries_per_second lost out_of_order.
 *
 * Usage: java PubSubFanout.java HOST PORT SUBSCRIBERS MESSAGES PUBLISHERS
 */
public final class PubSubFanout {

    public static void main(String[] args) throws Exception {
        InetSocketAddress server = new InetSocketAddress(args[0], Integer.parseInt(args[1]));
        int subscribers = Integer.parseInt(args[2]);
        int messages = Integer.parseInt(args[3]);
        int publishers = Integer.parseInt(args[4]);
        int perPublisher = messages / publishers;

        CountDownLatch subscribed = new CountDownLatch(subscribers);
        CountDownLatch done = new CountDownLatch(subscribers);
        AtomicLong delivered = new AtomicLong();
        AtomicLong outOfOrder = new AtomicLong();
        List<Socket> sockets = new ArrayList<>();
        for (int s = 0; s < subscribers; s++) {
            Socket socket = new Socket();
            socket.connect(server, 10_000);
            sockets.add(socket);
            Thread.ofVirtual().start(() -> {
                try {
                    OutputStream out = socket.getOutputStream();
                    out.write(command("SUBSCRIBE", "fanout"));
                    out.flush();
                    InputStream in = new BufferedInputStream(socket.getInputStream(), 64 * 1024);
                    readFrame(in); // the confirmation
                    subscribed.countDown();
                    int[] next = new int[publishers];
                    long received = 0;
                    while (received < (long) perPublisher * publishers) {
                        String payload = readFrame(in);
                        int colon = payload.indexOf(':');
                        int publisher = Integer.parseInt(payload, 0, colon, 10);
                        int sequence = Integer.parseInt(payload, colon + 1, payload.length(), 10);
                        if (sequence != next[publisher]) {
                            outOfOrder.incrementAndGet();
                        }
                        next[publisher] = sequence + 1;
                        received++;
                    }
                    delivered.addAndGet(received);
                } catch (IOException | RuntimeException e) {
                    System.err.println("subscriber failed: " + e);
                } finally {
                    done.countDown();
                }
            });
        }
        if (!subscribed.await(60, TimeUnit.SECONDS)) {
            throw new IllegalStateException("subscribers did not all subscribe");
        }
        long start = System.nanoTime();
        List<Thread> senders = new ArrayList<>();
        for (int p = 0; p < publishers; p++) {
            int publisher = p;
            senders.add(Thread.ofPlatform().start(() -> publish(server, publisher, perPublisher)));
        }
        for (Thread t : senders) {
            t.join();
        }
        boolean all = done.await(600, TimeUnit.SECONDS);
        double seconds = (System.nanoTime() - start) / 1e9;
        long expected = (long) subscribers * perPublisher * publishers;
        System.out.printf("%.3f %d %.0f %d %d%n", seconds, delivered.get(), delivered.get() / seconds,
                all ? expected - delivered.get() : -1, outOfOrder.get());
        for (Socket s : sockets) {
            s.close();
        }
    }

    private static void publish(InetSocketAddress server, int publisher, int count) {
        try (Socket socket = new Socket()) {
            socket.connect(server, 10_000);
            socket.setTcpNoDelay(true);
            OutputStream out = socket.getOutputStream();
            InputStream in = new BufferedInputStream(socket.getInputStream());
            for (int sent = 0; sent < count; ) {
                int batch = Math.min(100, count - sent);
                StringBuilder b = new StringBuilder();
                for (int i = 0; i < batch; i++) {
                    String payload = publisher + ":" + (sent + i);
                    b.append("*3\r\n$7\r\nPUBLISH\r\n$6\r\nfanout\r\n$").append(payload.length()).append("\r\n")
                            .append(payload).append("\r\n");
                }
                out.write(b.toString().getBytes(StandardCharsets.US_ASCII));
                out.flush();
                for (int i = 0; i < batch; i++) {
                    readLine(in); // :<receivers>
                }
                sent += batch;
            }
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Reads one RESP2 array of bulk strings and returns its last element (a message's payload). */
    private static String readFrame(InputStream in) throws IOException {
        String header = readLine(in);
        int n = Integer.parseInt(header.substring(1));
        String last = null;
        for (int i = 0; i < n; i++) {
            String line = readLine(in);
            if (line.charAt(0) == ':') {
                last = line.substring(1);
                continue;
            }
            int len = Integer.parseInt(line.substring(1));
            byte[] bulk = in.readNBytes(len + 2);
            last = new String(bulk, 0, len, StandardCharsets.US_ASCII);
        }
        return last;
    }

    private static String readLine(InputStream in) throws IOException {
        StringBuilder b = new StringBuilder();
        int c;
        while ((c = in.read()) != '\r') {
            if (c < 0) {
                throw new IOException("connection closed");
            }
            b.append((char) c);
        }
        in.read(); // \n
        return b.toString();
    }

    private static byte[] command(String... argv) {
        StringBuilder b = new StringBuilder("*").append(argv.length).append("\r\n");
        for (String a : argv) {
            b.append('$').append(a.length()).append("\r\n").append(a).append("\r\n");
        }
        return b.toString().getBytes(StandardCharsets.US_ASCII);
    }
}
