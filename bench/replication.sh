#!/usr/bin/env bash
# What replication costs and how fast a shard fails over (issue "Replicas"), measured through the
# kvcache master with redis-benchmark and a probing client.
#
# 1. Throughput of write commands for three kvcache clusters, each a master + 2 shards ("slave1",
#    "slave2") on free loopback ports, with one random cluster secret:
#      norepl:   1 replica per shard (replica1): no replication at all;
#      replicas: REPLICAS processes per shard (default 2, as ./kvcache start: the elected primary
#                and a replica it ships its writes to),
#                --kvcache.replication.ack=replicas (the default: a write is answered once every
#                in-sync replica applied it);
#      async:    the same with --kvcache.replication.ack=async (answered at once).
#    A cluster is ready when the master's /actuator/health answers 200, its /admin/slaves shows
#    every shard up with all its replicas UP and synced, and each primary's /replication/state
#    shows a streaming link to each of its replicas. After a discarded warm-up pass per cluster,
#    every test and pipeline depth runs ROUNDS times against each cluster and the medians are
#    printed. With SCHEDULE=alternate the three clusters run side by side and the runs alternate
#    round by round (norepl, replicas, async; the order rotated each round) so that the noise of
#    a shared machine falls on all alike; with SCHEDULE=sequential one cluster runs at a time
#    (less memory, but slow drifts of the machine's load fall on one configuration). The output
#    says which schedule ran. Every run also records the CPU time (user + system, from
#    /proc/PID/stat) used during the run, per request, by the whole cluster (master + slaves).
#    Goal (issue "Speed"): ack=replicas >= 0.8 x norepl in rps at -c 50, every -P, with a p99 at
#    most 2 x norepl's.
#
# 2. Failover with the default settings, on the "replicas" cluster (the others are stopped first):
#    a probing client writes "SET failover-probe N" (N = 1, 2, ...) over one connection to the
#    master, one write every FAILOVER_INTERVAL seconds, recording when each was sent and answered
#    (reconnecting if the connection drops); the primary of the shard owning "failover-probe"
#    (from the master's /admin/keys/failover-probe) is killed with SIGKILL; the failover time is
#    from the kill to the first +OK of a SET sent after the kill (times from bash's EPOCHREALTIME:
#    the wall clock of `date +%s%N`, in microseconds, without a fork per write). The table also
#    shows the errors the probe got meanwhile and its median write latency before the kill.
#    Then the probe stops, GET failover-probe must still hold at least the last acknowledged N
#    (else an acknowledged write was lost), and a fresh slave with the killed one's shard and
#    replica id replaces it; the next round waits until it is synced and streamed to.
#    Goal: failover under 3 s.
#
# Usage: bench/replication.sh   (options below as environment variables)
#   e.g. ROUNDS=1 REQUESTS=20000 FAILOVER_ROUNDS=2 bench/replication.sh
#
# Environment (all optional):
#   MASTER_JAR=path          master jar (default: cache-master/target/cache-master-*.jar,
#                            built if missing)
#   JAR=path                 slave jar (default: cache-slave/target/cache-slave-*-exec.jar,
#                            built if missing)
#   ROUNDS=3                 runs per configuration, test and pipeline depth
#   REPLICAS=2               processes per shard in the replicas and async clusters
#   REQUESTS=100000          requests per run at -P 1
#   REQUESTS_PIPELINED=...   requests per run at -P > 1 (default 8 x REQUESTS)
#   WARMUP_REQUESTS=...      requests per test in the discarded warm-up (default 4 x REQUESTS,
#                            x 8 when pipelined: the JIT compilers of 13 JVMs share 2 cores, and
#                            with REQUESTS / 2 the replicas cluster was still compiling in round 3)
#   CLIENTS=50               redis-benchmark -c
#   PIPELINES="1 16"         redis-benchmark -P values
#   TESTS="SET INCR LPUSH RPOP"  write tests; LPUSH and RPOP use the one key "mylist" (one shard):
#                            deleted before every LPUSH run, filled with as many elements as the
#                            run's requests before every RPOP run (so that every RPOP writes);
#                            empty: skip the throughput part
#   KEYSPACE=100000          redis-benchmark -r for SET and INCR
#   SCHEDULE=auto            alternate | sequential; auto: alternate when MemAvailable is at least
#                            17 JVMs x 600 MiB, else sequential
#   MASTER_JAVA_OPTS="-Xms256m -Xmx1g -XX:+UseParallelGC -XX:+UseTransparentHugePages"
#                            JVM options of each master (as ./kvcache start: huge pages where the
#                            kernel offers them)
#   SLAVE_JAVA_OPTS="..."    JVM options of each slave (the same default)
#   FAILOVER_ROUNDS=3        kills of the probed shard's primary; 0: skip the failover part
#   FAILOVER_INTERVAL=0.005  seconds between two probe writes
#   FAILOVER_TIMEOUT=30      seconds after a kill without an answered write: that round fails
#   SYNC_TIMEOUT=180         seconds a cluster may take to be up and synced (at start, and after
#                            a replacement replica started)
#   RAW_CSV=path             also write every throughput run as CSV, and every failover round to
#                            the same path with "-failover" before its extension
#   KEEP_TMP=true            keep the logs of every process (in /tmp/kvcache-bench.*) at exit
#
# Output: Markdown tables on stdout; progress and every single run on stderr.
set -euo pipefail

