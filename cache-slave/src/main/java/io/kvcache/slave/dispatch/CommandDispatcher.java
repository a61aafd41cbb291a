package io.kvcache.slave.dispatch;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.LongConsumer;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.kvcache.command.Blocking;
import io.kvcache.command.CommandErrors;
import io.kvcache.command.CommandFlag;
import io.kvcache.command.CommandSpec;
import io.kvcache.command.CommandTable;
import io.kvcache.command.Commands;
import io.kvcache.command.RequestPolicy;
import io.kvcache.command.Transaction;
import io.kvcache.command.CommandHandler;
import io.kvcache.command.ConnectionCommands;
import io.kvcache.command.Handlers;
import io.kvcache.command.ReplicaAcks;
import io.kvcache.command.Session;
import io.kvcache.metrics.CommandStats;
import io.kvcache.protocol.ErrorReply;
import io.kvcache.command.Resp3Shapes;
import io.kvcache.pubsub.PubSub;
import io.kvcache.pubsub.PubSubCommands;
import io.kvcache.config.KeyspaceEventFlags;
import io.kvcache.protocol.Request;
import io.kvcache.protocol.RespErrors;
import io.kvcache.protocol.RespWriter;
import io.kvcache.slave.store.Eviction;
import io.kvcache.slave.store.ExpiryMode;
import io.kvcache.slave.store.Keyspace;
import io.kvcache.slave.script.ScriptCommands;
import io.kvcache.slave.script.ScriptEngine;
import io.kvcache.slave.script.ScriptErrors;
import io.kvcache.slave.script.ScriptHost;
import io.kvcache.slave.script.ScriptRun;

/**
 * Runs requests against the store, one at a time as Redis does: every command executes under
 * one lock, so each is atomic. The order of checks is server.c processCommand's: unknown
 * command, arity, authentication (NOAUTH until AUTH when a password is set), the key-ownership fence of a cluster (MOVED, ASK, TRYAGAIN), maxmemory (evict,
 * or refuse a DENYOOM command with OOM), a replica's refusal of writes, then the handler.
 * <p>
 * A handler that throws has its partial reply discarded and answers {@code -ERR ...}; handlers
 * validate all arguments and types before they change anything, so the store is left as it was.
 */
public final class CommandDispatcher {

    private static final Logger log = LoggerFactory.getLogger(CommandDispatcher.class);

    private final CommandTable table;
    private final ConnectionCommands connection;
    private final Keyspace keyspace;
    private final Map<CommandSpec, Binding> bindings = new IdentityHashMap<>();
    /** Scratch of a batch (execute, apply), under lock: each request's command, looked up once for the prefetch and the run. */
    private CommandSpec[] specs = new CommandSpec[64];
    /** Scratch of {@link #prefetch}, under lock. */
    private byte[][] firstKeys = new byte[64][];
    /** Scratch of {@link #prefetch}: whether each request's command reads its key's value. */
    private boolean[] readsValue = new boolean[64];
    private final ReentrantLock lock = new ReentrantLock();
    private final CommandStats stats;
    /** A client batch's calls, counted once it is done (under lock). */
    private final CommandStats.Pending pendingStats;
    /** What {@link #apply} ran, added to stats once per frame. Under lock. */
    private final CommandStats.Tally appliedStats;
    private final Eviction eviction;
    private WritePropagation propagation;
    /** Keyspace notifications, when a pub/sub registry is installed. */
    private volatile KeyspaceEvents keyspaceEvents;
    /** The keys writes change, told to masters whose clients track keys (client-side caching). */
    private volatile ModifiedKeys modifiedKeys;
    private KeyGuard guard;
    /** True while a replica applies its primary's stream: no refusal, no propagation. */
    private boolean applying;
    /** Clients suspended by a blocking pop. Under lock. */
    private final BlockedClients blocked = new BlockedClients();
    /** The keys clients WATCH. Under lock. */
    private final WatchedKeys watched;
    /** True while {@link #serveReady} runs: what it resumes creates keys it will look at itself. */
    private boolean serving;
    /** Work for after the lock is released: the ends of batches that blocked and are now answered. */
    private final List<Runnable> afterUnlock = new ArrayList<>();
    private ScheduledExecutorService timeouts;
    /** True while EXEC runs its queued commands (under lock): they run, they are not queued again. */
    private boolean execing;
    /** Whether the running EXEC has put MULTI into the replication stream (before its first write). */
    private boolean multiPropagated;
    /**
     * Set when EXEC's commands, a script's, or SCRIPT LOAD grew the replication stream; taken by the
     * {@link #executeOne} of the client's command (not by a command it ran). Under lock.
     */
    private boolean execWrote;
    /** How many handlers are running, one inside the other (EXEC or a script runs commands): 0 at a client's command. */
    private int running;
    /** The scripts of this store (EVAL, SCRIPT). */
    private final ScriptEngine scripts = new ScriptEngine(DEFAULT_BUSY_THRESHOLD_MILLIS);
    /** The script running now, whose commands follow scriptCall's rules; null when none. Under lock. */
    private ScriptRun scriptRun;
    /**
     * Runs the batches that hold a script, so that an I/O loop never runs one: while a script runs
     * past busy-reply-threshold, the loops answer -BUSY and take SCRIPT KILL.
     */
    private java.util.concurrent.ExecutorService scriptThread;
    private static final long DEFAULT_BUSY_THRESHOLD_MILLIS = 5000;
    /** How often a batch waiting for the store looks whether a script has turned busy. */
    private static final long BUSY_POLL_MILLIS = 5;
    private static final Request MULTI_MARKER = Request.of("MULTI");
    private static final Request EXEC_MARKER = Request.of("EXEC");

