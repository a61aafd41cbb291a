#!/usr/bin/env bash
# How fast keys move when shards leave and join (issue "Scale out and in online"), and what the
# move costs the clients, measured on one kvcache cluster on loopback.
#
# A master and 2 shards (REPLICAS replicas each, default 2: the primary and one replica, default
# ack mode) start on free loopback ports with no maxmemory. 2 x KEYS keys of VALUE_SIZE bytes
# ("key:0000001" ...) are loaded through the master with redis-cli --pipe, so each shard holds
# about KEYS keys. Then:
#
# 1. Scale in: DELETE /admin/shards/slave2 moves every key of slave2 (about KEYS keys) to slave1.
#    Keys moved per second = the master's /admin/rebalance keysMoved over finishedAt - startedAt.
# 2. Scale out: a new shard slave3 (REPLICAS replicas) enrolls; once its processes are up and synced,
#    POST /admin/shards/slave3 lets it join (the master runs with auto-join off, so that the move is
#    measured alone, not the start of two JVMs): about half of the keys move to it.
#
# Client throughput: before each move, redis-benchmark -c CLIENTS -P 1 runs GET and SET (-r KEYS*2,
# -d VALUE_SIZE) through the master, BENCH_ROUNDS times each, alternating; during the move the same
# runs repeat until the move ends (a run that ends after the move is discarded). The table gives
# the medians and their ratio. Runs are short (BENCH_REQUESTS requests) so that several fit in a move.
#
# Goals: 1,000,000 keys moved in under 30 s; client throughput during a move >= 0.7 x before.
#
# Usage: bench/rebalance.sh    e.g. KEYS=100000 BENCH_REQUESTS=20000 bench/rebalance.sh
#
# Environment (all optional):
#   MASTER_JAR, JAR          the master and slave jars (default: built in cache-*/target)
#   KEYS=1000000             keys per shard before the scale in (2 x KEYS are loaded)
#   VALUE_SIZE=100           bytes per value
#   REPLICAS=2               replicas per shard
#   CLIENTS=50               redis-benchmark -c
#   BENCH_REQUESTS=100000    requests per redis-benchmark run
#   BENCH_ROUNDS=3           runs of each test before a move
#   MAX_KEYS_PER_SECOND=0    --kvcache.migration.max-keys-per-second of every slave (0: no cap)
#   CLIENT_LOAD=true         false: no redis-benchmark runs, the moves alone (their speed and CPU)
#   MASTER_JAVA_OPTS="-Xms256m -Xmx1g"    SLAVE_JAVA_OPTS="-Xms1g -Xmx3g -XX:+UseParallelGC" (as ./kvcache start)
#   KEEP_TMP=true            keep the logs (in /tmp/kvcache-bench.*)
#
# Output: Markdown tables on stdout; progress on stderr.
set -euo pipefail

# shellcheck source=bench/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

KEYS="${KEYS:-1000000}"
VALUE_SIZE="${VALUE_SIZE:-100}"
REPLICAS="${REPLICAS:-2}"
CLIENTS="${CLIENTS:-50}"
BENCH_REQUESTS="${BENCH_REQUESTS:-100000}"
BENCH_ROUNDS="${BENCH_ROUNDS:-3}"
CLIENT_LOAD="${CLIENT_LOAD:-true}"
CLK_TCK="$(getconf CLK_TCK)"
MAX_KEYS_PER_SECOND="${MAX_KEYS_PER_SECOND:-0}"
read -r -a MASTER_OPTS <<<"${MASTER_JAVA_OPTS:--Xms256m -Xmx1g}"
read -r -a SLAVE_OPTS <<<"${SLAVE_JAVA_OPTS:--Xms1g -Xmx3g -XX:+UseParallelGC}"

bench_init
command -v curl >/dev/null || die "curl is not installed"
MASTER="$(master_jar)"
SLAVE="$(slave_jar)"
SECRET="bench-$RANDOM$RANDOM$RANDOM"
TOKEN="bench-admin-$RANDOM$RANDOM"
MASTER_PORT="$(free_port)"
ENROLLMENT_PORT="$(free_port)"
MASTER_HTTP="$(free_port)"

admin() { # METHOD PATH
    curl -fs -X "$1" -H "Authorization: Bearer $TOKEN" "http://127.0.0.1:$MASTER_HTTP$2"
}

json() { # FIELD: a top-level scalar of the JSON on stdin
    python3 -c "import json,sys; v=json.load(sys.stdin).get('$1'); print('' if v is None else v)"
}

start_master() {
    "$JAVA" "${MASTER_OPTS[@]}" -jar "$MASTER" --kvcache.master.port="$MASTER_PORT" \
        --kvcache.master.enrollment-port="$ENROLLMENT_PORT" --kvcache.master.http-port="$MASTER_HTTP" \
        --kvcache.cluster.secret="$SECRET" --kvcache.admin.token="$TOKEN" --kvcache.rebalance.auto-join=false \
        >"$BENCH_TMP/master.log" 2>&1 &
    BENCH_PIDS+=("$!")
    wait_ping "$MASTER_PORT" "$!" 120
    log "master on 127.0.0.1:$MASTER_PORT (http $MASTER_HTTP)"
}

