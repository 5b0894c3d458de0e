#!/usr/bin/python3
"""asyncpg_test.py DSN: asyncpg (Debian's python3-asyncpg) against micad.

asyncpg speaks only the extended protocol with binary values, so this exercises Parse with untyped
parameters (the types come back in ParameterDescription), Bind/DataRow in binary for every type
below and for arrays of them, binary COPY (copy_records_to_table / copy_from_table), errors mapped to exception classes by
SQLSTATE, transactions, prepared statements, cancel on timeout, LISTEN/NOTIFY and a pool.
Prints one line per check and ends with "N passed, N failed"; exit status 1 on any failure."""
import asyncio
import datetime
import decimal
import sys
import uuid

import asyncpg

passed = failed = 0


def check(what, cond, detail=""):
    global passed, failed
    if cond:
        passed += 1
        print("ok:", what)
    else:
        failed += 1
        print("FAIL:", what, "--", detail)


async def expect_error(what, exc_type, sqlstate, coro):
    try:
        await coro
    except exc_type as e:
        check(what, e.sqlstate == sqlstate, e.sqlstate)
    except Exception as e:  # noqa: BLE001 - any other exception is a failure
        check(what, False, "%s: %s" % (type(e).__name__, e))
    else:
        check(what, False, "no error")


# asyncpg has built-in codecs for text[] and oid[] only; for other array types it asks pg_type, which
# micad does not have yet (pg_catalog is planned). This connection class answers that lookup with the
# rows PostgreSQL's pg_type holds for the array types used here, so that asyncpg builds its binary array
# codecs exactly as it does against PostgreSQL; what goes over the wire is then asyncpg's own.
PG_ARRAY_TYPES = {1000: (16, "bool"), 1001: (17, "bytea"), 1005: (21, "int2"), 1007: (23, "int4"),
                  1009: (25, "text"), 1015: (1043, "varchar"), 1016: (20, "int8"), 1021: (700, "float4"),
                  1022: (701, "float8"), 1115: (1114, "timestamp"), 1182: (1082, "date"), 1183: (1083, "time"),
                  1185: (1184, "timestamptz"), 1187: (1186, "interval"), 1231: (1700, "numeric"),
                  2951: (2950, "uuid"), 3807: (3802, "jsonb")}


class _IntroStatement:
    name = "pg_type_lookup"  # named: asyncpg need not prepare the query again


class ArrayTypesConnection(asyncpg.Connection):
    async def _introspect_types(self, typeoids, timeout):
        rows = []
        for oid in typeoids:
            elem, ename = PG_ARRAY_TYPES[oid]
            rows.append({"oid": oid, "ns": "pg_catalog", "name": "_" + ename, "kind": "b", "basetype": None,
                         "elemtype": elem, "elemdelim": ",", "range_subtype": None, "attrtypoids": None,
                         "attrnames": None, "depth": 0, "basetype_name": None, "elemtype_name": ename,
                         "range_subtype_name": None})
        return rows, _IntroStatement()