# shellcheck source=bench/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

ROUNDS="${ROUNDS:-3}"
REQUESTS="${REQUESTS:-100000}"
REQUESTS_PIPELINED="${REQUESTS_PIPELINED:-$((REQUESTS * 8))}"
WARMUP_REQUESTS="${WARMUP_REQUESTS:-$((REQUESTS * 4))}"
CLIENTS="${CLIENTS:-50}"
PIPELINES="${PIPELINES:-1 16}"
TESTS="${TESTS-SET INCR LPUSH RPOP}"
KEYSPACE="${KEYSPACE:-100000}"
SCHEDULE="${SCHEDULE:-auto}"
MASTER_JAVA_OPTS="${MASTER_JAVA_OPTS:--Xms256m -Xmx1g -XX:+UseParallelGC$(huge_pages_flag)}"
SLAVE_JAVA_OPTS="${SLAVE_JAVA_OPTS:--Xms256m -Xmx1g -XX:+UseParallelGC$(huge_pages_flag)}"
FAILOVER_ROUNDS="${FAILOVER_ROUNDS:-3}"
FAILOVER_INTERVAL="${FAILOVER_INTERVAL:-0.005}"
FAILOVER_TIMEOUT="${FAILOVER_TIMEOUT:-30}"
SYNC_TIMEOUT="${SYNC_TIMEOUT:-180}"
RAW_CSV="${RAW_CSV:-}"

for var in ROUNDS REQUESTS REQUESTS_PIPELINED WARMUP_REQUESTS CLIENTS KEYSPACE; do
    [[ "${!var}" =~ ^[1-9][0-9]*$ ]] || die "$var must be a positive integer"
done
for var in FAILOVER_ROUNDS FAILOVER_TIMEOUT SYNC_TIMEOUT; do
    [[ "${!var}" =~ ^[0-9]+$ ]] || die "$var must be a non-negative integer"
done
[[ "$FAILOVER_INTERVAL" =~ ^[0-9]+(\.[0-9]+)?$ ]] || die "FAILOVER_INTERVAL must be a number of seconds"
read -r -a tests <<<"$TESTS"
read -r -a pipelines <<<"$PIPELINES"
for test in "${tests[@]}"; do
    case "$test" in
        SET | INCR | LPUSH | RPOP) ;;
        *) die "TESTS: $test is not one of SET INCR LPUSH RPOP" ;;
    esac
done
for pipeline in "${pipelines[@]}"; do
    [[ "$pipeline" =~ ^[1-9][0-9]*$ ]] || die "PIPELINES: $pipeline is not a positive integer"
