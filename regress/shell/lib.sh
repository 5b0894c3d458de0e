# lib.sh: shared by the regress/shell/*.sh tests. Each test feeds the same input to sqlite3 and to the
# mica shell, each on its own fresh database in a scratch directory, and compares stdout, stderr and
# the exit status byte for byte.
#
# The shell under test is $MICA_SHELL, else $top_builddir/src/mica when it was built, else
# $top_builddir/src/mica_shim (the same shell over the system's libsqlite3: it checks the shell alone).
# HOME points at the scratch directory so neither shell reads a user's rc or history file.
#
# Usage in a test script:
#   . "$(dirname "$0")/lib.sh"
#   compare NAME [ARGS...] <<'SQL'      (ARGS go to both shells; the word DB becomes the database file;
#   ...input...                          without DB the database file is appended after ARGS)
#   SQL
#   datafile NAME <<'EOF' ... EOF       (a file copied into each run's directory as data/NAME)
#   finish                              (prints "N passed, N failed"; exit status 1 on any failure)
if [ -z "${BASH_VERSION:-}" ]; then exec bash "$0" "$@"; fi

: "${top_builddir:=$(cd "$(dirname "$0")/../.." && pwd)}"
if [ -z "${MICA_SHELL:-}" ]; then
  if [ -x "$top_builddir/src/mica" ]; then MICA_SHELL=$top_builddir/src/mica; else MICA_SHELL=$top_builddir/src/mica_shim; fi
fi
SQLITE3=${SQLITE3:-sqlite3}
if ! command -v "$SQLITE3" >/dev/null 2>&1; then echo "sqlite3 not found: test skipped"; exit 77; fi
if [ ! -x "$MICA_SHELL" ]; then echo "$MICA_SHELL not built: test skipped"; exit 77; fi

scratch=$(mktemp -d "${TMPDIR:-/tmp}/mica-shell-test.XXXXXX")
trap 'rm -rf "$scratch"' EXIT
passed=0
failed=0

# run_one PROGRAM NAME ARGS... : runs PROGRAM in $scratch/NAME (a fresh directory, database test.db) on
# the input $scratch/in.sql, leaving NAME.out (stdout, then any files written under out/), NAME.err
# and NAME.rc in $scratch.
run_one() {
  local prog=$1 name=$2
  shift 2
  local args=() have_db=0 a dir=$scratch/$name
  for a in "$@"; do
    if [ "$a" = DB ]; then args+=(test.db); have_db=1; else args+=("$a"); fi
  done
  [ $have_db = 1 ] || args+=(test.db)
  rm -rf "$dir"
  mkdir -p "$dir/out"
  [ -d "$scratch/data" ] && cp -r "$scratch/data" "$dir/"
  (cd "$dir" && HOME=$dir "$prog" "${args[@]}" < ../in.sql > ../$name.out 2> ../$name.err; echo $? > ../$name.rc)
  for f in "$dir"/out/*; do
    if [ -f "$f" ]; then { echo "== $(basename "$f")"; cat "$f"; } >> "$scratch/$name.out"; fi
  done
  return 0
}

compare() {
  local name=$1
  shift
  cat > "$scratch/in.sql"
  run_one "$SQLITE3" expect "$@"
  run_one "$MICA_SHELL" got "$@"
  local ok=1 part
  for part in out err rc; do
    if ! cmp -s "$scratch/expect.$part" "$scratch/got.$part"; then
      ok=0
      echo "FAIL: $name ($part differs)"
      diff -u "$scratch/expect.$part" "$scratch/got.$part" | head -40
    fi
  done
  if [ $ok = 1 ]; then passed=$((passed + 1)); else failed=$((failed + 1)); fi
}

datafile() {
  mkdir -p "$scratch/data"
  cat > "$scratch/data/$1"
}

finish() {
  echo "$passed passed, $failed failed"
  [ "$failed" = 0 ]
}