async def arrays(dsn):
    c = await asyncpg.connect(dsn, connection_class=ArrayTypesConnection)
    await c.execute("DROP TABLE IF EXISTS apa")
    await c.execute(
        "CREATE TABLE apa (id int PRIMARY KEY, bo bool[], i2 smallint[], i4 int[], i8 bigint[], f4 real[], "
        "f8 float8[], n numeric[], t text[], v varchar(5)[], by bytea[], d date[], tm time[], ts timestamp[], "
        "tz timestamptz[], iv interval[], u uuid[], jb jsonb[], o oid[])")
    row = (1, [True, None, False], [1, -2], [1, None, 3], [2**40], [1.5], [0.1, None],
           [decimal.Decimal("1.50"), decimal.Decimal("-2")], ["a", "b c", None, "", "NULL", 'q"\\', "{x}"], ["v"],
           [b"\x00\xff", b""], [datetime.date(2024, 2, 29)], [datetime.time(1, 2, 3)],
           [datetime.datetime(2024, 1, 2, 3, 4, 5, 6000)],
           [datetime.datetime(2024, 1, 2, 3, 4, 5, tzinfo=datetime.timezone.utc)],
           [datetime.timedelta(days=3, seconds=7200)], [uuid.UUID("12345678-1234-5678-1234-567812345678")],
           ['{"b": [1, 2]}'], [7, None])
    await c.execute("INSERT INTO apa VALUES (" + ", ".join("$%d" % (i + 1) for i in range(len(row))) + ")", *row)
    got = await c.fetchrow("SELECT * FROM apa WHERE id = $1", 1)
    for name, want in zip(got.keys(), row):
        check("binary array round trip of %s" % name, got[name] == want, "%r != %r" % (got[name], want))
    text = await c.fetchval("SELECT t::text FROM apa")
    check("array stored as PostgreSQL's array text", text == '{a,"b c",NULL,"","NULL","q\\"\\\\","{x}"}', text)
    check("id = ANY($1) with a list (int4[] parameter in binary)",
          await c.fetch("SELECT id FROM apa WHERE id = ANY($1)", [3, 1]) == [(1,)])
    st = await c.prepare("SELECT id FROM apa WHERE id = ANY($1) AND $2 = ANY(t)")
    check("parameter types of = ANY($1)", [p.name for p in st.get_parameters()] == ["int4[]", "text"],
          str([p.name for p in st.get_parameters()]))
    check("ARRAY[] and subscripts in binary results",
          await c.fetchrow("SELECT ARRAY[1, NULL], i4[3], ARRAY['x'], '{}'::int[] FROM apa") ==
          ([1, None], 3, ["x"], []))
    check("array_agg(ORDER BY) in binary", await c.fetchval(
        "SELECT array_agg(x ORDER BY x DESC) FROM (SELECT 1 AS x UNION ALL SELECT 2) s") == [2, 1])
    await expect_error("malformed array parameter is a data error (22P02)", asyncpg.InvalidTextRepresentationError,
                       "22P02", c.fetchval("SELECT $1::int[] = '{1,'", [1]))
    await c.execute("DROP TABLE apa")
    await c.close()


