#!/bin/sh
# micad-clients.sh: real clients against a throwaway micad.
#
# Starts micad on a free port in a temporary data directory, then runs psql, the libpq test program
# (libpq_test), the raw protocol tests (proto_test.py), psycopg2, asyncpg (asyncpg_test.py),
# psycopg 3 (psycopg3_test.py), node-postgres and postgres.js (node/*_test.js; a missing driver fails:
# the test command installs them), authentication (trust, scram-sha-256, md5, password, reject,
# pg_hba.conf reload on SIGHUP), TLS and max_connections, and finally a clean SIGTERM shutdown (exit
# status 0, so sanitizer leak reports fail the test). Runs pgwire/micad_shim (micad over the system sqlite3) unless MICAD names another binary.
# Environment: top_srcdir, top_builddir (set by `make check`); MICAD overrides the binary;
# MICA_NODE_MODULES the node_modules directory of the node tests.
# Prints one line per check and "N passed, N failed" last.

srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
builddir=${top_builddir:-.}
# The client suite runs on src/micad with the real engine, as users run it. (MICAD=pgwire/micad_shim
# runs it over the system's sqlite3 to tell a pgwire bug from an engine difference; checks that need
# the engine's PostgreSQL dialect or parameter types then fail there.)
MICAD=${MICAD:-$builddir/src/micad}
LIBPQ_TEST=${LIBPQ_TEST:-$builddir/regress/clients/libpq_test}
HERE=$srcdir/regress/clients
PSQL=${PSQL:-psql}

if [ ! -x "$MICAD" ]; then
    echo "skip: $MICAD not built"
    echo "0 passed, 0 failed"
    exit 77
fi
if ! command -v "$PSQL" >/dev/null 2>&1; then
    echo "skip: psql not installed"
    echo "0 passed, 0 failed"
    exit 77
fi

pass=0
fail=0
ok() { pass=$((pass + 1)); echo "ok: $1"; }
bad() { fail=$((fail + 1)); echo "FAIL: $1${2:+ -- $2}"; }
check() { # check "what" command...
    what=$1
    shift
    if "$@" >/dev/null 2>&1; then ok "$what"; else bad "$what"; fi
}

tmp=$(mktemp -d "${TMPDIR:-/tmp}/micad-test.XXXXXX")
data=$tmp/data
pid=
cleanup() {
    if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then kill -9 "$pid" 2>/dev/null; fi
    rm -rf "$tmp"
}
trap cleanup EXIT INT TERM

# Stop at the first leak/UB report rather than at exit only.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}
# A free port can be taken by someone else between the probe and micad's bind: try a few.
for attempt in 1 2 3 4 5; do
    port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    "$MICAD" -D "$data" -p "$port" -h 127.0.0.1 -k "$tmp" -c log_connections=on >"$tmp/micad.log" 2>&1 &
    pid=$!
    sleep 0.3
    kill -0 "$pid" 2>/dev/null && break
done

export PGCONNECT_TIMEOUT=10 PGUSER=postgres PGDATABASE=postgres
unset PGPASSWORD PGSERVICE PGSSLMODE PGHOST PGPORT PGOPTIONS
TCP="-X -q -h 127.0.0.1 -p $port"
UNIX="-X -q -h $tmp -p $port"

i=0
until "$PSQL" $TCP -c 'SELECT 1' >/dev/null 2>&1; do
    i=$((i + 1))
    if [ $i -gt 100 ] || ! kill -0 "$pid" 2>/dev/null; then
        bad "micad starts" "$(tail -5 "$tmp/micad.log")"
        echo "$pass passed, $fail failed"
        exit 1
    fi
    sleep 0.1
done
ok "micad starts and accepts connections ($(basename "$MICAD"))"
for f in micad.conf pg_hba.conf micad.roles postgres.db micad.pid; do
    check "data directory has $f" test -e "$data/$f"
done
check "Unix socket created" test -S "$tmp/.s.PGSQL.$port"

