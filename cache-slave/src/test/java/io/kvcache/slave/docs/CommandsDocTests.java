package io.kvcache.slave.docs;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.stream.Collectors;

import org.junit.jupiter.api.Test;

import io.kvcache.command.CommandFlag;
import io.kvcache.command.CommandSpec;
import io.kvcache.command.CommandTable;
import io.kvcache.command.KeySpec;

/**
 * docs/commands.md is generated from the one command table, so it cannot drift: this test fails
 * when the file differs from the table; {@code -Dkvcache.docs.write=true} rewrites it.
 */
class CommandsDocTests {

    private static final Path DOC = Path.of("..", "docs", "commands.md");

    /** Where kvcache answers differently from Redis 7.0, on purpose. */
    private static final Map<String, String> NOTES = Map.ofEntries(
            Map.entry("lrem", "`LREM key value` (2 arguments) removes the first occurrence, as the seed defines;"
                    + " `LREM key count value` is Redis's."),
            Map.entry("select", "Only database 0: other indexes answer `-ERR SELECT is not allowed in cluster mode`,"
                    + " as Redis Cluster."),
            Map.entry("hello", "RESP2 and RESP3: after `HELLO 3` replies take Redis 7.0's RESP3 shapes (maps, sets,"
                    + " doubles, nulls, verbatim strings, pushes; docs/pubsub.md); `mode` is `cluster`."),
            Map.entry("command", "COMMAND, COUNT, LIST, INFO, GETKEYS, HELP; `COMMAND DOCS` answers an empty list."),
            Map.entry("client", "SETNAME, GETNAME, ID, INFO, LIST, UNBLOCK (TIMEOUT or ERROR), KILL (old form and"
                    + " filters ID ADDR LADDR USER SKIPME TYPE MAXAGE), REPLY ON|OFF|SKIP, SETINFO, NO-EVICT and NO-TOUCH"
                    + " (accepted), HELP; through the master, its own clients; on the master also TRACKING, CACHING,"
                    + " GETREDIR, TRACKINGINFO (docs/pubsub.md), PAUSE (WRITE or ALL; CLIENT itself still runs) and"
                    + " UNPAUSE."),
            Map.entry("info", "Sections server, clients, memory, persistence, stats, replication, cpu, modules,"
                    + " commandstats, errorstats, cluster, keyspace. On the master: the cluster's keyspace."),
            Map.entry("readonly", "Accepted (OK); reads from replicas come with replication."),
            Map.entry("publish", "Through the master: to the shard owning the channel's hash; answers how many of the"
                    + " master's own clients receive it, as a Redis Cluster node (docs/pubsub.md)."),
            Map.entry("pubsub", "Of the server asked: through the master, its own clients' subscriptions."),
            Map.entry("role", "`master`, offset 0 and no replicas: the master answers as a Redis Cluster primary;"
                    + " a slave's replicas follow it over REST, not as Redis replicas."),
            Map.entry("wait", "Through the master: the fewest replicas in sync over the shards (a write acknowledged"
                    + " with ack=replicas is on all of them), waiting up to the timeout for more; a slave answers 0."),
            Map.entry("cluster", "On the master: SLOTS, SHARDS, NODES, INFO, MYID, KEYSLOT, HELP, as a one-node"
                    + " Redis Cluster serving every slot; a slave answers `-ERR This instance has cluster support"
                    + " disabled`."),
            Map.entry("eval", "The declared keys on one shard (else `-CROSSSLOT`), run on its primary under the store's lock, "
                    + "replicated as its effects between MULTI and EXEC; LuaJ 3.0.1, Redis 7.0's sandbox and errors "
                    + "(docs/scripting.md)."),
            Map.entry("evalsha", "As EVAL; a script cached on a primary is known to its replicas (stream and full sync), "
                    + "so EVALSHA finds it after a failover."),
            Map.entry("script", "Through the master: on every shard. LOAD, EXISTS, FLUSH (ASYNC or SYNC), KILL (past "
                    + "`busy-reply-threshold` others get `-BUSY`), HELP; no DEBUG."),
            Map.entry("fcall", "As EVAL, for a function FUNCTION LOAD registered (docs/scripting.md)."),
            Map.entry("function", "Through the master: on every shard. LOAD, DELETE, FLUSH, LIST (libraries in name "
                    + "order), DUMP and RESTORE (Redis 7.0's payload), STATS (no running function shown), KILL, HELP."),
            Map.entry("multi", "Through the master: every key of the transaction on one shard, else `-CROSSSLOT`"
                    + " and EXEC answers EXECABORT; commands over all shards (DBSIZE, KEYS, FLUSHALL, CONFIG ...)"
                    + " answer `-ERR Command not allowed inside a transaction`."),
            Map.entry("watch", "Through the master: the client's watch and its EXEC go over a link of its own to the"
                    + " keys' shard primary; keys on two shards `-CROSSSLOT`; during a rebalance `-TRYAGAIN`. A key"
                    + " counts as changed by any write command naming it, even one that left it as it was."),
            Map.entry("exec", "Runs on the keys' shard primary as one unit, replicated between MULTI and EXEC;"
                    + " during a rebalance `-EXECABORT ... TRYAGAIN ...`: send it again."),
            Map.entry("rename", "Through the master: across shards `-CROSSSLOT` (as Redis Cluster); use {tags}."),
            Map.entry("renamenx", "Through the master: across shards `-CROSSSLOT` (as Redis Cluster); use {tags}."),
            Map.entry("msetnx", "Through the master: atomic within a shard; across shards `-CROSSSLOT`."),
            Map.entry("mset", "Through the master: split per shard; atomic within each shard only."),
            Map.entry("rpoplpush", "Through the master, across shards: pop, push, put back on failure (docs/master.md)."),
            Map.entry("lmove", "Through the master, across shards: pop, push, put back on failure (docs/master.md)."),
            Map.entry("scan", "Cursors are kvcache's own (the master's carry the shard being walked);"
                    + " guarantees as Redis's."),
            Map.entry("copy", "One database, as Redis Cluster: `DB` other than 0 answers Redis Cluster's error;"
                    + " through the master, across shards `-CROSSSLOT`."),
            Map.entry("sscan", "Every member in one reply with cursor 0, as Redis answers for an intset."),
            Map.entry("smembers", "Sorted by value while every member is an integer (and at most 512), as Redis's"
                    + " intset; else insertion order, where Redis's is its hashtable's."),
            Map.entry("smove", "Through the master: across shards `-CROSSSLOT` (as Redis Cluster); use {tags}."),
            Map.entry("sinter", "Through the master: across shards `-CROSSSLOT` (as Redis Cluster); use {tags}."),
            Map.entry("sinterstore", "Through the master: across shards `-CROSSSLOT` (as Redis Cluster); use {tags}."),
            Map.entry("sunion", "Through the master: across shards `-CROSSSLOT` (as Redis Cluster); use {tags}."),
            Map.entry("sunionstore", "Through the master: across shards `-CROSSSLOT` (as Redis Cluster); use {tags}."),
            Map.entry("sdiff", "Through the master: across shards `-CROSSSLOT` (as Redis Cluster); use {tags}."),
            Map.entry("sdiffstore", "Through the master: across shards `-CROSSSLOT` (as Redis Cluster); use {tags}."),
            Map.entry("zrange", "BY rank, BYSCORE, BYLEX (as Redis where Redis defines it: equal scores), REV, LIMIT,"
                    + " WITHSCORES; the order is a red-black tree's, so a rank costs O(rank)."),
            Map.entry("zrank", "O(rank) (a red-black tree, not Redis's skiplist with spans)."),
            Map.entry("hscan", "Every field in one reply with cursor 0, as Redis answers for a listpack hash."),
            Map.entry("hgetall", "Fields in insertion order, as Redis's listpack (up to 128 fields of 64 bytes);"
                    + " Redis's order for larger hashes is its dict's."));

