#!/usr/bin/env bash
# Throughput and latency of the kvcache master (with 2 single-replica slave shards) against
# twemproxy (nutcracker, with 2 redis-servers), measured with redis-benchmark.
#
# Starts both clusters on free loopback ports:
#   kvcache:   master + slaves "slave1" and "slave2" (replica "replica1" each), with a random
#              cluster secret; ready when the master's /actuator/health answers 200;
#   twemproxy: one pool (hash fnv1a_64, distribution ketama, redis true, auto_eject_hosts false)
#              over two redis-servers (--save '' --appendonly no) of weight 1.
# Warms both up with a discarded pass over every test, then for every test and pipeline depth runs
# redis-benchmark ROUNDS times against each proxy, alternating (kvcache, twemproxy, kvcache, ...)
# so that the noise of a shared machine falls on both alike, and prints the medians.
#
# Environment (all optional):
#   MASTER_JAR=path          master jar (default: cache-master/target/cache-master-*.jar,
#                            built if missing)
#   JAR=path                 slave jar (default: cache-slave/target/cache-slave-*-exec.jar,
#                            built if missing)
#   ROUNDS=3                 runs per proxy, test and pipeline depth
#   REQUESTS=200000          requests per run at -P 1
#   REQUESTS_PIPELINED=...   requests per run at -P > 1 (default 8 x REQUESTS)
#   WARMUP_REQUESTS=...      requests per test in the discarded warm-up (default REQUESTS / 2,
#                            x 8 when pipelined)
#   CLIENTS=50               redis-benchmark -c
#   PIPELINES="1 16"         redis-benchmark -P values
#   TESTS="SET GET INCR LPUSH RPOP MSET"
#                            LPUSH and RPOP use the one key "mylist" (one shard on both
#                            systems); MSET sets 10 keys, spread over the shards by -r
#   KEYSPACE=100000          redis-benchmark -r for SET, GET, INCR and MSET
#   MASTER_JAVA_OPTS="-Xms1g -Xmx1g"   JVM options of the master (default GC: G1)
#   SLAVE_JAVA_OPTS="-Xms1g -Xmx1g"    JVM options of each slave
#   QUIET_WAIT_MINUTES=20    before starting anything, wait (polling every 30 s) until no
#                            redis-benchmark runs on the machine and the 1-minute load average
#                            is below QUIET_LOAD; give up (exit 1) after this many minutes;
#                            0: do not wait
#   QUIET_LOAD=2.5
#   RAW_CSV=path             also write every run as CSV
#   JFR_FILE=path            after the measured runs, record the master with Java Flight Recorder
#                            (settings=profile plus JDK 25's CPU-time sampler, started with jcmd
#                            so that start-up and JIT stay out of it) during JFR_DURATION seconds
#                            of kvcache runs of JFR_TEST at -P JFR_PIPELINE, and print
#                            `jfr view hot-methods` and CPU-time samples by top frame and
#                            inclusive; the measured table is unaffected. By hand the same is:
#                            -XX:StartFlightRecording=duration=30s,filename=/tmp/master.jfr,settings=profile
#                            on the master, then `jfr view hot-methods /tmp/master.jfr`
#   JFR_TEST=GET, JFR_PIPELINE=16, JFR_DURATION=30, JFR_TOP=15 (rows per table)
#
# Output: a Markdown table on stdout; progress and every single run on stderr. Every run also
# records the CPU time (user + system, from /proc/PID/stat) used during the run, per request, by
# the proxy process (master JVM, nutcracker) and by the whole cluster (proxy + its 2 servers).
set -euo pipefail

# shellcheck source=bench/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