# ---------------------------------------------------------------- psql
out=$("$PSQL" $TCP -At -c "SELECT 40 + 2" 2>&1)
[ "$out" = "42" ] && ok "psql over TCP" || bad "psql over TCP" "$out"
out=$("$PSQL" $UNIX -At -c "SELECT 'unix'" 2>&1)
[ "$out" = "unix" ] && ok "psql over the Unix socket" || bad "psql over the Unix socket" "$out"
out=$(printf '\\q\n' | "$PSQL" $TCP 2>&1)
[ $? -eq 0 ] && ok "psql \\q exits cleanly" || bad "psql \\q" "$out"
out=$("$PSQL" $TCP -c "SELECT * FROM no_such_table" 2>&1)
case $out in *ERROR*no_such_table*) ok "psql shows errors" ;; *) bad "psql shows errors" "$out" ;; esac
out=$(printf "CREATE TABLE ps (a integer, b text);\nINSERT INTO ps VALUES (1, 'x'), (2, 'y');\nSELECT b FROM ps ORDER BY a;\n" |
    "$PSQL" $TCP -At 2>&1)
[ "$out" = "$(printf 'x\ny')" ] && ok "psql script (several statements, multi-row insert)" || bad "psql script" "$out"

# ---------------------------------------------------------------- CREATE / DROP DATABASE
out=$("$PSQL" $TCP -c "CREATE DATABASE appdb" 2>&1)
out2=$("$PSQL" -X -q -At -h 127.0.0.1 -p "$port" -d appdb -c "CREATE TABLE x (a integer)" -c "INSERT INTO x VALUES (7)" -c "SELECT a FROM x" 2>&1)
[ -z "$out" ] && [ "$out2" = 7 ] && [ -f "$data/appdb.db" ] && ok "CREATE DATABASE makes appdb.db, which accepts connections" ||
    bad "CREATE DATABASE" "$out $out2"
out=$("$PSQL" $TCP -c "CREATE DATABASE appdb" 2>&1)
case $out in *'already exists'*) ok "CREATE DATABASE of an existing name is refused" ;; *) bad "CREATE DATABASE twice" "$out" ;; esac
out=$("$PSQL" $TCP -c "DROP DATABASE appdb" -c "DROP DATABASE IF EXISTS appdb" 2>&1)
case $out in *'does not exist, skipping'*) [ ! -e "$data/appdb.db" ] && ok "DROP DATABASE removes the file" || bad "DROP DATABASE file" ;;
*) bad "DROP DATABASE" "$out" ;; esac

# ---------------------------------------------------------------- COPY
printf '1\thello\t1.5\n2\t\\N\t2.5\n3\twith\\ttab\t\\N\n' >"$tmp/in.tsv"
printf 'a,b,c\n4,"quoted, comma",4.5\n5,"two\nlines",\n' >"$tmp/in.csv"
out=$("$PSQL" $TCP -c "CREATE TABLE cp (a integer, b text, c double precision)" -c "\\copy cp from '$tmp/in.tsv'" \
    -c "\\copy cp from '$tmp/in.csv' with (format csv, header)" 2>&1)
[ -z "$out" ] && ok "COPY FROM STDIN (text and csv)" || bad "COPY FROM STDIN" "$out"
out=$("$PSQL" $TCP -c "\\copy cp to stdout" 2>&1)
want=$(printf '1\thello\t1.5\n2\t\\N\t2.5\n3\twith\\ttab\t\\N\n4\tquoted, comma\t4.5\n5\ttwo\\nlines\t\\N')
[ "$out" = "$want" ] && ok "COPY TO STDOUT round-trips escapes and NULLs" || bad "COPY TO STDOUT" "$out"
out=$("$PSQL" $TCP -c "\\copy (SELECT a, b FROM cp WHERE a >= 4 ORDER BY a) to stdout with csv header" 2>&1)
[ "$out" = "$(printf 'a,b\n4,"quoted, comma"\n5,"two\nlines"')" ] && ok "COPY (query) TO STDOUT as CSV" || bad "COPY csv out" "$out"
printf '9\tshort\n' >"$tmp/bad.tsv"
out=$("$PSQL" $TCP -c "\\copy cp from '$tmp/bad.tsv'" 2>&1)
out2=$("$PSQL" $TCP -At -c "SELECT count(*) FROM cp" 2>&1)
case $out in *'missing data for column 3'*) [ "$out2" = 5 ] && ok "bad COPY row is an error and loads nothing" || bad "COPY atomic" "$out2" ;;
*) bad "bad COPY row" "$out" ;; esac
# Text COPY reads each field as its column's type: bytea escapes become bytes, uuids canonical, and a
# word in an integer column is an error (it used to be stored as text).
printf '1\t\\\\x00ff\tA0EEBC999C0B4EF8BB6D6BB9BD380A11\n' >"$tmp/typed.tsv"
printf 'notanumber\n' >"$tmp/typed-bad.tsv"
out=$("$PSQL" $TCP -At -c "CREATE TABLE ct (i integer, b bytea, u uuid)" -c "\\copy ct from '$tmp/typed.tsv'" \
    -c "SELECT typeof(b), length(b), b, u FROM ct" -c "\\copy ct (i) from '$tmp/typed-bad.tsv'" 2>&1)
