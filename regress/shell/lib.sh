# lib.sh: shared by the regress/shell/*.sh tests. Each test feeds the same input to sqlite3 and to the
# mica shell, each on its own fresh database in a scratch directory, and compares stdout, stderr and
# the exit status byte for byte.
#
# Two builds of the shell are compared with sqlite3, each case with each build present:
#   shim  $top_builddir/src/mica_shim, the shell over the system's libsqlite3. It tests the shell alone,
#         so every case must match.
#   mica  $top_builddir/src/mica, the shell over the Mica engine. A difference here that is not the
#         shell's fault is an engine gap: a case listed in regress/shell/known-diffs.txt (as
#         "SCRIPT: CASE NAME") is reported as a known difference instead of a failure, and reported
#         again when it starts to match so the entry can be removed.
# MICA_SHELL=/path/to/shell tests just that binary (as "mica"). HOME points at the scratch directory so
# no shell reads a user's rc or history file.
#
# Usage in a test script:
#   . "$(dirname "$0")/lib.sh"
#   compare NAME [ARGS...] <<'SQL'      (ARGS go to both shells; the word DB becomes the database file;
#   ...input...                          without DB the database file is appended after ARGS)
#   SQL
#   MICA_ONLY=1 compare NAME ...        (the same, against src/mica only: for SQL that needs what the
#                                        sqlite3 program has built in but libsqlite3 lacks, such as
#                                        generate_series)
#   datafile NAME <<'EOF' ... EOF       (a file copied into each run's directory as data/NAME)
#   finish                              (prints "N passed, N failed"; exit status 1 on any failure)
if [ -z "${BASH_VERSION:-}" ]; then exec bash "$0" "$@"; fi

: "${top_builddir:=$(cd "$(dirname "$0")/../.." && pwd)}"
shells=()
if [ -n "${MICA_SHELL:-}" ]; then
  shells=("mica=$MICA_SHELL")
else
  [ -x "$top_builddir/src/mica_shim" ] && shells+=("shim=$top_builddir/src/mica_shim")
  [ -x "$top_builddir/src/mica" ] && shells+=("mica=$top_builddir/src/mica")
fi
SQLITE3=${SQLITE3:-sqlite3}
if ! command -v "$SQLITE3" >/dev/null 2>&1; then echo "sqlite3 not found: test skipped"; exit 77; fi
if [ ${#shells[@]} = 0 ]; then echo "no shell built: test skipped"; exit 77; fi
script_name=$(basename "$0" .sh)
known_file=$(cd "$(dirname "$0")" && pwd)/known-diffs.txt

scratch=$(mktemp -d "${TMPDIR:-/tmp}/mica-shell-test.XXXXXX")
trap 'rm -rf "$scratch"' EXIT
passed=0
failed=0
known=0

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
  local entry label prog
  for entry in "${shells[@]}"; do
    label=${entry%%=*}
    prog=${entry#*=}
    [ -n "${MICA_ONLY:-}" ] && [ "$label" != mica ] && continue
    run_one "$prog" got "$@"
    local ok=1 part report=""
    for part in out err rc; do
      if ! cmp -s "$scratch/expect.$part" "$scratch/got.$part"; then
        ok=0
        report+="--- $part differs"$'\n'$(diff -u "$scratch/expect.$part" "$scratch/got.$part" | head -40)$'\n'
      fi
    done
    local is_known=0
    if [ "$label" = mica ] && [ -f "$known_file" ] && grep -qxF "$script_name: $name" "$known_file"; then
      is_known=1
    fi
    if [ $ok = 1 ]; then
      passed=$((passed + 1))
      [ $is_known = 1 ] && echo "NOW MATCHES ($label): $name (remove it from known-diffs.txt)"
    elif [ $is_known = 1 ]; then
      known=$((known + 1))
      echo "known difference ($label): $name"
    else
      failed=$((failed + 1))
      echo "FAIL ($label): $name"
      printf '%s' "$report"
    fi
  done
}

datafile() {
  mkdir -p "$scratch/data"
  cat > "$scratch/data/$1"
}

finish() {
  [ $known = 0 ] || echo "$known known engine differences (regress/shell/known-diffs.txt)"
  echo "$passed passed, $failed failed"
  [ "$failed" = 0 ]
}
