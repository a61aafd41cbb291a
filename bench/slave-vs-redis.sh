#!/usr/bin/env bash
# Throughput of one kvcache slave against one redis-server, measured with redis-benchmark.
#
# Starts both servers on free loopback ports, warms both up (the slave's JIT above all) with
# a discarded pass over every test, then for every test and pipeline depth runs redis-benchmark
# ROUNDS times against each server, alternating (slave, redis, slave, redis, ...) so that the
# noise of a shared machine falls on both alike, and prints the medians.
#
# Environment (all optional):
#   JAR=path                 slave jar (default: cache-slave/target/cache-slave-*-exec.jar,
#                            built if missing)
#   ROUNDS=3                 runs per server, test and pipeline depth
#   REQUESTS=200000          requests per run at -P 1
#   REQUESTS_PIPELINED=...   requests per run at -P > 1 (default 8 x REQUESTS)
#   WARMUP_REQUESTS=...      requests per test in the discarded warm-up (default REQUESTS / 2,
#                            x 8 when pipelined)
#   CLIENTS=50               redis-benchmark -c
#   PIPELINES="1 16"         redis-benchmark -P values
#   TESTS="SET GET INCR LPUSH RPOP"
#   KEYSPACE=100000          redis-benchmark -r for SET and GET
#   IO_THREADS=0            the slave's I/O threads (--kvcache.slave.io-threads; 0: half the cores)
#   SLAVE_JAVA_OPTS="-Xms1g -Xmx1g"   JVM options of the slave (default GC: G1)
#   RAW_CSV=path             also write every run as CSV (target,test,pipeline,round,rps,p50)
#
# Output: a Markdown table on stdout; progress and every single run on stderr. Besides the
# throughput and the p50 latency, every run records the CPU time (user + system, from
# /proc/PID/stat) the server process used during the run, per request: a figure less sensitive
# than throughput to the noise of a shared machine.
set -euo pipefail

# shellcheck source=bench/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

ROUNDS="${ROUNDS:-3}"
REQUESTS="${REQUESTS:-200000}"
REQUESTS_PIPELINED="${REQUESTS_PIPELINED:-$((REQUESTS * 8))}"
WARMUP_REQUESTS="${WARMUP_REQUESTS:-$((REQUESTS / 2))}"
CLIENTS="${CLIENTS:-50}"
PIPELINES="${PIPELINES:-1 16}"
TESTS="${TESTS:-SET GET INCR LPUSH RPOP}"
KEYSPACE="${KEYSPACE:-100000}"
IO_THREADS="${IO_THREADS:-0}"
SLAVE_JAVA_OPTS="${SLAVE_JAVA_OPTS:--Xms1g -Xmx1g}"
RAW_CSV="${RAW_CSV:-}"

[[ "$ROUNDS" =~ ^[1-9][0-9]*$ ]] || die "ROUNDS must be a positive integer"

bench_init
jar="$(slave_jar)"

SLAVE_ARGS=()
SLAVE_ARGS+=(--kvcache.slave.io-threads="$IO_THREADS")
read -r -a slave_java_opts <<<"$SLAVE_JAVA_OPTS"
read -r -a tests <<<"$TESTS"
read -r -a pipelines <<<"$PIPELINES"

slave_port="$(free_port)"
redis_port="$(free_port)"
start_slave "$jar" "$slave_port" "${slave_java_opts[@]}"
start_redis "$redis_port"

# RPOP pops from the list LPUSH fills ("mylist"): top it up so that every RPOP finds an element.
fill_list() { # PORT COUNT
    local port="$1" want="$2" have
    have="$(redis-cli -h 127.0.0.1 -p "$port" llen mylist)"
    if ((have < want)); then
        redis-benchmark -h 127.0.0.1 -p "$port" -c "$CLIENTS" -P 16 -t lpush -n $((want - have)) -q \
            >/dev/null 2>&1
    fi
}

CLK_TCK="$(getconf CLK_TCK)"

