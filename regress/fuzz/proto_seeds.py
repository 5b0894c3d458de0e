#!/usr/bin/env python3
"""proto_seeds.py: writes the seed corpus of regress/fuzz/fuzz_proto.c into DIR (fuzz.sh calls it).

Each seed is one input of the target: a setup byte (bits 0-1 authentication method, bits 2-7 how
the stream is cut, 63 one message at a time; see fuzz_proto.c) and then a valid client byte stream: a startup packet and typed
messages covering the simple and extended query protocols, COPY in and out (text, csv, binary),
transactions with errors and savepoints, session statements, LISTEN/NOTIFY, SSL/GSS negotiation,
CancelRequest and the password, md5 and SCRAM exchanges. Usage: proto_seeds.py DIR
"""
import os
import struct
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "clients"))
from pqwire import cstr, msg, startup_packet  # noqa: E402


def startup(db="postgres", user="postgres", extra=None, proto=196608):
    params = {"user": user, "database": db}
    params.update(extra or {})
    return startup_packet(params, proto)


def query(sql):
    return msg(b"Q", cstr(sql))


def parse(sql, name="", types=()):
    return msg(b"P", cstr(name) + cstr(sql) + struct.pack("!h", len(types)) + b"".join(struct.pack("!I", t) for t in types))


def bind(params=(), portal="", stmt="", pformats=(), rformats=()):
    b = cstr(portal) + cstr(stmt) + struct.pack("!h", len(pformats)) + b"".join(struct.pack("!h", f) for f in pformats)
    b += struct.pack("!h", len(params))
    for p in params:
        b += struct.pack("!i", -1) if p is None else struct.pack("!i", len(p)) + p
    return msg(b"B", b + struct.pack("!h", len(rformats)) + b"".join(struct.pack("!h", f) for f in rformats))


def describe(kind, name=""):
    return msg(b"D", kind + cstr(name))


def execute(portal="", rows=0):
    return msg(b"E", cstr(portal) + struct.pack("!i", rows))


def close(kind, name=""):
    return msg(b"C", kind + cstr(name))


SYNC, FLUSH, TERM = msg(b"S"), msg(b"H"), msg(b"X")


def copydata(b):
    return msg(b"d", b)


