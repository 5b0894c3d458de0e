#!/usr/bin/python3
"""psycopg3_test.py CONNINFO: psycopg 3 (Debian's python3-psycopg, pure-Python implementation over libpq)
and psycopg_pool (python3-psycopg-pool) against micad.

psycopg 3 binds parameters server-side (extended protocol) with the parameter types set by the
driver, and chooses per value whether a parameter goes in text or binary (%s), or as told (%t text,
%b binary); a cursor(binary=True) asks for binary results. So every type below goes through four
paths: text and binary parameters, text and binary results; so do arrays of them. Also: the parameter statuses psycopg
reads at connect (server_version, encoding, DateStyle, IntervalStyle, TimeZone), client-side binding
(ClientCursor, simple protocol), executemany and pipeline mode, prepared statements (prepare=True,
DEALLOCATE when the cache overflows), transactions with savepoints, errors mapped to classes by
SQLSTATE, server-side (named) cursors, COPY in text and binary both ways, cancel and statement_timeout (57014), LISTEN/NOTIFY
and a ConnectionPool. Prints one line per check and ends with "N passed, N failed"; exit status 1
on any failure."""
import datetime
import decimal
import sys
import threading
import time
import uuid

import psycopg
from psycopg import errors
from psycopg.types.json import Json, Jsonb

passed = failed = 0


def check(what, cond, detail=""):
    global passed, failed
    if cond:
        passed += 1
        print("ok:", what)
    else:
        failed += 1
        print("FAIL:", what, "--", detail)


def expect_error(what, exc_type, sqlstate, fn):
    try:
        fn()
    except exc_type as e:
        check(what, e.sqlstate == sqlstate, e.sqlstate)
    except Exception as e:  # noqa: BLE001 - any other exception is a failure
        check(what, False, "%s: %s" % (type(e).__name__, e))
    else:
        check(what, False, "no error")


def guarded(what, fn):
    """Runs fn(); an unexpected exception fails `what` instead of ending the test."""
    try:
        fn()
    except Exception as e:  # noqa: BLE001
        check(what, False, "%s: %s" % (type(e).__name__, e))


COLS = ["id", "bo", "s", "i", "b", "r", "d", "n", "t", "v", "by", "dt", "tm", "ts", "tz", "iv", "u", "j", "jb"]
ROW = (1, True, 7, -123456, 2**40, 1.5, 2.25, decimal.Decimal("12.345"), "héllo 'q'", "var", b"\x00\xff\x10\\",
       datetime.date(2024, 2, 29), datetime.time(13, 14, 15, 500000), datetime.datetime(2024, 1, 2, 3, 4, 5, 6000),
       datetime.datetime(2024, 1, 2, 3, 4, 5, tzinfo=datetime.timezone.utc),
       datetime.timedelta(days=3, seconds=7200), uuid.UUID("12345678-1234-5678-1234-567812345678"),
       Json({"a": 1}), Jsonb({"b": [1, 2]}))
# json and jsonb come back parsed.
WANT = ROW[:17] + ({"a": 1}, {"b": [1, 2]})
# The OIDs RowDescription must give for each column (psycopg picks its loaders by them).
OIDS = [23, 16, 21, 23, 20, 700, 701, 1700, 25, 1043, 17, 1082, 1083, 1114, 1184, 1186, 2950, 114, 3802]


