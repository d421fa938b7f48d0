#!/usr/bin/env bash
# Confirmed-payment throughput of `vtpe gateway` on SQLite, measured with wrk (Debian's package): the issue-4
# benchmark. Runs the gateway (release build) on an empty store, then again after seeding 1,000,000 payments.
#
# usage: bench/gateway_wrk.sh [BINARY] [SEED_COUNT]       (defaults: .build/release/vtpe 1000000)
# With WEBHOOKS=1, one webhook endpoint subscribed to every event (`*`) receives them on bench/webhook_sink.py during
# the runs, and after each run the script waits until every event was delivered and prints the delivery rate.
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
SINK_PID=
stop() { [ -n "$GW_PID" ] && kill "$GW_PID" 2>/dev/null && wait "$GW_PID" 2>/dev/null; GW_PID=; }
trap 'stop; [ -n "$SINK_PID" ] && kill "$SINK_PID" 2>/dev/null; rm -rf "$DATA"' EXIT
WEBHOOKS=${WEBHOOKS:-0}
if [ "$WEBHOOKS" = 1 ]; then
  SINK_PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  python3 "$HERE/webhook_sink.py" "$SINK_PORT" &
  SINK_PID=$!
fi

start() {
  "$BIN" gateway --port "$PORT" --data-dir "$DATA" --api-key "$VTPE_BENCH_KEY" --log-level warning >"$DATA/gateway.log" 2>&1 &
  GW_PID=$!
  for _ in $(seq 100); do curl -sf "http://127.0.0.1:$PORT/healthz" >/dev/null && return 0; sleep 0.1; done
  echo "the gateway did not start:" >&2; cat "$DATA/gateway.log" >&2; exit 1
}

subscribe() {
  [ "$WEBHOOKS" = 1 ] || return 0
  curl -sf "http://127.0.0.1:$PORT/v1/webhook_endpoints" -u "$VTPE_BENCH_KEY:" \
    -d "url=http://127.0.0.1:$SINK_PORT/hook" -d "enabled_events[]=*" >/dev/null
}

# Waits until the sink has every event of the store; prints how long the deliveries took from the run's start.
drain() {
  [ "$WEBHOOKS" = 1 ] || return 0
  python3 - "$DATA/gateway.sqlite" "$SINK_PORT" "$1" <<'PY'
import sqlite3, sys, time, urllib.request
db, port, started = sys.argv[1], sys.argv[2], float(sys.argv[3])
def count():
    return int(urllib.request.urlopen(f"http://127.0.0.1:{port}/count", timeout=5).read())
events = sqlite3.connect(db).execute("SELECT COUNT(*) FROM events").fetchone()[0]
at_end, deadline = count(), time.time() + 600
while count() < events and time.time() < deadline:
    time.sleep(0.2)
done, took = count(), time.time() - started
print(f"webhooks: {events} events; {at_end} delivered when the run ended, {done} after {took:.1f} s: {done / took:.0f} deliveries/s")
PY
}

run() {
  echo "== $1"
  # Warm-up, then the measured run.
  local started
  started=$(date +%s.%N)
  wrk -t2 -c"$CONNECTIONS" -d2s -s "$HERE/post_intent.lua" "http://127.0.0.1:$PORT/v1/payment_intents" >/dev/null
  wrk -t2 -c"$CONNECTIONS" -d"$DURATION" --latency -s "$HERE/post_intent.lua" "http://127.0.0.1:$PORT/v1/payment_intents"
  drain "$started"
}

# Let earlier disk writes settle: a busy disk shows up as fsync stalls in the latency tail.
sync
start
subscribe
run "empty store ($CONNECTIONS connections, $DURATION)"
stop
python3 "$HERE/seed_intents.py" "$DATA/gateway.sqlite" --count "$SEED"
sync
start
run "store with $SEED more payments ($CONNECTIONS connections, $DURATION)"
stop
