#!/usr/bin/env bash
# pg_regress.sh: SQL scripts with expected output, run through psql against a throwaway micad, compared
# the way PostgreSQL's pg_regress does.
#   regress/schedule        one "test: NAME..." line per group, run in order
#   regress/sql/NAME.sql    the input, fed to `psql -X -a -q` (echoes input; errors inline)
#   regress/expected/NAME.out  the expected output
# Results go to $top_builddir/regress/results/NAME.out; a differing test shows its diff (also kept in
# regress/regression.diffs). The last line is "N passed, N failed"; exit status 0 iff all passed.
# With --accept, results are copied over the expected files (review the diff before committing).
# With --postgres, the scripts run against a throwaway PostgreSQL 15 (Debian's server, as a non-root
# user) instead of micad: `--postgres --accept` writes expected files that say what PostgreSQL does, so
# the scripts check that Mica behaves like PostgreSQL. (Scripts use \set VERBOSITY sqlstate so that
# errors compare by SQLSTATE.)
set -u
src=${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}
bld=${top_builddir:-$src}
accept=0; postgres=0
for a in "$@"; do case $a in --accept) accept=1 ;; --postgres) postgres=1 ;; esac; done
micad=$bld/src/micad
if [ $postgres -eq 0 ] && [ ! -x "$micad" ]; then echo "pg_regress: $micad not built"; echo "0 passed, 1 failed"; exit 1; fi
command -v psql >/dev/null || { echo "pg_regress: psql not found (apt-get install postgresql-client)"; exit 1; }
work=$(mktemp -d "${TMPDIR:-/tmp}/mica-regress.XXXXXX")
chmod 755 "$work"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
if [ $postgres -eq 1 ]; then
  pgbin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n1)
  runas=(); [ "$(id -u)" = 0 ] && runas=(runuser -u postgres --)
  mkdir -p "$work/pg"; [ "$(id -u)" = 0 ] && chown postgres "$work/pg"
  "${runas[@]}" "$pgbin/initdb" -A trust -U postgres -D "$work/pg" >"$work/initdb.log" 2>&1 || { cat "$work/initdb.log"; exit 1; }
  "${runas[@]}" "$pgbin/postgres" -D "$work/pg" -p "$port" -k "$work/pg" -c listen_addresses=127.0.0.1 >"$work/micad.log" 2>&1 &
else
  "$micad" -D "$work/data" -p "$port" -h 127.0.0.1 -c unix_socket_directories="$work" >"$work/micad.log" 2>&1 &
fi
pid=$!
cleanup() { kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
for _ in $(seq 1 100); do
  pg_isready -q -h 127.0.0.1 -p "$port" 2>/dev/null && break
  kill -0 "$pid" 2>/dev/null || break
  sleep 0.1
done
if ! pg_isready -q -h 127.0.0.1 -p "$port"; then
  echo "pg_regress: micad did not start"; cat "$work/micad.log"; echo "0 passed, 1 failed"; exit 1
fi
export PGHOST=127.0.0.1 PGPORT=$port PGUSER=postgres PGDATABASE=postgres PGTZ=UTC PGDATESTYLE="ISO, MDY"
export PGAPPNAME=pg_regress
mkdir -p "$bld/regress/results"
diffs=$bld/regress/regression.diffs; : >"$diffs"
passed=0; failed=0
for t in $(sed -n 's/^test: *//p' "$src/regress/schedule"); do
  in=$src/regress/sql/$t.sql; exp=$src/regress/expected/$t.out; out=$bld/regress/results/$t.out
  timeout 120 psql -X -a -q -d postgres <"$in" >"$out" 2>&1
  if [ $accept -eq 1 ]; then cp "$out" "$exp"; fi
  if diff -u "$exp" "$out" >>"$diffs" 2>&1; then
    echo "ok     $t"; passed=$((passed+1))
  else
    echo "FAILED $t"; diff -u "$exp" "$out" | head -n 80; failed=$((failed+1))
  fi
done
kill -0 "$pid" 2>/dev/null || { echo "pg_regress: micad died"; tail -n 50 "$work/micad.log"; failed=$((failed+1)); }
echo "$passed passed, $failed failed"
[ $failed -eq 0 ]
