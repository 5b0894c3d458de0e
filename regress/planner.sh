#!/usr/bin/env bash
# planner.sh: the planner test suite (issue: query planner). Each regress/planner/NAME.sql is run through
# regress/planner/eqp_runner (Mica) and compared, query by query, with regress/planner/NAME.expected,
# which holds SQLite 3.40's output for the same script (its EXPLAIN QUERY PLAN trees and query results).
#   planner.sh            compare Mica with the expected files; prints each differing query with a diff,
#                         one line per file, and a last line "N passed, N failed" counting queries
#   planner.sh --sqlite   run the same comparison with eqp_runner_sqlite3 (checks the runner and that
#                         the expected files are current)
#   planner.sh --update   rewrite the expected files with eqp_runner_sqlite3
#   planner.sh --ratchet  `make check`: the comparison above, passing when at least as many queries match as
#                         regress/planner/ratchet records (the planner may improve, never regress); counts
#                         itself as one test. --ratchet --update raises the recorded number.
set -u
src=${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}
bld=${top_builddir:-$src/build}
dir=$src/regress/planner
runner=$bld/regress/planner/eqp_runner
ratchet=0; rupdate=0
[ "${1:-}" = --ratchet ] && { ratchet=1; shift; [ "${1:-}" = --update ] && rupdate=1; set -- ; }
case ${1:-} in
  --sqlite) runner=$bld/regress/planner/eqp_runner_sqlite3 ;;
  --update)
    for f in "$dir"/*.sql; do "$bld/regress/planner/eqp_runner_sqlite3" "$f" >"${f%.sql}.expected"; done
    exit 0 ;;
esac
[ -x "$runner" ] || { echo "planner.sh: $runner not built"; echo "0 passed, 1 failed"; exit 1; }
export ASAN_OPTIONS="${ASAN_OPTIONS:-}:exitcode=86" UBSAN_OPTIONS="${UBSAN_OPTIONS:-}:exitcode=86"
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
passed=0; failed=0
for f in "$dir"/*.sql; do
  name=$(basename "$f" .sql)
  "$runner" "$f" >"$tmp/$name.out" 2>"$tmp/$name.err"; rc=$?
  if [ $rc -ne 0 ]; then
    echo "FAIL $name: runner exited $rc"; tail -n 20 "$tmp/$name.err"; failed=$((failed+1)); continue
  fi
  # split both outputs into blocks at the "-- " header lines and compare block by block
  res=$(python3 - "$f" "${f%.sql}.expected" "$tmp/$name.out" <<'PY'
import sys
def blocks(path):
    out, cur = [], None
    for line in open(path, encoding="utf-8", errors="replace").read().split("\n"):
        if line.startswith("-- "):
            cur = [line]; out.append(cur)
        elif cur is not None and line != "":
            cur.append(line)
    return out
exp, got = blocks(sys.argv[2]), blocks(sys.argv[3])
gotmap = {}
for b in got: gotmap.setdefault(b[0], []).append(b)
p = f = 0
for b in exp:
    cand = gotmap.get(b[0])
    g = cand.pop(0) if cand else [b[0], "(no output)"]
    if g == b: p += 1
    else:
        f += 1
        print("  --- expected (SQLite)\n  " + "\n  ".join(b) + "\n  +++ got (Mica)\n  " + "\n  ".join(g))
print(f"RESULT {p} {f}")
PY
)
  p=$(sed -nE 's/^RESULT ([0-9]+) ([0-9]+)$/\1/p' <<<"$res"); fl=$(sed -nE 's/^RESULT ([0-9]+) ([0-9]+)$/\2/p' <<<"$res")
  [ -z "$p" ] && { echo "FAIL $name: comparison failed"; failed=$((failed+1)); continue; }
  if [ "$fl" -gt 0 ]; then echo "FAIL $name: $fl of $((p+fl)) queries differ"; grep -v '^RESULT' <<<"$res"
  else echo "ok   $name: $p queries"; fi
  passed=$((passed+p)); failed=$((failed+fl))
done
echo "queries: $passed passed, $failed failed"
if [ $ratchet -eq 1 ]; then
  min=$(cat "$dir/ratchet" 2>/dev/null || echo 0)
  [ $rupdate -eq 1 ] && [ "$passed" -gt "$min" ] && { echo "$passed" >"$dir/ratchet"; min=$passed; }
  if [ "$passed" -ge "$min" ]; then echo "ratchet: $passed >= $min recorded"; echo "1 passed, 0 failed"; exit 0; fi
  echo "ratchet: only $passed queries match, fewer than the $min recorded"; echo "0 passed, 1 failed"; exit 1
fi
echo "$passed passed, $failed failed"
[ $failed -eq 0 ]
