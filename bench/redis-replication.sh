#!/usr/bin/env bash
# What attaching one replica to each Redis shard costs Redis itself: the reference for kvcache's
# own replication benchmark (bench/replication.sh).
#
# Why: issue 17 sets kvcache the bar "replicas vs norepl >= 0.8x" (rps with replication against
# rps without) on the shared 2-core benchmark machine. A replica applies every write its primary
# takes, so when the replicas share the cores with the primaries and the proxy, replication costs
# CPU that the serving processes no longer have, whatever the replication protocol. This script
# shows how far Redis, with its own cheap replication, stays from (or above) that bar on the same
# machine, and what a replica costs it in CPU per request.
#
# Starts two separate clusters, on free loopback ports (127.0.0.1 only), side by side:
#   norepl:   twemproxy (nutcracker: one pool, hash fnv1a_64, distribution ketama, redis true,
#             auto_eject_hosts false, as bench/master-vs-twemproxy.sh) in front of 2 redis-server
#             primaries (--save '' --appendonly no) of weight 1;
#   replicas: the same, and each primary has one redis-server replica (--replicaof 127.0.0.1
#             <primary port>, also --save '' --appendonly no); ready when each replica reports
#             master_link_status:up in INFO replication and its primary lists it as online.
# Redis replicates asynchronously: a write is answered before its replica has it. That is
# kvcache's --kvcache.replication.ack=async, not its default ack=replicas (answered once every
# in-sync replica applied the write). There is no "wait" configuration (WAIT after each write):
# redis-benchmark cannot send a WAIT after each write of a test, and WAIT has no key, so twemproxy
# could not route it anyway; WAIT_REPLICAS=1 is refused for that reason.
# After a discarded warm-up pass over every test on both clusters, every test and pipeline depth
# runs ROUNDS times against each cluster, alternating round by round (norepl, replicas; the order
# swapped every other round) so that the noise of a shared machine falls on both alike, and the
# medians are printed. Every run also records the CPU time (user + system, from /proc/PID/stat)
# used, per request, by the whole configuration (nutcracker + all its redis-servers); in the
# replicas configuration the CPU time is read once each replica has caught up with its primary
# (replication offsets equal), so that it includes applying the run's last writes.
#
# Usage: bench/redis-replication.sh   (options below as environment variables)
#   e.g. ROUNDS=1 REQUESTS=2000 TESTS=SET QUIET_WAIT_MINUTES=0 bench/redis-replication.sh
#
# Environment (all optional):
#   ROUNDS=3                 runs per configuration, test and pipeline depth
#   REQUESTS=200000          requests per run at -P 1
#   REQUESTS_PIPELINED=...   requests per run at -P > 1 (default 8 x REQUESTS)
#   WARMUP_REQUESTS=...      requests per test in the discarded warm-up (default REQUESTS / 2,
#                            x 8 when pipelined)
#   CLIENTS=50               redis-benchmark -c
#   PIPELINES="1 16"         redis-benchmark -P values
#   TESTS="SET INCR LPUSH"   write tests; LPUSH uses the one key "mylist" (one shard), deleted
#                            before every LPUSH run
#   KEYSPACE=100000          redis-benchmark -r for SET and INCR
#   SYNC_TIMEOUT=60          seconds a replica may take to be up (master_link_status:up), and to
#                            catch up with its primary after a run
#   WAIT_REPLICAS=0          1 is refused: see above (Redis acknowledges asynchronously)
#   QUIET_WAIT_MINUTES=20    before starting anything, wait (polling every 30 s) until no
#                            redis-benchmark runs on the machine and the 1-minute load average
#                            is below QUIET_LOAD; give up (exit 1) after this many minutes;
#                            0: do not wait
#   QUIET_LOAD=2.5
#   RAW_CSV=path             also write every run as CSV
#   KEEP_TMP=true            keep the logs of every process (in /tmp/kvcache-bench.*) at exit
#
# Output: a Markdown table on stdout; progress and every single run on stderr. Only the processes
# this script started are stopped (by their PID, at exit).
set -euo pipefail

