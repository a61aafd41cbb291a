package io.kvcache.slave.enrollment;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.IntSupplier;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;

import io.kvcache.cluster.Placement;
import io.kvcache.protocol.Replies;
import io.kvcache.protocol.ReplyScanner;
import io.kvcache.protocol.Request;
import io.kvcache.slave.replication.Assignment;
import io.kvcache.slave.migration.Migration;
import io.kvcache.slave.replication.ReplicationManager;

/**
 * Keeps this slave enrolled with the master: connects to the enrollment port, ENROLLs with the
 * cluster secret, then sends a HEARTBEAT every interval. When the master is away or the
 * connection breaks it retries with exponential backoff (100 ms doubling to 2 s, with jitter: a restarted master hears from every slave within its election grace),
 * so a restarted master gets its whole topology back. It keeps the master's placement of keys on
 * shards and hands it back on the next enrollment, so a restarted master adopts it.
 * <p>
 * Every frame from the master (the reply to ENROLL or HEARTBEAT, or a push when the shard's
 * primary or the placement changes) carries the placement, this slave's assignment (role and
 * epoch, its primary, its siblings) and the HTTP address of each shard's primary.
 * A reader waits for frames between heartbeats, so a push takes effect at once. Enrollment and
 * heartbeats report the slave's replication state, from which the master elects primaries.
 */
public final class EnrollmentClient implements SmartLifecycle {

    private static final Logger log = LoggerFactory.getLogger(EnrollmentClient.class);
    private static final long MAX_BACKOFF_MILLIS = 2000;

    private final InetSocketAddress master;
    private final String secret;
    private final String shard;
    private final String replicaId;
    private final String advertisedHost;
    private final IntSupplier dataPort;
    private final IntSupplier httpPort;
    private final long heartbeatMillis;
    private final ReplicationManager replication;
    private final Migration migration;
    private byte[] frame = new byte[1024];
    /** The assignment changed: tell the master at once (a new primary is not used until it confirms). */
    private volatile boolean beatNow;
    /** The thread that sends this connection's heartbeats, parked between them. */
    private volatile Thread heartbeats;
    private int framed;
    private volatile boolean running;
    private volatile boolean enrolled;
    private volatile Socket socket;
    private Thread thread;

    public EnrollmentClient(InetSocketAddress master, String secret, String shard, String replicaId,
                            String advertisedHost, IntSupplier dataPort, IntSupplier httpPort, long heartbeatMillis,
                            ReplicationManager replication, Migration migration) {
        this.master = master;
        this.secret = secret;
        this.shard = shard;
        this.replicaId = replicaId;
        this.advertisedHost = advertisedHost;
        this.dataPort = dataPort;
        this.httpPort = httpPort;
        this.heartbeatMillis = heartbeatMillis;
        this.replication = replication;
        this.migration = migration;
        replication.onInSyncChanged(this::wakeHeartbeats);
    }

    public boolean isEnrolled() {
        return enrolled;
    }

    @Override
    public void start() {
        running = true;
        thread = Thread.ofPlatform().daemon().name("enrollment").start(this::run);
    }

    @Override
    public void stop() {
        running = false;
        closeSocket();
        if (thread != null) {
            thread.interrupt();
        }
    }

    @Override
    public boolean isRunning() {
        return running;
    }

    /** After the data port: enroll only once it can serve. */
    @Override
    public int getPhase() {
        return Integer.MAX_VALUE - 100;
    }

    private void run() {
        long backoff = 100;
        awaitDataPort();
        while (running) {
            try (Socket s = new Socket()) {
                socket = s;
                s.setTcpNoDelay(true);
                s.connect(master, 1000);
                framed = 0;
                s.setSoTimeout((int) Math.max(3000, heartbeatMillis * 3));
                enroll(s.getOutputStream(), s.getInputStream());
                backoff = 100;
                beatAndListen(s);
            } catch (IOException | RuntimeException e) {
                if (enrolled) {
                    log.warn("Lost the master at {}: {}; enrolling again", master, e.toString());
                } else if (running) {
                    log.info("Master at {} not reachable ({}); retrying in {} ms", master, e.toString(), backoff);
                }
            } finally {
                enrolled = false;
            }
            if (!running) {
                return;
            }
            try {
                Thread.sleep(backoff + ThreadLocalRandom.current().nextLong(backoff / 4 + 1));
            } catch (InterruptedException e) {
                return;
            }
            backoff = Math.min(MAX_BACKOFF_MILLIS, backoff * 2);
        }
    }

