#!/usr/bin/env bash
# fuzz.sh: builds the libFuzzer targets with clang, ASan and UBSan and runs each for FUZZ_SECONDS (600:
# the issues ask for 10 minutes each):
#   fuzz_sql    regress/fuzz/fuzz_sql.c over the engine: random and malformed SQL. Seeds: a few
#               statements below plus, when ../shared/sqllogictest is there, the SQL of its records; a
#               dictionary of SQL keywords guides it.
#   fuzz_proto  regress/fuzz/fuzz_proto.c over micad's session layer (pgwire) and the engine: arbitrary
#               client byte streams (startup, auth, simple/extended query, COPY). Seeds: valid message
#               streams from proto_seeds.py; a dictionary of message headers and SQL words.
# Any crash, leak, UBSan report, failed check or hang (a run above the -timeout) fails, leaving the
# reproducer in the build directory (crash-*, timeout-*; rerun with ./fuzz_NAME FILE).
# Usage: bash regress/fuzz/fuzz.sh [BUILD_DIR]   (default: build-fuzz)
# Environment: FUZZ_SECONDS per target, FUZZ_TARGETS (default "sql proto"), FUZZ_JOBS.
set -eu
src=$(cd "$(dirname "$0")/../.." && pwd)
bld=${1:-$src/build-fuzz}
secs=${FUZZ_SECONDS:-600}
jobs=${FUZZ_JOBS:-1}
targets=${FUZZ_TARGETS:-sql proto}
command -v clang >/dev/null || { echo "fuzz.sh: clang is needed (apt-get install clang)"; exit 1; }
mkdir -p "$bld"
cd "$bld"
san="-fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer"
if [ ! -f Makefile ]; then
  [ -x "$src/configure" ] || (cd "$src" && ./autogen.sh)
  "$src/configure" CC=clang CFLAGS="-g -O1 -fsanitize=fuzzer-no-link $san" --without-liburing >configure.log
fi
make -j2 engine/libmicacore.la pgwire/libpgwire.la >make.log
clang -g -O1 $san -fsanitize=fuzzer -I"$src/engine" -I. "$src/regress/fuzz/fuzz_sql.c" \
  engine/.libs/libmicacore.a -lm -lpthread -o fuzz_sql
clang -g -O1 $san -fsanitize=fuzzer -I"$src/engine" -I"$src/pgwire" -I. "$src/regress/fuzz/fuzz_proto.c" \
  pgwire/.libs/libpgwire.a engine/.libs/libmicacore.a $(pkg-config --libs libevent_pthreads libevent_openssl libevent openssl) \
  -lm -lpthread -o fuzz_proto
python3 "$src/regress/fuzz/proto_seeds.py" proto_seeds
tr ' ' '\n' >proto.dict <<'WORDS'
"Q\x00\x00\x00" "P\x00\x00\x00" "B\x00\x00\x00" "D\x00\x00\x00" "E\x00\x00\x00" "S\x00\x00\x00\x04" "H\x00\x00\x00\x04" "X\x00\x00\x00\x04" "C\x00\x00\x00" "d\x00\x00\x00" "c\x00\x00\x00\x04" "f\x00\x00\x00" "F\x00\x00\x00" "p\x00\x00\x00" "\x00\x03\x00\x00" "\x04\xd2\x16\x2f" "\x04\xd2\x16\x30" "\x04\xd2\x16\x2e" "user\x00postgres\x00" "database\x00postgres\x00" "options\x00" "\xff\xff\xff\xff" "\x00\x01" "\x00\x00\x00\x17" "SELECT" "FROM" "WHERE" "INSERT" "INTO" "VALUES" "UPDATE" "DELETE" "BEGIN" "COMMIT" "ROLLBACK" "SAVEPOINT" "TO" "COPY" "STDIN" "STDOUT" "BINARY" "CSV" "HEADER" "FORMAT" "LISTEN" "NOTIFY" "SET" "SHOW" "RESET" "DISCARD" "DEALLOCATE" "PREPARE" "DECLARE" "CURSOR" "FETCH" "CLOSE" "ALL" "CREATE" "TABLE" "DROP" "ROLE" "DATABASE" "$1" "$2" "::int" "::text" "::numeric" "$$" "E'\\" "'" ";" "\\." "PGCOPY\x0a\xff\x0d\x0a\x00" "SCRAM-SHA-256\x00" "n,,n=,r=" "c=biws,r=" "pg_sleep(" "pg_notify(" "now()" "t" "u" "a" "b"
WORDS
mkdir -p corpus seeds
printf '%s' "CREATE TABLE t(a INTEGER PRIMARY KEY, b TEXT, c REAL); INSERT INTO t VALUES(1,'x',2.5),(2,NULL,3); SELECT a, count(*) FROM t GROUP BY b HAVING a > 0 ORDER BY 1;" >seeds/s1
printf '%s' "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x+1 FROM c WHERE x<50) SELECT x, sum(x) OVER (ORDER BY x ROWS 2 PRECEDING) FROM c;" >seeds/s2
printf '%s' "CREATE TABLE a(x, y UNIQUE); CREATE INDEX ax ON a(x); INSERT INTO a VALUES(1,2) ON CONFLICT(y) DO UPDATE SET x=excluded.x RETURNING *; SELECT * FROM a LEFT JOIN a AS b USING(x) WHERE x IN (SELECT y FROM a);" >seeds/s3
printf '%s' "SELECT json_extract('{\"a\":[1,2]}', '\$.a[1]'), printf('%5.2f', 3.14159), date('now'), substr('abc', -2), CAST('12x' AS INTEGER), 1/0, zeroblob(3) || x'41';" >seeds/s4
printf '%s' "CREATE VIEW v AS SELECT 1 AS k UNION SELECT 2; SELECT * FROM v NATURAL JOIN (VALUES(1)) EXCEPT SELECT 3; PRAGMA table_info(v); BEGIN; SAVEPOINT s; ROLLBACK TO s; COMMIT;" >seeds/s5
slt=$src/../shared/sqllogictest
if [ -d "$slt" ] && [ ! -f seeds/.slt ]; then
  # one seed per test file: its first 40 SQL statements, joined
  find "$slt" -name '*.test' | sort | head -60 | python3 -c '
