#!/bin/bash
# api.sh: regress/shell/api_demo.c, an ordinary sqlite3 program, prints the same output when linked
# against the system libsqlite3 and against libmica-sqlite3. Lines of output that differ because of a
# known engine gap are listed in known-diffs.txt as "api: PREFIX" (output lines starting with PREFIX
# are left out of the comparison, and reported when they start to match).
if [ -z "${BASH_VERSION:-}" ]; then exec bash "$0" "$@"; fi
: "${top_builddir:=$(cd "$(dirname "$0")/../.." && pwd)}"
ref=$top_builddir/regress/shell/api_demo_sqlite3
got=$top_builddir/regress/shell/api_demo_mica
if [ ! -x "$ref" ] || [ ! -x "$got" ]; then echo "api_demo_mica not built: test skipped"; exit 77; fi
known_file=$(cd "$(dirname "$0")" && pwd)/known-diffs.txt
scratch=$(mktemp -d "${TMPDIR:-/tmp}/mica-api-test.XXXXXX")
trap 'rm -rf "$scratch"' EXIT
"$ref" "$scratch/ref.db" > "$scratch/ref.out" 2>&1
"$got" "$scratch/got.db" > "$scratch/got.out" 2>&1
cp "$scratch/ref.out" "$scratch/ref.cmp"
cp "$scratch/got.out" "$scratch/got.cmp"
if [ -f "$known_file" ]; then
  while IFS= read -r prefix; do
    [ -n "$prefix" ] || continue
    if cmp -s <(grep -F -- "$prefix" "$scratch/ref.out") <(grep -F -- "$prefix" "$scratch/got.out"); then
      echo "NOW MATCHES: api: $prefix (remove it from known-diffs.txt)"
    else
      echo "known difference: api: $prefix"
    fi
    grep -vF -- "$prefix" "$scratch/ref.cmp" > "$scratch/tmp" || true; mv "$scratch/tmp" "$scratch/ref.cmp"
    grep -vF -- "$prefix" "$scratch/got.cmp" > "$scratch/tmp" || true; mv "$scratch/tmp" "$scratch/got.cmp"
  done < <(sed -n 's/^api: //p' "$known_file")
fi
if cmp -s "$scratch/ref.cmp" "$scratch/got.cmp"; then
  echo "1 passed, 0 failed"
  exit 0
fi
diff -u "$scratch/ref.cmp" "$scratch/got.cmp" | head -60
echo "0 passed, 1 failed"
exit 1
