package io.kvcache.slave.compat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Set;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Proves the oracle itself: two real redis-servers fed the same stream must never differ. A difference
 * here is a bug in the generator (a timing- or randomness-dependent command) or in the comparison rules,
 * never a reason to loosen them.
 */
class RedisDifferentialSelfTests {

    @RegisterExtension
    static final RedisServerProcess REFERENCE = new RedisServerProcess();

    @RegisterExtension
    static final RedisServerProcess SECOND_REFERENCE = new RedisServerProcess();

    /** Every command the generator must exercise, each (but the unknown FOOBAR) with at least one success. */
    private static final Set<String> REQUIRED_COMMANDS = Set.of("PING", "ECHO", "TYPE", "EXISTS", "DEL", "UNLINK",
            "SET", "SETNX", "SETEX", "PSETEX", "GET", "GETSET", "GETDEL", "GETEX", "MGET", "MSET", "MSETNX", "INCR",
            "INCRBY", "INCRBYFLOAT", "DECR", "DECRBY", "APPEND", "STRLEN", "GETRANGE", "SUBSTR", "SETRANGE", "EXPIRE",
            "PEXPIRE", "EXPIREAT", "PEXPIREAT", "TTL", "PTTL", "EXPIRETIME", "PEXPIRETIME", "PERSIST", "RENAME",
            "RENAMENX", "KEYS", "SCAN", "LPUSH", "RPUSH", "LPUSHX", "RPUSHX", "LPOP", "RPOP", "LLEN", "LRANGE",
            "LINDEX", "LSET", "LINSERT", "LTRIM", "LREM", "LPOS", "RPOPLPUSH", "LMOVE", "SELECT", "FOOBAR");

    @Test
    void twoRedisServersAnswerTheGeneratedStreamIdentically() {
        DifferentialSettings settings = DifferentialSettings.fromSystemProperties();

        List<DifferentialResult> results = DifferentialRunner.run(REFERENCE.address(), SECOND_REFERENCE.address(), settings);

        results.forEach(result -> System.out.println(result + "\n" + result.coverage()));
        assertThat(results).hasSize(settings.seeds().size());
        assertThat(results.stream().mapToLong(DifferentialResult::commands).sum())
                .isGreaterThanOrEqualTo(settings.totalCommands());
        if (settings.commandsPerSeed() >= 10_000) { // short replays are too short for coverage
            for (DifferentialResult result : results) {
                for (String command : REQUIRED_COMMANDS) {
                    int sent = result.sentByCommand().getOrDefault(command, 0);
                    int failed = result.errorsByCommand().getOrDefault(command, 0);
                    assertThat(sent).as("%s sent with seed %d", command, result.seed()).isPositive();
                    if (!command.equals("FOOBAR")) {
                        assertThat(sent - failed).as("%s succeeded with seed %d", command, result.seed()).isPositive();
                    }
                }
                // Errors are wanted (about 40%: wrong types are frequent on a key space this small, with six
                // types sharing it), but a stream made mostly of errors would prove little.
                assertThat(result.errorReplies()).as("seed %d", result.seed()).isLessThan(result.commands() * 9 / 20);
            }
        }
    }

    @Test
    void aDifferenceFailsWithTheSeedTheCommandBothRepliesAndHowToReplayIt() {
        // A redis-server without LPOS answers "unknown command" where the reference answers the command.
        try (RedisServerProcess withoutLpos = RedisServerProcess.start("--rename-command", "LPOS", "")) {
            assertThatThrownBy(() -> DifferentialRunner.run(REFERENCE.address(), withoutLpos.address(), 7, 20_000))
                    .isInstanceOf(AssertionError.class)
                    .hasMessageContaining("seed:      7")
                    .hasMessageMatching("(?s).*command:   \"[Ll][Pp][Oo][Ss]\".*")
                    .hasMessageContaining("candidate: -ERR unknown command")
                    .hasMessageContaining("commands before it")
                    .hasMessageContaining("-Dkvcache.diff.seed=7 -Dkvcache.diff.commands=");
        }
    }
}