ROUNDS="${ROUNDS:-3}"
REQUESTS="${REQUESTS:-200000}"
REQUESTS_PIPELINED="${REQUESTS_PIPELINED:-$((REQUESTS * 8))}"
WARMUP_REQUESTS="${WARMUP_REQUESTS:-$((REQUESTS / 2))}"
CLIENTS="${CLIENTS:-50}"
PIPELINES="${PIPELINES:-1 16}"
TESTS="${TESTS:-SET GET INCR LPUSH RPOP MSET}"
KEYSPACE="${KEYSPACE:-100000}"
MASTER_JAVA_OPTS="${MASTER_JAVA_OPTS:--Xms1g -Xmx1g}"
SLAVE_JAVA_OPTS="${SLAVE_JAVA_OPTS:--Xms1g -Xmx1g}"
QUIET_WAIT_MINUTES="${QUIET_WAIT_MINUTES:-20}"
QUIET_LOAD="${QUIET_LOAD:-2.5}"
RAW_CSV="${RAW_CSV:-}"
JFR_FILE="${JFR_FILE:-}"
JFR_TEST="${JFR_TEST:-GET}"
JFR_PIPELINE="${JFR_PIPELINE:-16}"
JFR_DURATION="${JFR_DURATION:-30}"
JFR_TOP="${JFR_TOP:-15}"

[[ "$ROUNDS" =~ ^[1-9][0-9]*$ ]] || die "ROUNDS must be a positive integer"
[[ "$QUIET_WAIT_MINUTES" =~ ^[0-9]+$ ]] || die "QUIET_WAIT_MINUTES must be a non-negative integer"
[[ "$QUIET_LOAD" =~ ^[0-9]+(\.[0-9]+)?$ ]] || die "QUIET_LOAD must be a number"
command -v nutcracker >/dev/null || die "nutcracker is not installed (apt-get install -y nutcracker)"
command -v curl >/dev/null || die "curl is not installed"

if ((QUIET_WAIT_MINUTES > 0)); then
    wait_for_quiet
fi

bench_init

mjar="$(master_jar)"
sjar="$(slave_jar)"
read -r -a master_java_opts <<<"$MASTER_JAVA_OPTS"
read -r -a slave_java_opts <<<"$SLAVE_JAVA_OPTS"
read -r -a tests <<<"$TESTS"
read -r -a pipelines <<<"$PIPELINES"

# ---------------------------------------------------------------------------------------------
# kvcache: master + 2 slaves
# ---------------------------------------------------------------------------------------------
KVCACHE_CLUSTER_SECRET="$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')"
export KVCACHE_CLUSTER_SECRET

master_port="$(free_port)"
enrollment_port="$(free_port)"
master_http_port="$(free_port)"
"$JAVA" "${master_java_opts[@]}" -jar "$mjar" --kvcache.master.port="$master_port" \
    --kvcache.master.enrollment-port="$enrollment_port" --kvcache.master.http-port="$master_http_port" \
    --kvcache.master.bind=127.0.0.1 >"$BENCH_TMP/master.log" 2>&1 &
MASTER_PID=$!
BENCH_PIDS+=("$MASTER_PID")
wait_ping "$master_port" "$MASTER_PID" 90
log "master pid $MASTER_PID on 127.0.0.1:$master_port (enrollment $enrollment_port, http $master_http_port)"

slave_pids=()
for shard in slave1 slave2; do
    SLAVE_ARGS=(--kvcache.slave.master="127.0.0.1:$enrollment_port" --kvcache.slave.shard="$shard"
        --kvcache.slave.replica-id=replica1)
    start_slave "$sjar" "$(free_port)" "${slave_java_opts[@]}"
    slave_pids+=("$SLAVE_PID")
done

waited=0
until curl -fs -o /dev/null "http://127.0.0.1:$master_http_port/actuator/health"; do
    kill -0 "$MASTER_PID" 2>/dev/null || die "the master exited; see $BENCH_TMP/master.log"
    ((waited += 1))
    ((waited <= 300)) || die "the cluster was not healthy after 60 s; see $BENCH_TMP/*.log"
    sleep 0.2
