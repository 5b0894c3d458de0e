#!/usr/bin/env bash
# crash.sh: crash safety. A writer (crash_writer write) commits small transactions on one database file
# and is killed with SIGKILL at a random moment, CRASH_ROUNDS times (50) in a row. After each kill, Mica
# (crash_writer verify) and sqlite3 both must find the database intact, holding every transaction whose
# COMMIT returned before the kill and no partial one. Then the same again, CRASH_ROUNDS more times, with
# a writer whose files go through the fault-injecting I/O wrapper (crash_writer faults): EIO on reads,
# writes and syncs and short writes, now and then; its failed transactions must fail as errors and
# nothing whose COMMIT returned may be lost. Last line: "N passed, N failed" (one per round).
set -u
src=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
bld=${top_builddir:-$src/build}
writer=$bld/regress/crash/crash_writer
rounds=${CRASH_ROUNDS:-50}
[ -x "$writer" ] || { echo "crash.sh: $writer not built"; echo "0 passed, 1 failed"; exit 1; }
command -v sqlite3 >/dev/null || { echo "crash.sh: sqlite3 not installed"; echo "0 passed, 1 failed"; exit 1; }
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
db=$tmp/crash.db
passed=0; failed=0; last=0
"$writer" init "$db" || { echo "crash.sh: creating the schema failed"; echo "0 passed, 1 failed"; exit 1; }
for round in $(seq 1 $((2 * rounds))); do
  if [ "$round" -le "$rounds" ]; then
    "$writer" write "$db" >"$tmp/acks" 2>"$tmp/writer.err" &
  else
    "$writer" faults "$db" "$RANDOM" >"$tmp/acks" 2>"$tmp/writer.err" &
  fi
  pid=$!
  # let it run between 20 and 400 ms, then kill it without warning
  sleep "$(awk -v r=$RANDOM 'BEGIN { printf "%.3f", 0.02 + (r % 380) / 1000 }')"
  kill -9 "$pid" 2>/dev/null; wait "$pid" 2>/dev/null
  if [ -s "$tmp/writer.err" ]; then
    echo "FAIL round $round: the writer reported an error:"; head -n 5 "$tmp/writer.err"; failed=$((failed+1)); continue
  fi
  acked=$(tail -n 1 "$tmp/acks"); [ -n "$acked" ] && last=$acked
  out=$("$writer" verify "$db" "$last" 2>&1); rc=$?
  sq=$(sqlite3 "$db" 'PRAGMA integrity_check; SELECT count(*), coalesce(max(n), 0) FROM t; SELECT total FROM c' 2>&1)
  want=$(printf 'ok\n%s|%s\n%s' "$(tail -n 1 <<<"$out")" "$(tail -n 1 <<<"$out")" "$(tail -n 1 <<<"$out")")
  if [ $rc -ne 0 ]; then
    echo "FAIL round $round (last acknowledged $last): Mica: $out"; failed=$((failed+1))
  elif [ "$sq" != "$want" ]; then
    echo "FAIL round $round (last acknowledged $last): sqlite3 says:"; head -n 5 <<<"$sq"; failed=$((failed+1))
  else
    passed=$((passed+1))
  fi
done
echo "crash: $rounds rounds plain, $rounds with I/O faults, $last transactions acknowledged in all"
echo "$passed passed, $failed failed"
[ $failed -eq 0 ]