# run_benchmark PORT PID TEST PIPELINE REQUESTS -> "rps p50_ms server_cpu_us_per_request"
run_benchmark() {
    local port="$1" pid="$2" test="$3" pipeline="$4" n="$5" random=()
    if [[ "$test" == SET || "$test" == GET ]]; then
        random=(-r "$KEYSPACE")
    fi
    if [[ "$test" == RPOP ]]; then
        fill_list "$port" "$n"
    fi
    local out ticks_before ticks_after
    ticks_before="$(cpu_ticks "$pid")"
    out="$(redis-benchmark -h 127.0.0.1 -p "$port" -c "$CLIENTS" -n "$n" -P "$pipeline" \
        -t "${test,,}" "${random[@]}" --csv 2>/dev/null)"
    ticks_after="$(cpu_ticks "$pid")"
    awk -F, -v test="$test" -v cpu_us="$(((ticks_after - ticks_before) * 1000000 / CLK_TCK))" -v n="$n" '
        { gsub(/"/, "") }
        NR == 1 { for (i = 1; i <= NF; i++) col[$i] = i; next }
        toupper($1) == test {
            p50 = ("p50_latency_ms" in col) ? $col["p50_latency_ms"] : "-"
            printf "%s %s %.3f\n", $col["rps"], p50, cpu_us / n; found = 1
        }
        END { if (!found) exit 1 }' <<<"$out" || die "could not parse redis-benchmark output: $out"
}

log "warm-up (discarded): tests=${tests[*]} pipelines=${pipelines[*]}"
for test in "${tests[@]}"; do
    for pipeline in "${pipelines[@]}"; do
        n="$(requests_for "$pipeline" warmup)"
        run_benchmark "$slave_port" "$SLAVE_PID" "$test" "$pipeline" "$n" >/dev/null
        run_benchmark "$redis_port" "$REDIS_PID" "$test" "$pipeline" "$n" >/dev/null
    done
done

if [[ -n "$RAW_CSV" ]]; then
    echo "target,test,pipeline,round,rps,p50_ms,cpu_us_per_request" >"$RAW_CSV"
fi
load_before="$(cut -d' ' -f1-3 /proc/loadavg)"
declare -A rps p50 cpu
for test in "${tests[@]}"; do
    for pipeline in "${pipelines[@]}"; do
        n="$(requests_for "$pipeline")"
        for round in $(seq 1 "$ROUNDS"); do
            for target in slave redis; do
                if [[ "$target" == slave ]]; then
                    port="$slave_port" pid="$SLAVE_PID"
                else
                    port="$redis_port" pid="$REDIS_PID"
                fi
                read -r r l c < <(run_benchmark "$port" "$pid" "$test" "$pipeline" "$n")
                log "$(printf '%-5s %-5s -P %-2s round %s: %10s rps  p50 %s ms  server CPU %s us/request' \
                    "$target" "$test" "$pipeline" "$round" "$r" "$l" "$c")"
                rps["$test/$pipeline/$target"]+="$r "
                p50["$test/$pipeline/$target"]+="$l "
                cpu["$test/$pipeline/$target"]+="$c "
                if [[ -n "$RAW_CSV" ]]; then
                    echo "$target,$test,$pipeline,$round,$r,$l,$c" >>"$RAW_CSV"
                fi
            done
        done
    done
done
load_after="$(cut -d' ' -f1-3 /proc/loadavg)"

echo "slave: $(basename "$jar"), io threads: $IO_THREADS, java options: $SLAVE_JAVA_OPTS"
echo "redis-benchmark -c $CLIENTS, -n $REQUESTS (-P 1) / $REQUESTS_PIPELINED (pipelined), -r $KEYSPACE for SET/GET;" \
    "$ROUNDS rounds per cell, alternating slave/redis; load average before $load_before, after $load_after"
echo
echo "| test | -P | redis rps (median) | slave rps (median) | slave/redis | goal | meets goal | redis p50 ms | slave p50 ms | redis CPU us/req | slave CPU us/req |"
echo "|---|---:|---:|---:|---:|---:|---|---:|---:|---:|---:|"
for test in "${tests[@]}"; do
    for pipeline in "${pipelines[@]}"; do
        # shellcheck disable=SC2086 # the values are space-separated numbers
        {
            redis_rps="$(median ${rps["$test/$pipeline/redis"]})"
            slave_rps="$(median ${rps["$test/$pipeline/slave"]})"
            redis_p50="$(median ${p50["$test/$pipeline/redis"]})"
            slave_p50="$(median ${p50["$test/$pipeline/slave"]})"
            redis_cpu="$(median ${cpu["$test/$pipeline/redis"]})"
            slave_cpu="$(median ${cpu["$test/$pipeline/slave"]})"
        }
        case "$pipeline" in
            1) goal=0.90 ;;
            16) goal=0.80 ;;
            *) goal=- ;;
        esac
        awk -v t="$test" -v p="$pipeline" -v rr="$redis_rps" -v sr="$slave_rps" -v g="$goal" \
            -v rl="$redis_p50" -v sl="$slave_p50" -v rc="$redis_cpu" -v sc="$slave_cpu" 'BEGIN {
                ratio = sr / rr
                meets = (g == "-") ? "-" : (ratio >= g ? "yes" : "no")
                printf "| %s | %s | %.0f | %.0f | %.3f | %s | %s | %s | %s | %.2f | %.2f |\n", t, p, rr, sr, ratio, g, meets, rl, sl, rc, sc
            }'
    done
done
