#!/usr/bin/env bash
# Memory per key of a kvcache slave against redis-server: loads KEYS distinct string keys
# (key:%012d, 16 bytes) with 100-byte values into each with `redis-cli --pipe`, checks DBSIZE,
# and reports the growth divided by KEYS. With TYPE=hash, set or zset, each of the KEYS keys is a
# hash of ELEMENTS fields (field:%06d, 12 bytes, with 8-byte values), a set of ELEMENTS members
# (member:%06d, 13 bytes) or a sorted set of them (scores j + 0.5), written 100 at a time (HSET,
# SADD, ZADD), and the growth is divided by KEYS x ELEMENTS (bytes per element). Measures:
#   - Redis: INFO memory used_memory (allocator bytes, jemalloc), after minus before;
#   - slave: INFO memory used_memory (the store's accounting of what it holds, maxmemory's figure);
#   - slave: live Java heap after a full GC, from GC.class_histogram (which runs a full GC
#     first) and from GC.run + GC.heap_info, after minus before (before = empty store);
#   - both: process RSS (ps -o rss) before and after.
#
# Environment (all optional):
#   JAR=path                  slave jar (default: cache-slave/target/cache-slave-*-exec.jar,
#                             built if missing)
#   TYPE=string               string | hash | set | zset
#   KEYS=1000000              number of keys (1000 for hash and set)
#   ELEMENTS=1000             fields or members per key (TYPE=hash or set)
#   SLAVE_JAVA_OPTS="-Xms2g -Xmx2g -XX:+UseG1GC"   JVM options of the slave
#   IO_THREADS=0            the slave's I/O threads (--kvcache.slave.io-threads; 0: half the cores)
#   HISTOGRAM_TOP=12          classes of the slave's heap histogram (after loading) to show
#
# Output: Markdown tables on stdout; progress on stderr.
set -euo pipefail

# shellcheck source=bench/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

TYPE="${TYPE:-string}"
case "$TYPE" in
    string) KEYS="${KEYS:-1000000}"; ELEMENTS=1 ;;
    hash | set | zset) KEYS="${KEYS:-1000}"; ELEMENTS="${ELEMENTS:-1000}" ;;
    *) die "TYPE must be string, hash, set or zset" ;;
esac
SLAVE_JAVA_OPTS="${SLAVE_JAVA_OPTS:--Xms2g -Xmx2g -XX:+UseG1GC}"
IO_THREADS="${IO_THREADS:-0}"
HISTOGRAM_TOP="${HISTOGRAM_TOP:-12}"
VALUE_SIZE=100

[[ "$KEYS" =~ ^[1-9][0-9]*$ ]] || die "KEYS must be a positive integer"
[[ "$ELEMENTS" =~ ^[1-9][0-9]*$ ]] || die "ELEMENTS must be a positive integer"
((KEYS <= 999999999999)) || die "KEYS must fit in 12 digits"

bench_init
command -v "$JCMD" >/dev/null || die "no jcmd at $JCMD"
jar="$(slave_jar)"

SLAVE_ARGS=()
SLAVE_ARGS+=(--kvcache.slave.io-threads="$IO_THREADS")
read -r -a slave_java_opts <<<"$SLAVE_JAVA_OPTS"

# The load in RESP, every key distinct: KEYS SETs of exactly VALUE_SIZE bytes, or for a hash or a
# set one HSET or SADD per 100 elements.
resp="$BENCH_TMP/load.resp"
log "generating the $TYPE load in $resp"
awk -v n="$KEYS" -v size="$VALUE_SIZE" -v type="$TYPE" -v elements="$ELEMENTS" 'BEGIN {
    for (i = 0; i < n; i++) {
        k = sprintf("key:%012d", i)
        if (type == "string") {
            v = sprintf("value:%012d:", i)
            while (length(v) < size) v = v "x"
            printf "*3\r\n$3\r\nSET\r\n$%d\r\n%s\r\n$%d\r\n%s\r\n", length(k), k, size, v
            continue
        }
        for (from = 0; from < elements; from += 100) {
            m = elements - from < 100 ? elements - from : 100
            if (type == "hash") {
                printf "*%d\r\n$4\r\nHSET\r\n$%d\r\n%s\r\n", 2 + 2 * m, length(k), k
                for (j = from; j < from + m; j++) printf "$12\r\nfield:%06d\r\n$8\r\nv:%06d\r\n", j, j
            } else if (type == "zset") {
                printf "*%d\r\n$4\r\nZADD\r\n$%d\r\n%s\r\n", 2 + 2 * m, length(k), k
                for (j = from; j < from + m; j++) {
                    score = sprintf("%d.5", j)
                    printf "$%d\r\n%s\r\n$13\r\nmember:%06d\r\n", length(score), score, j
                }
            } else {
                printf "*%d\r\n$4\r\nSADD\r\n$%d\r\n%s\r\n", 2 + m, length(k), k
                for (j = from; j < from + m; j++) printf "$13\r\nmember:%06d\r\n", j
            }
        }
    }
}' >"$resp"
if [[ "$TYPE" == string ]]; then COMMANDS="$KEYS"; else COMMANDS=$((KEYS * ((ELEMENTS + 99) / 100))); fi
UNITS=$((KEYS * ELEMENTS))

slave_port="$(free_port)"
redis_port="$(free_port)"
start_slave "$jar" "$slave_port" "${slave_java_opts[@]}"
start_redis "$redis_port"