def types(c):
    c.execute("DROP TABLE IF EXISTS p3t")
    c.execute("CREATE TABLE p3t (id integer PRIMARY KEY, bo boolean, s smallint, i integer, b bigint, r real, "
              "d double precision, n numeric, t text, v varchar(10), by bytea, dt date, tm time, ts timestamp, "
              "tz timestamptz, iv interval, u uuid, j json, jb jsonb)")
    c.commit()
    for pfmt, label in (("%s", "auto"), ("%t", "text"), ("%b", "binary")):
        c.execute("DELETE FROM p3t")
        c.execute("INSERT INTO p3t VALUES (" + ", ".join([pfmt] * len(ROW)) + ")", ROW)
        c.commit()
        for binary in (False, True):
            cur = c.cursor(binary=binary)
            got = cur.execute("SELECT * FROM p3t").fetchone()
            rfmt = "binary" if binary else "text"
            if label == "auto":
                oids = [d.type_code for d in cur.description]
                check("RowDescription OIDs (%s results)" % rfmt, oids == OIDS, str(oids))
            bad = ["%s: %r != %r" % (n, h, w) for n, h, w in zip(COLS, got, WANT) if h != w]
            check("all types: %s parameters, %s results" % (label, rfmt), not bad, "; ".join(bad))
    c.rollback()
    # Every uuid spelling PostgreSQL accepts is stored canonically (psycopg sends text uuids as 32 bare
    # digits, which the column's affinity used to turn into a floating-point number).
    c.execute("DELETE FROM p3t")
    c.execute("INSERT INTO p3t (id, u) VALUES (1, %t), (2, %t::uuid)",
              (uuid.UUID("0000000a-0000-0000-0000-00000000000b"), "{A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11}"))
    got = c.execute("SELECT u::text FROM p3t ORDER BY id").fetchall()
    check("text uuid parameters stored in canonical form", got == [("0000000a-0000-0000-0000-00000000000b",),
                                                                   ("a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11",)], got)
    expect_error("malformed uuid parameter is InvalidTextRepresentation (22P02)", errors.InvalidTextRepresentation,
                 "22P02", lambda: c.execute("INSERT INTO p3t (id, u) VALUES (3, %s)", ("not-a-uuid",)))
    c.rollback()
    # NULLs of every type, both result formats.
    c.execute("DELETE FROM p3t")
    c.execute("INSERT INTO p3t (id) VALUES (%s)", (9,))
    for binary in (False, True):
        got = c.cursor(binary=binary).execute("SELECT * FROM p3t").fetchone()
        check("NULLs of every type (%s results)" % ("binary" if binary else "text"), got == (9,) + (None,) * 18, got)
    # Extremes.
    vals = (-2**15, 2**31 - 1, -2**63, 2**63 - 1, decimal.Decimal("-0.000123"), float("inf"), "")
    for binary in (False, True):
        got = c.cursor(binary=binary).execute(
            "SELECT %s::int2, %s::int4, %s::int8, %s::int8, %s::numeric, %s::float8, %s::text", vals).fetchone()
        check("integer limits, small numeric, infinity, empty string (%s)" % ("binary" if binary else "text"),
              got == vals, got)
    c.rollback()


ACOLS = ["id", "bo", "s", "i", "b", "r", "d", "n", "t", "v", "by", "dt", "ts", "tz", "iv", "u", "jb"]
AROW = (1, [True, None, False], [1, -2], [1, None, 3], [2**40], [1.5], [0.25, None], [decimal.Decimal("1.50")],
        ["a", "b c", None, "", 'q"\\', "NULL", "{x}"], ["v"], [b"\x00\xff", b""], [datetime.date(2024, 2, 29)],
        [datetime.datetime(2024, 1, 2, 3, 4, 5, 6000)],
        [datetime.datetime(2024, 1, 2, 3, 4, 5, tzinfo=datetime.timezone.utc)],
        [datetime.timedelta(days=3, seconds=7200)], [uuid.UUID("12345678-1234-5678-1234-567812345678")],
        [Jsonb({"b": [1, 2]})])
AWANT = AROW[:16] + ([{"b": [1, 2]}],)
AOIDS = [23, 1000, 1005, 1007, 1016, 1021, 1022, 1231, 1009, 1015, 1001, 1182, 1115, 1185, 1187, 2951, 3807]

