# shellcheck shell=bash
# Helpers shared by the bench/ scripts: sourced, never run on its own.
#
# Every server started here is recorded in BENCH_PIDS and stopped by bench_cleanup (installed as
# an EXIT trap by bench_init); processes are stopped by their PID only, never by name.

BENCH_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_DIR="$(cd "$BENCH_DIR/.." && pwd)"
JAVA_HOME="${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}"
# The default java on the benchmark machine is 17: insist on 25.
if [[ ! -x "$JAVA_HOME/bin/java" ]] || ! "$JAVA_HOME/bin/java" -version 2>&1 | grep -q 'version "2[5-9]'; then
    JAVA_HOME=/usr/lib/jvm/temurin-25-jdk-amd64
fi
export JAVA_HOME
JAVA="$JAVA_HOME/bin/java"
# shellcheck disable=SC2034 # used by the scripts that source this file
JCMD="$JAVA_HOME/bin/jcmd"
BENCH_PIDS=()
BENCH_TMP=""

log() {
    printf '[%s] %s\n' "$(date +%H:%M:%S)" "$*" >&2
}

die() {
    log "error: $*"
    exit 1
}

bench_cleanup() {
    local pid
    for pid in "${BENCH_PIDS[@]}"; do
        if kill -0 "$pid" 2>/dev/null; then
            kill "$pid" 2>/dev/null || true
        fi
    done
    for pid in "${BENCH_PIDS[@]}"; do
        local _
        for _ in $(seq 1 50); do
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.1
        done
        if kill -0 "$pid" 2>/dev/null; then
            kill -9 "$pid" 2>/dev/null || true
        fi
        wait "$pid" 2>/dev/null || true
    done
    BENCH_PIDS=()
    if [[ -n "$BENCH_TMP" && -d "$BENCH_TMP" && "${KEEP_TMP:-false}" != true ]]; then
        rm -rf "$BENCH_TMP"
    fi
}

bench_init() {
    local tool
    for tool in redis-server redis-cli redis-benchmark ss awk; do
        command -v "$tool" >/dev/null || die "$tool is not installed"
    done
    [[ -x "$JAVA" ]] || die "no java at $JAVA"
    BENCH_TMP="$(mktemp -d /tmp/kvcache-bench.XXXXXX)"
    trap bench_cleanup EXIT
    trap 'exit 130' INT TERM
}

# The runnable slave jar: $JAR if given, else the module's (cache-slave-<version>-exec.jar, the
# Spring Boot jar; the plain jar is a library), built first if it is missing.
slave_jar() {
    if [[ -n "${JAR:-}" ]]; then
        [[ -f "$JAR" ]] || die "JAR=$JAR does not exist"
        printf '%s\n' "$JAR"
        return
    fi
    local jar
    jar="$(find_slave_jar)"
    if [[ -z "$jar" ]]; then
        log "building the slave jar"
        (cd "$REPO_DIR" && ./mvnw -B -q -o package -DskipTests >&2) || die "build failed"
        jar="$(find_slave_jar)"
        [[ -n "$jar" ]] || die "the build made no runnable slave jar in cache-slave/target"
    fi
    printf '%s\n' "$jar"
}

find_slave_jar() {
    local jar
    for jar in "$REPO_DIR"/cache-slave/target/cache-slave-*-exec.jar; do
        if [[ -f "$jar" ]]; then
            printf '%s\n' "$jar"
            return
        fi
    done
}

# A loopback TCP port nobody listens on (and that this script has not handed out yet), below the
# kernel's ephemeral range: one in it can be taken by an outgoing connection of the benchmark's
# own processes between this check and the server's bind (a slave then started without its data
# port and never answered PING).
BENCH_PORTS_TAKEN=" "
read -r BENCH_EPHEMERAL_LOW _ < /proc/sys/net/ipv4/ip_local_port_range 2>/dev/null || BENCH_EPHEMERAL_LOW=32768
free_port() {
    local port low=10000 high=$((BENCH_EPHEMERAL_LOW - 1))
    ((high > low + 1000)) || { low=20000; high=60000; }
    while true; do
        port=$((low + (RANDOM * 32768 + RANDOM) % (high - low + 1)))
        [[ "$BENCH_PORTS_TAKEN" == *" $port "* ]] && continue
        if [[ -z "$(ss -Htan "sport = :$port")" ]]; then
            BENCH_PORTS_TAKEN+="$port "
            printf '%s\n' "$port"
            return
        fi
    done
}

# huge_pages_flag: " -XX:+UseTransparentHugePages" where the kernel offers transparent huge pages
# (madvise or always), as ./kvcache start passes it; nothing elsewhere.
huge_pages_flag() {
    if grep -qE '\[(always|madvise)\]' /sys/kernel/mm/transparent_hugepage/enabled 2>/dev/null; then
        printf ' %s' -XX:+UseTransparentHugePages
    fi
}

# wait_ping PORT PID TIMEOUT_SECONDS [PASSWORD]: until the server on PORT answers PING (fails if PID
# dies). A slave of a cluster answers only AUTH before it has the cluster secret: give it as PASSWORD.
wait_ping() {
    local port="$1" pid="$2" timeout="$3" password="${4:-}" waited=0
    while [[ "$(ping_reply "$port" "$password")" != PONG ]]; do
        kill -0 "$pid" 2>/dev/null || die "server pid $pid (port $port) exited during start-up"
        ((waited += 1))
        ((waited <= timeout * 5)) || die "server on port $port did not answer PING in ${timeout}s"
        sleep 0.2
    done
}

