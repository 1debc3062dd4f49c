#!/usr/bin/env bash
# Starts a throwaway PostgreSQL server on 127.0.0.1 for the store tests.
#
#   eval "$(scripts/start-postgres.sh)"      # exports GANTRY_TEST_POSTGRES
#   scripts/start-postgres.sh stop           # stops it and deletes its files
#
# Installs PostgreSQL from Debian packages when no server binaries exist, creates a cluster in
# $GANTRY_PG_DIR (default /tmp/gantry-test-postgres) owned by the postgres user, because the server
# refuses to run as root, picks a free port and creates the database gantry_test. Progress goes to
# stderr; stdout carries only the export line, so eval picks up the variable.
set -euo pipefail

PG_DIR="${GANTRY_PG_DIR:-/tmp/gantry-test-postgres}"
DATABASE="gantry_test"

log() { echo "start-postgres: $*" >&2; }

find_bin_dir() {
    local dir
    dir="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)"
    if [[ -n "$dir" && -x "$dir/initdb" ]]; then
        echo "$dir"
    fi
}

# Runs a command as the server's owner; plain when this script does not run as root.
as_owner() {
    if [[ "$(id -u)" == "0" ]]; then
        runuser -u postgres -- "$@"
    else
        "$@"
    fi
}

BIN_DIR="$(find_bin_dir)"

if [[ "${1:-}" == "stop" ]]; then
    if [[ -n "$BIN_DIR" && -f "$PG_DIR/data/postmaster.pid" ]]; then
        as_owner "$BIN_DIR/pg_ctl" -D "$PG_DIR/data" -m fast -w stop >&2 || true
    fi
    rm -rf "$PG_DIR"
    log "stopped and removed $PG_DIR"
    exit 0
fi

if [[ -z "$BIN_DIR" ]]; then
    log "no PostgreSQL server binaries found; installing the Debian package postgresql"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >&2
    apt-get install -y -qq postgresql >&2
    BIN_DIR="$(find_bin_dir)"
    if [[ -z "$BIN_DIR" ]]; then
        log "installing postgresql did not provide /usr/lib/postgresql/*/bin/initdb"
        exit 1
    fi
fi

if [[ "$(id -u)" == "0" ]] && ! id postgres >/dev/null 2>&1; then
    useradd --system --home-dir "$PG_DIR" --shell /usr/sbin/nologin postgres
fi

# A server left over from an earlier run in the same directory is stopped first.
if [[ -f "$PG_DIR/data/postmaster.pid" ]]; then
    as_owner "$BIN_DIR/pg_ctl" -D "$PG_DIR/data" -m fast -w stop >&2 || true
fi
rm -rf "$PG_DIR"
mkdir -p "$PG_DIR"
if [[ "$(id -u)" == "0" ]]; then
    chown postgres "$PG_DIR"
fi

# The server tools check their working directory, which the postgres user may not be able to read.
cd "$PG_DIR"

PORT="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')"

log "initdb in $PG_DIR/data with $BIN_DIR"
as_owner "$BIN_DIR/initdb" -D "$PG_DIR/data" -U postgres --auth=trust --encoding=UTF8 --locale=C >"$PG_DIR/initdb.log" 2>&1 \
    || { cat "$PG_DIR/initdb.log" >&2; exit 1; }

log "starting on 127.0.0.1:$PORT"
as_owner "$BIN_DIR/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/server.log" -w -t 60 \
    -o "-c listen_addresses=127.0.0.1 -c port=$PORT -c unix_socket_directories=$PG_DIR -c max_connections=200" start >&2 \
    || { cat "$PG_DIR/server.log" >&2; exit 1; }

as_owner "$BIN_DIR/createdb" -h 127.0.0.1 -p "$PORT" -U postgres "$DATABASE"

CONNECTION="Host=127.0.0.1;Port=$PORT;Username=postgres;Database=$DATABASE"
echo "export GANTRY_TEST_POSTGRES=\"$CONNECTION\"" >"$PG_DIR/env"
log "ready: GANTRY_TEST_POSTGRES=$CONNECTION (also in $PG_DIR/env)"
echo "export GANTRY_TEST_POSTGRES=\"$CONNECTION\""