case $out in "blob|2|\\x00ff|a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"*'invalid input syntax for type integer'*)
    ok "text COPY decodes fields by column type (bytea, uuid, integer)" ;;
*) bad "text COPY typed fields" "$out" ;; esac
out=$("$PSQL" $TCP -c "COPY cp FROM '/etc/passwd'" 2>&1)
case $out in *'not supported'*) ok "server-side COPY from a file is refused" ;; *) bad "COPY from file" "$out" ;; esac
# Binary COPY: a file in PostgreSQL's binary format (built here from the format's definition) loads,
# COPY TO gives back the same bytes, and a truncated file is an error that loads nothing.
python3 - "$tmp/in.bin" <<'PYEOF'
import struct, sys
rows = [(7, "sept", 2.5, b"\x00\xff", True), (None, None, None, None, None), (-1, "h\u00e9", -0.125, b"", False)]
out = b"PGCOPY\n\xff\r\n\x00" + struct.pack(">ii", 0, 0)
for r in rows:
    out += struct.pack(">h", len(r))
    for v, kind in zip(r, "itfbo"):
        if v is None: out += struct.pack(">i", -1); continue
        data = {"i": lambda: struct.pack(">i", v), "t": lambda: v.encode(), "f": lambda: struct.pack(">d", v),
                "b": lambda: v, "o": lambda: bytes([v])}[kind]()
        out += struct.pack(">i", len(data)) + data
out += struct.pack(">h", -1)
open(sys.argv[1], "wb").write(out)
open(sys.argv[1] + ".cut", "wb").write(out[:40])
PYEOF
out=$("$PSQL" $TCP -At -c "CREATE TABLE cb (i integer, t text, f double precision, b bytea, o boolean)" \
    -c "\\copy cb from '$tmp/in.bin' with (format binary)" -c "SELECT i, t, f, b, o FROM cb ORDER BY i NULLS LAST" 2>&1)
want=$(printf -- '-1|h\303\251|-0.125|\\x|f\n7|sept|2.5|\\x00ff|t\n||||')
[ "$out" = "$want" ] && ok "COPY FROM STDIN in binary format" || bad "COPY binary in" "$out"
"$PSQL" $TCP -c "\\copy cb to '$tmp/out.bin' with (format binary)" >/dev/null 2>&1
cmp -s "$tmp/in.bin" "$tmp/out.bin" && ok "COPY TO STDOUT in binary gives PostgreSQL's bytes" || bad "COPY binary out" "$(od -c "$tmp/out.bin" | head -3)"
out=$("$PSQL" $TCP -At -c "\\copy cb from '$tmp/in.bin.cut' with (format binary)" 2>&1)
out2=$("$PSQL" $TCP -At -c "SELECT count(*) FROM cb" 2>&1)
case $out in *'unexpected EOF'*) [ "$out2" = 3 ] && ok "truncated binary COPY is an error and loads nothing" || bad "binary COPY atomic" "$out2" ;;
*) bad "truncated binary COPY" "$out" ;; esac

# ---------------------------------------------------------------- libpq and raw protocol
if [ -x "$LIBPQ_TEST" ]; then
    "$LIBPQ_TEST" "host=127.0.0.1 port=$port user=postgres dbname=postgres" >"$tmp/libpq.out" 2>&1
    rc=$?
    sed 's/^/  libpq: /' "$tmp/libpq.out" | grep -v '^  libpq: ok:'
    [ $rc -eq 0 ] && ok "libpq_test: $(tail -1 "$tmp/libpq.out")" || bad "libpq_test" "$(tail -1 "$tmp/libpq.out")"