# One-dimensional arrays of most types (stored as PostgreSQL's array text), the same four paths.
def arrays(c):
    c.execute("DROP TABLE IF EXISTS p3a")
    c.execute("CREATE TABLE p3a (id integer PRIMARY KEY, bo boolean[], s smallint[], i integer[], b bigint[], "
              "r real[], d double precision[], n numeric[], t text[], v varchar(10)[], by bytea[], dt date[], "
              "ts timestamp[], tz timestamptz[], iv interval[], u uuid[], jb jsonb[])")
    c.commit()
    for pfmt, label in (("%s", "auto"), ("%t", "text"), ("%b", "binary")):
        c.execute("DELETE FROM p3a")
        c.execute("INSERT INTO p3a VALUES (" + ", ".join([pfmt] * len(AROW)) + ")", AROW)
        c.commit()
        for binary in (False, True):
            cur = c.cursor(binary=binary)
            got = cur.execute("SELECT * FROM p3a").fetchone()
            rfmt = "binary" if binary else "text"
            if label == "auto":
                oids = [d.type_code for d in cur.description]
                check("array RowDescription OIDs (%s results)" % rfmt, oids == AOIDS, str(oids))
            bad = ["%s: %r != %r" % (n, h, w) for n, h, w in zip(ACOLS, got, AWANT) if h != w]
            check("arrays: %s parameters, %s results" % (label, rfmt), not bad, "; ".join(bad))
    for binary in (False, True):
        cur = c.cursor(binary=binary)
        got = cur.execute("SELECT id FROM p3a WHERE id = ANY(%s) AND %s = ANY(t)", ([1, 5], "b c")).fetchall()
        check("= ANY(list parameter) (%s results)" % ("binary" if binary else "text"), got == [(1,)], got)
        got = cur.execute("SELECT ARRAY[i[1], i[3]], array_agg(x ORDER BY x DESC), ARRAY[]::text[] "
                          "FROM p3a, (SELECT 1 AS x UNION ALL SELECT 2) s GROUP BY i").fetchone()
        check("ARRAY[], subscripts, array_agg (%s results)" % ("binary" if binary else "text"), got == ([1, 3], [2, 1], []), got)
    cc = psycopg.ClientCursor(c)
    got = cc.execute("SELECT %s::int[], %s::text[], %s = ANY(%s)", ([1, None], ["a", "b"], 2, [1, 2])).fetchone()
    check("ClientCursor: list literals", got == ([1, None], ["a", "b"], True), got)
    c.rollback()

