#!/usr/bin/env bash
# micad_load.sh: part of `make bench`. Starts a throwaway micad (max_connections 1100, enough open
# files) and runs micad_load.py: SELECT 1 latency during a long query, cancel time, and the resident
# memory of 1000 idle connections. Exit status 1 if a target is missed.
set -u
src=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
bld=${top_builddir:-$src/build}
work=$(mktemp -d /tmp/mica-load-XXXXXX)
ulimit -n 4096 2>/dev/null || { echo "micad_load: cannot raise the open-file limit to 4096"; exit 1; }
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$bld/src/micad" -D "$work/data" -p "$port" -h 127.0.0.1 -c unix_socket_directories="$work" \
  -c max_connections=1100 >"$work/micad.log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null; rm -rf "$work"' EXIT
for _ in $(seq 1 100); do pg_isready -q -h 127.0.0.1 -p "$port" && break; sleep 0.1; done
/usr/bin/python3 "$src/regress/bench/micad_load.py" "$port" "$work/data/micad.pid"