# This script runs no Java. A JAVA_HOME without a java keeps lib.sh from running `java -version`
# to check the JDK (lib.sh then names its default JDK, which nothing here uses).
JAVA_HOME=/nonexistent
# shellcheck source=bench/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

ROUNDS="${ROUNDS:-3}"
REQUESTS="${REQUESTS:-200000}"
REQUESTS_PIPELINED="${REQUESTS_PIPELINED:-$((REQUESTS * 8))}"
WARMUP_REQUESTS="${WARMUP_REQUESTS:-$((REQUESTS / 2))}"
CLIENTS="${CLIENTS:-50}"
PIPELINES="${PIPELINES:-1 16}"
TESTS="${TESTS:-SET INCR LPUSH}"
KEYSPACE="${KEYSPACE:-100000}"
SYNC_TIMEOUT="${SYNC_TIMEOUT:-60}"
WAIT_REPLICAS="${WAIT_REPLICAS:-0}"
QUIET_WAIT_MINUTES="${QUIET_WAIT_MINUTES:-20}"
QUIET_LOAD="${QUIET_LOAD:-2.5}"
RAW_CSV="${RAW_CSV:-}"

for var in ROUNDS REQUESTS REQUESTS_PIPELINED WARMUP_REQUESTS CLIENTS KEYSPACE SYNC_TIMEOUT; do
    [[ "${!var}" =~ ^[1-9][0-9]*$ ]] || die "$var must be a positive integer"
done
[[ "$QUIET_WAIT_MINUTES" =~ ^[0-9]+$ ]] || die "QUIET_WAIT_MINUTES must be a non-negative integer"
[[ "$QUIET_LOAD" =~ ^[0-9]+(\.[0-9]+)?$ ]] || die "QUIET_LOAD must be a number"
case "$WAIT_REPLICAS" in
    0) ;;
    1) die "WAIT_REPLICAS=1: redis-benchmark cannot send WAIT after each write (and twemproxy cannot" \
        "route WAIT, it has no key); Redis acknowledges asynchronously, i.e. kvcache's ack=async" ;;
    *) die "WAIT_REPLICAS must be 0 (1 is not supported)" ;;