    /** A dispatcher without a memory limit (maxmemory 0) and without a password. */
    public CommandDispatcher(CommandTable table, Keyspace keyspace, Handlers handlers) {
        this(table, null, keyspace, handlers, new Eviction(keyspace));
    }

    /**
     * @param connection the connection commands registered in handlers, whose password (the cluster
     *                   secret in a cluster) clients must AUTH with; null for none
     */
    public CommandDispatcher(CommandTable table, ConnectionCommands connection, Keyspace keyspace, Handlers handlers,
                             Eviction eviction) {
        this.table = table;
        this.connection = connection;
        this.keyspace = keyspace;
        this.eviction = eviction;
        this.stats = new CommandStats(table);
        this.watched = new WatchedKeys(keyspace);
        this.appliedStats = stats.tally();
        this.pendingStats = stats.pending();
        for (CommandSpec spec : List.of(Commands.MULTI, Commands.EXEC, Commands.DISCARD, Commands.WATCH,
                Commands.UNWATCH)) {
            if (handlers.get(spec) == null) {
                handlers.on(spec, (r, out, s) -> transactionCommand(spec, r, s, out));
            }
        }
        if (handlers.get(Commands.EVAL) == null) {
            ScriptCommands.register(scripts, new Scripting(), handlers);
        }
        for (CommandSpec spec : table.specs()) {
            CommandHandler handler = handlers.get(spec);
            if (handler == null) {
                throw new IllegalStateException("No handler for command " + spec.name());
            }
            bindings.put(spec, new Binding(spec, handler));
        }
        keyspace.watch(blocked);
        keyspace.onDeletedByServer(watched::touch); // expired or evicted: a change WATCH sees
    }

    /**
     * Publishes keyspace events on this registry (notify-keyspace-events), for the store's writes,
     * expirations and evictions; and the keys that change, while a master tracks them (client-side
     * caching).
     */
    public void keyspaceEvents(PubSub pubsub) {
        KeyspaceEvents events = new KeyspaceEvents(pubsub, keyspace);
        keyspace.onExpired(key -> events.notify(KeyspaceEventFlags.EXPIRED, "expired", key));
        keyspace.onEvicted(key -> events.notify(KeyspaceEventFlags.EVICTED, "evicted", key));
        this.keyspaceEvents = events;
        ModifiedKeys modified = new ModifiedKeys(pubsub);
        keyspace.onDeletedByServer(modified::changed);
        this.modifiedKeys = modified;
    }

    /** notify-keyspace-events, as flags (0 when none are published). */
    KeyspaceEvents keyspaceEvents() {
        return keyspaceEvents;
    }

    /** Installs replication's view of the writes (a slave in a cluster); none when alone. */
    public void propagation(WritePropagation propagation) {
        lock.lock();
        try {
            this.propagation = propagation;
        } finally {
            lock.unlock();
        }
    }

    /** Installs where REPLCONF ACK goes (a slave in a cluster, primary of its shard); none when alone. */
    public void replicaAcks(ReplicaAcks acks) {
        if (connection != null) {
            connection.replicaAcks(acks);
        }
    }