done
((${#tests[@]} > 0 && ${#pipelines[@]} > 0)) || ((FAILOVER_ROUNDS > 0)) || die "nothing to do"
command -v curl >/dev/null || die "curl is not installed"
command -v jq >/dev/null || die "jq is not installed (apt-get install -y jq)"
[[ -n "${EPOCHREALTIME:-}" ]] || die "bash 5 or later is needed (EPOCHREALTIME)"

CONFIGS=(norepl replicas async)
SHARDS=(slave1 slave2)
REPLICAS="${REPLICAS:-2}"
declare -A REPLICAS_OF=([norepl]=1 [replicas]="$REPLICAS" [async]="$REPLICAS")
declare -A ACK_OF=([norepl]=replicas [replicas]=replicas [async]=async)
declare -A LABEL_OF=([norepl]="no replication (2 shards x 1 replica)"
    [replicas]="2 shards x $REPLICAS replicas, ack=replicas" [async]="2 shards x $REPLICAS replicas, ack=async")

case "$SCHEDULE" in
    alternate | sequential) ;;
    auto)
        jvms=$((${#CONFIGS[@]} + ${#SHARDS[@]} * (REPLICAS_OF[norepl] + REPLICAS_OF[replicas] + REPLICAS_OF[async])))
        available_kib="$(awk '/^MemAvailable:/ { print $2 }' /proc/meminfo)"
        if ((available_kib >= jvms * 600 * 1024)); then SCHEDULE=alternate; else SCHEDULE=sequential; fi
        log "SCHEDULE=$SCHEDULE ($jvms JVMs, $((available_kib / 1024)) MiB available)"
        ;;
    *) die "SCHEDULE must be auto, alternate or sequential" ;;
esac
if ((${#tests[@]} == 0 || ${#pipelines[@]} == 0)); then
    CONFIGS=(replicas) # failover only
fi

bench_init

mjar="$(master_jar)"
sjar="$(slave_jar)"
read -r -a master_java_opts <<<"$MASTER_JAVA_OPTS"
read -r -a slave_java_opts <<<"$SLAVE_JAVA_OPTS"
CLK_TCK="$(getconf CLK_TCK)"

KVCACHE_CLUSTER_SECRET="$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')"
export KVCACHE_CLUSTER_SECRET
# /admin/** is closed without a token (kvcache.admin.token, from the environment as the secret is).
KVCACHE_ADMIN_TOKEN="$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')"
export KVCACHE_ADMIN_TOKEN

# ---------------------------------------------------------------------------------------------
# clusters
# ---------------------------------------------------------------------------------------------
declare -A MASTER_PID MASTER_PORT MASTER_HTTP ENROLLMENT_PORT
declare -A SLAVE_PID SLAVE_PORT SLAVE_HTTP SLAVE_LOG # by "config/shard/replica"
declare -A GENERATION                                # of a replica's slave process (1 + replacements)

forget_pid() { # PID: no longer ours to stop at exit
    local pid="$1" i
    for i in "${!BENCH_PIDS[@]}"; do
        if [[ "${BENCH_PIDS[$i]}" == "$pid" ]]; then
            unset 'BENCH_PIDS[i]'
        fi
    done
    BENCH_PIDS=("${BENCH_PIDS[@]}")
}

stop_pid() { # PID: SIGTERM, SIGKILL after 10 s
    local pid="$1" _
    if kill -0 "$pid" 2>/dev/null; then
        kill "$pid" 2>/dev/null || true
        for _ in $(seq 1 100); do
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.1
        done
        kill -9 "$pid" 2>/dev/null || true
    fi
    wait "$pid" 2>/dev/null || true
    forget_pid "$pid"
}

start_master() { # CONFIG
    local cfg="$1"
    MASTER_PORT[$cfg]="$(free_port)"
    ENROLLMENT_PORT[$cfg]="$(free_port)"
    MASTER_HTTP[$cfg]="$(free_port)"
    "$JAVA" "${master_java_opts[@]}" -jar "$mjar" --kvcache.master.port="${MASTER_PORT[$cfg]}" \
        --kvcache.master.enrollment-port="${ENROLLMENT_PORT[$cfg]}" \
        --kvcache.master.http-port="${MASTER_HTTP[$cfg]}" --kvcache.master.bind=127.0.0.1 \
        >"$BENCH_TMP/$cfg-master.log" 2>&1 &
    MASTER_PID[$cfg]=$!
    BENCH_PIDS+=("${MASTER_PID[$cfg]}")
}

launch_slave() { # CONFIG SHARD REPLICA: starts it, does not wait
    local cfg="$1" shard="$2" replica="$3" key="$1/$2/$3"
    GENERATION[$key]=$((${GENERATION[$key]:-0} + 1))
    SLAVE_PORT[$key]="$(free_port)"
    SLAVE_HTTP[$key]="$(free_port)"
    SLAVE_LOG[$key]="$BENCH_TMP/$cfg-$shard-$replica-${GENERATION[$key]}.log"
    "$JAVA" "${slave_java_opts[@]}" -jar "$sjar" --kvcache.slave.port="${SLAVE_PORT[$key]}" \
        --kvcache.slave.http-port="${SLAVE_HTTP[$key]}" --kvcache.slave.bind=127.0.0.1 \
        --kvcache.slave.master="127.0.0.1:${ENROLLMENT_PORT[$cfg]}" --kvcache.slave.shard="$shard" \
        --kvcache.slave.replica-id="$replica" --kvcache.replication.ack="${ACK_OF[$cfg]}" \
        >"${SLAVE_LOG[$key]}" 2>&1 &
    SLAVE_PID[$key]=$!
    BENCH_PIDS+=("${SLAVE_PID[$key]}")
}

await_slave() { # CONFIG SHARD REPLICA
    local key="$1/$2/$3"
    wait_ping "${SLAVE_PORT[$key]}" "${SLAVE_PID[$key]}" 120 "$KVCACHE_CLUSTER_SECRET"
    log "$1: slave $2/$3 pid ${SLAVE_PID[$key]} on 127.0.0.1:${SLAVE_PORT[$key]} (http ${SLAVE_HTTP[$key]})"
}

slave_keys() { # CONFIG: "config/shard/replica" of each of its slaves
    local cfg="$1" shard r
    for shard in "${SHARDS[@]}"; do
        for r in $(seq 1 "${REPLICAS_OF[$cfg]}"); do
            printf '%s\n' "$cfg/$shard/replica$r"
        done
    done
}

cluster_pids() { # CONFIG: master and slaves
    local key
    printf '%s\n' "${MASTER_PID[$1]}"
    while read -r key; do
        printf '%s\n' "${SLAVE_PID[$key]}"
    done < <(slave_keys "$1")
}

secret_curl() { # URL
    curl -fsS --max-time 5 -H "X-Kvcache-Secret: $KVCACHE_CLUSTER_SECRET" "$1"
}

# cluster_synced CONFIG: every shard up, all its replicas UP and synced (as the master sees
# them), and each primary streaming to all its replicas (as the primary says).
cluster_synced() {
    local cfg="$1" want="${REPLICAS_OF[$1]}" topology address
    topology="$(curl -fsS --max-time 5 -H "Authorization: Bearer $KVCACHE_ADMIN_TOKEN" "http://127.0.0.1:${MASTER_HTTP[$cfg]}/admin/slaves" 2>/dev/null)" || return 1
    jq -e --argjson shards "${#SHARDS[@]}" --argjson want "$want" '
        (.shards | length) == $shards and all(.shards[]; .up and .primary != null
            and ([.replicas[] | select(.state == "UP" and .synced)] | length) == $want)' \
        <<<"$topology" >/dev/null || return 1
    while read -r address; do
        secret_curl "http://$address/replication/state" 2>/dev/null | jq -e --argjson links "$((want - 1))" '
            .role == "primary" and (.replicas | length) == $links
            and all(.replicas[]; .state == "streaming")' >/dev/null || return 1
    done < <(jq -r '.shards[].replicas[] | select(.role == "primary") | .httpAddress' <<<"$topology")
}

wait_synced() { # CONFIG
    local cfg="$1" start=$SECONDS pid
    until cluster_synced "$cfg"; do
        while read -r pid; do
            kill -0 "$pid" 2>/dev/null || die "$cfg: pid $pid exited; see $BENCH_TMP/$cfg-*.log (KEEP_TMP=true keeps them)"
        done < <(cluster_pids "$cfg")
        if ((SECONDS - start > SYNC_TIMEOUT)); then
            curl -sS --max-time 5 -H "Authorization: Bearer $KVCACHE_ADMIN_TOKEN" "http://127.0.0.1:${MASTER_HTTP[$cfg]}/admin/slaves" >&2 || true
            die "$cfg: not synced after ${SYNC_TIMEOUT}s; see $BENCH_TMP/$cfg-*.log (KEEP_TMP=true keeps them)"
        fi
        sleep 0.5
    done
}

start_cluster() { # CONFIG
    local cfg="$1" key waited=0 shard r _
    start_master "$cfg"
    wait_ping "${MASTER_PORT[$cfg]}" "${MASTER_PID[$cfg]}" 120
    log "$cfg: master pid ${MASTER_PID[$cfg]} on 127.0.0.1:${MASTER_PORT[$cfg]}" \
        "(enrollment ${ENROLLMENT_PORT[$cfg]}, http ${MASTER_HTTP[$cfg]})"
    # The first replica of each shard first, so that it is elected its primary and the others
    # (started together, to save time) are its replicas.
    for shard in "${SHARDS[@]}"; do
        launch_slave "$cfg" "$shard" replica1
    done
    for shard in "${SHARDS[@]}"; do
        await_slave "$cfg" "$shard" replica1
    done
    while read -r key; do
        [[ "$key" == */replica1 ]] && continue
        IFS=/ read -r _ shard r <<<"$key"
        launch_slave "$cfg" "$shard" "$r"
    done < <(slave_keys "$cfg")
    while read -r key; do
        [[ "$key" == */replica1 ]] && continue
        IFS=/ read -r _ shard r <<<"$key"
        await_slave "$cfg" "$shard" "$r"
    done < <(slave_keys "$cfg")
    until curl -fs -o /dev/null --max-time 5 "http://127.0.0.1:${MASTER_HTTP[$cfg]}/actuator/health"; do
        kill -0 "${MASTER_PID[$cfg]}" 2>/dev/null || die "$cfg: the master exited; see $BENCH_TMP/$cfg-master.log"
        ((waited += 1))
        ((waited <= 300)) || die "$cfg: the cluster was not healthy after 60 s; see $BENCH_TMP/$cfg-*.log"
        sleep 0.2
    done
    wait_synced "$cfg"
    local port="${MASTER_PORT[$cfg]}"
    redis-cli -h 127.0.0.1 -p "$port" set bench:check ok >/dev/null
    [[ "$(redis-cli -h 127.0.0.1 -p "$port" get bench:check)" == ok ]] || die "$cfg: the master does not answer GET"
    redis-cli -h 127.0.0.1 -p "$port" del bench:check >/dev/null
    log "$cfg: cluster up and synced (${LABEL_OF[$cfg]})"
}

stop_cluster() { # CONFIG
    local cfg="$1" pid
    while read -r pid; do
        stop_pid "$pid"
    done < <(cluster_pids "$cfg" | tac)
    log "$cfg: cluster stopped"
}

# ---------------------------------------------------------------------------------------------
# throughput
# ---------------------------------------------------------------------------------------------

# run_benchmark CONFIG TEST PIPELINE REQUESTS -> "rps p50_ms p99_ms cluster_cpu_us_per_request"
run_benchmark() {
    local cfg="$1" test="$2" pipeline="$3" n="$4" port pids random=() out before after
    port="${MASTER_PORT[$cfg]}"
    mapfile -t pids < <(cluster_pids "$cfg")
    case "$test" in
        SET | INCR) random=(-r "$KEYSPACE") ;;
        LPUSH) redis-cli -h 127.0.0.1 -p "$port" del mylist >/dev/null ;;
        RPOP) fill_list "$port" "$n" ;;
    esac
    local -A role_pids=() role_before=()
    group_by_role "$cfg" role_pids
    local role
    for role in "${!role_pids[@]}"; do
        # shellcheck disable=SC2086 # a list of PIDs
        role_before[$role]="$(cpu_ticks ${role_pids[$role]})"
    done
    before="$(cpu_ticks "${pids[@]}")"
    out="$(redis-benchmark -h 127.0.0.1 -p "$port" -c "$CLIENTS" -n "$n" -P "$pipeline" \
        -t "${test,,}" "${random[@]}" --csv 2>/dev/null)" || die "redis-benchmark failed against $cfg: $out"
    after="$(cpu_ticks "${pids[@]}")"
    local split=""
    for role in master primaries replicas; do
        [[ -n "${role_pids[$role]:-}" ]] || continue
        # shellcheck disable=SC2086
        split+="$(awk -v r="$role" -v t="$(($(cpu_ticks ${role_pids[$role]}) - ${role_before[$role]}))" \
            -v hz="$CLK_TCK" -v n="$n" 'BEGIN { printf " %s %.2f", r, t * 1000000 / hz / n }')"
    done
    log "$cfg $test -P $pipeline: CPU us/req by role:$split"
    awk -F, -v test="$test" -v n="$n" -v cpu_us="$(((after - before) * 1000000 / CLK_TCK))" '
        { gsub(/"/, "") }
        NR == 1 { for (i = 1; i <= NF; i++) col[$i] = i; next }
        toupper($1) == test {
            if (!("p50_latency_ms" in col) || !("p99_latency_ms" in col)) exit 1
            printf "%s %s %s %.3f\n", $col["rps"], $col["p50_latency_ms"], $col["p99_latency_ms"], cpu_us / n
            found = 1
        }
        END { if (!found) exit 1 }' <<<"$out" || die "could not parse redis-benchmark output: $out"
}

# group_by_role CONFIG ARRAY: ARRAY[master|primaries|replicas] = the PIDs of each role, the
# slaves' roles as the master's /admin/slaves names them now.
group_by_role() {
    local cfg="$1" shard id role
    local -n groups="$2"
    groups[master]="${MASTER_PID[$cfg]}"
    while read -r shard id role; do
        [[ -n "${SLAVE_PID[$cfg/$shard/$id]:-}" ]] || continue
        [[ "$role" == primary ]] && role=primaries || role=replicas
        groups[$role]+="${SLAVE_PID[$cfg/$shard/$id]} "
    done < <(curl -fsS --max-time 5 -H "Authorization: Bearer $KVCACHE_ADMIN_TOKEN" \
        "http://127.0.0.1:${MASTER_HTTP[$cfg]}/admin/slaves" 2>/dev/null |
        jq -r '.shards[] | .name as $s | .replicas[] | "\($s) \(.id) \(.role)"')
}

# fill_list PORT N: mylist holds exactly N elements (RPUSHes of 1,000 each through redis-cli --pipe).
fill_list() {
    redis-cli -h 127.0.0.1 -p "$1" del mylist >/dev/null
    awk -v n="$2" 'BEGIN {
        for (i = 0; i < n; i += 1000) {
            k = (n - i < 1000) ? n - i : 1000
            printf "*%d\r\n$5\r\nRPUSH\r\n$6\r\nmylist\r\n", k + 2
            for (j = 0; j < k; j++) printf "$1\r\nx\r\n"
        }
    }' | redis-cli -h 127.0.0.1 -p "$1" --pipe >/dev/null
}

warm_up() { # CONFIG
    local test pipeline
    log "$1: warm-up (discarded): tests=${tests[*]} pipelines=${pipelines[*]}"
    for test in "${tests[@]}"; do
        for pipeline in "${pipelines[@]}"; do
            run_benchmark "$1" "$test" "$pipeline" "$(requests_for "$pipeline" warmup)" >/dev/null
        done
    done
}

declare -A RPS P50 P99 CPU
measure() { # CONFIG TEST PIPELINE ROUND
    local cfg="$1" test="$2" pipeline="$3" round="$4" r l50 l99 cc
    read -r r l50 l99 cc < <(run_benchmark "$cfg" "$test" "$pipeline" "$(requests_for "$pipeline")")
    log "$(printf '%-8s %-5s -P %-2s round %s: %10s rps  p50 %s ms  p99 %s ms  cluster CPU %s us/req' \
        "$cfg" "$test" "$pipeline" "$round" "$r" "$l50" "$l99" "$cc")"
    RPS["$test/$pipeline/$cfg"]+="$r "
    P50["$test/$pipeline/$cfg"]+="$l50 "
    P99["$test/$pipeline/$cfg"]+="$l99 "
    CPU["$test/$pipeline/$cfg"]+="$cc "
    if [[ -n "$RAW_CSV" ]]; then
        echo "$cfg,$test,$pipeline,$round,$r,$l50,$l99,$cc" >>"$RAW_CSV"
    fi
}

measure_throughput() {
    local cfg test pipeline round i order
    if [[ -n "$RAW_CSV" ]]; then
        echo "config,test,pipeline,round,rps,p50_ms,p99_ms,cluster_cpu_us_per_request" >"$RAW_CSV"
    fi
    load_before="$(cut -d' ' -f1-3 /proc/loadavg)"
    if [[ "$SCHEDULE" == alternate ]]; then
        for cfg in "${CONFIGS[@]}"; do
            start_cluster "$cfg"
        done
        for cfg in "${CONFIGS[@]}"; do
            warm_up "$cfg"
        done
        log "measuring, alternating the configurations; load average $load_before"
        for test in "${tests[@]}"; do
            for pipeline in "${pipelines[@]}"; do
                for round in $(seq 1 "$ROUNDS"); do
                    for i in "${!CONFIGS[@]}"; do
                        order=$(((i + round - 1) % ${#CONFIGS[@]}))
                        measure "${CONFIGS[$order]}" "$test" "$pipeline" "$round"
                    done
                done
            done
        done
        for cfg in norepl async; do
            stop_cluster "$cfg"
        done
        SCHEDULE_TEXT="configurations alternated round by round (order rotated each round), all three running side by side"
    else
        # "replicas" last: it stays up for the failover part.
        for cfg in norepl async replicas; do
            start_cluster "$cfg"
            warm_up "$cfg"
            log "measuring $cfg; load average $(cut -d' ' -f1-3 /proc/loadavg)"
            for test in "${tests[@]}"; do
                for pipeline in "${pipelines[@]}"; do
                    for round in $(seq 1 "$ROUNDS"); do
                        measure "$cfg" "$test" "$pipeline" "$round"
                    done
                done
            done
            if [[ "$cfg" != replicas ]] || ((FAILOVER_ROUNDS == 0)); then
                stop_cluster "$cfg"
            fi
        done
        SCHEDULE_TEXT="one configuration after another (norepl, async, replicas), one cluster running at a time"
    fi
    load_after="$(cut -d' ' -f1-3 /proc/loadavg)"
    log "measured; load average $load_after"
}

print_throughput() {
    local test pipeline cfg goal
    echo "## Throughput through the master"
    echo
    echo "master $(basename "$mjar") ($MASTER_JAVA_OPTS), slaves $(basename "$sjar") ($SLAVE_JAVA_OPTS), loopback;" \
        "$(nproc) CPUs"
    for cfg in norepl replicas async; do
        echo "- $cfg: ${LABEL_OF[$cfg]}"
    done
    echo
    echo "redis-benchmark -c $CLIENTS, -n $REQUESTS (-P 1) / $REQUESTS_PIPELINED (pipelined), -r $KEYSPACE for SET/INCR," \
        "LPUSH and RPOP on one list (one shard); medians of $ROUNDS rounds per cell; $SCHEDULE_TEXT;" \
        "load average before $load_before, after $load_after. Cluster CPU: master + all slaves of the configuration."
    echo
    echo "| test | -P | norepl rps | replicas rps | replicas/norepl | async rps | async/norepl | goal (and p99 <= 2x) | meets (replicas) | meets (async) | p50 ms norepl / replicas / async | p99 ms norepl / replicas / async | cluster CPU us/req norepl / replicas / async |"
    echo "|---|---:|---:|---:|---:|---:|---:|---:|---|---|---:|---:|---:|"
    for test in "${tests[@]}"; do
        for pipeline in "${pipelines[@]}"; do
            declare -A m=()
            for cfg in norepl replicas async; do
                # shellcheck disable=SC2086 # the values are space-separated numbers
                {
                    m[rps/$cfg]="$(median ${RPS["$test/$pipeline/$cfg"]})"
                    m[p50/$cfg]="$(median ${P50["$test/$pipeline/$cfg"]})"
                    m[p99/$cfg]="$(median ${P99["$test/$pipeline/$cfg"]})"
                    m[cpu/$cfg]="$(median ${CPU["$test/$pipeline/$cfg"]})"
                }
            done
            if ((CLIENTS == 50)); then goal=0.80; else goal=-; fi
            awk -v t="$test" -v p="$pipeline" -v g="$goal" \
                -v a="${m[rps/norepl]}" -v b="${m[rps/replicas]}" -v c="${m[rps/async]}" \
                -v a50="${m[p50/norepl]}" -v b50="${m[p50/replicas]}" -v c50="${m[p50/async]}" \
                -v a99="${m[p99/norepl]}" -v b99="${m[p99/replicas]}" -v c99="${m[p99/async]}" \
                -v acpu="${m[cpu/norepl]}" -v bcpu="${m[cpu/replicas]}" -v ccpu="${m[cpu/async]}" 'BEGIN {
                    rb = (a > 0) ? b / a : 0
                    rc = (a > 0) ? c / a : 0
                    mb = (g == "-") ? "-" : (rb >= g && b99 <= 2 * a99 ? "yes" : "no")
                    mc = (g == "-") ? "-" : (rc >= g ? "yes" : "no")
                    printf "| %s | %s | %.0f | %.0f | %.2f | %.0f | %.2f | %s | %s | %s | %s / %s / %s | %s / %s / %s | %.2f / %.2f / %.2f |\n",
                        t, p, a, b, rb, c, rc, g, mb, mc, a50, b50, c50, a99, b99, c99, acpu, bcpu, ccpu
                }'
            unset m
        done
    done
}

# ---------------------------------------------------------------------------------------------
# failover
# ---------------------------------------------------------------------------------------------
# probe_writer PORT OUT: writes "SET failover-probe N" for N = 1, 2, ... over one connection
# until killed; appends "sent_us answered_us N reply" to OUT for each reply, and
# "sent_us answered_us N !reason" when the connection failed or timed out (then reconnects).
# Runs in a background subshell. Each command goes out in one write(2) (echo -n; bash's printf
# writes line by line, and Nagle's algorithm would then hold the rest of the command for the
# server's delayed ACK: some 40 ms per write).
probe_writer() {
    local port="$1" out="$2" n=0 conn="" pace line sent cmd
    set +e
    exec {pace}<>"$BENCH_TMP/pace.fifo"
    while true; do
        if [[ -z "$conn" ]]; then
            sent="${EPOCHREALTIME//[.,]/}"
            if ! { exec {conn}<>"/dev/tcp/127.0.0.1/$port"; } 2>/dev/null; then
                conn=""
                echo "$sent ${EPOCHREALTIME//[.,]/} $n !connect-failed" >>"$out"
                read -r -t 0.05 -u "$pace" _
                continue
            fi
        fi
        n=$((n + 1))
        # shellcheck disable=SC2016 # RESP's "$" lengths, not expansions
        printf -v cmd '*3\r\n$3\r\nSET\r\n$14\r\nfailover-probe\r\n$%d\r\n%d\r\n' "${#n}" "$n"
        sent="${EPOCHREALTIME//[.,]/}"
        if echo -n "$cmd" 1>&"$conn" 2>/dev/null && read -r -t 15 -u "$conn" line; then
            echo "$sent ${EPOCHREALTIME//[.,]/} $n ${line%$'\r'}" >>"$out"
        else
            echo "$sent ${EPOCHREALTIME//[.,]/} $n !no-reply" >>"$out"
            exec {conn}>&-
            conn=""
        fi
        read -r -t "$FAILOVER_INTERVAL" -u "$pace" _
    done
}

# probe_count OUT: replies +OK so far
probe_count() {
    grep -c ' +OK$' "$1" 2>/dev/null || true
}

# first_ok_after OUT KILL_US: answered_us of the first +OK of a write sent after KILL_US, or empty.
first_ok_after() {
    awk -v k="$2" '$1 >= k && $4 == "+OK" { print $2; exit }' "$1"
}

key_view() { # CONFIG
    curl -fsS --max-time 5 -H "Authorization: Bearer $KVCACHE_ADMIN_TOKEN" "http://127.0.0.1:${MASTER_HTTP[$1]}/admin/keys/failover-probe"
}

declare -a FO_MS=()
FO_ROWS=""
failover_round() { # ROUND
    local round="$1" cfg=replicas view shard primary key pid out writer kill_us ok_us deadline
    wait_synced "$cfg"
    view="$(key_view "$cfg")" || die "no answer from /admin/keys/failover-probe"
    shard="$(jq -r .shard <<<"$view")"
    primary="$(jq -r .primary <<<"$view")"
    key="$cfg/$shard/$primary"
    pid="${SLAVE_PID[$key]:-}"
    [[ -n "$pid" ]] || die "failover-probe is on $shard, whose primary $primary this script did not start: $view"
    out="$BENCH_TMP/failover-$round.txt"
    : >"$out"
    probe_writer "${MASTER_PORT[$cfg]}" "$out" 2>>"$BENCH_TMP/probe-writer.log" &
    writer=$!
    BENCH_PIDS+=("$writer")
    deadline=$((SECONDS + 20))
    until (($(probe_count "$out") >= 50)); do
        ((SECONDS < deadline)) || die "the probe got no +OK in 20 s: $(tail -n 3 "$out")"
        sleep 0.1
    done
    log "failover round $round: killing $shard/$primary (pid $pid), the primary of failover-probe's shard"
    kill_us="${EPOCHREALTIME//[.,]/}"
    kill -9 "$pid"
    wait "$pid" 2>/dev/null || true
    forget_pid "$pid"
    SLAVE_PID[$key]=""
    ok_us=""
    deadline=$((SECONDS + FAILOVER_TIMEOUT))
    while [[ -z "$ok_us" ]] && ((SECONDS < deadline)); do
        sleep 0.05
        ok_us="$(first_ok_after "$out" "$kill_us")"
    done
    sleep 0.5 # a few more writes to the new primary
    stop_pid "$writer"

    local ms errors last_ok got lost new_primary latencies probe_p50
    if [[ -n "$ok_us" ]]; then
        ms="$(awk -v a="$kill_us" -v b="$ok_us" 'BEGIN { printf "%.0f", (b - a) / 1000 }')"
        FO_MS+=("$ms")
    else
        ms="> $((FAILOVER_TIMEOUT * 1000))"
        FO_MS+=("$((FAILOVER_TIMEOUT * 1000))")
    fi
    # Failed writes between the kill and the first +OK, by reply.
    errors="$(awk -v k="$kill_us" -v ok="${ok_us:-99999999999999999}" '
        $2 >= k && $2 <= ok && $4 != "+OK" { r = $4; for (i = 5; i <= NF; i++) r = r " " $i; n[r]++; total++ }
        END { if (!total) { print "none"; exit } s = ""; for (r in n) s = s (s == "" ? "" : "; ") n[r] " x " r; print s }' "$out")"
    # The probe's own write latency before the kill (ack=replicas, one client, no pipelining).
    mapfile -t latencies < <(awk -v k="$kill_us" '$2 < k && $4 == "+OK" { printf "%.3f\n", ($2 - $1) / 1000 }' "$out")
    probe_p50="$(median "${latencies[@]}")"
    last_ok="$(awk '$4 == "+OK" && $3 > max { max = $3 } END { print max + 0 }' "$out")"
    got="$(redis-cli -h 127.0.0.1 -p "${MASTER_PORT[$cfg]}" get failover-probe)"
    if [[ "$got" =~ ^[0-9]+$ ]] && ((got >= last_ok)); then lost=no; else lost="yes (GET: $got)"; fi
    new_primary="$(key_view "$cfg" | jq -r .primary)"
    log "failover round $round: ${ms} ms; new primary $new_primary; errors meanwhile: $errors;" \
        "last acknowledged N $last_ok, GET failover-probe $got"

    log "failover round $round: starting a fresh $shard/$primary to replace the killed one"
    local t0=$SECONDS
    launch_slave "$cfg" "$shard" "$primary"
    await_slave "$cfg" "$shard" "$primary"
    wait_synced "$cfg"
    local sync_s=$((SECONDS - t0))
    log "failover round $round: $shard/$primary is back, synced and streamed to after ${sync_s}s (since its start)"
    FO_ROWS+="| $round | $shard/$primary (pid $pid) | $new_primary | $ms | $errors | $last_ok / $got | $lost | $probe_p50 | $sync_s |"$'\n'
    if [[ -n "$RAW_CSV" ]]; then
        echo "$round,$shard,$primary,$new_primary,${ok_us:+$ms},$last_ok,$got,${lost%% *},$probe_p50,$sync_s" >>"$FAILOVER_CSV"
    fi
}

measure_failover() {
    local round cfg
    mkfifo "$BENCH_TMP/pace.fifo"
    if [[ -z "${MASTER_PID[replicas]:-}" ]]; then
        start_cluster replicas
    fi
    for cfg in norepl async; do
        if [[ -n "${MASTER_PID[$cfg]:-}" ]] && kill -0 "${MASTER_PID[$cfg]}" 2>/dev/null; then
            stop_cluster "$cfg"
        fi
    done
    if [[ -n "$RAW_CSV" ]]; then
        FAILOVER_CSV="${RAW_CSV%.*}-failover.${RAW_CSV##*.}"
        [[ "$RAW_CSV" == *.* ]] || FAILOVER_CSV="$RAW_CSV-failover"
        echo "round,shard,killed,new_primary,failover_ms,last_acknowledged,get_after,acknowledged_write_lost,probe_p50_ms,replacement_synced_s" >"$FAILOVER_CSV"
    fi
    fo_load_before="$(cut -d' ' -f1-3 /proc/loadavg)"
    for round in $(seq 1 "$FAILOVER_ROUNDS"); do
        failover_round "$round"
    done
    fo_load_after="$(cut -d' ' -f1-3 /proc/loadavg)"
}

print_failover() {
    local med verdict
    med="$(median "${FO_MS[@]}")"
    if awk -v m="$med" 'BEGIN { exit !(m < 3000) }'; then verdict=yes; else verdict=no; fi
    echo "## Failover (${LABEL_OF[replicas]}, default settings)"
    echo
    echo "A client writes SET failover-probe N over one connection to the master every ${FAILOVER_INTERVAL}s;" \
        "the primary of the key's shard gets SIGKILL; failover time = from the kill to the first +OK" \
        "of a write sent after it. Then a fresh slave with the same shard and replica id replaces the" \
        "killed one. Load average before $fo_load_before, after $fo_load_after."
    echo
    echo "| round | killed primary | new primary | failover ms | failed writes until then | last acknowledged N / GET after | acknowledged write lost | probe write p50 ms before the kill | replacement synced after s |"
    echo "|---:|---|---|---:|---|---|---|---:|---:|"
    printf '%s' "$FO_ROWS"
    echo
    echo "Median failover time: $med ms over $FAILOVER_ROUNDS rounds (${FO_MS[*]}); goal < 3000 ms: $verdict"
}

# ---------------------------------------------------------------------------------------------
# main
# ---------------------------------------------------------------------------------------------
log "logs in $BENCH_TMP (kept at exit only with KEEP_TMP=true)"
if ((${#tests[@]} > 0 && ${#pipelines[@]} > 0)); then
    measure_throughput
fi
if ((FAILOVER_ROUNDS > 0)); then
    measure_failover
fi
if ((${#tests[@]} > 0 && ${#pipelines[@]} > 0)); then
    print_throughput
fi
if ((FAILOVER_ROUNDS > 0)); then
    ((${#tests[@]} > 0 && ${#pipelines[@]} > 0)) && echo
    print_failover
fi
