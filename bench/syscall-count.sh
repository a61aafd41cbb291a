#!/usr/bin/env bash
# System calls per request of a kvcache slave and of redis-server under the same redis-benchmark
# load, counted with `strace -c` attached to every thread of the server. strace slows the
# server down a lot: the counts per request are what this measures, not the speed.
# Also counts the context switches per request (from /proc/PID/task/*/status, summed over the
# server's threads) in a run without strace.
#
# Environment (all optional):
#   JAR=path                 slave jar (default: cache-slave/target/cache-slave-*-exec.jar,
#                            built if missing)
#   TEST=get                 redis-benchmark -t
#   PIPELINES="1 16"         redis-benchmark -P values
#   REQUESTS=100000          requests per counted run
#   CLIENTS=50               redis-benchmark -c
#   IO_THREADS=0            the slave's I/O threads (--kvcache.slave.io-threads; 0: half the cores)
#   SLAVE_JAVA_OPTS="-Xms1g -Xmx1g"
#   TOP=8                    system calls shown per run
set -euo pipefail

# shellcheck source=bench/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

TEST="${TEST:-get}"
PIPELINES="${PIPELINES:-1 16}"
REQUESTS="${REQUESTS:-100000}"
CLIENTS="${CLIENTS:-50}"
IO_THREADS="${IO_THREADS:-0}"
SLAVE_JAVA_OPTS="${SLAVE_JAVA_OPTS:--Xms1g -Xmx1g}"
TOP="${TOP:-8}"

command -v strace >/dev/null || die "strace is not installed"
bench_init
jar="$(slave_jar)"
SLAVE_ARGS=()
SLAVE_ARGS+=(--kvcache.slave.io-threads="$IO_THREADS")
read -r -a slave_java_opts <<<"$SLAVE_JAVA_OPTS"
read -r -a pipelines <<<"$PIPELINES"

slave_port="$(free_port)"
redis_port="$(free_port)"
start_slave "$jar" "$slave_port" "${slave_java_opts[@]}"
start_redis "$redis_port"

benchmark() { # PORT PIPELINE REQUESTS
    redis-benchmark -h 127.0.0.1 -p "$1" -c "$CLIENTS" -P "$2" -n "$3" -r 100000 -t "$TEST" -q \
        >/dev/null 2>&1
}

log "warm-up"
for pipeline in "${pipelines[@]}"; do
    benchmark "$slave_port" "$pipeline" 500000
    benchmark "$redis_port" "$pipeline" 200000
done

# count NAME PID PORT PIPELINE: strace -c over one run, printed as calls per request.
count() {
    local name="$1" pid="$2" port="$3" pipeline="$4" tids=() tid
    for tid in /proc/"$pid"/task/*; do
        tids+=(-p "${tid##*/}")
    done
    local out="$BENCH_TMP/strace-$name-$pipeline.txt"
    strace -c -f -o "$out" "${tids[@]}" 2>/dev/null &
    local strace_pid=$!
    sleep 1
    benchmark "$port" "$pipeline" "$REQUESTS"
    kill -INT "$strace_pid"
    wait "$strace_pid" || true
    echo
    echo "$name, -P $pipeline: system calls per request ($REQUESTS requests, -c $CLIENTS, -t $TEST)"
    echo
    echo "| syscall | calls | per request |"
    echo "|---|---:|---:|"
    awk -v n="$REQUESTS" -v top="$TOP" '
        $NF == "total" { total = $4; next }
        $1 ~ /^[0-9.]+$/ && NF >= 5 { rows[++k] = sprintf("%d\t%s", $4, $NF) }
        END {
            for (i = 1; i <= k; i++) print rows[i]
            print total "\t(all)"
        }' "$out" | sort -t$'\t' -k1,1nr | sed -n "1,$((TOP + 1))p" |
        awk -F'\t' -v n="$REQUESTS" '{ printf "| %s | %d | %.2f |\n", $2, $1, $1 / n }'
}

# Voluntary and involuntary context switches of all the threads of PID so far.
context_switches() { # PID
    cat /proc/"$1"/task/*/status 2>/dev/null |
        awk '$1 ~ /^(voluntary|nonvoluntary)_ctxt_switches:$/ { n[$1] += $2 }
             END { print n["voluntary_ctxt_switches:"] + 0, n["nonvoluntary_ctxt_switches:"] + 0 }'
}

echo "Context switches per request (no strace; $REQUESTS requests, -c $CLIENTS, -t $TEST):"
echo
echo "| server | -P | voluntary | involuntary |"
echo "|---|---:|---:|---:|"
for pipeline in "${pipelines[@]}"; do
    for server in slave redis; do
        if [[ "$server" == slave ]]; then pid="$SLAVE_PID" port="$slave_port"; else pid="$REDIS_PID" port="$redis_port"; fi
        read -r v0 i0 < <(context_switches "$pid")
        benchmark "$port" "$pipeline" "$REQUESTS"
        read -r v1 i1 < <(context_switches "$pid")
        awk -v s="$server" -v p="$pipeline" -v v=$((v1 - v0)) -v i=$((i1 - i0)) -v n="$REQUESTS" \
            'BEGIN { printf "| %s | %s | %.3f | %.3f |\n", s, p, v / n, i / n }'
    done
done

for pipeline in "${pipelines[@]}"; do
    count slave "$SLAVE_PID" "$slave_port" "$pipeline"
    count redis "$REDIS_PID" "$redis_port" "$pipeline"
done
