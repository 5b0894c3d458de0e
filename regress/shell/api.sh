#!/bin/bash
# api.sh: regress/shell/api_demo.c, an ordinary sqlite3 program, prints the same output when linked
# against the system libsqlite3 and against libmica-sqlite3. Skipped (77) until the Mica build exists.
if [ -z "${BASH_VERSION:-}" ]; then exec bash "$0" "$@"; fi
: "${top_builddir:=$(cd "$(dirname "$0")/../.." && pwd)}"
ref=$top_builddir/regress/shell/api_demo_sqlite3
got=$top_builddir/regress/shell/api_demo_mica
if [ ! -x "$ref" ] || [ ! -x "$got" ]; then echo "api_demo_mica not built: test skipped"; exit 77; fi
scratch=$(mktemp -d "${TMPDIR:-/tmp}/mica-api-test.XXXXXX")
trap 'rm -rf "$scratch"' EXIT
"$ref" "$scratch/ref.db" > "$scratch/ref.out" 2>&1
"$got" "$scratch/got.db" > "$scratch/got.out" 2>&1
if cmp -s "$scratch/ref.out" "$scratch/got.out"; then
  echo "1 passed, 0 failed"
  exit 0
fi
diff -u "$scratch/ref.out" "$scratch/got.out" | head -60
echo "0 passed, 1 failed"
exit 1
