#!/usr/bin/env bash
# slt-check.sh: the fast sqllogictest subset of `make check`.
# regress/slt-fast.list names each file (relative to ../shared/sqllogictest) with the number of its
# records that Mica passed when the list was last updated. A file checks out when the runner finishes it
# without crashing and passes at least that many records (a ratchet: the engine may improve, never
# regress). Raise the numbers whenever the engine passes more (`regress/slt-check.sh --update`).
# The record counts are printed per file; the last line counts files: "N passed, N failed".
set -u
src=${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}
bld=${top_builddir:-$src}
slt=$src/../shared/sqllogictest
list=$src/regress/slt-fast.list
runner=$bld/regress/slt_runner
update=0; [ "${1:-}" = --update ] && update=1
if [ ! -d "$slt" ]; then echo "slt-check: $slt not found; skipping"; exit 77; fi
export ASAN_OPTIONS="${ASAN_OPTIONS:-}:exitcode=86" UBSAN_OPTIONS="${UBSAN_OPTIONS:-}:exitcode=86"
passed=0; failed=0; newlist=
while read -r file min; do
  case $file in ''|'#'*) newlist+="$file${min:+ $min}"$'\n'; continue ;; esac
  out=$("$runner" -q -t 20 "$slt/$file" 2>&1); rc=$?
  line=$(grep -E '^[0-9]+ passed, [0-9]+ failed$' <<<"$out" | tail -n1)
  got=$(sed -E 's/^([0-9]+) passed.*/\1/' <<<"$line")
  tot=$(sed -E 's/^([0-9]+) passed, ([0-9]+) failed/\1+\2/' <<<"$line")
  if [ $rc -gt 1 ] || [ -z "$line" ]; then
    echo "FAIL $file: runner crashed (exit $rc)"; tail -n 30 <<<"$out"; failed=$((failed+1))
    newlist+="$file $min"$'\n'; continue
  fi
  if [ "$got" -lt "$min" ]; then
    echo "FAIL $file: $got of $((tot)) records passed, fewer than the $min recorded"; failed=$((failed+1))
  else
    echo "ok   $file: $got of $((tot)) records passed (recorded $min)"; passed=$((passed+1))
  fi
  [ $update -eq 1 ] && [ "$got" -gt "$min" ] && min=$got
  newlist+="$file $min"$'\n'
done <"$list"
[ $update -eq 1 ] && printf '%s' "$newlist" >"$list"
echo "$passed passed, $failed failed"
[ $failed -eq 0 ]
