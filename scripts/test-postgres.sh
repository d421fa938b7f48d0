#!/usr/bin/env bash
# A throwaway PostgreSQL server on loopback for the test suites (`make test`).
#
#   scripts/test-postgres.sh start DIR   initdb a fresh cluster under DIR, start it on 127.0.0.1 on a free port,
#                                        create role and database `vtpe`, print postgres://vtpe@127.0.0.1:PORT/vtpe
#                                        (the only stdout line; also written to DIR/url)
#   scripts/test-postgres.sh stop DIR    stop the server started in DIR (no-op when none is running)
#
# The server binaries come from Debian's `postgresql` package (installed when missing, with sudo when not root).
# The Debian cluster service (pg_ctlcluster, systemd) is not used: it is unreliable in CI containers.
# PostgreSQL refuses to run as root, so as root the cluster belongs to, and runs as, the `postgres` user.
# VTPE_TEST_POSTGRES_PORT=N pins the port instead of picking a free one.
set -euo pipefail

PROG=test-postgres.sh
MARKER=.vtpe-test-postgres   # only directories carrying this file are ever wiped

die() { echo "$PROG: $*" >&2; exit 1; }
note() { echo "$PROG: $*" >&2; }

SUDO=""
[ "$(id -u)" = 0 ] || SUDO=sudo
AS_ROOT=0
[ "$(id -u)" = 0 ] && AS_ROOT=1

usage() { echo "usage: $0 start|stop DIR" >&2; exit 2; }

