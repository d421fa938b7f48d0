#!/usr/bin/env bash
# pcscd with vsmartcard's virtual reader (vpcd) for the PC/SC test (`make test`): the "Virtual PCD 00 00" reader
# takes a card over TCP on port 35963, and the test is that card (Tests/CardReadersUSBTests/PCSCTests.swift).
#
#   scripts/test-pcscd.sh start DIR   start pcscd in the foreground (as a background job), its pid in DIR/pid, and
#                                     wait until its vpcd reader is up; a pcscd already running is used as it is
#   scripts/test-pcscd.sh stop DIR    stop the pcscd started in DIR (no-op when none)
#
# pcscd needs root for its socket in /run/pcscd; without root the test is skipped (VTPE_TEST_PCSCD unset).
set -euo pipefail
PROG=test-pcscd.sh
[ $# = 2 ] || { echo "usage: $0 start|stop DIR" >&2; exit 2; }
DIR=$2
case "$1" in
  start)
    mkdir -p "$DIR"
    if pgrep -x pcscd >/dev/null; then echo "$PROG: using the pcscd already running" >&2; exit 0; fi
    [ "$(id -u)" = 0 ] || { echo "$PROG: pcscd needs root; the PC/SC test is skipped" >&2; exit 1; }
    pcscd --foreground >"$DIR/pcscd.log" 2>&1 &
    echo $! >"$DIR/pid"
    for _ in $(seq 1 50); do
      # Listening on port 35963 (0x8C7B), read from /proc (a probe connection would be taken for a card).
      if grep -q ':8C7B 00000000:0000 0A' /proc/net/tcp 2>/dev/null; then exit 0; fi
      sleep 0.1
    done
    echo "$PROG: pcscd's vpcd reader did not come up (see $DIR/pcscd.log)" >&2
    exit 1
    ;;
  stop)
    if [ -f "$DIR/pid" ]; then
      kill "$(cat "$DIR/pid")" 2>/dev/null || true
      rm -f "$DIR/pid"
    fi
    ;;
  *) echo "usage: $0 start|stop DIR" >&2; exit 2 ;;
esac