done
log "kvcache cluster healthy (2 shards enrolled)"

# ---------------------------------------------------------------------------------------------
# twemproxy: nutcracker + 2 redis-servers
# ---------------------------------------------------------------------------------------------
redis_ports=()
redis_pids=()
for _ in 1 2; do
    port="$(free_port)"
    start_redis "$port"
    redis_ports+=("$port")
    redis_pids+=("$REDIS_PID")
done

twem_port="$(free_port)"
twem_stats_port="$(free_port)"
twem_conf="$BENCH_TMP/nutcracker.yml"
cat >"$twem_conf" <<EOF
kvbench:
  listen: 127.0.0.1:$twem_port
  hash: fnv1a_64
  distribution: ketama
  redis: true
  auto_eject_hosts: false
  servers:
    - 127.0.0.1:${redis_ports[0]}:1
    - 127.0.0.1:${redis_ports[1]}:1
EOF
nutcracker -t -c "$twem_conf" >/dev/null 2>&1 || die "nutcracker rejects $twem_conf"
nutcracker -c "$twem_conf" -a 127.0.0.1 -s "$twem_stats_port" -o "$BENCH_TMP/nutcracker.log" &
TWEM_PID=$!
BENCH_PIDS+=("$TWEM_PID")
wait_ping "$twem_port" "$TWEM_PID" 10
log "nutcracker pid $TWEM_PID on 127.0.0.1:$twem_port (stats $twem_stats_port)"

# ---------------------------------------------------------------------------------------------
# measuring
# ---------------------------------------------------------------------------------------------

# RPOP pops from the list LPUSH fills ("mylist"): top it up so that every RPOP finds an element.
fill_list() { # PORT COUNT
    local port="$1" want="$2" have
    have="$(redis-cli -h 127.0.0.1 -p "$port" llen mylist)"
    [[ "$have" =~ ^[0-9]+$ ]] || die "LLEN mylist on port $port answered: $have"
    if ((have < want)); then
        redis-benchmark -h 127.0.0.1 -p "$port" -c "$CLIENTS" -P 16 -t lpush -n $((want - have)) -q \
            >/dev/null 2>&1
    fi
}

CLK_TCK="$(getconf CLK_TCK)"

target_port() { # TARGET
    if [[ "$1" == kvcache ]]; then printf '%s\n' "$master_port"; else printf '%s\n' "$twem_port"; fi
}

proxy_pid() { # TARGET
    if [[ "$1" == kvcache ]]; then printf '%s\n' "$MASTER_PID"; else printf '%s\n' "$TWEM_PID"; fi
}

server_pids() { # TARGET
    if [[ "$1" == kvcache ]]; then printf '%s\n' "${slave_pids[@]}"; else printf '%s\n' "${redis_pids[@]}"; fi
}