# Newest installed server's bin directory (Debian 12: /usr/lib/postgresql/15/bin), or nothing.
find_bindir() {
  local initdb
  initdb=$(printf "%s\n" /usr/lib/postgresql/*/bin/initdb | grep -v "\*" | sort -V | tail -n 1 || true)
  [ -n "$initdb" ] && dirname "$initdb"
  return 0
}

ensure_server_binaries() {
  BINDIR=$(find_bindir)
  if [ -z "$BINDIR" ]; then
    note "PostgreSQL server not found; installing Debian packages postgresql postgresql-client"
    if [ -n "$SUDO" ] && ! command -v sudo >/dev/null; then
      die "not root and sudo is missing: install postgresql and postgresql-client yourself (apt-get install postgresql postgresql-client)"
    fi
    # Progress to /dev/null like the Makefile's deps; apt's errors stay on stderr.
    { $SUDO apt-get update -qq &&
      $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql postgresql-client; } >/dev/null ||
      die "installing postgresql with apt-get failed"
    BINDIR=$(find_bindir)
    [ -n "$BINDIR" ] || die "postgresql installed, but no /usr/lib/postgresql/*/bin/initdb was found"
  fi
  for tool in initdb pg_ctl psql createdb; do
    [ -x "$BINDIR/$tool" ] || die "$BINDIR/$tool is missing (install postgresql and postgresql-client)"
  done
  if [ "$AS_ROOT" = 1 ]; then
    id -u postgres >/dev/null 2>&1 ||
      die "running as root but there is no 'postgres' user to run the server as (reinstall the postgresql package)"
    command -v runuser >/dev/null || die "runuser (util-linux) is required to run PostgreSQL as 'postgres' when root"
  fi
}

# Run a server tool as the cluster owner: `postgres` when we are root, ourselves otherwise.
# From inside $BASE, because PostgreSQL tools fail when they cannot read the current directory.
as_owner() {
  if [ "$AS_ROOT" = 1 ]; then
    (cd "$BASE" && runuser -u postgres -- "$@")
  else
    (cd "$BASE" && "$@")
  fi
}

# DIR as an absolute path (it need not exist yet); tools run from inside the cluster directory.
absolute() {
  case "$1" in
    /*) echo "$1" ;;
    *) echo "$PWD/$1" ;;
  esac
}

# The directory holding the cluster: DIR itself, or a /tmp fallback recorded in DIR/base.
base_of() {
  local dir=$1
  if [ -f "$dir/base" ]; then cat "$dir/base"; else echo "$dir"; fi
}

# Stop the server whose cluster lives in $BASE; quiet and successful when there is none.
stop_base() {
  BASE=$1
  local data=$BASE/data
  [ -f "$data/postmaster.pid" ] || return 0
  BINDIR=${BINDIR:-$(find_bindir)}
  [ -n "$BINDIR" ] || return 0
  if [ "$AS_ROOT" = 1 ] && ! id -u postgres >/dev/null 2>&1; then return 0; fi
  local status=0
  as_owner "$BINDIR/pg_ctl" -D "$data" status >/dev/null 2>&1 || status=$?
  case $status in
    0) ;;
    3) return 0 ;; # not running: a stale postmaster.pid
    *) die "cannot tell whether the PostgreSQL server in $data is running (pg_ctl status exit $status)" ;;
  esac
  if ! as_owner "$BINDIR/pg_ctl" -D "$data" -s -m fast -w -t 30 stop >&2; then
    note "fast shutdown failed, trying immediate"
    as_owner "$BINDIR/pg_ctl" -D "$data" -s -m immediate -w -t 30 stop >&2 ||
      die "could not stop the PostgreSQL server in $data (see $BASE/postgres.log)"
  fi
}

# A TCP port on 127.0.0.1 that nothing listens on right now.
free_port() {
  if command -v python3 >/dev/null 2>&1; then
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()' \
      2>/dev/null && return 0
  fi
  local port
  for _ in $(seq 1 50); do
    port=$((20000 + RANDOM % 40000))
    # A refused connection means the port is free.
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then echo "$port"; return 0; fi
  done
  return 1
}

port_in_use() {
  (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# Can the cluster owner create and use a cluster in $1 (and a Unix socket beneath it)?
usable_base() {
  local base=$1
  # Unix socket paths are limited to 107 bytes: "$base/run/.s.PGSQL.NNNNN".
  [ ${#base} -le 80 ] || return 1
  if [ "$AS_ROOT" = 1 ]; then
    chown postgres: "$base" || return 1
    runuser -u postgres -- test -d "$base" -a -x "$base" -a -w "$base" 2>/dev/null || return 1
  fi
  return 0
}

# Wipe $1 if it is ours (carries $MARKER) or empty; refuse to touch anything else.
wipe() {
  local d=$1
  if [ -e "$d" ]; then
    [ -d "$d" ] || die "$d exists and is not a directory"
    if [ ! -e "$d/$MARKER" ] && [ -n "$(ls -A "$d")" ]; then
      die "$d is not empty and was not created by $PROG; refusing to wipe it"
    fi
    rm -rf "$d" || die "could not remove $d"
  fi
}

cmd_start() {
  local dir
  dir=$(absolute "$1")
  ensure_server_binaries

  # A server from a previous run (in DIR or in its /tmp fallback) goes first, then its files.
  if [ -d "$dir" ]; then
    local old_base
    old_base=$(base_of "$dir")
    stop_base "$old_base"
    [ "$old_base" = "$dir" ] || wipe "$old_base"
  fi
  wipe "$dir"
  mkdir -p "$dir" || die "could not create $dir"
  touch "$dir/$MARKER"

  BASE=$dir
  if ! usable_base "$BASE"; then
    BASE=$(mktemp -d /tmp/vtpe-test-postgres.XXXXXX) || die "could not create a directory under /tmp"
    touch "$BASE/$MARKER"
    usable_base "$BASE" || die "neither $dir nor $BASE is usable by the PostgreSQL server user"
    echo "$BASE" >"$dir/base"
    note "$dir is not reachable by the server user (or its path is too long for a socket); cluster in $BASE"
  fi
  local data=$BASE/data run=$BASE/run log=$BASE/postgres.log
  as_owner mkdir -p "$run"

  if ! as_owner "$BINDIR/initdb" -D "$data" -U postgres -A trust -E UTF8 --locale=C --no-sync \
      >"$BASE/initdb.log" 2>&1; then
    cat "$BASE/initdb.log" >&2
    die "initdb failed in $data"
  fi
  as_owner tee "$data/pg_hba.conf" >/dev/null <<EOF
# vtpe throwaway test cluster: trust on the local socket and on loopback only.
local all all              trust
host  all all 127.0.0.1/32 trust
EOF
  as_owner tee -a "$data/postgresql.conf" >/dev/null <<EOF

# vtpe throwaway test cluster (scripts/test-postgres.sh); durability is not wanted here.
listen_addresses = '127.0.0.1'
unix_socket_directories = '$run'
fsync = off
synchronous_commit = off
full_page_writes = off
max_connections = 200
EOF

  # Pick a port and start; another process can grab a free port before the server binds it, so retry.
  local port="" started=0
  for _ in 1 2 3 4 5; do
    if [ -n "${VTPE_TEST_POSTGRES_PORT:-}" ]; then
      port=$VTPE_TEST_POSTGRES_PORT
      if port_in_use "$port"; then die "port $port on 127.0.0.1 (VTPE_TEST_POSTGRES_PORT) is already in use"; fi
    else
      port=$(free_port) || die "could not find a free TCP port on 127.0.0.1"
    fi
    if as_owner "$BINDIR/pg_ctl" -D "$data" -l "$log" -o "-p $port" -w -t 60 start >/dev/null 2>&1; then
      started=1
      break
    fi
    # pg_ctl may give up while a slow server is still starting: never leave one behind.
    stop_base "$BASE" 2>/dev/null || true
    if [ -z "${VTPE_TEST_POSTGRES_PORT:-}" ] && grep -q "could not bind\|Address already in use" "$log" 2>/dev/null; then
      note "port $port was taken meanwhile, trying another"
      continue
    fi
    break
  done
  if [ "$started" != 1 ]; then
    tail -n 20 "$log" >&2 2>/dev/null || true
    die "PostgreSQL did not start on 127.0.0.1:$port (log: $log)"
  fi

  local psql=("$BINDIR/psql" -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$port" -U postgres -d postgres)
  if ! PGCONNECT_TIMEOUT=10 "${psql[@]}" -c "CREATE ROLE vtpe LOGIN SUPERUSER" >&2 ||
     ! PGCONNECT_TIMEOUT=10 "${psql[@]}" -c "CREATE DATABASE vtpe OWNER vtpe" >&2; then
    stop_base "$BASE" || true
    die "could not create role and database vtpe on 127.0.0.1:$port"
  fi

  local url="postgres://vtpe@127.0.0.1:$port/vtpe"
  echo "$url" >"$dir/url"
  echo "$url"
}

cmd_stop() {
  local dir
  dir=$(absolute "$1")
  [ -d "$dir" ] || return 0
  stop_base "$(base_of "$dir")"
}

[ $# = 2 ] || usage
[ -n "$2" ] || usage
case "$1" in
  start) cmd_start "$2" ;;
  stop) cmd_stop "$2" ;;
  *) usage ;;
esac