    @Test
    void commandsDocIsGeneratedFromTheCommandTable() throws IOException {
        String expected = render(CommandTable.standard());
        if (Boolean.getBoolean("kvcache.docs.write")) {
            Files.writeString(DOC, expected, StandardCharsets.UTF_8);
        }
        assertThat(Files.readString(DOC, StandardCharsets.UTF_8))
                .as("docs/commands.md is stale: run ./mvnw -pl cache-slave test -Dtest=CommandsDocTests"
                        + " -Dkvcache.docs.write=true")
                .isEqualTo(expected);
    }

    static String render(CommandTable table) {
        StringBuilder sb = new StringBuilder();
        sb.append("# Commands\n\n")
                .append("Generated from the command table (`cache-common/.../command/Commands.java`) by\n")
                .append("`CommandsDocTests`; do not edit by hand. Arity counts the command name; a negative\n")
                .append("arity means \"at least\". Keys are Redis's (first, last, step), then as many as the argument\n")
                .append("\"numkeys at\" says, right after it; the policies say how the\n")
                .append("master routes and merges the command. Replies match Redis 7.0.15 byte for byte except\n")
                .append("where a note says otherwise.\n\n")
                .append("| command | arity | flags | keys | request policy | response policy | notes |\n")
                .append("| --- | --- | --- | --- | --- | --- | --- |\n");
        for (CommandSpec spec : table.specs()) {
            String flags = java.util.Arrays.stream(CommandFlag.values()).filter(spec::is)
                    .map(CommandFlag::redisName).collect(Collectors.joining(" "));
            KeySpec k = spec.keys();
            String keys = !k.hasKeys() ? ""
                    : (k.first() > 0 ? k.first() + ", " + k.last() + ", " + k.step() : "")
                    + (k.first() > 0 && k.movable() ? "; " : "")
                    + (k.movable() ? "numkeys at " + k.numkeysAt() : "");
            sb.append("| ").append(spec.name().toUpperCase(java.util.Locale.ROOT))
                    .append(" | ").append(spec.arity())
                    .append(" | ").append(flags)
                    .append(" | ").append(keys)
                    .append(" | ").append(spec.requestPolicy().name().toLowerCase(java.util.Locale.ROOT))
                    .append(" | ").append(spec.responsePolicy().name().toLowerCase(java.util.Locale.ROOT))
                    .append(" | ").append(NOTES.getOrDefault(spec.name(), ""))
                    .append(" |\n");
        }
        sb.append("\n").append(table.specs().size()).append(" commands.\n");
        return sb.toString();
    }
}
