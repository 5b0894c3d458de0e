#!/bin/sh
# micad-engine.sh: src/micad with the real engine, through psql and libpq: startup, DDL, DML, queries,
# errors with SQLSTATEs, extended protocol and a clean shutdown. The protocol details are covered by
# micad-clients.sh (on micad_shim); this checks that the engine and pgwire work together.
# Skips (exit 77) until src/micad is built. Prints "N passed, N failed" last.
srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
builddir=${top_builddir:-.}
MICAD=${MICAD_ENGINE:-$builddir/src/micad}
PSQL=${PSQL:-psql}
if [ ! -x "$MICAD" ] || ! command -v "$PSQL" >/dev/null 2>&1; then
    echo "skip: $MICAD not built (it joins the build once libmica provides the engine) or no psql"
    echo "0 passed, 0 failed"
    exit 77
fi
pass=0
fail=0
ok() { pass=$((pass + 1)); echo "ok: $1"; }
bad() { fail=$((fail + 1)); echo "FAIL: $1${2:+ -- $2}"; }
tmp=$(mktemp -d "${TMPDIR:-/tmp}/micad-engine.XXXXXX")
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
pid=
cleanup() {
    if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then kill -9 "$pid" 2>/dev/null; fi
    rm -rf "$tmp"
}
trap cleanup EXIT INT TERM
"$MICAD" -D "$tmp/data" -p "$port" -h 127.0.0.1 -k "$tmp" >"$tmp/micad.log" 2>&1 &
pid=$!
export PGCONNECT_TIMEOUT=10 PGUSER=postgres PGDATABASE=postgres
unset PGPASSWORD PGSERVICE PGSSLMODE PGHOST PGPORT PGOPTIONS
P="$PSQL -X -q -At -h 127.0.0.1 -p $port"
i=0
until $P -c 'SELECT 1' >/dev/null 2>&1; do
    i=$((i + 1))
    if [ $i -gt 100 ] || ! kill -0 "$pid" 2>/dev/null; then
        bad "micad starts" "$(tail -5 "$tmp/micad.log")"
        echo "$pass passed, $fail failed"
        exit 1
    fi
    sleep 0.1
done
ok "micad starts; psql connects"
expect() { # expect "what" "wanted output" sql...
    what=$1
    want=$2
    shift 2
    got=$($P "$@" 2>&1)
    [ "$got" = "$want" ] && ok "$what" || bad "$what" "got: $got"
}
expect "SELECT 1" "1" -c "SELECT 1"
expect "CREATE TABLE" "" -c "CREATE TABLE t (id integer PRIMARY KEY, name text, score real)"
expect "INSERT" "" -c "INSERT INTO t VALUES (1, 'one', 1.5), (2, 'two', 2.5)"
expect "SELECT rows" "$(printf '1|one|1.5\n2|two|2.5')" -c "SELECT id, name, score FROM t ORDER BY id"
expect "UPDATE then aggregate" "4" -c "UPDATE t SET score = score + 1 WHERE id = 1" -c "SELECT sum(id) + 1 FROM t"
out=$($P -c "SELECT * FROM no_such_table" 2>&1)
case $out in *ERROR*) ok "missing table is an error" ;; *) bad "missing table" "$out" ;; esac
out=$($P -v VERBOSITY=verbose -c "INSERT INTO t VALUES (1, 'dup', 0)" 2>&1)
case $out in *23505*) ok "duplicate key is 23505" ;; *) bad "duplicate key SQLSTATE" "$out" ;; esac
expect "transaction rollback" "2" -c "BEGIN" -c "DELETE FROM t" -c "ROLLBACK" -c "SELECT count(*) FROM t"
if [ -x "$builddir/regress/clients/libpq_test" ]; then
    "$builddir/regress/clients/libpq_test" "host=127.0.0.1 port=$port user=postgres dbname=postgres" >"$tmp/libpq.out" 2>&1
    echo "  libpq_test on the engine: $(tail -1 "$tmp/libpq.out") (informational)"
fi
kill -TERM "$pid"
i=0
while kill -0 "$pid" 2>/dev/null && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
if kill -0 "$pid" 2>/dev/null; then bad "SIGTERM shuts down"; else
    wait "$pid"
    rc=$?
    [ $rc -eq 0 ] && ok "clean shutdown" || bad "clean shutdown" "exit $rc: $(grep -m3 -E 'Sanitizer|ERROR' "$tmp/micad.log")"
fi
pid=
echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
