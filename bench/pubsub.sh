#!/usr/bin/env bash
# Pub/sub fan-out (issue "Pub/sub, RESP3 and cluster-mode clients"): SUBSCRIBERS clients of one
# channel receive every message of a MESSAGES-message run from PUBLISHERS publishers, each
# publisher's in order (bench/PubSubFanout.java checks it), through the running kvcache master
# (./kvcache start) beside one redis-server started here; ROUNDS alternating rounds, medians.
#
# Usage: ./kvcache start && bench/pubsub.sh      e.g. ROUNDS=5 SUBSCRIBERS=1000 bench/pubsub.sh
#
# Environment (all optional):
#   KVCACHE_PORT=6666     the master's client port
#   SUBSCRIBERS=1000      subscriber connections
#   MESSAGES=10000        messages published in a run (split over the publishers)
#   PUBLISHERS=4          publisher connections
#   ROUNDS=3              rounds, each one run on redis and one on kvcache (the order alternates)
set -euo pipefail
BENCH_DIR="$(cd "$(dirname "$0")" && pwd)"
# shellcheck source=bench/lib.sh
source "$BENCH_DIR/lib.sh"

KVCACHE_PORT="${KVCACHE_PORT:-6666}"
SUBSCRIBERS="${SUBSCRIBERS:-1000}"
MESSAGES="${MESSAGES:-10000}"
PUBLISHERS="${PUBLISHERS:-4}"
ROUNDS="${ROUNDS:-3}"

bench_init
[[ "$(ping_reply "$KVCACHE_PORT")" == PONG ]] || die "no kvcache master on port $KVCACHE_PORT: ./kvcache start first"
redis_port="$(free_port)"
start_redis "$redis_port"

# run PORT -> "seconds deliveries per_second lost out_of_order"
run() {
    "$JAVA" "$BENCH_DIR/PubSubFanout.java" 127.0.0.1 "$1" "$SUBSCRIBERS" "$MESSAGES" "$PUBLISHERS"
}

declare -a redis_rates kvcache_rates
for round in $(seq 1 "$ROUNDS"); do
    for side in $( ((round % 2)) && echo "redis kvcache" || echo "kvcache redis"); do
        port="$redis_port"
        [[ "$side" == kvcache ]] && port="$KVCACHE_PORT"
        read -r seconds delivered rate lost disorder < <(run "$port")
        log "round $round $side: ${seconds}s, $delivered deliveries, $rate/s, lost $lost, out of order $disorder"
        [[ "$lost" == 0 && "$disorder" == 0 ]] || die "$side lost or reordered messages"
        if [[ "$side" == redis ]]; then redis_rates+=("$rate"); else kvcache_rates+=("$rate"); fi
    done
done
r="$(median "${redis_rates[@]}")"
k="$(median "${kvcache_rates[@]}")"
printf '| subscribers | messages | redis deliveries/s | kvcache deliveries/s | kvcache/redis |\n|---|---|---|---|---|\n'
printf '| %s | %s | %.0f | %.0f | %.2f |\n' "$SUBSCRIBERS" "$MESSAGES" "$r" "$k" "$(awk -v a="$k" -v b="$r" 'BEGIN{print a/b}')"