else
    bad "libpq_test built" "$LIBPQ_TEST missing"
fi
python3 "$HERE/proto_test.py" 127.0.0.1 "$port" postgres postgres >"$tmp/proto.out" 2>&1
rc=$?
sed 's/^/  proto: /' "$tmp/proto.out" | grep -v '^  proto: ok:'
[ $rc -eq 0 ] && ok "proto_test: $(tail -1 "$tmp/proto.out")" || bad "proto_test" "$(tail -1 "$tmp/proto.out")"

PYPG=
for py in python3 /usr/bin/python3; do
    if "$py" -c 'import psycopg2' 2>/dev/null; then PYPG=$py; break; fi
done
if [ -n "$PYPG" ]; then
    out=$("$PYPG" - "$port" <<'EOF' 2>&1
import sys, psycopg2
c = psycopg2.connect(host="127.0.0.1", port=int(sys.argv[1]), user="postgres", dbname="postgres")
cur = c.cursor()
cur.execute("DROP TABLE IF EXISTS pyt")
cur.execute("CREATE TABLE pyt (id integer, name text, score double precision)")
cur.execute("INSERT INTO pyt VALUES (%s, %s, %s)", (1, "o'neil", 2.5))
c.commit()
cur.execute("SELECT id, name, score FROM pyt")
row = cur.fetchone()
assert row == (1, "o'neil", 2.5), row
try:
    cur.execute("SELECT * FROM missing_table")
except psycopg2.Error as e:
    assert e.pgcode == "42P01", e.pgcode
c.rollback()
cur.execute("INSERT INTO pyt SELECT id + 1, name, score FROM pyt")
cur.execute("INSERT INTO pyt SELECT id + 2, name, score FROM pyt")
c.commit()
# named (server-side) cursors: DECLARE ... CURSOR WITHOUT HOLD FOR, FETCH FORWARD n FROM, CLOSE
named = c.cursor("pyt_named")
named.itersize = 3
named.execute("SELECT id FROM pyt WHERE id > %s ORDER BY id", (1,))
assert [r[0] for r in named] == [2, 3, 4], "named cursor"
named.close()
c.rollback()
held = c.cursor("pyt_held", withhold=True)
held.execute("SELECT id FROM pyt ORDER BY id")
c.commit()
assert held.fetchmany(2) == [(1,), (2,)] and held.fetchall() == [(3,), (4,)], "WITH HOLD cursor after commit"
held.close()
# arrays: psycopg2 writes lists as ARRAY[...] literals and parses array results by their type OIDs
import datetime, decimal
cur.execute("DROP TABLE IF EXISTS pya")
cur.execute("CREATE TABLE pya (id integer, ints int[], names text[], flags boolean[], fl float8[], "
            "nums numeric[], days date[], ts timestamp[])")
row = (1, [1, None, 3], ["a", "b c", None, "", 'q"\\', "NULL"], [True, False], [1.5, None],
       [decimal.Decimal("1.50")], [datetime.date(2024, 2, 29)], [datetime.datetime(2024, 1, 2, 3, 4, 5)])
cur.execute("INSERT INTO pya VALUES (%s, %s, %s, %s, %s, %s, %s, %s)", row)
cur.execute("SELECT * FROM pya")
got = cur.fetchone()
assert got == row, (got, row)
cur.execute("SELECT id FROM pya WHERE id = ANY(%s) AND %s = ANY(names)", ([1, 2], "b c"))
assert cur.fetchall() == [(1,)]
cur.execute("SELECT array_agg(x ORDER BY x DESC), ARRAY['x', NULL], ints[3], %s::int[] "
            "FROM (SELECT 1 AS x UNION ALL SELECT 2) s, pya GROUP BY ints", ([],))
got = cur.fetchone()
assert got == ([2, 1], ["x", None], 3, []), got
c.rollback()
print("psycopg2 ok")
EOF
)
    [ "$out" = "psycopg2 ok" ] && ok "psycopg2 round trip, named cursors (also WITH HOLD), arrays" || bad "psycopg2 round trip" "$out"