SEEDS = {
    "simple": startup() + query("SELECT a, b, c, d FROM t ORDER BY a; SELECT 1 + 1, 'x' || b FROM t") + TERM,
    "ddl_dml": startup() + query("CREATE TABLE n (id serial PRIMARY KEY, v text NOT NULL, at timestamp DEFAULT now());"
                                 "INSERT INTO n (v) VALUES ('a'), ('b') RETURNING id;"
                                 "UPDATE n SET v = upper(v) WHERE id > 1; DELETE FROM n WHERE id = 1;"
                                 "SELECT * FROM n") + TERM,
    "tx_error": startup() + query("BEGIN") + query("INSERT INTO u VALUES (3, 'c')") + query("SAVEPOINT s") +
    query("SELECT 1/0") + query("SELECT 1") + query("ROLLBACK TO SAVEPOINT s") + query("COMMIT") +
    query("SELECT count(*) FROM u") + TERM,
    "implicit_tx": startup() + query("INSERT INTO u VALUES (9, 'z'); INSERT INTO u VALUES (9, 'z'); SELECT 1") +
    query("BEGIN; SELECT 1; COMMIT") + TERM,
    "extended": startup() + parse("SELECT a, b FROM t WHERE a > $1", "s1", (23,)) + describe(b"S", "s1") +
    bind((b"1",), "p1", "s1", (0,), (1, 0)) + describe(b"P", "p1") + execute("p1", 1) + execute("p1", 0) +
    close(b"P", "p1") + close(b"S", "s1") + SYNC + TERM,
    "extended_binary": startup() + parse("SELECT $1::int8 + 1, $2::text, $3::bytea, $4::float8, $5::bool") +
    bind((struct.pack("!q", 41), b"txt", b"\x00\x01", struct.pack("!d", 2.5), b"\x01"), pformats=(1,),
         rformats=(1,)) + execute() + SYNC + TERM,
    "extended_error": startup() + parse("SELECT * FROM no_such") + bind() + execute() + SYNC +
    parse("INSERT INTO u VALUES ($1, $2)") + bind((b"5", None)) + execute() + FLUSH + SYNC + TERM,
    "pipeline": startup() + parse("BEGIN") + bind() + execute() + parse("UPDATE t SET b = $1 WHERE a = $2") +
    bind((b"new", b"2")) + execute() + parse("COMMIT") + bind() + execute() + SYNC + TERM,
    "copy_in_text": startup() + query("COPY t (a, b, c) FROM STDIN") + copydata(b"10\tten\t1.5\n11\t\\N\t2\n") +
    copydata(b"12\tx\\ty\t\\N\n\\.\n") + msg(b"c") + query("SELECT count(*) FROM t") + TERM,
    "copy_in_csv": startup() + query("COPY u FROM STDIN WITH (FORMAT csv, HEADER)") + copydata(b"x,y\n7,\"q,\"\"x\"\n") +
    msg(b"c") + TERM,
    "copy_in_binary": startup() + query("COPY u (x) FROM STDIN (FORMAT binary)") +
    copydata(b"PGCOPY\n\xff\r\n\x00" + struct.pack("!ii", 0, 0) + struct.pack("!hi", 1, 4) + struct.pack("!i", 8) +
             struct.pack("!h", -1)) + msg(b"c") + TERM,
    "copy_fail": startup() + query("COPY u FROM STDIN") + copydata(b"1\ta\n") + msg(b"f", cstr("client gave up")) +
    query("SELECT 1") + TERM,
    "copy_out": startup() + query("COPY (SELECT * FROM t) TO STDOUT WITH CSV HEADER") +
    query("COPY t TO STDOUT (FORMAT binary)") + TERM,
    "session": startup(extra={"application_name": "fuzz", "options": "-c search_path=public"}) +
    query("SET statement_timeout = '500ms'; SHOW statement_timeout; RESET ALL; SHOW ALL; DISCARD ALL") +
    query("LISTEN ch; NOTIFY ch, 'hi'; UNLISTEN *") + parse("SHOW TimeZone") + bind() + describe(b"P") + execute() +
    SYNC + TERM,
    "ssl_then_startup": struct.pack("!II", 8, 80877103) + startup() + query("SELECT 1") + TERM,
    "gss_ssl_then_startup": struct.pack("!II", 8, 80877104) + struct.pack("!II", 8, 80877103) + startup() + TERM,
    "cancel": struct.pack("!IIii", 16, 80877102, 1000, 12345),
    "negotiate": startup(extra={"_pq_.x": "1"}, proto=(3 << 16) | 1) + query("SELECT version()") + TERM,
    "functions": startup() + query("SELECT now(), gen_random_uuid(), format('%s-%I', 'a', 'b c'), quote_literal('x'),"
                                   " greatest(1, 2), string_agg(b, ',') , current_setting('TimeZone') FROM t") +
    query("SELECT pg_advisory_lock(1), pg_try_advisory_lock(2), pg_advisory_unlock_all()") + TERM,
    "database": startup() + query("CREATE DATABASE d2") + query("DROP DATABASE d2") + TERM,
}
# authentication (setup byte: method in bits 0-1)
AUTH = {
    "password": (1, startup() + msg(b"p", cstr("pw")) + query("SELECT current_user") + TERM),
    "roles": (1 | 63 << 2, startup() + msg(b"p", cstr("pw")) +
              query("CREATE ROLE r1 LOGIN PASSWORD 'x'; ALTER ROLE r1 NOLOGIN; DROP ROLE r1") + TERM),
    "md5": (2, startup(user="m") + msg(b"p", cstr("md5" + "0" * 32)) + TERM),
    "scram": (3, startup() + msg(b"p", cstr("SCRAM-SHA-256") + struct.pack("!i", 32) + b"n,,n=,r=rOprNGfwEbeRWgbNEkqO%hv") +
              msg(b"p", b"c=biws,r=rOprNGfwEbeRWgbNEkqO,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=") + TERM),
}

out = sys.argv[1]
os.makedirs(out, exist_ok=True)
for name, data in SEEDS.items():
    for cut in (0, 5, 63):
        with open(os.path.join(out, "%s_%d" % (name, cut)), "wb") as f:
            f.write(bytes([cut << 2]) + data)
for name, (method, data) in AUTH.items():
    with open(os.path.join(out, name), "wb") as f:
        f.write(bytes([method]) + data)