import sys
for i, path in enumerate(sys.stdin.read().split(), 1):
    out, lines = [], open(path, errors="replace").read().split("\n")
    k = 0
    while k < len(lines) and len(out) < 40:
        if lines[k].startswith(("statement", "query")):
            k += 1
            sql = []
            while k < len(lines) and lines[k] not in ("", "----"):
                sql.append(lines[k]); k += 1
            out.append(" ".join(sql) + ";")
        k += 1
    open("seeds/slt%d" % i, "w").write("\n".join(out))
'
  touch seeds/.slt
fi
tr ' ' '\n' >sql.dict <<'WORDS'
"SELECT" "FROM" "WHERE" "GROUP" "BY" "HAVING" "ORDER" "LIMIT" "OFFSET" "UNION" "ALL" "INTERSECT" "EXCEPT" "JOIN" "LEFT" "RIGHT" "FULL" "OUTER" "CROSS" "NATURAL" "USING" "ON" "WITH" "RECURSIVE" "AS" "INSERT" "INTO" "VALUES" "UPDATE" "SET" "DELETE" "REPLACE" "UPSERT" "CONFLICT" "DO" "NOTHING" "RETURNING" "CREATE" "TABLE" "INDEX" "VIEW" "TRIGGER" "DROP" "ALTER" "RENAME" "COLUMN" "ADD" "PRIMARY" "KEY" "UNIQUE" "CHECK" "DEFAULT" "COLLATE" "NOCASE" "RTRIM" "NOT" "NULL" "AND" "OR" "IN" "IS" "LIKE" "GLOB" "BETWEEN" "CASE" "WHEN" "THEN" "ELSE" "END" "CAST" "EXISTS" "DISTINCT" "OVER" "PARTITION" "ROWS" "RANGE" "GROUPS" "PRECEDING" "FOLLOWING" "UNBOUNDED" "CURRENT" "ROW" "FILTER" "WINDOW" "BEGIN" "COMMIT" "ROLLBACK" "SAVEPOINT" "RELEASE" "PRAGMA" "EXPLAIN" "QUERY" "PLAN" "WITHOUT" "ROWID" "STRICT" "GENERATED" "ALWAYS" "STORED" "VIRTUAL" "AUTOINCREMENT" "INTEGER" "TEXT" "REAL" "BLOB" "ANY" "ESCAPE" "NULLS" "FIRST" "LAST" "ASC" "DESC" "count(" "sum(" "max(" "min(" "avg(" "group_concat(" "total(" "json(" "json_extract(" "json_group_array(" "->" "->>" "printf(" "substr(" "replace(" "abs(" "round(" "coalesce(" "ifnull(" "nullif(" "iif(" "length(" "hex(" "zeroblob(" "randomblob(" "date(" "strftime(" "julianday(" "row_number()" "rank()" "lag(" "lead(" "ntile(" "first_value(" "nth_value(" "||" "<<" ">>" "<>" "!=" "==" "<=" ">=" "?" "?1" ":a" "@a" "$a" "x'" "'" "\"" "(" ")" "," ";" "*" "-" "+" "/" "%" "~" "1e308" "-9223372036854775808" "9223372036854775807" "0x7fffffffffffffff"
WORDS
rc=0
par=()
[ "$jobs" -gt 1 ] && par=(-jobs="$jobs" -workers="$jobs")
for t in $targets; do
  echo "fuzz.sh: fuzz_$t for $secs s (clang libFuzzer, ASan+UBSan) in $bld"
  trc=0
  case $t in
  sql)
    ./fuzz_sql -max_total_time="$secs" -timeout=10 -rss_limit_mb=4096 -max_len=4000 -dict=sql.dict \
      "${par[@]}" -print_final_stats=1 corpus seeds >fuzz.log 2>&1 || trc=$?
    log=fuzz.log ;;
  proto)
    mkdir -p proto_corpus
    ./fuzz_proto -max_total_time="$secs" -timeout=30 -rss_limit_mb=4096 -max_len=6000 -dict=proto.dict \
      "${par[@]}" -print_final_stats=1 proto_corpus proto_seeds >fuzz_proto.log 2>&1 || trc=$?
    log=fuzz_proto.log ;;
  *) echo "fuzz.sh: unknown target $t"; trc=2; log=/dev/null ;;
  esac
  tail -n 25 "$log"
  echo "fuzz.sh: fuzz_$t exit status $trc (full log: $bld/$log)"
  [ $trc -ne 0 ] && rc=$trc
done
exit $rc
