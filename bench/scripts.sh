#!/usr/bin/env bash
# EVALSHA of a cached 5-command script on one kvcache slave beside one redis-server, measured with
# redis-benchmark (issue 20's bar: throughput beside redis-server).
#
# The script is a rate limiter's shape: INCR a counter, EXPIRE it, HSET and HINCRBY a hash, GET the
# counter; keys are random (-r). Both servers load it with SCRIPT LOAD; every run calls EVALSHA.
# Runs alternate (slave, redis, slave, redis, ...) so the noise of a shared machine falls on both;
# the table gives medians, the ratio, and each server's CPU time per call (user + system, from
# /proc/PID/stat). INCR runs beside it as the cost of one plain command, so the table also says
# what a script call costs over five plain commands.
#
# Environment (all optional):
#   JAR=path            slave jar (default: cache-slave/target/cache-slave-*-exec.jar, built if missing)
#   ROUNDS=3            runs per server and pipeline depth
#   REQUESTS=100000     requests per run at -P 1 (x 8 when pipelined)
#   CLIENTS=50          redis-benchmark -c
#   PIPELINES="1 16"    redis-benchmark -P values
#   KEYSPACE=10000      redis-benchmark -r
#   SLAVE_JAVA_OPTS="-Xms1g -Xmx1g"
set -euo pipefail

# shellcheck source=bench/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

ROUNDS="${ROUNDS:-3}"
REQUESTS="${REQUESTS:-100000}"
REQUESTS_PIPELINED="${REQUESTS_PIPELINED:-$((REQUESTS * 8))}"
WARMUP_REQUESTS="${WARMUP_REQUESTS:-$REQUESTS}"
CLIENTS="${CLIENTS:-50}"
PIPELINES="${PIPELINES:-1 16}"
KEYSPACE="${KEYSPACE:-10000}"
SLAVE_JAVA_OPTS="${SLAVE_JAVA_OPTS:--Xms1g -Xmx1g}"

SCRIPT="local n = redis.call('incr', KEYS[1]) redis.call('expire', KEYS[1], 60) \
redis.call('hset', KEYS[2], 'last', ARGV[1]) redis.call('hincrby', KEYS[2], 'count', 1) \
return redis.call('get', KEYS[1])"

bench_init
jar="$(slave_jar)"
SLAVE_ARGS=()
read -r -a slave_java_opts <<<"$SLAVE_JAVA_OPTS"
read -r -a pipelines <<<"$PIPELINES"

slave_port="$(free_port)"
redis_port="$(free_port)"
start_slave "$jar" "$slave_port" "${slave_java_opts[@]}"
start_redis "$redis_port"

sha="$(redis-cli -h 127.0.0.1 -p "$redis_port" script load "$SCRIPT")"
[[ "$(redis-cli -h 127.0.0.1 -p "$slave_port" script load "$SCRIPT")" == "$sha" ]] || die "the slave's digest differs"
CLK_TCK="$(getconf CLK_TCK)"

# run PORT PID TEST PIPELINE REQUESTS -> "rps p50_ms server_cpu_us_per_request"
run() {
    local port="$1" pid="$2" test="$3" pipeline="$4" n="$5" command=() out before after
    if [[ "$test" == EVALSHA ]]; then
        command=(EVALSHA "$sha" 2 "rate:__rand_int__" "meta:__rand_int__" now)
    else
        command=(INCR "counter:__rand_int__")
    fi
    before="$(cpu_ticks "$pid")"
    out="$(redis-benchmark -h 127.0.0.1 -p "$port" -c "$CLIENTS" -n "$n" -P "$pipeline" -r "$KEYSPACE" --csv \
        "${command[@]}" 2>/dev/null)"
    after="$(cpu_ticks "$pid")"
    awk -F, -v cpu_us="$(((after - before) * 1000000 / CLK_TCK))" -v n="$n" '
        { gsub(/"/, "") }
        NR == 1 { for (i = 1; i <= NF; i++) col[$i] = i; next }
        NR == 2 { printf "%s %s %.3f\n", $col["rps"], $col["p50_latency_ms"], cpu_us / n; found = 1 }
        END { if (!found) exit 1 }' <<<"$out" || die "could not parse redis-benchmark output: $out"
}

log "warm-up (discarded)"
for pipeline in "${pipelines[@]}"; do
    for test in EVALSHA INCR; do
        run "$slave_port" "$SLAVE_PID" "$test" "$pipeline" "$WARMUP_REQUESTS" >/dev/null
        run "$redis_port" "$REDIS_PID" "$test" "$pipeline" "$WARMUP_REQUESTS" >/dev/null
    done
done

declare -A rps p50 cpu
for pipeline in "${pipelines[@]}"; do
    n="$(requests_for "$pipeline")"
    for round in $(seq 1 "$ROUNDS"); do
        for test in EVALSHA INCR; do
            for target in slave redis; do
                if [[ "$target" == slave ]]; then port="$slave_port" pid="$SLAVE_PID"; else port="$redis_port" pid="$REDIS_PID"; fi
                read -r r l c < <(run "$port" "$pid" "$test" "$pipeline" "$n")
                log "$(printf '%-5s %-7s -P %-2s round %s: %10s rps  p50 %s ms  server CPU %s us/call' \
                    "$target" "$test" "$pipeline" "$round" "$r" "$l" "$c")"
                rps["$test/$pipeline/$target"]+="$r "
                p50["$test/$pipeline/$target"]+="$l "
                cpu["$test/$pipeline/$target"]+="$c "
            done
        done
    done
done

echo "slave: $(basename "$jar"); redis-benchmark -c $CLIENTS -r $KEYSPACE, $ROUNDS rounds per cell, alternating"
echo "script ($sha): $SCRIPT"
echo
echo "| command | -P | redis rps | slave rps | slave/redis | redis p50 ms | slave p50 ms | redis CPU us/call | slave CPU us/call |"
echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|"
for pipeline in "${pipelines[@]}"; do
    for test in EVALSHA INCR; do
        # shellcheck disable=SC2086 # space-separated numbers
        awk -v t="$test" -v p="$pipeline" -v rr="$(median ${rps["$test/$pipeline/redis"]})" \
            -v sr="$(median ${rps["$test/$pipeline/slave"]})" -v rl="$(median ${p50["$test/$pipeline/redis"]})" \
            -v sl="$(median ${p50["$test/$pipeline/slave"]})" -v rc="$(median ${cpu["$test/$pipeline/redis"]})" \
            -v sc="$(median ${cpu["$test/$pipeline/slave"]})" 'BEGIN {
                printf "| %s | %s | %.0f | %.0f | %.3f | %s | %s | %.2f | %.2f |\n", t, p, rr, sr, sr / rr, rl, sl, rc, sc
            }'
    done
done
