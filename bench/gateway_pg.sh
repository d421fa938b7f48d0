#!/usr/bin/env bash
# Confirmed-payment throughput of `vtpe gateway` on PostgreSQL, the scale-out engine (issue 14): one gateway
# process, then two processes on the same database, each under wrk (the two wrk runs at once; their rates add up).
# The server is the throwaway one of the tests (scripts/test-postgres.sh) unless VTPE_BENCH_POSTGRES_URL names one
# where the user may CREATE DATABASE.
#
# usage: bench/gateway_pg.sh [BINARY]        (default .build/release/vtpe)
# Figures go to docs/benchmarks.md.
set -euo pipefail
BIN=${1:-.build/release/vtpe}
DURATION=${DURATION:-10s}
CONNECTIONS=${CONNECTIONS:-8}
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
command -v wrk >/dev/null || { echo "wrk is missing: apt-get install wrk" >&2; exit 1; }
export VTPE_BENCH_KEY=sk_test_benchmark0123456789abcdef
DATA=$(mktemp -d /tmp/vtpe-pgbench.XXXXXX)
STARTED_PG=0
SERVER=${VTPE_BENCH_POSTGRES_URL:-}
# The gateways' pids, one a line: `start` runs in a command substitution (a subshell), so not in a variable.
cleanup() {
  if [ -f "$DATA/pids" ]; then
    while read -r pid; do kill "$pid" 2>/dev/null || true; done <"$DATA/pids"
    while read -r pid; do while kill -0 "$pid" 2>/dev/null; do sleep 0.1; done; done <"$DATA/pids"
  fi
  [ "$STARTED_PG" = 1 ] && "$ROOT/scripts/test-postgres.sh" stop "$DATA/pg" >/dev/null 2>&1
  rm -rf "$DATA"
}
trap cleanup EXIT
if [ -z "$SERVER" ]; then
  mkdir -p "$DATA/pg"
  SERVER=$("$ROOT/scripts/test-postgres.sh" start "$DATA/pg")
  STARTED_PG=1
fi
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# A fresh database `vtpe_bench_N` on the server.
fresh_db() {
  local name="vtpe_bench_$1_$$"
  psql "$SERVER" -X -q -c "CREATE DATABASE $name" >/dev/null
  echo "${SERVER%/*}/$name"
}

# Starts a gateway on DATABASE with its own data directory (the first one's card-data key copied: one vault for all).
start() {
  local db=$1 dir="$DATA/gw$2" port
  port=$(free_port)
  mkdir -p "$dir"
  [ -f "$DATA/gw1/card-data-key" ] && cp "$DATA/gw1/card-data-key" "$dir/"
  "$BIN" gateway --port "$port" --data-dir "$dir" --api-key "$VTPE_BENCH_KEY" --database "$db" --log-level warning >"$dir/gateway.log" 2>&1 &
  echo $! >>"$DATA/pids"
  for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && { echo "$port"; return 0; }; sleep 0.1; done
  echo "the gateway did not start:" >&2; cat "$dir/gateway.log" >&2; exit 1
}

load() {  # PORT [LATENCY]
  wrk -t2 -c"$CONNECTIONS" -d"$DURATION" ${2:+--latency} -s "$HERE/post_intent.lua" "http://127.0.0.1:$1/v1/payment_intents"
}

DB1=$(fresh_db one)
P1=$(start "$DB1" 1)
echo "== one process on PostgreSQL ($CONNECTIONS connections, $DURATION)"
wrk -t2 -c"$CONNECTIONS" -d2s -s "$HERE/post_intent.lua" "http://127.0.0.1:$P1/v1/payment_intents" >/dev/null
load "$P1" latency | grep -E "Requests/sec|99%|50%"

DB2=$(fresh_db two)
PA=$(start "$DB2" 2)
PB=$(start "$DB2" 3)
echo "== two processes on one PostgreSQL database ($CONNECTIONS connections each, $DURATION)"
load "$PA" >"$DATA/a.txt" &
WA=$!
load "$PB" >"$DATA/b.txt"
wait "$WA"
A=$(awk '/Requests\/sec/ {print $2}' "$DATA/a.txt")
B=$(awk '/Requests\/sec/ {print $2}' "$DATA/b.txt")
echo "process 1: $A/s, process 2: $B/s, together: $(python3 -c "print(round($A + $B))")/s"
