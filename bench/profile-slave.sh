#!/usr/bin/env bash
# CPU profile of a kvcache slave under a pipelined SET/GET load, with Java Flight Recorder.
#
# Starts a slave on a free loopback port, warms it up with redis-benchmark, then starts a JFR
# recording (settings=profile, plus JDK 25's CPU-time sampler so that time spent in native code
# and system calls is seen too) for DURATION seconds while redis-benchmark
# (-t set,get -c 50 -P 16 -r 100000 by default) runs in a loop, and prints:
#   - execution samples aggregated by top frame (jdk.ExecutionSample, Java code only),
#   - CPU-time samples aggregated by top frame (jdk.CPUTimeSample, includes native frames),
#   - inclusive shares: the fraction of CPU-time samples with a given method anywhere on the stack,
#   - `jfr view hot-methods`, `jfr view allocation-by-site` and `jfr view gc`.
# The recording stays in JFR_FILE for later digging (`jfr view ...`, JDK Mission Control).
#
# Environment (all optional):
#   JAR=path                 slave jar (default: cache-slave/target/cache-slave-*-exec.jar,
#                            built if missing)
#   JFR_FILE=/tmp/slave.jfr  where the recording goes
#   DURATION=30              seconds recorded
#   PIPELINE=16              redis-benchmark -P
#   TESTS=set,get            redis-benchmark -t
#   CLIENTS=50               redis-benchmark -c
#   KEYSPACE=100000          redis-benchmark -r
#   IO_THREADS=0            the slave's I/O threads (--kvcache.slave.io-threads; 0: half the cores)
#   SLAVE_JAVA_OPTS="-Xms1g -Xmx1g"
#   TOP=20                   rows per table
#   ANALYZE_ONLY=false       true: print the tables for an existing JFR_FILE, run nothing
#
# Equivalent by hand: start the slave with
#   -XX:StartFlightRecording=duration=30s,filename=/tmp/slave.jfr,settings=profile
# (this script starts the recording with jcmd after the warm-up instead, so that start-up and
# JIT compilation stay out of it), then `jfr view hot-methods /tmp/slave.jfr`.
set -euo pipefail

# shellcheck source=bench/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

JFR_FILE="${JFR_FILE:-/tmp/slave.jfr}"
DURATION="${DURATION:-30}"
PIPELINE="${PIPELINE:-16}"
TESTS="${TESTS:-set,get}"
CLIENTS="${CLIENTS:-50}"
KEYSPACE="${KEYSPACE:-100000}"
IO_THREADS="${IO_THREADS:-0}"
SLAVE_JAVA_OPTS="${SLAVE_JAVA_OPTS:--Xms1g -Xmx1g}"
TOP="${TOP:-20}"
ANALYZE_ONLY="${ANALYZE_ONLY:-false}"
JFR="$JAVA_HOME/bin/jfr"

[[ "$DURATION" =~ ^[1-9][0-9]*$ ]] || die "DURATION must be a positive integer"