gc_name="$("$JCMD" "$SLAVE_PID" VM.info 2>/dev/null | awk -F': *' '/^# Java VM:/ { print $2; exit }')"
gc_flags="$("$JCMD" "$SLAVE_PID" VM.flags 2>/dev/null | tr ' ' '\n' | grep -E '^-XX:\+Use[A-Za-z0-9]*GC$' | head -1 || true)"

redis_used() {
    used_memory "$redis_port"
}

# INFO used_memory of a server: Redis's allocator bytes; the slave's accounted store bytes.
used_memory() {
    redis-cli -h 127.0.0.1 -p "$1" info memory | tr -d '\r' | awk -F: '$1 == "used_memory" { print $2 }'
}

# Live heap bytes by the class histogram's Total line (GC.class_histogram runs a full GC first).
slave_histogram_total() {
    "$JCMD" "$SLAVE_PID" GC.class_histogram >"$BENCH_TMP/histogram-$1.txt"
    awk '$1 == "Total" { print $3 }' "$BENCH_TMP/histogram-$1.txt"
}

# Heap used (bytes) as GC.heap_info reports it right after an explicit full GC.
slave_heap_used() {
    "$JCMD" "$SLAVE_PID" GC.run >/dev/null
    "$JCMD" "$SLAVE_PID" GC.heap_info | awk '
        /used [0-9]+K/ { for (i = 1; i <= NF; i++) if ($i == "used") { v = $(i + 1); sub(/K.*/, "", v); print v * 1024; exit } }'
}

dbsize() {
    redis-cli -h 127.0.0.1 -p "$1" dbsize
}

load() { # NAME PORT
    log "loading $KEYS keys into $1"
    local out start end
    start="$(date +%s.%N)"
    out="$(redis-cli -h 127.0.0.1 -p "$2" --pipe <"$resp" 2>&1)"
    end="$(date +%s.%N)"
    grep -q "errors: 0, replies: $COMMANDS" <<<"$out" || die "$1: redis-cli --pipe said: $out"
    log "$1: loaded in $(awk -v s="$start" -v e="$end" 'BEGIN { printf "%.1f", e - s }') s"
    local n
    n="$(dbsize "$2")"
    [[ "$n" == "$KEYS" ]] || die "$1: DBSIZE is $n, expected $KEYS"
}

[[ "$(dbsize "$slave_port")" == 0 && "$(dbsize "$redis_port")" == 0 ]] || die "a store is not empty"
sleep 2 # let the slave finish starting up (background threads, lazy initialisation)

redis_before="$(redis_used)"
redis_rss_before="$(rss_kib "$REDIS_PID")"
slave_used_before="$(used_memory "$slave_port")"
slave_hist_before="$(slave_histogram_total before)"
slave_heap_before="$(slave_heap_used)"
slave_rss_before="$(rss_kib "$SLAVE_PID")"

load redis "$redis_port"
load slave "$slave_port"

redis_after="$(redis_used)"
redis_rss_after="$(rss_kib "$REDIS_PID")"
slave_used_after="$(used_memory "$slave_port")"
slave_hist_after="$(slave_histogram_total after)"
slave_heap_after="$(slave_heap_used)"
slave_rss_after="$(rss_kib "$SLAVE_PID")"

if [[ "$TYPE" == string ]]; then
    echo "$KEYS distinct keys (16 bytes) with $VALUE_SIZE-byte values; DBSIZE checked on both."
else
    echo "$KEYS distinct keys (16 bytes), each a $TYPE of $ELEMENTS elements; DBSIZE checked on both; per element."
fi
echo "redis: $(redis-server --version | awk '{ print $3, $6 }'); slave: $(basename "$jar"), java options: $SLAVE_JAVA_OPTS"
echo "slave JVM: ${gc_name:-?}; GC flag: ${gc_flags:-?}"
echo
echo "| server | measure | before | after | growth | bytes/$([[ "$TYPE" == string ]] && echo key || echo element) |"
echo "|---|---|---:|---:|---:|---:|"
row() { # SERVER MEASURE BEFORE_BYTES AFTER_BYTES
    awk -v s="$1" -v m="$2" -v b="$3" -v a="$4" -v n="$UNITS" 'BEGIN {
        printf "| %s | %s | %.1f MB | %.1f MB | %.1f MB | %.1f |\n", s, m, b / 1e6, a / 1e6, (a - b) / 1e6, (a - b) / n }'
}
row redis "used_memory (INFO memory)" "$redis_before" "$redis_after"
row redis "RSS" "$((redis_rss_before * 1024))" "$((redis_rss_after * 1024))"
row slave "used_memory (INFO memory: the store's own accounting)" "$slave_used_before" "$slave_used_after"
row slave "live heap (GC.class_histogram total)" "$slave_hist_before" "$slave_hist_after"
row slave "heap used after GC.run (GC.heap_info)" "$slave_heap_before" "$slave_heap_after"
row slave "RSS" "$((slave_rss_before * 1024))" "$((slave_rss_after * 1024))"
echo
echo "Slave heap after loading, top $HISTOGRAM_TOP classes (live objects; per unit = bytes / $UNITS):"
echo
echo "| class | instances | bytes | per unit |"
echo "|---|---:|---:|---:|"
awk -v top="$HISTOGRAM_TOP" -v n="$UNITS" '
    $1 ~ /^[0-9]+:$/ && NF >= 4 && shown < top { printf "| `%s` | %d | %d | %.1f |\n", $4, $2, $3, $3 / n; shown++ }' \
    "$BENCH_TMP/histogram-after.txt"
