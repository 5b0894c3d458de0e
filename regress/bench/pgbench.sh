#!/usr/bin/env bash
# pgbench.sh: the server half of `make bench`. Starts a throwaway micad and a throwaway PostgreSQL 15
# (Debian's packages, run as a non-root user), each in a temporary directory on a free port, runs the
# same pgbench workloads against both and prints TPS side by side:
#   pgbench -i -s SCALE; pgbench -c CLIENTS -j THREADS -T SECS (TPC-B-like); the same with -S (select-only).
# Settings from the environment: PGB_SCALE (10), PGB_CLIENTS (8), PGB_THREADS (2), PGB_SECS (60),
# PGB_ONLY (micad|postgres to run one side). Exit status 1 if a run failed or had failed transactions.
set -u
src=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
bld=${top_builddir:-$src/build}
scale=${PGB_SCALE:-10}; clients=${PGB_CLIENTS:-8}; threads=${PGB_THREADS:-2}; secs=${PGB_SECS:-60}
only=${PGB_ONLY:-}
pgbin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n1)
pgbench=$(command -v pgbench || echo "$pgbin/pgbench")
work=$(mktemp -d /tmp/mica-pgbench-XXXXXX)
chmod 755 "$work"
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
  wait 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

wait_ready() { # port
  for _ in $(seq 1 100); do
    "$pgbin/pg_isready" -q -h 127.0.0.1 -p "$1" && return 0
    sleep 0.1
  done
  return 1
}

# Runs the three pgbench steps against port $2 and prints "label step tps" lines; $1 = label.
run_pgbench() {
  local label=$1 port=$2 user=$3 rc=0 out tps failed
  if ! out=$("$pgbench" -h 127.0.0.1 -p "$port" -U "$user" -i -q -s "$scale" postgres 2>&1); then
    echo "$label: pgbench -i failed:"; tail -n 5 <<<"$out"; return 1
  fi
  for mode in tpcb select; do
    local flags=()
    [ $mode = select ] && flags=(-S)
    out=$("$pgbench" -h 127.0.0.1 -p "$port" -U "$user" -c "$clients" -j "$threads" -T "$secs" "${flags[@]}" \
      postgres 2>&1) || rc=1
    tps=$(sed -nE 's/^tps = ([0-9.]+).*/\1/p' <<<"$out" | tail -n1)
    failed=$(sed -nE 's/^number of failed transactions: ([0-9]+).*/\1/p' <<<"$out")
    [ -n "$failed" ] && [ "$failed" != 0 ] && rc=1
    [ -z "$tps" ] && { tail -n 5 <<<"$out"; tps=0; rc=1; }
    echo "$label $mode $tps ${failed:-?}"
  done
  return $rc
}

results=$work/results
: >"$results"
status=0

if [ "$only" != micad ]; then
  if [ -x "$pgbin/initdb" ]; then
    port=$(free_port)
    runas=()
    if [ "$(id -u)" = 0 ]; then
      id postgres >/dev/null 2>&1 && runas=(runuser -u postgres --) || runas=(runuser -u nobody --)
    fi
    mkdir -p "$work/pg" && chown "$("${runas[@]}" id -u 2>/dev/null || id -u)" "$work/pg"
    if "${runas[@]}" "$pgbin/initdb" -A trust -U postgres -D "$work/pg" >"$work/initdb.log" 2>&1; then
      "${runas[@]}" "$pgbin/postgres" -D "$work/pg" -p "$port" -k "$work/pg" -c listen_addresses=127.0.0.1 \
        >"$work/pg.log" 2>&1 &
      pids+=($!)
      if wait_ready "$port"; then
        run_pgbench postgres "$port" postgres >>"$results" || status=1
      else
        echo "pgbench.sh: PostgreSQL did not start"; tail -n 5 "$work/pg.log"; status=1
      fi
    else
      echo "pgbench.sh: initdb failed"; tail -n 5 "$work/initdb.log"; status=1
    fi
  else
    echo "pgbench.sh: PostgreSQL server binaries not found (apt-get install postgresql-15)"; status=1
  fi
fi

if [ "$only" != postgres ]; then
  micad=$bld/src/micad
  if [ -x "$micad" ]; then
    port=$(free_port)
    "$micad" -D "$work/mica" -p "$port" -h 127.0.0.1 -c unix_socket_directories="$work" >"$work/micad.log" 2>&1 &
    pids+=($!)
    if wait_ready "$port"; then
      run_pgbench mica "$port" postgres >>"$results" || status=1
    else
      echo "pgbench.sh: micad did not start"; tail -n 5 "$work/micad.log"; status=1
    fi
  else
    echo "pgbench.sh: $micad not built"; status=1
  fi
fi

echo "pgbench: scale $scale, $clients clients, $threads threads, $secs s per run"
printf '%-12s %14s %14s %8s\n' workload "postgres tps" "mica tps" "ratio"
for mode in tpcb select; do
  p=$(awk -v m=$mode '$1=="postgres" && $2==m {print $3}' "$results")
  m=$(awk -v m=$mode '$1=="mica" && $2==m {print $3}' "$results")
  r=$(awk -v p="${p:-0}" -v m="${m:-0}" 'BEGIN { if (p > 0 && m > 0) printf "%.2fx", m / p; else print "-" }')
  printf '%-12s %14s %14s %8s\n' "$mode" "${p:--}" "${m:--}" "$r"
done
awk '$4 != "0" && $4 != "?" {print "failed transactions: " $1 " " $2 ": " $4}' "$results"
exit $status