else
    bad "psycopg2" "python3-psycopg2 is not installed (regress/install-deps.sh installs it)"
fi

# asyncpg: binary formats for every type, inferred parameter types, binary COPY, cancel, pools
if /usr/bin/python3 -c 'import asyncpg' 2>/dev/null; then
    /usr/bin/python3 "$HERE/asyncpg_test.py" "postgresql://postgres@127.0.0.1:$port/postgres" >"$tmp/asyncpg.out" 2>&1
    rc=$?
    sed 's/^/  asyncpg: /' "$tmp/asyncpg.out" | grep -v '^  asyncpg: ok:'
    [ $rc -eq 0 ] && ok "asyncpg_test: $(tail -1 "$tmp/asyncpg.out")" || bad "asyncpg_test" "$(tail -1 "$tmp/asyncpg.out")"
else
    bad "asyncpg" "python3-asyncpg is not installed (regress/install-deps.sh installs it)"
fi

# psycopg 3: text and binary parameters and results for every type, pipeline, COPY both ways, pool
if /usr/bin/python3 -c 'import psycopg' 2>/dev/null; then
    /usr/bin/python3 "$HERE/psycopg3_test.py" "host=127.0.0.1 port=$port user=postgres dbname=postgres" >"$tmp/psycopg3.out" 2>&1
    rc=$?
    sed 's/^/  psycopg3: /' "$tmp/psycopg3.out" | grep -v '^  psycopg3: ok:'
    [ $rc -eq 0 ] && ok "psycopg3_test: $(tail -1 "$tmp/psycopg3.out")" || bad "psycopg3_test" "$(tail -1 "$tmp/psycopg3.out")"
else
    bad "psycopg3" "python3-psycopg is not installed (regress/install-deps.sh installs it)"
fi

# node-postgres (pg) and postgres.js (postgres), from regress/clients/node (npm ci, run by
# regress/install-deps.sh). MICA_NODE_MODULES names another node_modules (distcheck's copy of the
# sources has none; test-all.sh points it at the checkout's).
NODE_MODULES=${MICA_NODE_MODULES:-$HERE/node/node_modules}
for js in pg postgresjs; do
    pkg=$js
    [ "$js" = postgresjs ] && pkg=postgres
    if ! command -v node >/dev/null 2>&1; then
        bad "$js" "node is not installed"
    elif [ ! -d "$NODE_MODULES/$pkg" ]; then
        bad "$js" "$NODE_MODULES/$pkg missing (regress/install-deps.sh runs npm ci in regress/clients/node)"
    else
        NODE_PATH=$NODE_MODULES node "$HERE/node/${js}_test.js" "postgres://postgres@127.0.0.1:$port/postgres" >"$tmp/$js.out" 2>&1
        rc=$?
        sed "s/^/  $js: /" "$tmp/$js.out" | grep -v "^  $js: ok:"
        [ $rc -eq 0 ] && ok "${js}_test: $(tail -1 "$tmp/$js.out")" || bad "${js}_test" "$(tail -1 "$tmp/$js.out")"
    fi
done

# ---------------------------------------------------------------- authentication and reload
md5bob=$(python3 -c 'import hashlib; print("md5" + hashlib.md5(b"builderbob").hexdigest())')
out=$("$PSQL" $TCP -c "CREATE ROLE alice LOGIN PASSWORD 'wonderland'" -c "CREATE USER carol PASSWORD 'c4rol'" \
    -c "CREATE ROLE bob LOGIN PASSWORD '$md5bob'" -c "CREATE ROLE nolog PASSWORD 'x'" -c "CREATE ROLE mallory LOGIN" 2>&1)