def main(conninfo):
    c = psycopg.connect(conninfo)
    check("connect and SELECT 1", c.execute("SELECT 1").fetchone() == (1,))
    info = c.info
    check("server_version reported as 15", info.server_version // 10000 == 15, info.server_version)
    params = {k: info.parameter_status(k) for k in ("client_encoding", "DateStyle", "IntervalStyle",
                                                    "integer_datetimes", "standard_conforming_strings")}
    check("parameter statuses psycopg reads at connect",
          params == {"client_encoding": "UTF8", "DateStyle": "ISO, MDY", "IntervalStyle": "postgres",
                     "integer_datetimes": "on", "standard_conforming_strings": "on"}, params)
    check("connection encoding and time zone", info.encoding == "utf-8" and info.timezone.utcoffset(None) ==
          datetime.timedelta(0), (info.encoding, info.timezone))
    pid = c.execute("SELECT pg_backend_pid()").fetchone()[0]
    check("backend pid from BackendKeyData matches pg_backend_pid()", pid == info.backend_pid,
          (pid, info.backend_pid))
    check("transaction status INTRANS after a query", info.transaction_status == psycopg.pq.TransactionStatus.INTRANS)
    c.rollback()

    guarded("type round trips", lambda: types(c))
    guarded("array round trips", lambda: arrays(c))

    # Client-side binding: the simple protocol with literals psycopg quotes itself.
    cc = psycopg.ClientCursor(c)
    vals = ("it's", 42, decimal.Decimal("2.5"), None, b"\x01\x02\\", datetime.date(2024, 3, 1),
            uuid.UUID("12345678-1234-5678-1234-567812345678"))
    got = cc.execute("SELECT %s, %s, %s, %s, %s, %s, %s", vals).fetchone()
    check("ClientCursor (simple protocol, client-quoted literals and casts: ::bytea, ::date, ::uuid)",
          got == vals, got)
    c.rollback()

    c.execute("DROP TABLE IF EXISTS p3k")
    c.execute("CREATE TABLE p3k (a integer PRIMARY KEY, b text)")
    c.commit()
    with c.cursor() as cur:
        cur.executemany("INSERT INTO p3k VALUES (%s, %s)", [(i, "v%d" % i) for i in range(50)])
    c.commit()
    check("executemany (pipelined Bind/Execute)",
          c.execute("SELECT count(*), sum(a) FROM p3k").fetchone() == (50, sum(range(50))))
    with c.cursor() as cur:
        cur.executemany("UPDATE p3k SET b = %s WHERE a = %s", [("u%d" % i, i) for i in range(5)], returning=False)
        check("executemany rowcount", cur.rowcount == 5, cur.rowcount)
    c.commit()
    with c.pipeline():
        c1 = c.execute("SELECT %s::int + 1", (41,))
        c2 = c.execute("SELECT b FROM p3k WHERE a = %s", (3,))
        c3 = c.execute("SELECT count(*) FROM p3k WHERE b LIKE %s", ("u%",))
    check("pipeline mode: three queries, one sync", (c1.fetchone(), c2.fetchone(), c3.fetchone()) ==
          ((42,), ("u3",), (5,)))
    c.rollback()

    # Prepared statements: prepare=True uses a named statement at once; with a cache of 2, a third
    # statement makes psycopg DEALLOCATE the oldest.
    c.prepared_max = 2
    got = [c.execute("SELECT b FROM p3k WHERE a = %s", (i,), prepare=True).fetchone()[0] for i in (1, 2, 7)]
    check("prepared statement reused with new parameters", got == ["u1", "u2", "v7"], got)
    got = [c.execute(q, (6,), prepare=True).fetchone()[0] for q in
           ("SELECT a + %s FROM p3k WHERE a = 1", "SELECT a * %s FROM p3k WHERE a = 2",
            "SELECT a - %s FROM p3k WHERE a = 3")]
    check("prepared statement cache overflow (DEALLOCATE)", got == [7, 12, -3], got)
    got = c.execute("SELECT b FROM p3k WHERE a = %s", (8,), prepare=True).fetchone()
    check("statement prepared again after DEALLOCATE", got == ("v8",), got)
    c.prepare_threshold = 0
    got = [c.execute("SELECT count(*) FROM p3k WHERE a < %s", (n,)).fetchone()[0] for n in (3, 10)]
    check("prepare_threshold=0 prepares every query", got == [3, 10], got)
    c.prepare_threshold = 5
    c.rollback()

    # Errors.
    expect_error("unique violation is UniqueViolation (23505)", errors.UniqueViolation, "23505",
                 lambda: c.execute("INSERT INTO p3k VALUES (%s, %s)", (1, "dup")))
    c.rollback()
    expect_error("syntax error is SyntaxError (42601)", errors.SyntaxError, "42601", lambda: c.execute("SELEC 1"))
    c.rollback()
    expect_error("missing table is UndefinedTable (42P01)", errors.UndefinedTable, "42P01",
                 lambda: c.execute("SELECT * FROM no_such_table WHERE x = %s", (1,)))
    c.rollback()
    try:
        c.execute("SELECT * FROM no_such_table")
    except errors.UndefinedTable as e:
        diag = e.diag
        check("error diagnostics (severity, message)", diag.severity == "ERROR" and
              "no_such_table" in (diag.message_primary or ""), (diag.severity, diag.message_primary))
    expect_error("statements after an error in a transaction are InFailedSqlTransaction (25P02)",
                 errors.InFailedSqlTransaction, "25P02", lambda: c.execute("SELECT 1"))
    c.rollback()
    check("connection usable after rollback", c.execute("SELECT 3").fetchone() == (3,))
    c.rollback()

    # Server-side cursors: DECLARE with bound parameters (extended protocol), Describe of the cursor,
    # FETCH FORWARD n, binary results, WITH HOLD across COMMIT.
    c.execute("DROP TABLE IF EXISTS p3cur")
    c.execute("CREATE TABLE p3cur (a integer, b text)")
    c.execute("INSERT INTO p3cur VALUES (1, 'one'), (2, 'two'), (3, 'three'), (4, 'four'), (5, 'five')")
    c.commit()
    with c.cursor("p3named") as cur:
        cur.itersize = 2
        cur.execute("SELECT a, b FROM p3cur WHERE a > %s ORDER BY a", (1,))
        desc = [(d.name, d.type_code) for d in cur.description]
        got = (cur.fetchone(), cur.fetchmany(2), cur.fetchall())
    check("server-side cursor: description, fetchone/fetchmany/fetchall",
          desc == [("a", 23), ("b", 25)] and got == ((2, "two"), [(3, "three"), (4, "four")], [(5, "five")]),
          (desc, got))
    with c.cursor("p3bin", binary=True) as cur:
        cur.execute("SELECT a, b FROM p3cur WHERE a <= %s ORDER BY a", (2,))
        got = cur.fetchall()
    check("server-side cursor with binary results", got == [(1, "one"), (2, "two")], got)
    c.commit()
    with c.cursor("p3hold", withhold=True) as cur:
        cur.execute("SELECT a FROM p3cur WHERE a >= %s ORDER BY a", (4,))
        c.commit()
        got = cur.fetchall()
    check("WITH HOLD cursor survives COMMIT", got == [(4,), (5,)], got)
    expect_error("DECLARE outside a transaction block is 25P01", errors.NoActiveSqlTransaction, "25P01",
                 lambda: psycopg.connect(conninfo, autocommit=True).execute("DECLARE x CURSOR FOR SELECT 1"))
    c.rollback()

    # Transactions.
    with c.transaction():
        c.execute("INSERT INTO p3k VALUES (100, 'outer')")
        try:
            with c.transaction():
                c.execute("INSERT INTO p3k VALUES (101, 'inner')")
                raise RuntimeError("roll back the savepoint")
        except RuntimeError:
            pass
        with c.transaction():
            c.execute("INSERT INTO p3k VALUES (102, 'inner2')")
    got = c.execute("SELECT a FROM p3k WHERE a >= 100 ORDER BY a").fetchall()
    check("transaction with savepoints (one rolled back, one released)", got == [(100,), (102,)], got)
    c.commit()
    # An error inside a nested transaction block: psycopg rolls back to the savepoint and goes on.
    with c.transaction():
        c.execute("INSERT INTO p3k VALUES (110, 'kept')")
        try:
            with c.transaction():
                c.execute("INSERT INTO p3k VALUES (110, 'duplicate')")
        except psycopg.errors.UniqueViolation:
            pass
        c.execute("INSERT INTO p3k VALUES (111, 'after the error')")
    got = c.execute("SELECT a, b FROM p3k WHERE a IN (110, 111) ORDER BY a").fetchall()
    check("error in a savepoint block, rolled back to the savepoint, transaction goes on",
          got == [(110, "kept"), (111, "after the error")], got)
    c.commit()
    # A bare parameter in the select list has the parameter's type (bool stays bool; untyped is text).
    cur = c.execute("SELECT %s, %s, %s, true", [False, 7, "x"])
    got = cur.fetchone()
    oids = [d.type_code for d in cur.description]
    check("bare parameters keep their types in RowDescription", got == (False, 7, "x", True) and
          oids[0] == 16 and oids[2] == 25 and oids[3] == 16, (got, oids))
    c.rollback()
    c.execute("INSERT INTO p3k VALUES (103, 'gone')")
    c.rollback()
    check("rollback discards", c.execute("SELECT count(*) FROM p3k WHERE a = 103").fetchone() == (0,))
    c.rollback()
    c.autocommit = True
    c.execute("INSERT INTO p3k VALUES (104, 'auto')")
    check("autocommit: no transaction left open", c.info.transaction_status == psycopg.pq.TransactionStatus.IDLE)
    c2 = psycopg.connect(conninfo, autocommit=True)
    check("autocommitted row visible to another connection",
          c2.execute("SELECT b FROM p3k WHERE a = 104").fetchone() == ("auto",))
    c.autocommit = False

    # COPY.
    def copy_checks():
        c.execute("DROP TABLE IF EXISTS p3c")
        c.execute("CREATE TABLE p3c (a integer, b text, d date, f double precision)")
        cur = c.cursor()
        with cur.copy("COPY p3c (a, b, d, f) FROM STDIN") as cp:
            cp.write_row((1, "tab\there\nnl \\ back", datetime.date(2024, 1, 1), 0.5))
            cp.write_row((2, None, None, None))
        check("COPY FROM STDIN (text, write_row)", cur.rowcount == 2, cur.rowcount)
        with cur.copy("COPY p3c FROM STDIN (FORMAT BINARY)") as cp:
            cp.set_types(["int4", "text", "date", "float8"])
            for i in range(3, 1003):
                cp.write_row((i, "b%d" % i, datetime.date(2024, 1, 1) + datetime.timedelta(days=i), i / 8))
        check("COPY FROM STDIN (binary, 1000 rows)", cur.rowcount == 1000, cur.rowcount)
        with cur.copy("COPY p3c (a, b) FROM STDIN WITH (FORMAT csv)") as cp:
            cp.write('2000,"x, y"\n2001,\n')
        c.commit()
        check("COPY FROM STDIN (csv, write)", c.execute("SELECT count(*), sum(a) FROM p3c").fetchone() ==
              (1004, 3 + sum(range(3, 1003)) + 4001))
        want = [(1, "tab\there\nnl \\ back", datetime.date(2024, 1, 1), 0.5), (2, None, None, None),
                (3, "b3", datetime.date(2024, 1, 4), 0.375)]
        q = "COPY (SELECT a, b, d, f FROM p3c WHERE a <= 3 ORDER BY a) TO STDOUT"
        with cur.copy(q) as cp:
            cp.set_types(["int4", "text", "date", "float8"])
            got = list(cp.rows())
        check("COPY TO STDOUT (text, rows)", got == want, got)
        with cur.copy(q + " (FORMAT BINARY)") as cp:
            cp.set_types(["int4", "text", "date", "float8"])
            got = list(cp.rows())
        check("COPY TO STDOUT (binary, rows)", got == want, got)
        with cur.copy("COPY (SELECT a FROM p3c WHERE a < 0) TO STDOUT (FORMAT BINARY)") as cp:
            data = b"".join(bytes(b) for b in cp)
        check("COPY TO STDOUT (binary, no rows): header and trailer only",
              data == b"PGCOPY\n\xff\r\n\x00" + bytes(8) + b"\xff\xff", data)
        with cur.copy("COPY (SELECT a, b FROM p3c WHERE a >= 2000 ORDER BY a) TO STDOUT WITH (FORMAT csv)") as cp:
            data = b"".join(bytes(b) for b in cp)
        check("COPY TO STDOUT (csv, raw blocks)", data == b'2000,"x, y"\n2001,\n', data)
        state = None
        try:
            with cur.copy("COPY p3c (a, b) FROM STDIN") as cp:
                cp.write_row((5000, "x"))
                raise RuntimeError("abandon the copy")
        except errors.QueryCanceled as e:  # psycopg sends CopyFail; the server answers 57014
            state = e.sqlstate
        except RuntimeError:
            state = "no error from the server"
        c.rollback()
        check("COPY abandoned by the client (CopyFail) is 57014 and loads nothing", state == "57014" and
              c.execute("SELECT count(*) FROM p3c WHERE a = 5000").fetchone() == (0,), state)
        c.rollback()
        def bad_copy():
            with cur.copy("COPY p3c (a) FROM STDIN") as cp:
                cp.write("notanumber\n")
        expect_error("bad COPY data is InvalidTextRepresentation (22P02)", errors.InvalidTextRepresentation, "22P02",
                     bad_copy)
        c.rollback()
    guarded("COPY", copy_checks)

    # Cancel and statement_timeout.
    c.rollback()
    threading.Timer(0.5, c.cancel).start()
    t0 = time.monotonic()
    expect_error("cancel of pg_sleep is QueryCanceled (57014)", errors.QueryCanceled, "57014",
                 lambda: c.execute("SELECT pg_sleep(10)"))
    dt = time.monotonic() - t0
    check("cancel is prompt", dt < 3, "%.1f s" % dt)
    c.rollback()
    check("connection usable after cancel", c.execute("SELECT 2").fetchone() == (2,))
    c.execute("SET statement_timeout = 300")
    expect_error("statement_timeout is QueryCanceled (57014)", errors.QueryCanceled, "57014",
                 lambda: c.execute("SELECT pg_sleep(5)"))
    c.rollback()
    c.execute("SET statement_timeout = 0")
    c.commit()

    # LISTEN/NOTIFY.
    a = psycopg.connect(conninfo, autocommit=True)
    got = []
    a.add_notify_handler(lambda n: got.append((n.channel, n.payload, n.pid)))
    a.execute("LISTEN p3chan")
    c2.execute("NOTIFY p3chan, 'hello'")
    with c2.transaction():
        c2.execute("NOTIFY p3chan, 'in tx'")
        c2.execute("NOTIFY p3chan, 'in tx'")  # a duplicate in one transaction is delivered once
    try:
        with c2.transaction():
            c2.execute("NOTIFY p3chan, 'rolled back'")
            raise RuntimeError("roll back")
    except RuntimeError:
        pass
    time.sleep(0.3)
    a.execute("SELECT 1")
    want = [("p3chan", "hello", c2.info.backend_pid), ("p3chan", "in tx", c2.info.backend_pid)]
    check("LISTEN/NOTIFY: handler gets channel, payload, sender pid; commit delivers, rollback drops",
          got == want, got)
    threading.Timer(0.3, lambda: c2.execute("NOTIFY p3chan, 'waited'")).start()
    timer = threading.Timer(10, a.cancel)  # do not hang if nothing comes
    timer.start()
    gen = a.notifies()
    n = next(gen)
    gen.close()
    timer.cancel()
    check("notifies() generator wakes on a notification", (n.channel, n.payload) == ("p3chan", "waited"), n)
    a.execute("UNLISTEN p3chan")
    got.clear()
    c2.execute("NOTIFY p3chan, 'after unlisten'")
    time.sleep(0.2)
    a.execute("SELECT 1")
    check("UNLISTEN stops delivery", got == [], got)
    a.close()

    # Pool.
    try:
        from psycopg_pool import ConnectionPool
    except ImportError:
        check("psycopg_pool installed", False, "python3-psycopg-pool is not installed")
    else:
        with ConnectionPool(conninfo, min_size=2, max_size=4, open=True) as pool:
            res = [None] * 20

            def work(i):
                with pool.connection() as pc:
                    res[i] = pc.execute("SELECT %s::int * 2, pg_backend_pid()", (i,)).fetchone()
            threads = [threading.Thread(target=work, args=(i,)) for i in range(20)]
            for th in threads:
                th.start()
            for th in threads:
                th.join()
            check("pool of 4 serves 20 concurrent queries", [r[0] for r in res] == [i * 2 for i in range(20)], res)
            pids = {r[1] for r in res}
            check("pool used between 2 and 4 backends", 2 <= len(pids) <= 4, pids)
            with pool.connection() as pc:
                pc.execute("INSERT INTO p3k VALUES (200, 'pool')")
            check("pool connection commits on exit",
                  c2.execute("SELECT b FROM p3k WHERE a = 200").fetchone() == ("pool",))

    c2.close()
    c.execute("DROP TABLE p3t")
    c.execute("DROP TABLE p3a")
    c.execute("DROP TABLE p3k")
    c.execute("DROP TABLE IF EXISTS p3c")
    c.commit()
    c.close()
    check("connection closed", c.closed)


main(sys.argv[1])
print("%d passed, %d failed" % (passed, failed))
sys.exit(1 if failed else 0)