# run_benchmark TARGET TEST PIPELINE REQUESTS
#   -> "rps p50_ms p99_ms proxy_cpu_us_per_request cluster_cpu_us_per_request"
run_benchmark() {
    local target="$1" test="$2" pipeline="$3" n="$4" port ppid spids random=()
    port="$(target_port "$target")"
    ppid="$(proxy_pid "$target")"
    mapfile -t spids < <(server_pids "$target")
    case "$test" in
        SET | GET | INCR | MSET) random=(-r "$KEYSPACE") ;;
        RPOP) fill_list "$port" "$n" ;;
    esac
    local out proxy_before proxy_after servers_before servers_after
    proxy_before="$(cpu_ticks "$ppid")"
    servers_before="$(cpu_ticks "${spids[@]}")"
    out="$(redis-benchmark -h 127.0.0.1 -p "$port" -c "$CLIENTS" -n "$n" -P "$pipeline" \
        -t "${test,,}" "${random[@]}" --csv 2>/dev/null)" || die "redis-benchmark failed against $target: $out"
    proxy_after="$(cpu_ticks "$ppid")"
    servers_after="$(cpu_ticks "${spids[@]}")"
    awk -F, -v test="$test" -v n="$n" \
        -v proxy_us="$(((proxy_after - proxy_before) * 1000000 / CLK_TCK))" \
        -v servers_us="$(((servers_after - servers_before) * 1000000 / CLK_TCK))" '
        { gsub(/"/, "") }
        NR == 1 { for (i = 1; i <= NF; i++) col[$i] = i; next }
        # MSET is reported as "MSET (10 keys)".
        toupper($1) == test || index(toupper($1), test " (") == 1 {
            if (!("p50_latency_ms" in col) || !("p99_latency_ms" in col)) exit 1
            printf "%s %s %s %.3f %.3f\n", $col["rps"], $col["p50_latency_ms"], $col["p99_latency_ms"],
                proxy_us / n, (proxy_us + servers_us) / n
            found = 1
        }
        END { if (!found) exit 1 }' <<<"$out" || die "could not parse redis-benchmark output: $out"
}

# Both proxies must route the same way before anything is timed.
for target in kvcache twemproxy; do
    port="$(target_port "$target")"
    redis-cli -h 127.0.0.1 -p "$port" set bench:check ok >/dev/null
    [[ "$(redis-cli -h 127.0.0.1 -p "$port" get bench:check)" == ok ]] || die "$target does not answer GET"
    redis-cli -h 127.0.0.1 -p "$port" del bench:check >/dev/null
done

log "warm-up (discarded): tests=${tests[*]} pipelines=${pipelines[*]}"
for test in "${tests[@]}"; do
    for pipeline in "${pipelines[@]}"; do
        n="$(requests_for "$pipeline" warmup)"
        run_benchmark kvcache "$test" "$pipeline" "$n" >/dev/null
        run_benchmark twemproxy "$test" "$pipeline" "$n" >/dev/null
    done
done

if [[ -n "$RAW_CSV" ]]; then
    echo "target,test,pipeline,round,rps,p50_ms,p99_ms,proxy_cpu_us_per_request,cluster_cpu_us_per_request" >"$RAW_CSV"
fi
load_before="$(cut -d' ' -f1-3 /proc/loadavg)"
log "measuring; load average $load_before"
declare -A rps p50 p99 pcpu ccpu
for test in "${tests[@]}"; do
    for pipeline in "${pipelines[@]}"; do
        n="$(requests_for "$pipeline")"
        for round in $(seq 1 "$ROUNDS"); do
            for target in kvcache twemproxy; do
                read -r r l50 l99 pc cc < <(run_benchmark "$target" "$test" "$pipeline" "$n")
                log "$(printf '%-9s %-5s -P %-2s round %s: %10s rps  p50 %s ms  p99 %s ms  proxy CPU %s us/req  cluster CPU %s us/req' \
                    "$target" "$test" "$pipeline" "$round" "$r" "$l50" "$l99" "$pc" "$cc")"
                rps["$test/$pipeline/$target"]+="$r "
                p50["$test/$pipeline/$target"]+="$l50 "
                p99["$test/$pipeline/$target"]+="$l99 "
                pcpu["$test/$pipeline/$target"]+="$pc "
                ccpu["$test/$pipeline/$target"]+="$cc "
                if [[ -n "$RAW_CSV" ]]; then
                    echo "$target,$test,$pipeline,$round,$r,$l50,$l99,$pc,$cc" >>"$RAW_CSV"
                fi
            done
        done
    done
done
load_after="$(cut -d' ' -f1-3 /proc/loadavg)"
log "measured; load average $load_after"

echo "kvcache: master $(basename "$mjar") ($MASTER_JAVA_OPTS) + 2 slaves $(basename "$sjar") ($SLAVE_JAVA_OPTS);" \
    "twemproxy: $(nutcracker --version 2>&1 | head -n 1) + 2 x $(redis-server --version | cut -d' ' -f1-3)"
echo "redis-benchmark -c $CLIENTS, -n $REQUESTS (-P 1) / $REQUESTS_PIPELINED (pipelined), -r $KEYSPACE for SET/GET/INCR/MSET;" \
    "$ROUNDS rounds per cell, alternating kvcache/twemproxy; load average before $load_before, after $load_after"
echo
echo "| test | -P | twemproxy rps | kvcache rps | kvcache/twemproxy | goal | meets | twemproxy p50 ms | kvcache p50 ms | twemproxy p99 ms | kvcache p99 ms | p99 kvcache/twemproxy (goal <= 1.5) | nutcracker CPU us/req | master CPU us/req | twemproxy+redis CPU us/req | master+slaves CPU us/req |"
echo "|---|---:|---:|---:|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
for test in "${tests[@]}"; do
    for pipeline in "${pipelines[@]}"; do
        # shellcheck disable=SC2086 # the values are space-separated numbers
        {
            t_rps="$(median ${rps["$test/$pipeline/twemproxy"]})"
            k_rps="$(median ${rps["$test/$pipeline/kvcache"]})"
            t_p50="$(median ${p50["$test/$pipeline/twemproxy"]})"
            k_p50="$(median ${p50["$test/$pipeline/kvcache"]})"
            t_p99="$(median ${p99["$test/$pipeline/twemproxy"]})"
            k_p99="$(median ${p99["$test/$pipeline/kvcache"]})"
            t_pcpu="$(median ${pcpu["$test/$pipeline/twemproxy"]})"
            k_pcpu="$(median ${pcpu["$test/$pipeline/kvcache"]})"
            t_ccpu="$(median ${ccpu["$test/$pipeline/twemproxy"]})"
            k_ccpu="$(median ${ccpu["$test/$pipeline/kvcache"]})"
        }
        case "$pipeline" in # issue 17's bars
            1) goal=0.90 ;;
            16) goal=1.00 ;;
            *) goal=- ;;
        esac
        awk -v t="$test" -v p="$pipeline" -v tr="$t_rps" -v kr="$k_rps" -v g="$goal" \
            -v t50="$t_p50" -v k50="$k_p50" -v t99="$t_p99" -v k99="$k_p99" \
            -v tpc="$t_pcpu" -v kpc="$k_pcpu" -v tcc="$t_ccpu" -v kcc="$k_ccpu" 'BEGIN {
                ratio = (tr > 0) ? kr / tr : 0
                p99r = (t99 > 0) ? sprintf("%.2f", k99 / t99) : "-"
                p99ok = (p99r == "-") ? "" : ((k99 / t99 <= 1.5) ? " (yes)" : " (no)")
                meets = (g == "-") ? "-" : (ratio >= g ? "yes" : "no")
                printf "| %s | %s | %.0f | %.0f | %.2f | %s | %s | %s | %s | %s | %s | %s%s | %.2f | %.2f | %.2f | %.2f |\n",
                    t, p, tr, kr, ratio, g, meets, t50, k50, t99, k99, p99r, p99ok, tpc, kpc, tcc, kcc
            }'
    done