[ -z "$out" ] && ok "CREATE ROLE with passwords" || bad "CREATE ROLE" "$out"
check "roles file holds a SCRAM verifier, not the password" sh -c "grep -q '^alice:login:SCRAM-SHA-256\\\$4096:' '$data/micad.roles' && ! grep -q wonderland '$data/micad.roles'"
cat >"$data/pg_hba.conf" <<EOF
local   all  all                   trust
host    all  postgres 127.0.0.1/32 trust
host    all  alice    127.0.0.1/32 scram-sha-256
host    all  bob      127.0.0.1/32 md5
host    all  carol    127.0.0.1    255.255.255.255  password
host    all  mallory  127.0.0.1/32 reject
host    all  all      127.0.0.1/32 scram-sha-256
EOF
kill -HUP "$pid"
sleep 0.5
out=$(PGPASSWORD=wonderland "$PSQL" $TCP -U alice -At -c "SELECT 'in'" 2>&1)
[ "$out" = "in" ] && ok "scram-sha-256 with the right password" || bad "scram-sha-256 login" "$out"
out=$(PGPASSWORD=wrong "$PSQL" $TCP -U alice -c "SELECT 1" 2>&1)
case $out in *'password authentication failed for user "alice"'*) ok "scram-sha-256 wrong password is refused" ;;
*) bad "scram wrong password" "$out" ;; esac
out=$(PGPASSWORD=whatever "$PSQL" $TCP -U nobody_here -c "SELECT 1" 2>&1)
case $out in *'password authentication failed for user "nobody_here"'*) ok "unknown role fails like a wrong password" ;;
*) bad "unknown role under scram" "$out" ;; esac
out=$(PGPASSWORD=builder "$PSQL" $TCP -U bob -At -c "SELECT 'md5'" 2>&1)
[ "$out" = "md5" ] && ok "md5 login" || bad "md5 login" "$out"
out=$(PGPASSWORD=nope "$PSQL" $TCP -U bob -c "SELECT 1" 2>&1)
case $out in *'password authentication failed'*) ok "md5 wrong password is refused" ;; *) bad "md5 wrong password" "$out" ;; esac
out=$(PGPASSWORD=c4rol "$PSQL" $TCP -U carol -At -c "SELECT 'pw'" 2>&1)
[ "$out" = "pw" ] && ok "password (cleartext) method against a SCRAM verifier" || bad "password method" "$out"
out=$("$PSQL" $TCP -U mallory -c "SELECT 1" 2>&1)
case $out in *'pg_hba.conf rejects connection'*) ok "reject rule" ;; *) bad "reject rule" "$out" ;; esac
out=$("$PSQL" $UNIX -U nolog -c "SELECT 1" 2>&1)
case $out in *'is not permitted to log in'*) ok "NOLOGIN role refused" ;; *) bad "NOLOGIN role" "$out" ;; esac
out=$("$PSQL" $UNIX -U ghost -c "SELECT 1" 2>&1)
case $out in *'role "ghost" does not exist'*) ok "trust still requires an existing role" ;; *) bad "trust unknown role" "$out" ;; esac
out=$(PGPASSWORD=wonderland "$PSQL" $TCP -U alice -c "CREATE ROLE eve" 2>&1)
case $out in *'permission denied'*) ok "non-superuser cannot create roles" ;; *) bad "CREATE ROLE permission" "$out" ;; esac
out=$(PGPASSWORD=wonderland "$PSQL" $TCP -U alice -c "ALTER ROLE alice PASSWORD 'rabbit'" 2>&1)
out2=$(PGPASSWORD=rabbit "$PSQL" $TCP -U alice -At -c "SELECT 'new'" 2>&1)
[ -z "$out" ] && [ "$out2" = "new" ] && ok "a role changes its own password" || bad "ALTER ROLE own password" "$out $out2"
printf 'host all all 127.0.0.1/32 reject\n' >"$data/pg_hba.conf"
kill -HUP "$pid"
sleep 0.5
out=$("$PSQL" $TCP -c "SELECT 1" 2>&1)
case $out in *'rejects connection'*) ok "SIGHUP reloads pg_hba.conf" ;; *) bad "hba reload" "$out" ;; esac
out=$("$PSQL" $UNIX -c "SELECT 1" 2>&1)
case $out in *'no pg_hba.conf entry'*) ok "no matching rule is refused" ;; *) bad "no matching rule" "$out" ;; esac
cat >"$data/pg_hba.conf" <<EOF
local     all  all                 trust
hostnossl all  postgres 127.0.0.1/32 trust
hostssl   all  all      127.0.0.1/32 scram-sha-256
EOF
kill -HUP "$pid"
sleep 0.5

