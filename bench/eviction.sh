#!/usr/bin/env bash
# Hit ratio and throughput of a cache workload on a kvcache slave beside redis-server, both with
# the same maxmemory and maxmemory-policy (set on each with CONFIG SET): bench/CacheWorkload.java,
# cache-aside (GET; on a miss SET the key) over KEYS keys drawn from a Zipf distribution, a key
# space several times larger than maxmemory holds. The same seeded request sequence goes to both,
# one server after the other for each policy (interleaved, so load on the machine hits both alike).
#
# Environment (all optional):
#   JAR=path                slave jar (default: cache-slave/target/cache-slave-*-exec.jar)
#   POLICIES="allkeys-lru allkeys-lfu"   policies to run
#   MAXMEMORY=32mb          maxmemory of both servers
#   KEYS=1000000            key space; VALUE=100 bytes per value
#   ZIPF=0.99               Zipf exponent (s)
#   CLIENTS=4 PIPELINE=32   connections and requests per batch
#   WARMUP=1000000 OPS=2000000   GETs to fill the cache, then GETs measured
#   SEED=1                  the request sequence
#   SLAVE_JAVA_OPTS="-Xms512m -Xmx512m -XX:+UseParallelGC"   (maxmemory may be at most half the heap)
#
# Output: a Markdown table on stdout (hit ratio and GETs per second of the measured phase, keys
# held and used_memory at the end, evicted_keys); progress on stderr.
set -euo pipefail

# shellcheck source=bench/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

POLICIES="${POLICIES:-allkeys-lru allkeys-lfu}"
MAXMEMORY="${MAXMEMORY:-32mb}"
KEYS="${KEYS:-1000000}"
VALUE="${VALUE:-100}"
ZIPF="${ZIPF:-0.99}"
CLIENTS="${CLIENTS:-4}"
PIPELINE="${PIPELINE:-32}"
WARMUP="${WARMUP:-1000000}"
OPS="${OPS:-2000000}"
SEED="${SEED:-1}"
SLAVE_JAVA_OPTS="${SLAVE_JAVA_OPTS:--Xms512m -Xmx512m -XX:+UseParallelGC}"

bench_init
jar="$(slave_jar)"
read -r -a slave_java_opts <<<"$SLAVE_JAVA_OPTS"
SLAVE_ARGS=()

slave_port="$(free_port)"
redis_port="$(free_port)"
start_slave "$jar" "$slave_port" "${slave_java_opts[@]}"
start_redis "$redis_port"

info() { # info PORT FIELD
    redis-cli -h 127.0.0.1 -p "$1" info all | tr -d '\r' | awk -F: -v f="$2" '$1 == f { print $2 }'
}

# run NAME PORT POLICY: one line of the table
run() {
    local name="$1" port="$2" policy="$3"
    redis-cli -h 127.0.0.1 -p "$port" flushall >/dev/null
    redis-cli -h 127.0.0.1 -p "$port" config set maxmemory "$MAXMEMORY" maxmemory-policy "$policy" >/dev/null
    redis-cli -h 127.0.0.1 -p "$port" config resetstat >/dev/null
    local result hits misses gets seconds rate
    log "$name $policy: warm-up $WARMUP GETs, then $OPS measured"
    result="$("$JAVA" "$BENCH_DIR/CacheWorkload.java" 127.0.0.1 "$port" "$KEYS" "$VALUE" "$ZIPF" "$CLIENTS" \
        "$PIPELINE" "$WARMUP" "$OPS" "$SEED")"
    read -r hits misses gets _ seconds rate <<<"$result"
    printf '| %s | %s | %.2f%% | %s | %s | %s | %s |\n' "$name" "$policy" \
        "$(awk -v h="$hits" -v g="$gets" 'BEGIN { print 100 * h / g }')" "$rate" \
        "$(redis-cli -h 127.0.0.1 -p "$port" dbsize)" "$(info "$port" used_memory)" "$(info "$port" evicted_keys)"
    log "$name $policy: $gets GETs in ${seconds}s"
}

echo "maxmemory $MAXMEMORY, $KEYS keys of $VALUE bytes, Zipf s=$ZIPF, $CLIENTS clients x pipeline $PIPELINE," \
    "$WARMUP warm-up + $OPS measured GETs (cache-aside), seed $SEED"
echo
echo "| server | policy | hit ratio | GETs/s | keys held | used_memory | evicted_keys |"
echo "| --- | --- | ---: | ---: | ---: | ---: | ---: |"
for policy in $POLICIES; do
    run redis-server "$redis_port" "$policy"
    run kvcache "$slave_port" "$policy"
done