declare -A SHARD_PIDS=() NAME_OF=()
name_of() { # PID
    printf '%s\n' "${NAME_OF[$1]:-master}"
}
launch_slave() { # SHARD REPLICA [nowait]
    local port http
    port="$(free_port)"
    http="$(free_port)"
    "$JAVA" "${SLAVE_OPTS[@]}" -jar "$SLAVE" --kvcache.slave.port="$port" --kvcache.slave.http-port="$http" \
        --kvcache.slave.shard="$1" --kvcache.slave.replica-id="$2" --kvcache.slave.master="127.0.0.1:$ENROLLMENT_PORT" \
        --kvcache.cluster.secret="$SECRET" --kvcache.admin.token="$TOKEN" --kvcache.slave.maxmemory=0 \
        --kvcache.migration.max-keys-per-second="$MAX_KEYS_PER_SECOND" >"$BENCH_TMP/$1-$2.log" 2>&1 &
    BENCH_PIDS+=("$!")
    SHARD_PIDS[$1]+="$! "
    NAME_OF[$!]="$1/$2"
    log "$1/$2 starting on 127.0.0.1:$port (http $http)"
    [[ "${3:-}" == nowait ]] || wait_ping "$port" "$!" 120 "$SECRET"
}

# await_ring SHARDS...: until the ring is exactly these shards, no key moving, every replica synced.
await_ring() {
    local want waited=0
    want="$(printf '%s,' "$@")"
    until [[ "$(admin GET /admin/ring 2>/dev/null | python3 -c "
import json, sys
r = json.load(sys.stdin)
print(','.join(r['shards']) + ',' if not r['movingTo'] else 'moving')" 2>/dev/null)" == "$want" ]] && synced "$@"; do
        ((waited += 1))
        ((waited <= 1200)) || die "the ring did not become $* in 240 s; see $BENCH_TMP"
        sleep 0.2
    done
}

synced() { # SHARDS...: every shard has a primary and REPLICAS synced replicas, all UP
    admin GET /admin/slaves 2>/dev/null | python3 -c "
import json, sys
want, n = sys.argv[1:-1], int(sys.argv[-1])
shards = {s['name']: s for s in json.load(sys.stdin)['shards']}
ok = all(w in shards and shards[w]['up'] and len(shards[w]['replicas']) == n
         and all(r['state'] == 'UP' and r['synced'] for r in shards[w]['replicas']) for w in want)
sys.exit(0 if ok else 1)" "$@" "$REPLICAS"
}

load_keys() { # COUNT
    log "loading $1 keys of $VALUE_SIZE bytes"
    awk -v n="$1" -v size="$VALUE_SIZE" 'BEGIN {
        v = sprintf("%*s", size, ""); gsub(/ /, "v", v)
        for (i = 0; i < n; i++) { k = sprintf("key:%07d", i)
            printf "*3\r\n$3\r\nSET\r\n$%d\r\n%s\r\n$%d\r\n%s\r\n", length(k), k, size, v } }' |
        redis-cli -h 127.0.0.1 -p "$MASTER_PORT" --pipe >"$BENCH_TMP/load.log" 2>&1 ||
        die "loading failed: $(tail -3 "$BENCH_TMP/load.log")"
    local dbsize
    dbsize="$(redis-cli -h 127.0.0.1 -p "$MASTER_PORT" dbsize)"
    [[ "$dbsize" == "$1" ]] || die "DBSIZE is $dbsize after loading $1 keys"
}

# benchmark TEST: requests per second of one redis-benchmark run through the master. A run that got
# an error reply (redis-benchmark stops at the first) is an error of this benchmark: clients must not
# see one while keys move.
benchmark() {
    local out
    if ! out="$(redis-benchmark -h 127.0.0.1 -p "$MASTER_PORT" -c "$CLIENTS" -n "$BENCH_REQUESTS" -P 1 -t "${1,,}" \
        -r "$((KEYS * 2))" -d "$VALUE_SIZE" --csv 2>&1)"; then
        die "redis-benchmark $1 failed: $(grep -v '^"' <<<"$out" | head -3)"
    fi
    awk -F, -v t="$1" '{ gsub(/"/, "") } toupper($1) == t { print $2 }' <<<"$out"
}

live_pids() { # the running processes of this cluster
    local pid
    for pid in "${BENCH_PIDS[@]}"; do
        [[ -r "/proc/$pid/stat" ]] && printf '%s\n' "$pid"
    done
}

moving() {
    [[ "$(admin GET /admin/rebalance | json state)" == running ]]
}