# ---------------------------------------------------------------- TLS
if command -v openssl >/dev/null 2>&1 &&
    openssl req -x509 -newkey rsa:2048 -nodes -keyout "$data/server.key" -out "$data/server.crt" -days 2 \
        -subj /CN=localhost >/dev/null 2>&1; then
    chmod 600 "$data/server.key"
    echo "ssl = on" >>"$data/micad.conf"
    kill -HUP "$pid"
    sleep 0.5
    out=$(PGPASSWORD=rabbit "$PSQL" "sslmode=require host=127.0.0.1 port=$port user=alice dbname=postgres" -X -At \
        -c "SELECT 'tls'" -c '\conninfo' 2>&1)
    case $out in tls*SSL\ connection*) ok "TLS connection (hostssl + scram)" ;; *) bad "TLS connection" "$out" ;; esac
    out=$(PGPASSWORD=rabbit "$PSQL" "sslmode=disable host=127.0.0.1 port=$port user=alice dbname=postgres" -X -c "SELECT 1" 2>&1)
    case $out in *'no pg_hba.conf entry'*'no encryption'*) ok "hostssl rule does not match plain connections" ;;
    *) bad "hostssl without TLS" "$out" ;; esac
    out=$("$PSQL" "sslmode=disable host=127.0.0.1 port=$port user=postgres dbname=postgres" -X -At -c "SELECT 'plain'" 2>&1)
    [ "$out" = "plain" ] && ok "plain connection still allowed by hostnossl" || bad "hostnossl" "$out"
    if [ -x "$LIBPQ_TEST" ]; then
        PGPASSWORD=rabbit "$LIBPQ_TEST" "sslmode=require host=127.0.0.1 port=$port user=alice dbname=postgres" >"$tmp/libpq-tls.out" 2>&1 &&
            ok "libpq_test over TLS: $(tail -1 "$tmp/libpq-tls.out")" || bad "libpq_test over TLS" "$(grep FAIL "$tmp/libpq-tls.out" | head -3)"
    fi
else
    bad "TLS" "openssl could not make a certificate"
fi

# ---------------------------------------------------------------- max_connections
echo "max_connections = 3" >>"$data/micad.conf"
kill -HUP "$pid"
sleep 0.5
out=$(python3 - "$tmp" "$port" <<'EOF' 2>&1
import socket, struct, sys, time
path = "%s/.s.PGSQL.%s" % (sys.argv[1], sys.argv[2])
def start():
    s = socket.socket(socket.AF_UNIX)
    s.connect(path)
    body = struct.pack("!I", 196608) + b"user\0postgres\0database\0postgres\0\0"
    s.sendall(struct.pack("!I", len(body) + 4) + body)
    data = b""
    while not (b"Z\0\0\0\5" in data or data[:1] == b"E"):
        chunk = s.recv(4096)
        if not chunk:
            break
        data += chunk
    return s, data
held = [start() for _ in range(3)]
ok = all(d[:1] == b"R" for _, d in held)
s, d = start()
print("held" if ok else "could not hold 3", "53300" if b"53300" in d else repr(d[:80]))
EOF
)
[ "$out" = "held 53300" ] && ok "max_connections enforced with 53300" || bad "max_connections" "$out"
sleep 0.3

# ---------------------------------------------------------------- shutdown
kill -TERM "$pid"
i=0
while kill -0 "$pid" 2>/dev/null && [ $i -lt 100 ]; do
    sleep 0.1
    i=$((i + 1))
done
if kill -0 "$pid" 2>/dev/null; then
    bad "SIGTERM shuts down within 10 s"
else
    wait "$pid"
    rc=$?
    [ $rc -eq 0 ] && ok "clean shutdown (exit 0, no sanitizer reports)" || bad "clean shutdown" "exit $rc: $(grep -m3 -E 'ERROR|Sanitizer|leak' "$tmp/micad.log")"
    check "pid file removed" test ! -e "$data/micad.pid"
    check "Unix socket removed" test ! -e "$tmp/.s.PGSQL.$port"
fi
pid=
if grep -qE 'AddressSanitizer|UndefinedBehaviorSanitizer|runtime error' "$tmp/micad.log"; then
    bad "no sanitizer reports in the server log" "$(grep -m3 -E 'Sanitizer|runtime error' "$tmp/micad.log")"
fi

echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