    /**
     * The data port binds on its own thread and may not listen yet when this one starts: enrolling then
     * would advertise port 0 (asked for a free port, none bound yet), which the master can never reach.
     */
    private void awaitDataPort() {
        while (running && dataPort.getAsInt() <= 0) {
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    private void enroll(OutputStream out, InputStream in) throws IOException {
        String[] state = replication.state().toArgs();
        send(out, "ENROLL", secret, shard, replicaId, advertisedHost,
                Integer.toString(dataPort.getAsInt()), advertisedHost, Integer.toString(httpPort.getAsInt()),
                migration.placement().format(), state[0], state[1], state[2], state[3]);
        byte[] reply = readFrame(in);
        if (Replies.isError(reply)) {
            // The master's error names the problem; the secret itself is never logged.
            throw new IOException("enrollment refused: " + text(reply));
        }
        enrolled = true;
        log.info("Enrolled with the master at {} as {}/{}", master, shard, replicaId);
        handle(reply);
    }

    /**
     * Handles whatever the master sends while a second thread sends a HEARTBEAT every interval, and
     * at once when the assignment or the replicas in sync change: writes wait for a replica that
     * left until the master has heard it. A master silent for three intervals is taken as lost.
     */
    private void beatAndListen(Socket s) throws IOException {
        Thread sender = Thread.ofPlatform().daemon().name("enrollment-heartbeat").start(() -> sendHeartbeats(s));
        heartbeats = sender;
        try {
            while (running) {
                byte[] received;
                try {
                    received = readFrame(s.getInputStream());
                } catch (SocketTimeoutException e) {
                    throw new IOException("no word from the master for " + s.getSoTimeout() + " ms");
                }
                if (Replies.isError(received)) {
                    throw new IOException("the master refused: " + text(received));
                }
                handle(received);
            }
        } finally {
            heartbeats = null;
            s.close();
            LockSupport.unpark(sender);
        }
    }

    /** The heartbeat thread of connection s: parked until the interval passes or something must be told now. */
    private void sendHeartbeats(Socket s) {
        long nextBeat = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(heartbeatMillis);
        try {
            while (running && !s.isClosed()) {
                long wait = nextBeat - System.nanoTime();
                boolean changed = replication.takeInSyncChanged();
                if (wait > 0 && !beatNow && !changed) {
                    LockSupport.parkNanos(this, wait);
                    continue;
                }
                beatNow = false;
                String[] state = replication.state().toArgs();
                send(s.getOutputStream(), "HEARTBEAT", state[0], state[1], state[2], state[3],
                        replication.inSyncReport(), Integer.toString(replication.minReplicasToWrite()));
                nextBeat = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(heartbeatMillis);
            }
        } catch (IOException e) {
            try {
                s.close(); // the reader fails too, and enrolls again
            } catch (IOException ignored) {
                // closing anyway
            }
        }
    }

    /** Something the master must hear at once: the heartbeat thread sends now. */
    private void wakeHeartbeats() {
        Thread t = heartbeats;
        if (t != null) {
            LockSupport.unpark(t);
        }
    }

    /** A frame {@code *4 +OK $placement $assignment $primaries}: applies the placement and the assignment. */
    private void handle(byte[] reply) {
        List<byte[]> parts = Replies.elements(reply);
        String assignment = text(parts, 2);
        if (assignment.equals("decommissioned")) {
            log.warn("Decommissioned by the master: no longer enrolling; this slave can be stopped");
            replication.decommissioned();
            running = false;
            return;
        }
        migration.update(Placement.parse(text(parts, 1)), primaries(text(parts, 3)));
        if (replication.assign(Assignment.parse(assignment))) {
            beatNow = true;
            wakeHeartbeats();
        }
        migration.roleChanged();
    }

    /** {@code shard=host:port,...}: where each shard's primary serves HTTP. */
    private static Map<String, URI> primaries(String list) {
        Map<String, URI> primaries = new LinkedHashMap<>();
        if (!list.isEmpty()) {
            for (String entry : list.split(",")) {
                int eq = entry.indexOf('=');
                primaries.put(entry.substring(0, eq), URI.create("http://" + entry.substring(eq + 1)));
            }
        }
        return primaries;
    }

    private static String text(List<byte[]> parts, int i) {
        return i < parts.size() ? new String(Replies.bulk(parts.get(i)), StandardCharsets.UTF_8) : "";
    }

    private static void send(OutputStream out, String... argv) throws IOException {
        out.write(Request.of(argv).encode());
        out.flush();
    }

    /** The next complete frame; bytes of a frame cut by a read timeout stay for the next call. */
    private byte[] readFrame(InputStream in) throws IOException {
        while (true) {
            int end = framed == 0 ? -1 : ReplyScanner.end(frame, 0, framed);
            if (end >= 0) {
                byte[] complete = Arrays.copyOf(frame, end);
                System.arraycopy(frame, end, frame, 0, framed - end);
                framed -= end;
                return complete;
            }
            if (framed == frame.length) {
                frame = Arrays.copyOf(frame, frame.length * 2);
            }
            int n = in.read(frame, framed, frame.length - framed);
            if (n < 0) {
                throw new IOException("closed by the master");
            }
            framed += n;
        }
    }

    private void closeSocket() {
        Socket s = socket;
        if (s != null) {
            try {
                s.close();
            } catch (IOException ignored) {
                // stopping anyway
            }
        }
    }

    private static String text(byte[] reply) {
        return new String(reply, StandardCharsets.ISO_8859_1).trim();
    }
}
