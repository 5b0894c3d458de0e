#!/usr/bin/env bash
# summarize.sh BUILDDIR: counts every test that `make check` ran, from each test's log, and prints one
# line "N passed, N failed". A check-based unit test counts its checks ("Checks: N, Failures: F,
# Errors: E"); a script counts what its last "N passed, N failed" line says; anything else counts as
# one test, passed or failed by its automake result. A test whose result is FAIL counts at least one
# failure even when its log says otherwise (a crash after its summary). EXTRA_PASSED/EXTRA_FAILED add
# checks run outside `make check` (format, lint). Exit status 1 if anything failed.
set -u
dir=${1:-.}
passed=${EXTRA_PASSED:-0}; failed=${EXTRA_FAILED:-0}
while IFS= read -r trs; do
  log=${trs%.trs}.log
  result=$(sed -n 's/^:test-result: //p' "$trs" | head -n1)
  p=; f=
  if [ -f "$log" ]; then
    line=$(grep -E '^[0-9]+%: Checks: [0-9]+, Failures: [0-9]+, Errors: [0-9]+' "$log" | tail -n1)
    if [ -n "$line" ]; then
      n=$(sed -E 's/.*Checks: ([0-9]+).*/\1/' <<<"$line")
      fl=$(sed -E 's/.*Failures: ([0-9]+).*/\1/' <<<"$line")
      er=$(sed -E 's/.*Errors: ([0-9]+).*/\1/' <<<"$line")
      p=$((n - fl - er)); f=$((fl + er))
    else
      line=$(grep -E '^([A-Za-z-]+: )?[0-9]+ passed, [0-9]+ failed' "$log" | tail -n1)
      if [ -n "$line" ]; then
        p=$(sed -E 's/^([A-Za-z-]+: )?([0-9]+) passed.*/\2/' <<<"$line")
        f=$(sed -E 's/.* ([0-9]+) failed.*/\1/' <<<"$line")
      fi
    fi
  fi
  if [ -z "$p" ]; then
    case $result in PASS|XFAIL) p=1; f=0 ;; SKIP) p=0; f=0 ;; *) p=0; f=1 ;; esac
  fi
  case $result in FAIL|ERROR|XPASS) [ "$f" -eq 0 ] && f=1 ;; esac
  passed=$((passed + p)); failed=$((failed + f))
done < <(find "$dir" -path '*/mica-[0-9]*' -prune -o -name '*.trs' -print | sort)
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