# ping_reply PORT [PASSWORD]: what PING answers (the password by environment: never on a command line).
ping_reply() {
    if [[ -n "${2:-}" ]]; then
        REDISCLI_AUTH="$2" redis-cli -h 127.0.0.1 -p "$1" ping 2>/dev/null
    else
        redis-cli -h 127.0.0.1 -p "$1" ping 2>/dev/null
    fi
}

# start_redis PORT: sets REDIS_PID.
start_redis() {
    local port="$1"
    redis-server --port "$port" --bind 127.0.0.1 --save '' --appendonly no \
        --daemonize no --dir "$BENCH_TMP" --logfile "$BENCH_TMP/redis-$port.log" &
    REDIS_PID=$!
    BENCH_PIDS+=("$REDIS_PID")
    wait_ping "$port" "$REDIS_PID" 10
    log "redis-server pid $REDIS_PID on 127.0.0.1:$port"
}

# start_slave JAR PORT [extra java options...]: sets SLAVE_PID. Extra kvcache.slave.* arguments
# come from SLAVE_ARGS (an array, may be empty). With KVCACHE_CLUSTER_SECRET set (a slave of a
# cluster), its data port needs that secret (AUTH).
start_slave() {
    local jar="$1" port="$2"
    shift 2
    local http_port
    http_port="$(free_port)"
    "$JAVA" "$@" -jar "$jar" --kvcache.slave.port="$port" --kvcache.slave.http-port="$http_port" \
        --kvcache.slave.bind=127.0.0.1 "${SLAVE_ARGS[@]}" >"$BENCH_TMP/slave-$port.log" 2>&1 &
    SLAVE_PID=$!
    BENCH_PIDS+=("$SLAVE_PID")
    wait_ping "$port" "$SLAVE_PID" 90 "${KVCACHE_CLUSTER_SECRET:-}"
    log "slave pid $SLAVE_PID on 127.0.0.1:$port (http $http_port), java options: ${*:-none}"
}

# rss_kib PID: resident set size in KiB.
rss_kib() {
    ps -o rss= -p "$1" | tr -d ' '
}

cpu_ticks() { # PID...: user + system clock ticks used so far, summed
    local pid total=0 t
    for pid in "$@"; do
        t="$(awk '{ sub(/^.*\) /, ""); print $12 + $13 }' "/proc/$pid/stat")"
        total=$((total + t))
    done
    printf '%s\n' "$total"
}

median() { # values...
    printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END {
        if (NR == 0) { print "-"; exit }
        if (v[1] == "-") { print "-"; exit }
        if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# master_jar: MASTER_JAR, else the master jar in cache-master/target (built if missing).
master_jar() {
    if [[ -n "${MASTER_JAR:-}" ]]; then
        [[ -f "$MASTER_JAR" ]] || die "MASTER_JAR=$MASTER_JAR does not exist"
        printf '%s\n' "$MASTER_JAR"
        return
    fi
    local jar pass
    for pass in 1 2; do
        for jar in "$REPO_DIR"/cache-master/target/cache-master-*.jar; do
            if [[ -f "$jar" && "$jar" != *-tests.jar && "$jar" != *-sources.jar ]]; then
                printf '%s\n' "$jar"
                return
            fi
        done
        ((pass == 1)) || break
        log "building the master jar"
        (cd "$REPO_DIR" && ./mvnw -B -q -o package -DskipTests >&2) || die "build failed"
    done
    die "the build made no master jar in cache-master/target"
}

# requests_for PIPELINE [warmup]: redis-benchmark -n for a run (REQUESTS, REQUESTS_PIPELINED,
# WARMUP_REQUESTS from the calling script).
requests_for() { # PIPELINE [WARMUP]
    local n
    if (($1 == 1)); then n="$REQUESTS"; else n="$REQUESTS_PIPELINED"; fi
    if [[ "${2:-}" == warmup ]]; then
        n=$((n * WARMUP_REQUESTS / REQUESTS))
    fi
    printf '%s\n' "$n"
}

# other_benchmarks: how many redis-benchmark processes run on the machine (anyone's).
other_benchmarks() {
    local n
    n="$(pgrep -c -x redis-benchmark || true)"
    printf '%s\n' "${n:-0}"
}

load1() {
    cut -d' ' -f1 /proc/loadavg
}

# wait_for_quiet: until no redis-benchmark runs and the 1-minute load is below QUIET_LOAD, at
# most QUIET_WAIT_MINUTES (then it dies).
wait_for_quiet() {
    local deadline=$((SECONDS + QUIET_WAIT_MINUTES * 60)) others load
    while true; do
        others="$(other_benchmarks)"
        load="$(load1)"
        if ((others == 0)) && awk -v l="$load" -v max="$QUIET_LOAD" 'BEGIN { exit !(l < max) }'; then
            log "machine quiet: no redis-benchmark running, load average $(cut -d' ' -f1-3 /proc/loadavg)"
            return
        fi
        ((SECONDS < deadline)) || die "machine still busy after ${QUIET_WAIT_MINUTES} min" \
            "($others redis-benchmark running, 1-minute load $load); QUIET_WAIT_MINUTES=0 runs anyway"
        log "waiting for a quiet machine: $others redis-benchmark running, 1-minute load $load (max $QUIET_LOAD)"
        sleep 30
    done
}
