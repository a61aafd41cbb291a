#!/usr/bin/env bash
# Whether clients blocked in BLPOP slow down everybody else (issue "Data model", blocking pops),
# measured through one kvcache master on loopback.
#
# A master and 2 shards (REPLICAS replicas each, default 2, as ./kvcache start) start on free
# loopback ports. Then, ROUNDS times, alternating (and the order of the two swapped every round):
#   without: redis-benchmark -c CLIENTS -P PIPELINE -t set,get -r KEYSPACE through the master;
#   with:    BLOCKED clients (a python3 holder, one connection each) first send
#            "BLPOP blocked:<i> 0" through the master and stay blocked (the run starts once the
#            shards' INFO blocked_clients adds up to BLOCKED), then, after SETTLE seconds (as before
#            every run), the same redis-benchmark run;
#            afterwards the holder closes its connections and the next round waits until no
#            client is blocked any more.
# The table gives the medians of each test's requests per second and their ratio, and the CPU
# time per request of the cluster (master + slaves, from /proc/PID/stat) during the runs.
#
# Goal: with >= 0.9 x without.
#
# Usage: bench/blocked-clients.sh    e.g. ROUNDS=5 BLOCKED=1000 bench/blocked-clients.sh
#
# Environment (all optional):
#   MASTER_JAR, JAR          the master and slave jars (default: built in cache-*/target)
#   BLOCKED=1000             blocked clients in the "with" runs
#   REPLICAS=2               replicas per shard
#   CLIENTS=50               redis-benchmark -c
#   PIPELINE=16              redis-benchmark -P
#   REQUESTS=400000          requests per redis-benchmark run and test
#   KEYSPACE=100000          redis-benchmark -r
#   ROUNDS=3                 runs of each kind
#   SETTLE=5                 seconds of quiet before every run, with or without blocked clients (the
#                            1,000 connections' set-up, its allocations and compilations, is not
#                            what is measured)
#   SLAVE_ARGS="..."         extra kvcache arguments of every slave (e.g. ./kvcache start's
#                            "--kvcache.slave.maxmemory=400mb --kvcache.replication.min-replicas-to-write=1")
#   MASTER_JAVA_OPTS="-Xms256m -Xmx1g"    SLAVE_JAVA_OPTS="-Xms1g -Xmx3g -XX:+UseParallelGC" (as ./kvcache start)
#   KEEP_TMP=true            keep the logs (in /tmp/kvcache-bench.*)
#
# Output: a Markdown table on stdout; progress on stderr.
set -euo pipefail

# shellcheck source=bench/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

BLOCKED="${BLOCKED:-1000}"
REPLICAS="${REPLICAS:-2}"
CLIENTS="${CLIENTS:-50}"
PIPELINE="${PIPELINE:-16}"
REQUESTS="${REQUESTS:-400000}"
KEYSPACE="${KEYSPACE:-100000}"
ROUNDS="${ROUNDS:-3}"
SETTLE="${SETTLE:-5}"
read -r -a MASTER_OPTS <<<"${MASTER_JAVA_OPTS:--Xms256m -Xmx1g}"
read -r -a SLAVE_OPTS <<<"${SLAVE_JAVA_OPTS:--Xms1g -Xmx3g -XX:+UseParallelGC}"
read -r -a EXTRA_SLAVE_ARGS <<<"${SLAVE_ARGS:-}"

bench_init
command -v python3 >/dev/null || die "python3 is not installed"
MASTER="$(master_jar)"
SLAVE="$(slave_jar)"
SECRET="bench-$RANDOM$RANDOM$RANDOM"
MASTER_PORT="$(free_port)"
ENROLLMENT_PORT="$(free_port)"
MASTER_HTTP="$(free_port)"

"$JAVA" "${MASTER_OPTS[@]}" -jar "$MASTER" --kvcache.master.port="$MASTER_PORT" \
    --kvcache.master.enrollment-port="$ENROLLMENT_PORT" --kvcache.master.http-port="$MASTER_HTTP" \
    --kvcache.cluster.secret="$SECRET" >"$BENCH_TMP/master.log" 2>&1 &
BENCH_PIDS+=("$!")
wait_ping "$MASTER_PORT" "$!" 120
log "master on 127.0.0.1:$MASTER_PORT"

SLAVE_PORTS=()
for shard in slave1 slave2; do
    for r in $(seq 1 "$REPLICAS"); do
        port="$(free_port)"
        http="$(free_port)"
        "$JAVA" "${SLAVE_OPTS[@]}" -jar "$SLAVE" --kvcache.slave.port="$port" --kvcache.slave.http-port="$http" \
            --kvcache.slave.shard="$shard" --kvcache.slave.replica-id="replica$r" \
            --kvcache.slave.master="127.0.0.1:$ENROLLMENT_PORT" --kvcache.cluster.secret="$SECRET" \
            "${EXTRA_SLAVE_ARGS[@]}" >"$BENCH_TMP/$shard-replica$r.log" 2>&1 &
        BENCH_PIDS+=("$!")
        SLAVE_PORTS+=("$port")
        wait_ping "$port" "$!" 120 "$SECRET"
        log "$shard/replica$r on 127.0.0.1:$port"
    done
done

blocked_now() { # clients blocked on all slaves together
    local port total=0 n
    for port in "${SLAVE_PORTS[@]}"; do
        n="$(REDISCLI_AUTH="$SECRET" redis-cli -h 127.0.0.1 -p "$port" info clients 2>/dev/null |
            tr -d '\r' | awk -F: '$1 == "blocked_clients" { print $2 }')"
        total=$((total + ${n:-0}))
    done
    printf '%s\n' "$total"
}

