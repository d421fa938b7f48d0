#!/usr/bin/env bash
# Confirmed-payment throughput of `vtpe gateway` on SQLite, measured with wrk (Debian's package): the issue-4
# benchmark. Runs the gateway (release build) on an empty store, then again after seeding 1,000,000 payments.
#
# usage: bench/gateway_wrk.sh [BINARY] [SEED_COUNT]       (defaults: .build/release/vtpe 1000000)
# Figures go to docs/benchmarks.md.
set -euo pipefail
BIN=${1:-.build/release/vtpe}
SEED=${2:-1000000}
DURATION=${DURATION:-10s}
CONNECTIONS=${CONNECTIONS:-8}
HERE=$(cd "$(dirname "$0")" && pwd)
command -v wrk >/dev/null || { echo "wrk is missing: apt-get install wrk" >&2; exit 1; }
DATA=$(mktemp -d /tmp/vtpe-wrk.XXXXXX)
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
export VTPE_BENCH_KEY=sk_test_benchmark0123456789abcdef
GW_PID=
stop() { [ -n "$GW_PID" ] && kill "$GW_PID" 2>/dev/null && wait "$GW_PID" 2>/dev/null; GW_PID=; }
trap 'stop; rm -rf "$DATA"' EXIT

start() {
  "$BIN" gateway --port "$PORT" --data-dir "$DATA" --api-key "$VTPE_BENCH_KEY" --log-level warning >"$DATA/gateway.log" 2>&1 &
  GW_PID=$!
  for _ in $(seq 100); do curl -sf "http://127.0.0.1:$PORT/healthz" >/dev/null && return 0; sleep 0.1; done
  echo "the gateway did not start:" >&2; cat "$DATA/gateway.log" >&2; exit 1
}

run() {
  echo "== $1"
  # Warm-up, then the measured run.
  wrk -t2 -c"$CONNECTIONS" -d2s -s "$HERE/post_intent.lua" "http://127.0.0.1:$PORT/v1/payment_intents" >/dev/null
  wrk -t2 -c"$CONNECTIONS" -d"$DURATION" --latency -s "$HERE/post_intent.lua" "http://127.0.0.1:$PORT/v1/payment_intents"
}

# Let earlier disk writes settle: a busy disk shows up as fsync stalls in the latency tail.
sync
start
run "empty store ($CONNECTIONS connections, $DURATION)"
stop
python3 "$HERE/seed_intents.py" "$DATA/gateway.sqlite" --count "$SEED"
sync
start
run "store with $SEED more payments ($CONNECTIONS connections, $DURATION)"
stop