async def main(dsn):
    c = await asyncpg.connect(dsn)
    check("connect and SELECT 1", await c.fetchval("SELECT 1") == 1)
    sv = c.get_server_version()
    check("server reports PostgreSQL 15", sv.major == 15, str(sv))

    await c.execute("DROP TABLE IF EXISTS ap; DROP TABLE IF EXISTS apc; DROP TABLE IF EXISTS aslow")
    await c.execute(
        "CREATE TABLE ap (id integer PRIMARY KEY, s smallint, b bigint, r real, d double precision, "
        "n numeric, t text, v varchar(10), ch char(3), bo boolean, by bytea, dt date, tm time, "
        "ts timestamp, tz timestamptz, iv interval, u uuid, j json, jb jsonb)")
    row = (1, 7, 2**40, 1.5, 2.25, decimal.Decimal("12.345"), "héllo", "var", "abc", True,
           b"\x00\xff\x10", datetime.date(2024, 2, 29), datetime.time(13, 14, 15, 500000),
           datetime.datetime(2024, 1, 2, 3, 4, 5, 6000),
           datetime.datetime(2024, 1, 2, 3, 4, 5, tzinfo=datetime.timezone.utc),
           datetime.timedelta(days=3, seconds=7200), uuid.UUID("12345678-1234-5678-1234-567812345678"),
           '{"a": 1}', '{"b": [1, 2]}')
    await c.execute("INSERT INTO ap VALUES (" + ", ".join("$%d" % (i + 1) for i in range(len(row))) + ")", *row)
    got = await c.fetchrow("SELECT * FROM ap WHERE id = $1", 1)
    names = ["id", "s", "b", "r", "d", "n", "t", "v", "ch", "bo", "by", "dt", "tm", "ts", "tz", "iv", "u", "j", "jb"]
    for name, want in zip(names, row):
        have = got[name]
        if name == "jb":
            ok = have.replace(" ", "") == want.replace(" ", "")
        else:
            ok = have == want
        check("binary round trip of %s" % name, ok, "%r != %r" % (have, want))
    st = await c.prepare("SELECT id, t FROM ap WHERE id = $1 AND t = $2")
    check("prepared statement parameter types", [p.name for p in st.get_parameters()] == ["int4", "text"],
          str([p.name for p in st.get_parameters()]))
    check("prepared statement result", await st.fetchrow(1, "héllo") == (1, "héllo"))
    check("prepared statement reused", await st.fetchval(2, "x") is None)

    await expect_error("unique violation is UniqueViolationError (23505)", asyncpg.UniqueViolationError, "23505",
                       c.execute("INSERT INTO ap (id) VALUES ($1)", 1))
    await expect_error("syntax error is PostgresSyntaxError (42601)", asyncpg.PostgresSyntaxError, "42601",
                       c.execute("SELEC 1"))
    await expect_error("missing table is UndefinedTableError (42P01)", asyncpg.UndefinedTableError, "42P01",
                       c.fetch("SELECT * FROM no_such_table"))

    try:
        async with c.transaction():
            await c.execute("INSERT INTO ap (id, t) VALUES (2, 'two')")
            raise RuntimeError("roll back")
    except RuntimeError:
        pass
    check("transaction rolled back on exception", await c.fetchval("SELECT count(*) FROM ap WHERE id = 2") == 0)
    async with c.transaction():
        await c.execute("INSERT INTO ap (id, t) VALUES (2, 'two')")
    check("transaction committed", await c.fetchval("SELECT t FROM ap WHERE id = 2") == "two")

    await c.execute("CREATE TABLE apc (a integer, b text, c double precision)")
    n = await c.copy_records_to_table("apc", records=[(i, "r%d" % i, i / 4) for i in range(1000)] + [(None, None, None)])
    check("copy_records_to_table (binary COPY FROM STDIN)", n == "COPY 1001", n)
    check("copied rows", await c.fetchval("SELECT sum(a) FROM apc") == sum(range(1000)))
    out = []

    class Sink:
        async def __call__(self, data):
            out.append(data)
    await c.copy_from_query("SELECT a, b FROM apc WHERE a < 3 ORDER BY a", output=Sink(), format="csv")
    check("copy_from_query as CSV", b"".join(out) == b"0,r0\n1,r1\n2,r2\n", repr(b"".join(out)))

    await c.execute("CREATE TABLE aslow (x integer)")
    await c.execute("WITH RECURSIVE g(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM g WHERE x < 300) "
                    "INSERT INTO aslow SELECT x FROM g")
    t0 = asyncio.get_running_loop().time()
    try:
        await c.fetchval("SELECT count(*) FROM aslow a, aslow b, aslow c, aslow d", timeout=0.5)
        check("timeout cancels a long query", False, "query finished")
    except asyncio.TimeoutError:
        dt = asyncio.get_running_loop().time() - t0
        check("timeout cancels a long query", dt < 5, "%.1f s" % dt)
    check("connection usable after cancel", await c.fetchval("SELECT 2") == 2)

    got_note = asyncio.get_running_loop().create_future()
    await c.add_listener("chan", lambda conn, pid, channel, payload: got_note.done() or got_note.set_result(payload))
    c2 = await asyncpg.connect(dsn)
    await c2.execute("NOTIFY chan, 'hello'")
    try:
        payload = await asyncio.wait_for(got_note, 5)
        check("LISTEN/NOTIFY across connections", payload == "hello", payload)
    except asyncio.TimeoutError:
        check("LISTEN/NOTIFY across connections", False, "no notification")
    await c2.close()

    pool = await asyncpg.create_pool(dsn, min_size=2, max_size=4)
    vals = await asyncio.gather(*[pool.fetchval("SELECT $1::int4 * 2", i) for i in range(20)])
    check("pool of 4 serves 20 concurrent queries", vals == [i * 2 for i in range(20)], repr(vals))
    await pool.close()
    await c.execute("DROP TABLE ap; DROP TABLE apc; DROP TABLE aslow")
    await c.close()
    await arrays(dsn)


asyncio.run(main(sys.argv[1]))
print("%d passed, %d failed" % (passed, failed))
sys.exit(1 if failed else 0)
