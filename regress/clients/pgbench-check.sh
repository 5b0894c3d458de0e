#!/bin/sh
# pgbench-check.sh: pgbench against a throwaway micad, as `make check` runs it: `pgbench -i -s 1`
# (DROP TABLE a, b..., CREATE TABLE ... WITH (...), TRUNCATE, COPY FROM STDIN, VACUUM, ALTER TABLE ADD
# PRIMARY KEY), then 5 s of the TPC-B-like script and 5 s of select-only with 4 clients. Passes iff
# every step succeeds with no failed transaction (concurrent writers wait their turn rather than fail).
# The full-size comparison with PostgreSQL is `make bench` (regress/bench/pgbench.sh).
srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
command -v pgbench >/dev/null 2>&1 || [ -x "$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n1)/pgbench" ] || {
  echo "FAIL: pgbench not installed (regress/install-deps.sh installs postgresql-client)"
  exit 1
}
PGB_ONLY=micad PGB_SCALE=1 PGB_SECS=5 PGB_CLIENTS=4 PGB_THREADS=2 bash "$srcdir/regress/bench/pgbench.sh"