# measure_move NAME ACTION...: throughput before, the action (which starts a move), throughput
# during it, and the move's figures. Appends a row to ROWS.
ROWS=()
measure_move() {
    local name="$1" round test rps
    shift
    local -A before=() during=()
    local rounds="$BENCH_ROUNDS" ticks
    [[ "$CLIENT_LOAD" == true ]] || rounds=0
    for round in $(seq 1 "$rounds"); do
        for test in GET SET; do
            rps="$(benchmark "$test")"
            before[$test]+="$rps "
            log "$name: before, $test $rps rps"
        done
    done
    local pids
    mapfile -t pids < <(live_pids)
    ticks="$(cpu_ticks "${pids[@]}")"   # the master and the slaves, not redis-benchmark
    local -A ticks_of=()
    local pid
    for pid in "${pids[@]}"; do
        ticks_of[$pid]="$(cpu_ticks "$pid")"
    done
    "$@" >/dev/null
    local waited=0
    until moving || [[ "$(admin GET /admin/rebalance | json placement)" != "$PLACEMENT_BEFORE" ]]; do
        ((waited += 1))
        ((waited <= 600)) || die "$name: no move started"
        sleep 0.1
    done
    while moving; do
        if [[ "$CLIENT_LOAD" != true ]]; then
            sleep 0.2
            continue
        fi
        for test in GET SET; do
            moving || break
            rps="$(benchmark "$test")"
            if moving; then
                during[$test]+="$rps "
                log "$name: during, $test $rps rps"
            else
                log "$name: during, $test $rps rps (ended after the move: discarded)"
            fi
        done
    done
    local view moved seconds cpu
    # CPU of the processes running before the move (a joining shard's JVMs would count their start-up)
    cpu="$(( ($(cpu_ticks "${pids[@]}") - ticks) * 1000 / CLK_TCK ))"
    for pid in "${pids[@]}"; do
        [[ -r "/proc/$pid/stat" ]] || continue
        log "$name: CPU of $(name_of "$pid") during the move: $(( ($(cpu_ticks "$pid") - ticks_of[$pid]) * 1000 / CLK_TCK )) ms"
    done
    view="$(admin GET /admin/rebalance)"
    moved="$(json keysMoved <<<"$view")"
    seconds="$(python3 -c "
import json, sys, datetime
v = json.loads(sys.argv[1])
p = lambda s: datetime.datetime.fromisoformat(s.replace('Z', '+00:00'))
print('%.1f' % (p(v['finishedAt']) - p(v['startedAt'])).total_seconds())" "$view")"
    local row="| $name | $moved | $seconds | $(awk -v m="$moved" -v s="$seconds" 'BEGIN { printf "%d", m / s }') |"
    row+=" $(awk -v c="$cpu" -v m="$moved" 'BEGIN { printf "%.1f", c * 1000 / m }') |"
    for test in GET SET; do
        local b=- d=-
        if [[ -n "${before[$test]:-}" ]]; then
            # shellcheck disable=SC2086
            b="$(median ${before[$test]})"
        fi
        if [[ -n "${during[$test]:-}" ]]; then
            # shellcheck disable=SC2086
            d="$(median ${during[$test]})"
        fi
        row+=" $b | $d | $(awk -v b="$b" -v d="$d" 'BEGIN { if (d == "-" || b == "-") print "-"; else printf "%.2f", d / b }') |"
    done
    ROWS+=("$row")
}

start_master
for shard in slave1 slave2; do
    for r in $(seq 1 "$REPLICAS"); do
        launch_slave "$shard" "replica$r"
    done
done
# With auto-join off the first ring is the shards that had a primary when the election grace ended;
# a shard that enrolled later joins on POST (an empty move, nothing is stored yet).
admin POST /admin/shards/slave1 >/dev/null
admin POST /admin/shards/slave2 >/dev/null
await_ring slave1 slave2
load_keys "$((KEYS * 2))"

PLACEMENT_BEFORE="$(admin GET /admin/rebalance | json placement)"
measure_move "scale in: drain slave2 (2 -> 1 shard)" admin DELETE /admin/shards/slave2
await_ring slave1
# shellcheck disable=SC2086 # the drained shard's slaves were released: stop them
kill ${SHARD_PIDS[slave2]} 2>/dev/null || true
[[ "$(redis-cli -h 127.0.0.1 -p "$MASTER_PORT" dbsize)" -ge "$((KEYS * 2))" ]] || die "keys missing after the drain"

# slave3's processes start and enroll first (the master runs with auto-join off), so that the move
# is measured alone, not the start of two JVMs.
for r in $(seq 1 "$REPLICAS"); do
    launch_slave slave3 "replica$r"
done
until synced slave3 2>/dev/null; do
    sleep 0.2
done
PLACEMENT_BEFORE="$(admin GET /admin/rebalance | json placement)"
measure_move "scale out: slave3 joins (1 -> 2 shards)" admin POST /admin/shards/slave3
await_ring slave1 slave3

echo
echo "Keys of $VALUE_SIZE bytes, $REPLICAS replicas per shard, ack mode replicas; redis-benchmark -c $CLIENTS -P 1 -n $BENCH_REQUESTS -d $VALUE_SIZE through the master (rps: medians)."
echo
echo "| move | keys moved | seconds | keys/s | CPU µs/key (shards on the ring before) | GET before | GET during | ratio | SET before | SET during | ratio |"
echo "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
printf '%s\n' "${ROWS[@]}"