# top_frames EVENT: "samples share frame" for the top frame of every sample of EVENT.
top_frames() {
    "$JFR" print --events "$1" --stack-depth 1 "$JFR_FILE" | awk -v top="$TOP" '
        /stackTrace = \[/ { getline; f = $0; sub(/^ +/, "", f); sub(/ +line:.*$/, "", f); count[f]++; total++ }
        END {
            if (total == 0) { print "(no samples)"; exit }
            for (f in count) printf "%d\t%.1f%%\t%s\n", count[f], 100 * count[f] / total, f
            printf "%d\t100%%\t(all samples)\n", total
        }' | sort -t$'\t' -k1,1nr | sed -n "1,$((TOP + 1))p" | awk -F'\t' '{ printf "| %s | %s | `%s` |\n", $1, $2, $3 }'
}

# inclusive EVENT: share of samples with each method somewhere on the stack (64 frames deep).
inclusive() {
    "$JFR" print --events "$1" --stack-depth 64 "$JFR_FILE" | awk -v top="$TOP" '
        /stackTrace = \[/ { in_stack = 1; delete seen; total++; next }
        in_stack && /^ *\]/ { in_stack = 0; next }
        in_stack {
            f = $0; sub(/^ +/, "", f); sub(/ +line:.*$/, "", f); sub(/\(.*$/, "", f)
            if (f == "..." || f in seen) next
            seen[f] = 1; count[f]++
        }
        END { for (f in count) printf "%d\t%.1f%%\t%s\n", count[f], 100 * count[f] / total, f }' |
        grep -Ev $'\t(java\\.lang\\.Thread\\.run|java\\.lang\\.Thread\\.runWith|java\\.util\\.concurrent\\.ThreadPoolExecutor\\$Worker\\.run|java\\.util\\.concurrent\\.ThreadPoolExecutor\\.runWorker)$' |
        sort -t$'\t' -k1,1nr | sed -n "1,${TOP}p" | awk -F'\t' '{ printf "| %s | %s | `%s` |\n", $1, $2, $3 }'
}

# layers EVENT: every sample charged to one layer. Socket I/O and lock waits are recognised
# anywhere on the stack (they sit under our code); otherwise a JDK frame (java., jdk., sun.) is
# charged to its nearest caller outside the JDK (so HashMap.getNode under Keyspace.lookup counts
# as store, Net.localInetAddress under Spring's SocketInfo as Spring Integration).
layers() {
    "$JFR" print --events "$1" --stack-depth 64 "$JFR_FILE" | awk '
        function charge(l) { count[l]++; layer = l }
        /stackTrace = \[/ { in_stack = 1; layer = ""; total++; next }
        in_stack && /^ *\]/ {
            in_stack = 0
            if (layer == "") charge("other (JDK only)")
            next
        }
        in_stack && layer == "" {
            f = $0; sub(/^ +/, "", f)
            if (f ~ /SocketDispatcher\.write0|NioSocketImpl\.(write|implWrite)|SocketOutputStream/) charge("socket write (write syscall + JDK NIO)")
            else if (f ~ /SocketDispatcher\.read0|NioSocketImpl\.(read|implRead|park)|SocketInputStream/) charge("socket read (read syscall + JDK NIO)")
            else if (f ~ /AbstractQueuedSynchronizer|ReentrantLock|LockSupport/) charge("dispatcher lock (ReentrantLock)")
            else if (f ~ /^(java|javax|jdk|sun|com\.sun)\./ || f == "...") next
            # Spring Boot loader classes are JDK-like here: JarFileUrlKey.equals shows up inside
            # HashMap.getNode, an inlining artefact of the shared HashMap code (the store calls it)
            else if (f ~ /^org\.springframework\.boot\.loader\./) next
            else if (f ~ /^io\.kvcache\.protocol\.(RespReader|RespDeserializer|InlineSplitter|Request)/) charge("RESP parsing (io.kvcache.protocol)")
            else if (f ~ /^io\.kvcache\.protocol\.(RespWriter|RespSerializer)/) charge("reply encoding (RespWriter)")
            else if (f ~ /^io\.kvcache\.slave\.store\./) charge("store: commands + HashMap (io.kvcache.slave.store)")
            else if (f ~ /^io\.kvcache\.(slave\.dispatch|command)\./) charge("dispatch (CommandDispatcher, command table)")
            else if (f ~ /^io\.kvcache\./) charge("other kvcache (endpoint)")
            else if (f ~ /^org\.springframework\./) charge("Spring Integration / messaging (messages, headers, channels)")
            else charge("other")
        }
        END { for (l in count) printf "%d\t%.1f%%\t%s\n", count[l], 100 * count[l] / total, l }' |
        sort -t$'\t' -k1,1nr | awk -F'\t' '{ printf "| %s | %s | %s |\n", $1, $2, $3 }'
}

record() {
    bench_init
    jar="$(slave_jar)"
    SLAVE_ARGS=()
    SLAVE_ARGS+=(--kvcache.slave.io-threads="$IO_THREADS")
    read -r -a slave_java_opts <<<"$SLAVE_JAVA_OPTS"

    port="$(free_port)"
    start_slave "$jar" "$port" "${slave_java_opts[@]}"

    load() { # REQUESTS
        redis-benchmark -h 127.0.0.1 -p "$port" -c "$CLIENTS" -P "$PIPELINE" -r "$KEYSPACE" -t "$TESTS" \
            -n "$1" --csv 2>/dev/null | tr -d '"' | awk -F, 'NR > 1 { printf "%s %s rps  ", $1, $2 } END { print "" }'
    }

    log "warm-up: $(load 1000000)"
    log "warm-up: $(load 1000000)"

    rm -f "$JFR_FILE"
    "$JCMD" "$SLAVE_PID" JFR.start name=bench settings=profile duration="${DURATION}s" \
        filename="$JFR_FILE" 'jdk.CPUTimeSample#enabled=true' 'jdk.CPUTimeSample#throttle=1ms' >&2
    end=$((SECONDS + DURATION + 2))
    while ((SECONDS < end)); do
        log "load: $(load 1000000)"
    done
    for _ in $(seq 1 60); do
        [[ -s "$JFR_FILE" ]] && ! "$JCMD" "$SLAVE_PID" JFR.check 2>/dev/null | grep -q 'name=bench' && break
        sleep 1
    done
    [[ -s "$JFR_FILE" ]] || die "no recording in $JFR_FILE"
    log "recording in $JFR_FILE"
}

if [[ "$ANALYZE_ONLY" == true ]]; then
    [[ -s "$JFR_FILE" ]] || die "no recording in $JFR_FILE"
    jar="(not run)"
else
    record
fi

echo "Slave $(basename "$jar"), java options: $SLAVE_JAVA_OPTS, io threads: $IO_THREADS;"
echo "load: redis-benchmark -t $TESTS -c $CLIENTS -P $PIPELINE -r $KEYSPACE, recorded ${DURATION}s."
echo
echo "### Execution samples (Java code only), by top frame"
echo
echo "| samples | share | top frame |"
echo "|---:|---:|---|"
top_frames jdk.ExecutionSample
echo
echo "### CPU-time samples (Java and native), by top frame"
echo
echo "| samples | share | top frame |"
echo "|---:|---:|---|"
top_frames jdk.CPUTimeSample
echo
echo "### CPU-time samples by layer"
echo
echo "| samples | share | layer |"
echo "|---:|---:|---|"
layers jdk.CPUTimeSample
echo
echo "### CPU-time samples, inclusive (method anywhere on the stack)"
echo
echo "| samples | share | method |"
echo "|---:|---:|---|"
inclusive jdk.CPUTimeSample
echo
echo '### jfr view hot-methods'
echo
echo '```'
"$JFR" view --width 160 hot-methods "$JFR_FILE" | sed -n "1,$((TOP + 6))p"
echo '```'
echo
echo '### jfr view allocation-by-site'
echo
echo '```'
"$JFR" view --width 160 allocation-by-site "$JFR_FILE" | sed -n "1,$((TOP + 6))p"
echo '```'
echo
echo '### jfr view gc (pauses)'
echo
echo '```'
"$JFR" view --width 160 gc-pauses "$JFR_FILE"
echo '```'