done

# top_frames EVENT: "| samples | share | frame |" for the top frame of every sample of EVENT.
top_frames() {
    "$JFR" print --events "$1" --stack-depth 1 "$JFR_FILE" | awk '
        /stackTrace = \[/ { getline; f = $0; sub(/^ +/, "", f); sub(/ +line:.*$/, "", f); count[f]++; total++ }
        END {
            if (total == 0) { print "0\t-\t(no samples)"; exit }
            for (f in count) printf "%d\t%.1f%%\t%s\n", count[f], 100 * count[f] / total, f
            printf "%d\t100%%\t(all samples)\n", total
        }' | sort -t$'\t' -k1,1nr | sed -n "1,$((JFR_TOP + 1))p" | awk -F'\t' '{ printf "| %s | %s | `%s` |\n", $1, $2, $3 }'
}

# inclusive EVENT [REGEX]: share of samples with each method (matching REGEX) somewhere on the
# stack (64 frames deep).
inclusive() {
    local only="${2:-.}"
    "$JFR" print --events "$1" --stack-depth 64 "$JFR_FILE" | awk '
        /stackTrace = \[/ { in_stack = 1; delete seen; total++; next }
        in_stack && /^ *\]/ { in_stack = 0; next }
        in_stack {
            f = $0; sub(/^ +/, "", f); sub(/ +line:.*$/, "", f); sub(/\(.*$/, "", f)
            if (f == "..." || f in seen) next
            seen[f] = 1; count[f]++
        }
        END { for (f in count) printf "%d\t%.1f%%\t%s\n", count[f], 100 * count[f] / total, f }' |
        grep -E $'\t'"$only" | grep -Ev $'\t(java\\.lang\\.Thread\\.run|java\\.lang\\.Thread\\.runWith|java\\.util\\.concurrent\\.ThreadPoolExecutor\\$Worker\\.run|java\\.util\\.concurrent\\.ThreadPoolExecutor\\.runWorker)$' |
        sort -t$'\t' -k1,1nr | sed -n "1,${JFR_TOP}p" | awk -F'\t' '{ printf "| %s | %s | `%s` |\n", $1, $2, $3 }'
}

if [[ -n "$JFR_FILE" ]]; then
    JFR="$JAVA_HOME/bin/jfr"
    n="$(requests_for "$JFR_PIPELINE")"
    log "recording the master with JFR for ${JFR_DURATION}s of kvcache $JFR_TEST -P $JFR_PIPELINE runs into $JFR_FILE"
    rm -f "$JFR_FILE"
    "$JCMD" "$MASTER_PID" JFR.start name=bench settings=profile filename="$JFR_FILE" \
        'jdk.CPUTimeSample#enabled=true' 'jdk.CPUTimeSample#throttle=1ms' >/dev/null
    jfr_rps=()
    end=$((SECONDS + JFR_DURATION))
    while ((SECONDS < end)); do
        read -r r l50 l99 pc cc < <(run_benchmark kvcache "$JFR_TEST" "$JFR_PIPELINE" "$n")
        log "under JFR: $r rps, p50 $l50 ms, p99 $l99 ms, master CPU $pc us/req"
        jfr_rps+=("$r")
    done
    "$JCMD" "$MASTER_PID" JFR.stop name=bench >/dev/null
    [[ -s "$JFR_FILE" ]] || die "no recording in $JFR_FILE"
    echo
    echo "JFR (settings=profile + jdk.CPUTimeSample): master during ${JFR_DURATION}s of kvcache $JFR_TEST -P $JFR_PIPELINE" \
        "($n requests per run; rps under the recorder: ${jfr_rps[*]}), recording $JFR_FILE"
    echo
    echo '```'
    "$JFR" view --width 160 hot-methods "$JFR_FILE" | sed -n "1,$((JFR_TOP + 6))p"
    echo '```'
    echo
    echo "CPU-time samples (Java and native), by top frame:"
    echo
    echo "| samples | share | top frame |"
    echo "|---:|---:|---|"
    top_frames jdk.CPUTimeSample
    echo
    echo "CPU-time samples, inclusive (method anywhere on the stack):"
    echo
    echo "| samples | share | method |"
    echo "|---:|---:|---|"
    inclusive jdk.CPUTimeSample
    echo
    echo "CPU-time samples, inclusive, kvcache and socket methods only:"
    echo
    echo "| samples | share | method |"
    echo "|---:|---:|---|"
    inclusive jdk.CPUTimeSample '(io\.kvcache\.|sun\.nio\.ch\.SocketDispatcher|sun\.nio\.ch\.Net\.)'
fi