    /** Installs the key-ownership fence (a slave in a cluster); none when alone. */
    public void guard(KeyGuard guard) {
        lock.lock();
        try {
            this.guard = guard;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Runs the requests in order, replies appended to out; stops after QUIT. Waits for a blocking
     * command that suspends the batch (tests, tools; a port uses {@link #execute(List, Session, RespWriter, LongConsumer)}).
     *
     * @return the replication offset the batch's writes end at, or -1 when it wrote nothing. Only
     *         its own writes count: keys the server evicted or expired while it ran are replicated
     *         too, but a batch that only read (or a replica's REPLCONF ACK) does not wait for them.
     */
    public long execute(List<Request> requests, Session session, RespWriter out) {
        java.util.concurrent.CompletableFuture<Long> ended = new java.util.concurrent.CompletableFuture<>();
        execute(requests, session, out, ended::complete);
        return ended.join();
    }

    /**
     * Runs the requests in order, replies appended to out; stops after QUIT. end hears the
     * replication offset the batch's writes end at (-1 when it wrote nothing) once every reply is in
     * out: before this returns, unless a blocking pop found nothing and suspended the batch (Redis's
     * blockForKeys); then from the thread that serves it (another client's push) or times it out,
     * outside the store's lock. A client that disconnects while blocked leaves its queues, and end
     * hears -1 at once.
     */
    public void execute(List<Request> requests, Session session, RespWriter out, LongConsumer end) {
        if (runsScript(requests, session) && !onScriptThread.get()) {
            scriptThread().execute(() -> execute(requests, session, out, end));
            return;
        }
        if (!lockOrBusy(requests, session, out)) {
            end.accept(-1);
            return;
        }
        long result = -1;
        boolean suspended = false;
        List<Runnable> ends;
        int n = requests.size();
        try {
            boolean wrote = false;
            lookUpAndPrefetch(requests); // a pipeline, or the batch a master coalesced
            for (int i = 0; i < n && !session.isClosing(); i++) {
                CommandSpec spec = specs[i];
                if (spec == null || !spec.keys().hasKeys()) {
                    pendingStats.flush(); // INFO, CONFIG RESETSTAT: they see every command before them
                }
                int mark = out.size();
                wrote |= executeOne(spec, requests.get(i), session, out);
                if (!session.isBlocking() && session.replyDropped()) {
                    out.truncate(mark); // CLIENT REPLY OFF or SKIP
                }
                Blocking blocking = session.takeBlocking();
                if (blocking != null) {
                    BlockedClients.Suspended s = new BlockedClients.Suspended(session, requests, out, end);
                    s.wrote = wrote;
                    suspend(s, i, blocking);
                    suspended = true;
                    break;
                }
                serveReady();
            }
            result = wrote ? offset() : -1;
        } finally {
            pendingStats.flush();
            Arrays.fill(specs, 0, n, null);
            keyspace.endBatch();
            ends = takeAfterUnlock();
            lock.unlock();
        }
        ends.forEach(Runnable::run);
        if (!suspended) {
            end.accept(result);
        }
    }

    private long offset() {
        return propagation == null ? 0 : propagation.offset();
    }

    /**
     * Whether the batch runs a script: EVAL and its kin, FCALL, or an EXEC of a transaction that
     * queued one. Before the lock, for every batch: only a name starting as theirs ("ev", "fc",
     * "ex") is looked up in the table, which says.
     */
    private boolean runsScript(List<Request> requests, Session session) {
        for (Request r : requests) {
            byte[] name = r.arg(0);
            if (name.length < 4) {
                continue;
            }
            int first = name[0] | 0x20;
            int second = name[1] | 0x20;
            if (!(first == 'e' && (second == 'v' || second == 'x') || first == 'f' && second == 'c')) {
                continue;
            }
            CommandSpec spec = table.lookup(name);
            if (ScriptCommands.RUN_SCRIPTS.contains(spec)) {
                return true;
            }
            Transaction tx = spec == Commands.EXEC ? session.transaction() : null;
            if (tx != null && tx.specs().stream().anyMatch(ScriptCommands.RUN_SCRIPTS::contains)) {
                return true;
            }
        }
        return false;
    }

    private static final ThreadLocal<Boolean> onScriptThread = ThreadLocal.withInitial(() -> false);

    private synchronized java.util.concurrent.ExecutorService scriptThread() {
        if (scriptThread == null) {
            // A deep stack: a script's recursion is Java's (LuaJ), and it should end in Lua's error, not the thread.
            scriptThread = java.util.concurrent.Executors.newSingleThreadExecutor(r -> {
                Thread t = new Thread(null, () -> {
                    onScriptThread.set(true);
                    r.run();
                }, "lua-scripts", 64L * 1024 * 1024);
                t.setDaemon(true);
                return t;
            });
        }
        return scriptThread;
    }

    /**
     * Takes the store's lock, or, while a script runs past busy-reply-threshold, answers the batch
     * at once as Redis does then: SCRIPT KILL acts, QUIT closes, everything else gets -BUSY.
     *
     * @return whether the lock is held (false: every request is answered)
     */
    private boolean lockOrBusy(List<Request> requests, Session session, RespWriter out) {
        if (lock.tryLock()) {
            return true;
        }
        try {
            while (!lock.tryLock(BUSY_POLL_MILLIS, TimeUnit.MILLISECONDS)) {
                if (scripts.busy()) {
                    answerBusy(requests, session, out);
                    return false;
                }
            }
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            lock.lock();
            return true;
        }
    }

    private void answerBusy(List<Request> requests, Session session, RespWriter out) {
        for (Request r : requests) {
            CommandSpec spec = table.lookup(r.arg(0));
            if ((spec == Commands.SCRIPT || spec == Commands.FUNCTION) && r.argc() == 2 && r.is(1, "kill")) {
                String refusal = scripts.kill();
                if (refusal == null) {
                    out.ok();
                } else {
                    error(out, refusal);
                }
            } else if (spec == Commands.QUIT) {
                out.ok();
                session.closeAfterReply();
                return;
            } else {
                error(out, ScriptErrors.BUSY);
            }
        }
    }

    /** The batch waits at its command index for a key to pop from. Under lock. */
    private void suspend(BlockedClients.Suspended s, int index, Blocking blocking) {
        s.index = index;
        s.blocking = blocking;
        blocked.add(s);
        s.registered = true;
        if (blocking.timeoutMillis() > 0) {
            s.timeout = timeouts().schedule(() -> unblocked(s, false), blocking.timeoutMillis(), TimeUnit.MILLISECONDS);
        }
        s.session.onDisconnect(() -> disconnected(s));
        s.session.onUnblock(withError -> unblocked(s, withError));
        if (s.session.isDisconnected()) {
            unregister(s); // gone before the hook was in place
            afterUnlock.add(() -> s.end.accept(-1));
        }
    }

    private void unregister(BlockedClients.Suspended s) {
        blocked.remove(s);
        s.registered = false;
        if (s.timeout != null) {
            s.timeout.cancel(false);
            s.timeout = null;
        }
        s.session.onDisconnect(null);
        s.session.onUnblock(null);
    }

    /**
     * Serves the clients blocked on keys created since the last look (handleClientsBlockedOnKeys):
     * for each key, first blocked first, as long as the key holds a value of the type they wait
     * for. A served client's batch goes on from its next command. Under lock.
     */
    private void serveReady() {
        if (serving || !blocked.hasReady()) {
            return;
        }
        serving = true;
        try {
            while (blocked.hasReady()) {
                byte[] key = blocked.nextReady();
                for (BlockedClients.Suspended s : blocked.waitingOn(key)) {
                    String type = keyspace.typeOf(key);
                    if (type == null) {
                        break; // all popped
                    }
                    if (s.registered && type.equals(s.blocking.type())) {
                        resume(s);
                    }
                }
            }
        } finally {
            serving = false;
        }
    }

    /** Runs the blocked command again; when it answers (an element, or an error), its batch goes on. */
    private void resume(BlockedClients.Suspended s) {
        Request r = s.requests.get(s.index);
        boolean wrote = executeOne(table.lookup(r.arg(0)), r, s.session, s.out);
        if (s.session.takeBlocking() != null) {
            return; // another key of its own was the one created, still empty for it: it keeps its place
        }
        unregister(s);
        s.wrote |= wrote;
        continueBatch(s, s.index + 1);
    }

    /** Runs a resumed batch from request from on: to its end, or to its next blocking command. Under lock. */
    private void continueBatch(BlockedClients.Suspended s, int from) {
        for (int i = from; i < s.requests.size() && !s.session.isClosing(); i++) {
            Request r = s.requests.get(i);
            s.wrote |= executeOne(table.lookup(r.arg(0)), r, s.session, s.out);
            Blocking blocking = s.session.takeBlocking();
            if (blocking != null) {
                suspend(s, i, blocking);
                return;
            }
        }
        long offset = s.wrote ? offset() : -1;
        afterUnlock.add(() -> s.end.accept(offset));
    }

    /**
     * Its timeout passed, or CLIENT UNBLOCK came: a null array (for every blocking command, BLMOVE's
     * too), or UNBLOCKED, and the batch goes on. CLIENT UNBLOCK runs in this dispatcher, under its lock
     * already: the batch's end then waits for that command's unlock.
     *
     * @return whether it was still blocked
     */
    private boolean unblocked(BlockedClients.Suspended s, boolean withError) {
        List<Runnable> ends = List.of();
        lock.lock();
        try {
            if (!s.registered) {
                return false;
            }
            unregister(s);
            if (withError) {
                error(s.out, RespErrors.UNBLOCKED);
            } else {
                nil(s.session, s.out, true);
            }
            continueBatch(s, s.index + 1);
            serveReady();
            return true;
        } finally {
            if (lock.getHoldCount() == 1) {
                pendingStats.flush();
                ends = takeAfterUnlock();
            }
            lock.unlock();
            ends.forEach(Runnable::run);
        }
    }

    /**
     * The client went away while blocked: it leaves its queues, nothing is popped for it, and its
     * batch ends where it is (so that its connection, whose peer is gone, can close).
     */
    private void disconnected(BlockedClients.Suspended s) {
        boolean ended = false;
        lock.lock();
        try {
            if (s.registered) {
                unregister(s);
                ended = true;
            }
        } finally {
            lock.unlock();
        }
        if (ended) {
            s.end.accept(-1);
        }
    }

    /**
     * Answers every blocked client whose command the fence now refuses (its keys moved to another
     * shard: MOVED or ASK) or that a replica may not run, with that error, as Redis unblocks the
     * clients of a slot that moved. Called when the ring or the role changes.
     */
    public void recheckBlocked() {
        List<Runnable> ends;
        lock.lock();
        try {
            for (BlockedClients.Suspended s : blocked.all()) {
                if (!s.registered) {
                    continue;
                }
                Request r = s.requests.get(s.index);
                CommandSpec spec = table.lookup(r.arg(0));
                String refusal = guard == null ? null : guard.check(spec, r);
                if (refusal == null && propagation != null) {
                    refusal = propagation.refuseWrite();
                }
                if (refusal != null) {
                    unregister(s);
                    error(s.out, refusal);
                    continueBatch(s, s.index + 1);
                }
            }
        } finally {
            ends = takeAfterUnlock();
            lock.unlock();
        }
        ends.forEach(Runnable::run);
    }

    /** How many keys clients WATCH now (Redis 7.4's total_watched_keys). */
    int watchedKeys() {
        lock.lock();
        try {
            return watched.size();
        } finally {
            lock.unlock();
        }
    }

    /** How many clients wait in a blocking pop (INFO's blocked_clients). */
    public int blockedClients() {
        lock.lock();
        try {
            return blocked.count();
        } finally {
            lock.unlock();
        }
    }

    private List<Runnable> takeAfterUnlock() {
        if (afterUnlock.isEmpty()) {
            return List.of();
        }
        List<Runnable> taken = new ArrayList<>(afterUnlock);
        afterUnlock.clear();
        return taken;
    }

    private ScheduledExecutorService timeouts() {
        if (timeouts == null) {
            ScheduledThreadPoolExecutor executor = new ScheduledThreadPoolExecutor(1,
                    Thread.ofPlatform().name("blocking-timeouts").daemon().factory());
            executor.setRemoveOnCancelPolicy(true);
            timeouts = executor;
        }
        return timeouts;
    }

    /**
     * Applies a primary's stream on a replica: every command runs, none is refused or propagated,
     * and no key expires on its own (the stream carries the primary's deletions).
     */
    public void apply(List<Request> requests, Session session, RespWriter scratch) {
        lock.lock();
        ExpiryMode mode = keyspace.expiryMode();
        try {
            applying = true;
            keyspace.expiryMode(ExpiryMode.KEEP);
            // One clock reading for the frame: a replica expires nothing itself, and the stream
            // carries absolute deadlines.
            keyspace.beginCommand();
            int n = requests.size();
            lookUpAndPrefetch(requests);
            for (int i = 0; i < n; i++) {
                if (specs[i] != null && specs[i].requestPolicy() == RequestPolicy.TRANSACTION) {
                    continue; // MULTI and EXEC bracket a transaction the stream delivers whole (StreamParser)
                }
                executeOne(specs[i], requests.get(i), session, scratch);
                session.takeBlocking(); // a stream carries pops, not blocking commands: nothing waits here
                scratch.reset();
            }
            Arrays.fill(specs, 0, n, null);
        } finally {
            appliedStats.flush();
            keyspace.endBatch();
            keyspace.expiryMode(mode);
            applying = false;
            lock.unlock();
        }
    }

    /** Looks each request's command up once (into {@link #specs}) and prefetches its key. Under lock. */
    private void lookUpAndPrefetch(List<Request> requests) {
        int n = requests.size();
        if (specs.length < n) {
            specs = new CommandSpec[n];
            firstKeys = new byte[n][];
            readsValue = new boolean[n];
        }
        for (int i = 0; i < n; i++) {
            specs[i] = table.lookup(requests.get(i).arg(0));
        }
        prefetch(requests);
    }

    /**
     * Hands the keyspace the first key of each request (commands in {@link #specs}), to hash and
     * bring into the cache together, with its value unless the command replaces it unread
     * ({@link io.kvcache.command.KeySpec#overwrites}). Under lock.
     */
    private void prefetch(List<Request> requests) {
        int n = requests.size();
        for (int i = 0; i < n; i++) {
            Request r = requests.get(i);
            CommandSpec spec = specs[i];
            int first = spec == null ? 0 : spec.keys().firstPosition(r);
            firstKeys[i] = first > 0 ? r.arg(first) : null;
            readsValue[i] = spec == null || !spec.keys().overwrites();
        }
        keyspace.prefetch(firstKeys, readsValue, n);
        Arrays.fill(firstKeys, 0, n, null);
    }

    /** Runs a task with the store to itself (active expiry, INFO, snapshots). */
    public <T> T exclusive(java.util.function.Supplier<T> task) {
        lock.lock();
        try {
            return task.get();
        } finally {
            lock.unlock();
        }
    }

    /**
     * @param spec the request's command, null when the table has none of that name
     * @return whether the command wrote (and was propagated)
     */
    private boolean executeOne(CommandSpec spec, Request request, Session session, RespWriter out) {
        Transaction tx = applying || execing ? null : session.transaction();
        String refusal = refusal(spec, request, session, tx != null);
        if (refusal != null) {
            if (spec == Commands.EXEC) {
                // execCommandAbort: the transaction goes, and the reason is told (without rejectCommandFormat's ERR).
                session.endTransaction();
                watched.unwatch(session);
                refusal = "EXECABORT Transaction discarded because of: " + (refusal.startsWith("ERR ")
                        ? refusal.substring(4) : refusal);
            } else if (tx != null) {
                tx.abort(); // flagTransaction
            }
            if (spec != null) {
                stats.rejected(spec);
            }
            error(out, refusal);
            return false;
        }
        if (tx != null && !Transaction.runsAtOnce(spec)) {
            tx.queue(spec, request);
            out.simple("QUEUED");
            return false;
        }
        Binding binding = bindings.get(spec);
        boolean propagated = spec.isWrite() && propagation != null && !applying;
        // A read that may change its value (PFCOUNT caching a cardinality) reaches replicas from a
        // primary when it did; a replica runs it for itself.
        boolean mayPropagate = !propagated && spec.is(CommandFlag.MAY_REPLICATE) && propagation != null && !applying
                && !ScriptCommands.RUN_SCRIPTS.contains(spec) && propagation.refuseWrite() == null;
        if (propagated || mayPropagate) {
            propagation.beforeWrite(spec, request);
        }
        if (!watched.isEmpty() && (spec == Commands.FLUSHALL || spec == Commands.FLUSHDB)) {
            watched.touchThoseThatExist(); // touchAllWatchedKeysInDb
        }
        boolean notifies = keyspaceEvents != null && keyspaceEvents.watches(spec);
        long existedBefore = notifies ? keyspaceEvents.existing(spec, request) : 0;
        int mark = out.size();
        long start;
        if (applying) {
            appliedStats.running(spec); // the time of the clock is the frame's (apply)
            start = 0;
        } else {
            if (scriptRun == null) {
                keyspace.beginCommand(); // a script's commands all see the clock of its start, as in Redis
            }
            start = System.nanoTime();
        }
        running++;
        try {
            binding.handler.handle(request, out, session);
        } catch (ErrorReply e) {
            out.truncate(mark);
            out.error(e.getMessage());
        } catch (RuntimeException | OutOfMemoryError | StackOverflowError e) {
            out.truncate(mark);
            log.warn("Command {} failed: {}", spec.name(), e.toString());
            out.error("ERR " + (e instanceof OutOfMemoryError ? "out of memory" : "internal error"));
        } finally {
            running--;
        }
        // As Redis's call(): counted once run, so rejected commands and this very INFO are not; a
        // command that blocked counts when it is served (updateStatsOnUnblock), and wrote nothing yet.
        boolean failed = out.size() > mark && out.byteAt(mark) == '-';
        boolean blocked = session.isBlocking();
        if (applying) {
            if (failed) {
                appliedStats.failed();
            }
        } else if (!blocked) {
            pendingStats.called(spec, System.nanoTime() - start, failed);
        }
        boolean replicated = !failed && !blocked && (propagated || mayPropagate && keyspace.hasReplicatedAs());
        if (!failed && !blocked && spec.isWrite() && !watched.isEmpty()) {
            watched.touchKeysOf(spec, request);
        }
        if (notifies && !failed && !blocked) {
            keyspaceEvents.after(spec, request, out, mark, existedBefore);
        }
        ModifiedKeys modified = modifiedKeys;
        if (modified != null && modified.wanted() && !failed && !blocked && spec.isWrite()) {
            if (spec == Commands.FLUSHALL || spec == Commands.FLUSHDB) {
                modified.flushed();
            } else {
                modified.written(spec, request);
            }
        }
        if (session.isResp3() && !applying && scriptRun == null && !blocked && !failed) {
            // A script's redis.call sees RESP2, whatever its client speaks; the script's reply is converted.
            out.toResp3(mark, Resp3Shapes.of(spec, request));
        }
        if (execWrote && running == 0) {
            execWrote = false;
            return true; // EXEC, a script, SCRIPT LOAD: what they replicated went into the stream on its own
        }
        if (failed) {
            countError(out, mark);
        } else if (replicated) {
            if (execing && !multiPropagated) {
                propagation.transactionMarker(MULTI_MARKER);
                multiPropagated = true;
            }
            propagation.afterWrite(spec, request);
        }
        return replicated;
    }

    /**
     * Why processCommand would refuse the request, in its order (unknown command, arity, NOAUTH,
     * the key-ownership fence, maxmemory, a replica's refusal of writes), or null to run it. Inside
     * MULTI, while used memory stays above maxmemory, every command is refused, not only DENYOOM
     * ones: queuing takes memory too.
     */
    private String refusal(CommandSpec spec, Request request, Session session, boolean queuing) {
        if (spec == null) {
            return CommandErrors.unknownCommand(request);
        }
        String arityError = CommandErrors.checkArity(spec, request.argc());
        if (arityError != null) {
            return arityError;
        }
        // processCommand's authRequired: after the arity check, before anything touches the store. The
        // cluster's own sessions (a replica applying its stream, keys a migration moves) are not clients.
        if (connection != null && !applying && !session.isInternal() && connection.authRequired(session, spec)) {
            return ConnectionCommands.NOAUTH;
        }
        if (applying) {
            return null;
        }
        if (guard != null && !session.isInternal() && spec.keys().hasKeys() && !spec.is(CommandFlag.PUBSUB)) {
            String redirect = guard.check(spec, request);
            if (redirect != null) {
                return redirect;
            }
        }
        if (scriptRun == null && !admittedUnderMaxmemory(spec, queuing && !Transaction.runsAtOnce(spec))) {
            return RespErrors.OOM;
        }
        if (spec.isWrite() && propagation != null) {
            String refused = propagation.refuseWrite();
            if (refused != null) {
                return refused;
            }
        }
        return PubSubCommands.refusal(spec, request, session);
    }

    /** MULTI, EXEC, DISCARD (multi.c), already past {@link #refusal}; EXEC tells what it wrote in {@link #execWrote}. Under lock. */
    private void transactionCommand(CommandSpec spec, Request request, Session session, RespWriter out) {
        Transaction tx = session.transaction();
        if (spec == Commands.WATCH) {
            watch(request, session, out, tx);
            return;
        }
        if (spec == Commands.UNWATCH) {
            watched.unwatch(session);
            out.ok();
            return;
        }
        if (spec == Commands.MULTI) {
            if (tx != null) {
                out.error(RespErrors.MULTI_NESTED);
            } else {
                session.beginTransaction();
                out.ok();
            }
            return;
        }
        if (tx == null) {
            out.error(spec == Commands.EXEC ? RespErrors.EXEC_WITHOUT_MULTI : RespErrors.DISCARD_WITHOUT_MULTI);
            return;
        }
        session.endTransaction();
        boolean changed = watched.changed(session);
        watched.unwatch(session);
        if (spec == Commands.DISCARD) {
            out.ok();
            return;
        }
        if (tx.isAborted()) {
            out.error(RespErrors.EXECABORT);
            return;
        }
        if (changed) {
            out.nullArray(); // a watched key changed: nothing runs (optimistic locking)
            return;
        }
        String refusal = execRefusal(tx);
        if (refusal != null) {
            out.error("EXECABORT Transaction discarded because of: " + refusal);
            return;
        }
        boolean wrote = exec(tx, session, out);
        execWrote |= wrote; // after exec: a script inside it may have set the flag too
    }

    /** WATCH key [key ...]: outside MULTI only. Under lock. */
    private void watch(Request request, Session session, RespWriter out, Transaction tx) {
        if (tx != null) {
            out.error(RespErrors.WATCH_INSIDE_MULTI);
            return;
        }
        for (int i = 1; i < request.argc(); i++) {
            if (watched.watch(session, request.arg(i))) {
                session.onClose(() -> {
                    lock.lock();
                    try {
                        watched.unwatch(session);
                    } finally {
                        lock.unlock();
                    }
                });
            }
        }
        out.ok();
    }

    /**
     * What processCommand refuses EXEC for with the flags of the commands queued: a write on a
     * replica (or a primary short of replicas), a DENYOOM command while memory stays above maxmemory.
     */
    private String execRefusal(Transaction tx) {
        boolean writes = false;
        boolean denyOom = false;
        for (CommandSpec queued : tx.specs()) {
            writes |= queued.isWrite();
            denyOom |= queued.is(CommandFlag.DENYOOM);
        }
        if (writes && propagation != null && propagation.refuseWrite() != null) {
            return propagation.refuseWrite();
        }
        if (denyOom && !eviction.makeRoom()) {
            return RespErrors.OOM;
        }
        return null;
    }

    /**
     * Runs the queued commands one after another under the store's lock, as one: no other client's
     * command runs between them, and their writes reach replicas between MULTI and EXEC. A blocking
     * command answers at once, as if it had timed out (Redis's CLIENT_DENY_BLOCKING).
     */
    private boolean exec(Transaction tx, Session session, RespWriter out) {
        List<Request> requests = tx.requests();
        out.array(requests.size());
        boolean[] wrote = {false};
        atomically(() -> {
            for (int i = 0; i < requests.size(); i++) {
                wrote[0] |= runAtOnce(tx.specs().get(i), requests.get(i), session, out);
                // No serveReady() here: clients blocked on a key the transaction fills are served
                // after EXEC, so they never see the transaction half done.
            }
        });
        return wrote[0];
    }

    /**
     * Runs a command of a transaction or a script: a blocking command answers at once, as if it had
     * timed out (Redis's CLIENT_DENY_BLOCKING). Under lock.
     *
     * @return whether it wrote
     */
    private boolean runAtOnce(CommandSpec spec, Request request, Session session, RespWriter out) {
        boolean wrote = executeOne(spec, request, session, out);
        if (session.takeBlocking() != null) {
            nil(session, out, !(spec == Commands.BLMOVE || spec == Commands.BRPOPLPUSH));
        }
        return wrote;
    }

    /** A nil reply: RESP3's null, or RESP2's nil array or nil bulk. */
    private static void nil(Session session, RespWriter out, boolean array) {
        if (session.isResp3()) {
            out.raw(RESP3_NULL);
        } else if (array) {
            out.nullArray();
        } else {
            out.nullBulk();
        }
    }

    private static final byte[] RESP3_NULL = {'_', '\r', '\n'};

    /**
     * Runs body's commands as one unit in the replication stream: MULTI before the first write,
     * EXEC after the last, so that a replica applies all or none. Nested (a script in EXEC), the
     * outer unit holds them. Under lock.
     */
    private void atomically(Runnable body) {
        if (execing) {
            body.run();
            return;
        }
        execing = true;
        multiPropagated = false;
        try {
            body.run();
        } finally {
            execing = false;
            if (multiPropagated) {
                propagation.transactionMarker(EXEC_MARKER);
                multiPropagated = false;
            }
        }
    }

    /** What scripts ask of this store: their commands run here, under scriptCall's rules. Under lock. */
    private final class Scripting implements ScriptHost {

        private final RespWriter replies = new RespWriter(256);

        @Override
        public byte[] call(ScriptRun run, Request request) {
            replies.reset();
            CommandSpec spec = table.lookup(request.arg(0));
            String refusal = scriptRefusal(spec, request, run);
            if (refusal != null) {
                replies.error(refusal);
            } else {
                run.replicated(runAtOnce(spec, request, run.session(), replies));
                if (spec.isWrite() && replies.size() > 0 && replies.byteAt(0) != '-') {
                    run.wroteData();
                }
            }
            return replies.toByteArray();
        }

        /** scriptCall's checks, in its order; then the dispatcher's own (NOAUTH cannot happen, the client ran EVAL). */
        private String scriptRefusal(CommandSpec spec, Request request, ScriptRun run) {
            if (spec == null) {
                return ScriptErrors.UNKNOWN_COMMAND;
            }
            if (!spec.arityAccepts(request.argc())) {
                return ScriptErrors.WRONG_ARITY;
            }
            if (spec.is(CommandFlag.NOSCRIPT)) {
                return ScriptErrors.NOT_ALLOWED;
            }
            if (spec.isWrite()) {
                if (run.readOnly()) {
                    return ScriptErrors.WRITE_IN_READ_ONLY;
                }
                String refusal = propagation == null ? null : propagation.refuseWrite();
                if (refusal != null) {
                    return refusal;
                }
            }
            if (run.denyOom() && spec.is(CommandFlag.DENYOOM)) {
                return RespErrors.OOM;
            }
            if (guard != null && spec.keys().hasKeys() && guard.check(spec, request) != null) {
                return ScriptErrors.NON_LOCAL_KEY;
            }
            return null;
        }

        @Override
        public void atomically(ScriptRun run, Runnable body) {
            scriptRun = run;
            try {
                CommandDispatcher.this.atomically(body);
            } finally {
                scriptRun = null;
            }
            if (run.replicated()) {
                execWrote = true; // the EVAL's batch waits for replicas as a write does
            }
        }

        @Override
        public String refuseWrites() {
            // A replica applying its primary's stream (FUNCTION LOAD ...) is not a client writing.
            return propagation == null || applying ? null : propagation.refuseWrite();
        }

        @Override
        public boolean outOfMemory() {
            return !eviction.makeRoom();
        }

        @Override
        public void propagate(Request request) {
            if (propagation != null && !applying && propagation.refuseWrite() == null) {
                propagation.transactionMarker(request);
                execWrote = true; // replicas know the script before its client hears back
            }
        }
    }

    /** Every cached script as SCRIPT LOAD and every function library as FUNCTION LOAD, for a replica's full sync. Under lock. */
    public void encodeScripts(RespWriter out) {
        for (byte[] body : scripts.bodies()) {
            out.array(3).bulk("SCRIPT").bulk("LOAD").bulk(body);
        }
        for (byte[] code : scripts.libraryCodes()) {
            out.array(4).bulk("FUNCTION").bulk("LOAD").bulk("REPLACE").bulk(code);
        }
    }

    /** The scripts of this store (INFO, CONFIG busy-reply-threshold). */
    public ScriptEngine scripts() {
        return scripts;
    }

    /**
     * processCommand's maxmemory step: before any command, evict down to maxmemory; when that
     * fails, refuse the commands that may grow memory (DENYOOM) and run the rest. A replica skips
     * it (Redis's replica-ignore-maxmemory): its primary's evictions reach it as DELs.
     */
    private boolean admittedUnderMaxmemory(CommandSpec spec, boolean queued) {
        if (propagation != null && propagation.refuseWrite() != null) {
            return true;
        }
        return eviction.makeRoom() || !(queued || spec.is(CommandFlag.DENYOOM));
    }

    private void error(RespWriter out, String message) {
        int mark = out.size();
        out.error(message);
        countError(out, mark);
    }

    /** Errorstats count by the first word of the error, as Redis 7 does (ERR, WRONGTYPE, ...). */
    private void countError(RespWriter out, int mark) {
        stats.error(out.errorPrefix(mark));
    }

    /** Calls, time and errors by command, for INFO and metrics. */
    public CommandStats stats() {
        return stats;
    }

    public CommandTable table() {
        return table;
    }

    /** maxmemory, the policy and the eviction counters of this store. */
    public Eviction eviction() {
        return eviction;
    }
}
