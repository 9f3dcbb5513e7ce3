#!/usr/bin/env bash
# A throwaway PostgreSQL server for the PostgreSQL store's tests (fiu-node/tests/store.rs).
#
#   scripts/test-postgres.sh                 start a server, run the store tests on it, stop it
#   scripts/test-postgres.sh run CMD...      start a server, run CMD with FIU_TEST_POSTGRES_URL
#                                            set, stop it (e.g. run cargo test --workspace)
#   scripts/test-postgres.sh start DIR       start a server in DIR (empty or absent); prints
#                                            FIU_TEST_POSTGRES_URL's value as the last line
#   scripts/test-postgres.sh stop DIR        stop the server in DIR
#
# The server comes from the system's packages (Debian's `postgresql`, installed with apt-get
# when absent and this runs as root). Its cluster lives in DIR only: a new data directory, a
# free loopback port, a Unix socket in DIR, password authentication for the test role `fiu`.
# Nothing outside DIR is touched, and the packaged default cluster is never started.
set -euo pipefail

DB=fiu_test
ROLE=fiu
# A test-only password for a server that listens on loopback and lives for one run.
PASSWORD=fiu-test-only

log() { echo "postgres: $*" >&2; }

# The directory of the newest installed PostgreSQL server binaries.
pg_bindir() {
  local dir
  dir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
  if [[ -n "$dir" && -x "$dir/initdb" ]]; then
    echo "$dir"
    return
  fi
  if command -v initdb >/dev/null 2>&1; then
    dirname "$(command -v initdb)"
    return
  fi
  return 1
}

ensure_installed() {
  if pg_bindir >/dev/null; then
    return
  fi
  if [[ $(id -u) -ne 0 ]]; then
    log "no PostgreSQL server found; install the 'postgresql' package (or run as root)"
    exit 1
  fi
  log "installing PostgreSQL from the system's packages (apt-get install postgresql)"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2
  apt-get install -y -qq --no-install-recommends postgresql >&2
}

# Runs a command as the cluster's owner: `postgres` when this is root (the server refuses to
# run as root), else the current user.
as_owner() {
  if [[ $(id -u) -eq 0 ]]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

free_port() {
  local port
  for port in $(seq 55432 55531); do
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      echo "$port"
      return
    fi
  done
  log "no free port in 55432-55531"
  return 1
}

start() {
  local dir=$1 bin port
  ensure_installed
  bin=$(pg_bindir)
  mkdir -p "$dir"
  dir=$(cd "$dir" && pwd)
  if [[ $(id -u) -eq 0 ]]; then
    chown postgres "$dir"
    # The owner must reach DIR through its parents (a temp dir under /tmp does).
    chmod 0700 "$dir"
  fi
  port=$(free_port)
  log "initialising a cluster in $dir/data with $bin/initdb"
  echo "$PASSWORD" >"$dir/pwfile"
  [[ $(id -u) -eq 0 ]] && chown postgres "$dir/pwfile"
  as_owner "$bin/initdb" -D "$dir/data" -U "$ROLE" --pwfile="$dir/pwfile" \
    --auth-local=scram-sha-256 --auth-host=scram-sha-256 -E UTF8 --locale=C.UTF-8 \
    >"$dir/initdb.log" 2>&1 || { cat "$dir/initdb.log" >&2; exit 1; }
  rm -f "$dir/pwfile"
  log "starting the server on 127.0.0.1:$port"
  # fsync off: a test server that is thrown away after the run needs no crash safety.
  as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 start \
    -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200" \
    >&2 || { cat "$dir/server.log" >&2; exit 1; }
  PGPASSWORD=$PASSWORD "$bin/createdb" -h 127.0.0.1 -p "$port" -U "$ROLE" "$DB"
  echo "$port" >"$dir/port"
  log "ready: database $DB, role $ROLE"
  echo "postgres://$ROLE:$PASSWORD@127.0.0.1:$port/$DB"
}

stop() {
  local dir=$1 bin
  [[ -d "$dir/data" ]] || return 0
  bin=$(pg_bindir)
  log "stopping the server in $dir"
  as_owner "$bin/pg_ctl" -D "$dir/data" -m fast -w stop >&2 || true
}

cmd=${1:-run}
case "$cmd" in
  start) start "${2:?usage: $0 start DIR}" ;;
  stop) stop "${2:?usage: $0 stop DIR}" ;;
  run)
    shift || true
    [[ $# -gt 0 ]] || set -- cargo test -p fiu-node --test store
    dir=$(mktemp -d "${TMPDIR:-/tmp}/fiu-postgres.XXXXXX")
    chmod 0755 "$dir"
    trap 'stop "$dir"; rm -rf "$dir"' EXIT
    url=$(start "$dir" | tail -n 1)
    export FIU_TEST_POSTGRES_URL=$url
    export FIU_TEST_POSTGRES_REQUIRED=1
    "$@"
    ;;
  *)
    echo "usage: $0 [run [CMD...] | start DIR | stop DIR]" >&2
    exit 2
    ;;
esac