await_blocked() { # N
    local waited=0
    until [[ "$(blocked_now)" == "$1" ]]; do
        ((waited += 1))
        ((waited <= 600)) || die "blocked clients: $(blocked_now), not $1, after 120 s"
        sleep 0.2
    done
}

until redis-cli -h 127.0.0.1 -p "$MASTER_PORT" set probe 1 2>/dev/null | grep -q OK; do sleep 0.5; done
# Every shard's replicas in sync before measuring: the master's health says UP once they are.
until curl -fs "http://127.0.0.1:$MASTER_HTTP/actuator/health" 2>/dev/null | grep -q '"UP"'; do sleep 0.5; done

HOLDER_PID=""
start_holder() {
    python3 - "$MASTER_PORT" "$BLOCKED" <<'PY' &
import socket, sys, time
port, n = int(sys.argv[1]), int(sys.argv[2])
conns = []
for i in range(n):
    s = socket.create_connection(("127.0.0.1", port))
    key = b"blocked:%d" % i
    s.sendall(b"*3\r\n$5\r\nBLPOP\r\n$%d\r\n%s\r\n$1\r\n0\r\n" % (len(key), key))
    conns.append(s)
while True:
    time.sleep(3600)
PY
    HOLDER_PID=$!
    BENCH_PIDS+=("$HOLDER_PID")
    await_blocked "$BLOCKED"
}

stop_holder() {
    kill "$HOLDER_PID" 2>/dev/null || true
    wait "$HOLDER_PID" 2>/dev/null || true
    await_blocked 0
}

cluster_pids() {
    local pid
    for pid in "${BENCH_PIDS[@]}"; do
        [[ "$pid" != "$HOLDER_PID" && -r "/proc/$pid/stat" ]] && printf '%s\n' "$pid"
    done
}

run() { # KIND: one redis-benchmark run; appends "test rps" lines to $BENCH_TMP/KIND and CPU per request
    local out pids ticks_before ticks_after
    sleep "$SETTLE"
    mapfile -t pids < <(cluster_pids)
    ticks_before="$(cpu_ticks "${pids[@]}")"
    out="$(redis-benchmark -h 127.0.0.1 -p "$MASTER_PORT" -c "$CLIENTS" -P "$PIPELINE" -n "$REQUESTS" \
        -r "$KEYSPACE" -t set,get --csv 2>&1)" || die "redis-benchmark failed: $(head -3 <<<"$out")"
    ticks_after="$(cpu_ticks "${pids[@]}")"
    awk -F, '{ gsub(/"/, "") } $1 == "SET" || $1 == "GET" { print $1, $2 }' <<<"$out" >>"$BENCH_TMP/$1"
    awk -v t="$((ticks_after - ticks_before))" -v hz="$(getconf CLK_TCK)" -v n="$((2 * REQUESTS))" \
        'BEGIN { printf "%.2f\n", t / hz * 1e6 / n }' >>"$BENCH_TMP/$1.cpu"
    log "$1: $(tr '\n' ' ' < <(awk -F, '{ gsub(/"/, "") } $1 == "SET" || $1 == "GET" { print $1, $2 }' <<<"$out"))"
}

# The warm-up runs both kinds once, discarded: the first blocked clients bring code paths the JIT
# has not seen (blocking pops on the master and the slaves; the request loops' profiles change and
# are compiled again), a one-time cost that is not what the blocked clients cost a steady cluster.
log "warm-up"
redis-benchmark -h 127.0.0.1 -p "$MASTER_PORT" -c "$CLIENTS" -P "$PIPELINE" -n "$REQUESTS" -r "$KEYSPACE" \
    -t set,get -q >/dev/null
start_holder
redis-benchmark -h 127.0.0.1 -p "$MASTER_PORT" -c "$CLIENTS" -P "$PIPELINE" -n "$REQUESTS" -r "$KEYSPACE" \
    -t set,get -q >/dev/null
stop_holder
# The order alternates round by round (without-with, then with-without), so that a machine that
# speeds up or slows down through the run does not favour one kind.
for round in $(seq 1 "$ROUNDS"); do
    if ((round % 2 == 1)); then
        run without
        start_holder
        run with
        stop_holder
    else
        start_holder
        run with
        stop_holder
        run without
    fi
done

med() { # FILE TEST
    median $(awk -v t="$2" '$1 == t { print $2 }' "$BENCH_TMP/$1")
}
printf '| %s | %s | %s | %s |\n' "test (-c $CLIENTS -P $PIPELINE)" "without blocked clients" \
    "with $BLOCKED blocked" "ratio"
printf '| --- | --- | --- | --- |\n'
for test in SET GET; do
    a="$(med without "$test")"
    b="$(med with "$test")"
    printf '| %s | %s | %s | %s |\n' "$test" "$a" "$b" "$(awk -v a="$a" -v b="$b" 'BEGIN { printf "%.2f", b / a }')"
done
printf '| CPU µs per request (cluster) | %s | %s | |\n' "$(median $(cat "$BENCH_TMP/without.cpu"))" \
    "$(median $(cat "$BENCH_TMP/with.cpu"))"
printf '\n%s rounds of %s requests per test; medians.\n' "$ROUNDS" "$REQUESTS"