esac
read -r -a tests <<<"$TESTS"
read -r -a pipelines <<<"$PIPELINES"
((${#tests[@]} > 0)) || die "TESTS is empty"
((${#pipelines[@]} > 0)) || die "PIPELINES is empty"
for test in "${tests[@]}"; do
    case "$test" in
        SET | INCR | LPUSH) ;;
        *) die "TESTS: $test is not one of SET INCR LPUSH" ;;
    esac
done
for pipeline in "${pipelines[@]}"; do
    [[ "$pipeline" =~ ^[1-9][0-9]*$ ]] || die "PIPELINES: $pipeline is not a positive integer"
done
for tool in redis-server redis-cli redis-benchmark nutcracker ss awk getconf; do
    command -v "$tool" >/dev/null || die "$tool is not installed"
done

if ((QUIET_WAIT_MINUTES > 0)); then
    wait_for_quiet
fi

# As lib.sh's bench_init, without its java check: every process started is in BENCH_PIDS and
# stopped by PID at exit.
BENCH_TMP="$(mktemp -d /tmp/kvcache-bench.XXXXXX)"
trap bench_cleanup EXIT
trap 'exit 130' INT TERM

CLK_TCK="$(getconf CLK_TCK)"
CONFIGS=(norepl replicas)
declare -A LABEL_OF=([norepl]="nutcracker + 2 redis-server primaries, no replication"
    [replicas]="nutcracker + 2 redis-server primaries, each with 1 redis-server replica (asynchronous: kvcache's ack=async)")

# ---------------------------------------------------------------------------------------------
# clusters
# ---------------------------------------------------------------------------------------------
declare -A TWEM_PORT TWEM_PID PRIMARY_PORTS PRIMARY_PIDS REPLICA_PORTS REPLICA_PIDS # by config

# start_replica PORT PRIMARY_PORT: sets REDIS_PID. Its own RDB file name: a replica loads the full
# sync from disk, and the replicas share BENCH_TMP.
start_replica() {
    local port="$1" primary_port="$2"
    redis-server --port "$port" --bind 127.0.0.1 --save '' --appendonly no \
        --replicaof 127.0.0.1 "$primary_port" --dbfilename "replica-$port.rdb" \
        --daemonize no --dir "$BENCH_TMP" --logfile "$BENCH_TMP/redis-$port.log" &
    REDIS_PID=$!
    BENCH_PIDS+=("$REDIS_PID")
    wait_ping "$port" "$REDIS_PID" 10
    log "redis-server pid $REDIS_PID on 127.0.0.1:$port, replica of 127.0.0.1:$primary_port"
}

# start_twemproxy CONFIG PORT...: nutcracker in front of the redis-servers on PORTs.
start_twemproxy() {
    local cfg="$1" port conf stats_port
    shift
    TWEM_PORT[$cfg]="$(free_port)"
    stats_port="$(free_port)"
    conf="$BENCH_TMP/nutcracker-$cfg.yml"
    {
        echo "kvbench:"
        echo "  listen: 127.0.0.1:${TWEM_PORT[$cfg]}"
        echo "  hash: fnv1a_64"
        echo "  distribution: ketama"
        echo "  redis: true"
        echo "  auto_eject_hosts: false"
        echo "  servers:"
        for port in "$@"; do
            echo "    - 127.0.0.1:$port:1"
        done
    } >"$conf"
    nutcracker -t -c "$conf" >/dev/null 2>&1 || die "nutcracker rejects $conf"
    nutcracker -c "$conf" -a 127.0.0.1 -s "$stats_port" -o "$BENCH_TMP/nutcracker-$cfg.log" &
    TWEM_PID[$cfg]=$!
    BENCH_PIDS+=("${TWEM_PID[$cfg]}")
    wait_ping "${TWEM_PORT[$cfg]}" "${TWEM_PID[$cfg]}" 10
    log "$cfg: nutcracker pid ${TWEM_PID[$cfg]} on 127.0.0.1:${TWEM_PORT[$cfg]} (stats $stats_port)"
}

# info_field PORT FIELD: FIELD's value in INFO replication of the redis-server on PORT.
info_field() {
    redis-cli -h 127.0.0.1 -p "$1" info replication 2>/dev/null | tr -d '\r' |
        awk -F: -v f="$2" '$1 == f { print $2; found = 1 } END { exit !found }'
}

# replica_up PRIMARY_PORT REPLICA_PORT: the replica's link is up and its primary lists it online.
replica_up() {
    [[ "$(info_field "$2" master_link_status)" == up ]] || return 1
    redis-cli -h 127.0.0.1 -p "$1" info replication 2>/dev/null | tr -d '\r' |
        grep -Eq "^slave[0-9]+:ip=127\.0\.0\.1,port=$2,state=online,"
}

# await_caught_up CONFIG: every replica of CONFIG has applied everything its primary had when
# this was called (its slave_repl_offset reached the primary's master_repl_offset).
await_caught_up() {
    local cfg="$1" i primary replica want have deadline=$((SECONDS + SYNC_TIMEOUT))
    local -a primaries replicas
    read -r -a primaries <<<"${PRIMARY_PORTS[$cfg]}"
    read -r -a replicas <<<"${REPLICA_PORTS[$cfg]:-}"
    for i in "${!replicas[@]}"; do
        primary="${primaries[$i]}"
        replica="${replicas[$i]}"
        want="$(info_field "$primary" master_repl_offset)" || die "$cfg: no INFO replication from 127.0.0.1:$primary"
        while true; do
            have="$(info_field "$replica" slave_repl_offset || echo -1)"
            [[ "$have" =~ ^[0-9]+$ ]] && ((have >= want)) && break
            ((SECONDS <= deadline)) || die "$cfg: replica 127.0.0.1:$replica at offset $have," \
                "its primary 127.0.0.1:$primary at $want after ${SYNC_TIMEOUT}s; see $BENCH_TMP/redis-$replica.log"
            sleep 0.02
        done
    done
}

start_cluster() { # CONFIG
    local cfg="$1" i port start
    local -a ports=() pids=() rports=() rpids=()
    for _ in 1 2; do
        port="$(free_port)"
        start_redis "$port"
        ports+=("$port")
        pids+=("$REDIS_PID")
    done
    PRIMARY_PORTS[$cfg]="${ports[*]}"
    PRIMARY_PIDS[$cfg]="${pids[*]}"
    if [[ "$cfg" == replicas ]]; then
        for i in "${!ports[@]}"; do
            port="$(free_port)"
            start_replica "$port" "${ports[$i]}"
            rports+=("$port")
            rpids+=("$REDIS_PID")
        done
        REPLICA_PORTS[$cfg]="${rports[*]}"
        REPLICA_PIDS[$cfg]="${rpids[*]}"
        start=$SECONDS
        for i in "${!rports[@]}"; do
            until replica_up "${ports[$i]}" "${rports[$i]}"; do
                kill -0 "${rpids[$i]}" 2>/dev/null || die "$cfg: replica pid ${rpids[$i]} exited; see $BENCH_TMP/redis-${rports[$i]}.log"
                ((SECONDS - start <= SYNC_TIMEOUT)) || die "$cfg: replica 127.0.0.1:${rports[$i]} not up after" \
                    "${SYNC_TIMEOUT}s; see $BENCH_TMP/redis-${rports[$i]}.log (KEEP_TMP=true keeps it)"
                sleep 0.2
            done
            log "$cfg: replica 127.0.0.1:${rports[$i]} up (master_link_status:up), online at 127.0.0.1:${ports[$i]}"
        done
    fi
    start_twemproxy "$cfg" "${ports[@]}"
    # The proxy must route, and in "replicas" the write must reach exactly one replica.
    port="${TWEM_PORT[$cfg]}"
    redis-cli -h 127.0.0.1 -p "$port" set bench:check ok >/dev/null
    [[ "$(redis-cli -h 127.0.0.1 -p "$port" get bench:check)" == ok ]] || die "$cfg: nutcracker does not answer GET"
    if [[ "$cfg" == replicas ]]; then
        await_caught_up "$cfg"
        local copies=0
        for port in "${rports[@]}"; do
            copies=$((copies + $(redis-cli -h 127.0.0.1 -p "$port" exists bench:check)))
        done
        ((copies == 1)) || die "$cfg: bench:check is on $copies replicas, not 1"
    fi
    redis-cli -h 127.0.0.1 -p "${TWEM_PORT[$cfg]}" del bench:check >/dev/null
    log "$cfg: up (${LABEL_OF[$cfg]})"
}

cluster_pids() { # CONFIG: nutcracker and every redis-server of the configuration
    local cfg="$1" pid
    printf '%s\n' "${TWEM_PID[$cfg]}"
    for pid in ${PRIMARY_PIDS[$cfg]} ${REPLICA_PIDS[$cfg]:-}; do
        printf '%s\n' "$pid"
    done
}

# ---------------------------------------------------------------------------------------------
# measuring
# ---------------------------------------------------------------------------------------------

# run_benchmark CONFIG TEST PIPELINE REQUESTS
#   -> "rps p50_ms p99_ms cluster_cpu_us_per_request replica_cpu_us_per_request"
run_benchmark() {
    local cfg="$1" test="$2" pipeline="$3" n="$4" port pids rpids random=() out
    local before after rbefore=0 rafter=0
    port="${TWEM_PORT[$cfg]}"
    mapfile -t pids < <(cluster_pids "$cfg")
    read -r -a rpids <<<"${REPLICA_PIDS[$cfg]:-}"
    case "$test" in
        SET | INCR) random=(-r "$KEYSPACE") ;;
        LPUSH) redis-cli -h 127.0.0.1 -p "$port" del mylist >/dev/null ;;
    esac
    # The replicas start the run with nothing left to apply from before it...
    await_caught_up "$cfg"
    before="$(cpu_ticks "${pids[@]}")"
    ((${#rpids[@]} == 0)) || rbefore="$(cpu_ticks "${rpids[@]}")"
    out="$(redis-benchmark -h 127.0.0.1 -p "$port" -c "$CLIENTS" -n "$n" -P "$pipeline" \
        -t "${test,,}" "${random[@]}" --csv 2>/dev/null)" || die "redis-benchmark failed against $cfg: $out"
    # ... and end it having applied all of it.
    await_caught_up "$cfg"
    after="$(cpu_ticks "${pids[@]}")"
    ((${#rpids[@]} == 0)) || rafter="$(cpu_ticks "${rpids[@]}")"
    awk -F, -v test="$test" -v n="$n" -v cpu_us="$(((after - before) * 1000000 / CLK_TCK))" \
        -v replica_us="$(((rafter - rbefore) * 1000000 / CLK_TCK))" '
        { gsub(/"/, "") }
        NR == 1 { for (i = 1; i <= NF; i++) col[$i] = i; next }
        toupper($1) == test {
            if (!("p50_latency_ms" in col) || !("p99_latency_ms" in col)) exit 1
            printf "%s %s %s %.3f %.3f\n", $col["rps"], $col["p50_latency_ms"], $col["p99_latency_ms"],
                cpu_us / n, replica_us / n
            found = 1
        }
        END { if (!found) exit 1 }' <<<"$out" || die "could not parse redis-benchmark output: $out"
}

declare -A RPS P50 P99 CPU RCPU
measure() { # CONFIG TEST PIPELINE ROUND
    local cfg="$1" test="$2" pipeline="$3" round="$4" r l50 l99 cc rc
    read -r r l50 l99 cc rc < <(run_benchmark "$cfg" "$test" "$pipeline" "$(requests_for "$pipeline")")
    log "$(printf '%-8s %-5s -P %-2s round %s: %10s rps  p50 %s ms  p99 %s ms  cluster CPU %s us/req  replica CPU %s us/req' \
        "$cfg" "$test" "$pipeline" "$round" "$r" "$l50" "$l99" "$cc" "$rc")"
    RPS["$test/$pipeline/$cfg"]+="$r "
    P50["$test/$pipeline/$cfg"]+="$l50 "
    P99["$test/$pipeline/$cfg"]+="$l99 "
    CPU["$test/$pipeline/$cfg"]+="$cc "
    RCPU["$test/$pipeline/$cfg"]+="$rc "
    if [[ -n "$RAW_CSV" ]]; then
        echo "$cfg,$test,$pipeline,$round,$r,$l50,$l99,$cc,$rc" >>"$RAW_CSV"
    fi
}

for cfg in "${CONFIGS[@]}"; do
    start_cluster "$cfg"
done

for cfg in "${CONFIGS[@]}"; do
    log "$cfg: warm-up (discarded): tests=${tests[*]} pipelines=${pipelines[*]}"
    for test in "${tests[@]}"; do
        for pipeline in "${pipelines[@]}"; do
            run_benchmark "$cfg" "$test" "$pipeline" "$(requests_for "$pipeline" warmup)" >/dev/null
        done
    done
done

if [[ -n "$RAW_CSV" ]]; then
    echo "config,test,pipeline,round,rps,p50_ms,p99_ms,cluster_cpu_us_per_request,replica_cpu_us_per_request" >"$RAW_CSV"
fi
load_before="$(cut -d' ' -f1-3 /proc/loadavg)"
log "measuring, alternating the configurations; load average $load_before"
for test in "${tests[@]}"; do
    for pipeline in "${pipelines[@]}"; do
        for round in $(seq 1 "$ROUNDS"); do
            for i in "${!CONFIGS[@]}"; do
                measure "${CONFIGS[$(((i + round - 1) % ${#CONFIGS[@]}))]}" "$test" "$pipeline" "$round"
            done
        done
    done
done
load_after="$(cut -d' ' -f1-3 /proc/loadavg)"
log "measured; load average $load_after"

for i in 0 1; do
    read -r -a ports <<<"${PRIMARY_PORTS[replicas]}"
    read -r -a rports <<<"${REPLICA_PORTS[replicas]}"
    log "replicas: primary 127.0.0.1:${ports[$i]} $(redis-cli -h 127.0.0.1 -p "${ports[$i]}" dbsize) keys," \
        "its replica 127.0.0.1:${rports[$i]} $(redis-cli -h 127.0.0.1 -p "${rports[$i]}" dbsize) keys"
done

# ---------------------------------------------------------------------------------------------
# output
# ---------------------------------------------------------------------------------------------
echo "## Redis: one replica per shard against none (reference for bench/replication.sh)"
echo
echo "$(nutcracker --version 2>&1 | head -n 1 | sed "s/^This is //") + $(redis-server --version | cut -d' ' -f1-3), loopback; $(nproc) CPUs"
for cfg in "${CONFIGS[@]}"; do
    echo "- $cfg: ${LABEL_OF[$cfg]}"
done
echo
echo "Redis answers a write before its replica has it (asynchronous replication, no WAIT): compare" \
    "replicas/norepl with kvcache's ack=async, not ack=replicas. The kvcache bar (issue 17) is" \
    "replicas/norepl >= 0.8."
echo
echo "redis-benchmark -c $CLIENTS, -n $REQUESTS (-P 1) / $REQUESTS_PIPELINED (pipelined), -r $KEYSPACE for SET/INCR," \
    "LPUSH on one list (one shard); medians of $ROUNDS rounds per cell, the configurations alternated round by round," \
    "both running side by side; load average before $load_before, after $load_after. Cluster CPU: nutcracker + all" \
    "redis-servers of the configuration, read once the replicas caught up; replica CPU: the 2 replicas alone."
echo
echo "| test | -P | norepl rps | replicas rps | replicas/norepl | >= 0.8 | p50 ms norepl / replicas | p99 ms norepl / replicas | p99 replicas/norepl | cluster CPU us/req norepl / replicas | cluster CPU replicas/norepl | replica CPU us/req |"
echo "|---|---:|---:|---:|---:|---|---:|---:|---:|---:|---:|---:|"
for test in "${tests[@]}"; do
    for pipeline in "${pipelines[@]}"; do
        declare -A m=()
        for cfg in "${CONFIGS[@]}"; do
            # shellcheck disable=SC2086 # the values are space-separated numbers
            {
                m[rps/$cfg]="$(median ${RPS["$test/$pipeline/$cfg"]})"
                m[p50/$cfg]="$(median ${P50["$test/$pipeline/$cfg"]})"
                m[p99/$cfg]="$(median ${P99["$test/$pipeline/$cfg"]})"
                m[cpu/$cfg]="$(median ${CPU["$test/$pipeline/$cfg"]})"
            }
        done
        # shellcheck disable=SC2086
        m[rcpu]="$(median ${RCPU["$test/$pipeline/replicas"]})"
        awk -v t="$test" -v p="$pipeline" \
            -v a="${m[rps/norepl]}" -v b="${m[rps/replicas]}" \
            -v a50="${m[p50/norepl]}" -v b50="${m[p50/replicas]}" \
            -v a99="${m[p99/norepl]}" -v b99="${m[p99/replicas]}" \
            -v acpu="${m[cpu/norepl]}" -v bcpu="${m[cpu/replicas]}" -v rcpu="${m[rcpu]}" 'BEGIN {
                ratio = (a > 0) ? b / a : 0
                p99r = (a99 > 0) ? sprintf("%.2f", b99 / a99) : "-"
                cpur = (acpu > 0) ? sprintf("%.2f", bcpu / acpu) : "-"
                printf "| %s | %s | %.0f | %.0f | %.2f | %s | %s / %s | %s / %s | %s | %.2f / %.2f | %s | %.2f |\n",
                    t, p, a, b, ratio, (ratio >= 0.8 ? "yes" : "no"), a50, b50, a99, b99, p99r,
                    acpu, bcpu, cpur, rcpu
            }'
        unset m
    done
done
