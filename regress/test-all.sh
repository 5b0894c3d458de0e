#!/usr/bin/env bash
# test-all.sh: the whole test suite, from a clean clone, in one command (README's command (b), and
# exactly what CI runs through .ci/run).
# Installs the test dependencies, builds with ASan+UBSan in build-test/, checks formatting and lint,
# runs `make check` (unit tests, sqllogictest subset, regress scripts, client tests) and ends with one
# line "N passed, N failed" counting every test it ran. Exits non-zero on any failure.
set -uo pipefail
cd "$(dirname "$0")/.."
top=$(pwd)
regress/install-deps.sh test || { echo "test-all: installing dependencies failed"; exit 1; }
./autogen.sh >/dev/null || { echo "test-all: autogen.sh failed"; exit 1; }
mkdir -p build-test && cd build-test
if [ ! -f Makefile ] || [ "$top/configure" -nt Makefile ]; then
  "$top/configure" -q --enable-sanitizers || { echo "test-all: configure failed"; exit 1; }
fi
jobs=$(nproc 2>/dev/null || echo 2)
make -s -j"$jobs" >build.log 2>&1 || { cat build.log; echo "test-all: build failed"; echo "0 passed, 1 failed"; exit 1; }
extra_failed=0; extra_passed=0
if make -s format-check >format.log 2>&1; then extra_passed=$((extra_passed+1)); else
  cat format.log; echo "FAIL: format-check (run 'make format')"; extra_failed=$((extra_failed+1)); fi
if make -s lint >lint.log 2>&1; then extra_passed=$((extra_passed+1)); else
  cat lint.log; echo "FAIL: lint"; extra_failed=$((extra_failed+1)); fi
# The node client tests find their drivers here (distcheck's copy of the sources has no node_modules).
export MICA_NODE_MODULES=$top/regress/clients/node/node_modules
make -j"$jobs" check >check.log 2>&1
check_rc=$?
grep -E '^(PASS|FAIL|XPASS|ERROR|SKIP):' check.log || true
if [ $check_rc -ne 0 ]; then
  [ -f test-suite.log ] && cat test-suite.log | head -c 200000
fi
# Warnings are errors with clang too: an optimised clang build of everything (programs and tests).
if command -v clang >/dev/null; then
  mkdir -p "$top/build-clang"
  if (cd "$top/build-clang" && { [ -f Makefile ] && [ Makefile -nt "$top/configure" ] || "$top/configure" -q CC=clang CFLAGS="-O2 -g"; } \
      && make -s -j"$jobs" all >clang.log 2>&1 && make -s -j"$jobs" check TESTS= >>clang.log 2>&1); then extra_passed=$((extra_passed+1)); else
    tail -n 40 "$top/build-clang/clang.log"; echo "FAIL: clang build"; extra_failed=$((extra_failed+1)); fi
fi
# The release tarball builds and passes its own tests out of tree (skipped when make check already failed).
if [ $check_rc -eq 0 ]; then
  if make -s -j"$jobs" distcheck >distcheck.log 2>&1; then extra_passed=$((extra_passed+1)); else
    tail -n 60 distcheck.log; echo "FAIL: distcheck"; extra_failed=$((extra_failed+1)); fi
fi
EXTRA_PASSED=$extra_passed EXTRA_FAILED=$extra_failed bash "$top/regress/summarize.sh" .
sum_rc=$?
[ $check_rc -eq 0 ] && [ $extra_failed -eq 0 ] && [ $sum_rc -eq 0 ]
