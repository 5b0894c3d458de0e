#!/usr/bin/env python3
"""proto_test.py: raw PostgreSQL protocol v3 checks against a running micad (stdlib only).

Usage: proto_test.py HOST PORT USER DATABASE
Covers what drivers do not exercise on purpose: SSL/GSS negotiation replies, protocol-version
negotiation, malformed, truncated and oversized messages and bad startup packets (08P01 with
PostgreSQL's messages, a closed connection where PostgreSQL closes it, other sessions unaffected),
unknown message types, invalid UTF-8 (22021), protocol violations inside a transaction (rolled back,
committed data intact), portal suspension with row limits, and error recovery at Sync.
Prints one line per check and "N passed, N failed" last; exits 1 on failure.
"""
import os
import socket
import struct
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from pqwire import cstr, msg, startup_packet  # noqa: E402

HOST, PORT, USER, DB = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
passed = failed = 0


def check(ok, what, detail=""):
    global passed, failed
    if ok:
        passed += 1
    else:
        failed += 1
    print(("ok: " if ok else "FAIL: ") + what + ("" if ok or not detail else " -- " + str(detail)))


def connect():
    s = socket.create_connection((HOST, PORT), timeout=10)
    return s


def recv_exact(s, n):
    buf = b""
    while len(buf) < n:
        chunk = s.recv(n - len(buf))
        if not chunk:
            raise EOFError("connection closed")
        buf += chunk
    return buf


def read_msg(s):
    hdr = recv_exact(s, 5)
    t, n = hdr[:1], struct.unpack("!I", hdr[1:])[0]
    return t, recv_exact(s, n - 4)


def read_until(s, types=(b"Z",)):
    out = []
    while True:
        t, b = read_msg(s)
        out.append((t, b))
        if t in types:
            return out


def fields(body):
    """ErrorResponse/NoticeResponse fields as a dict."""
    d = {}
    for part in body.split(b"\0"):
        if part:
            d[chr(part[0])] = part[1:].decode()
    return d


def login(s, params=None, proto=196608):
    p = {"user": USER, "database": DB}
    p.update(params or {})
    s.sendall(startup_packet(p, proto))
    return read_until(s, (b"Z", b"E"))


def closed(s):
    try:
        s.settimeout(5)
        while True:
            d = s.recv(4096)
            if not d:
                return True
    except (ConnectionResetError, BrokenPipeError):
        return True
    except socket.timeout:
        return False


def test_startup():
    s = connect()
    msgs = login(s)
    types = [t for t, _ in msgs]
    check(types[0] == b"R" and struct.unpack("!I", msgs[0][1])[0] == 0, "AuthenticationOk first", types)
    params = dict(b.split(b"\0")[:2] for t, b in msgs if t == b"S")
    check(params.get(b"server_version", b"").startswith(b"15"), "server_version 15.x", params.get(b"server_version"))
    for name in (b"client_encoding", b"DateStyle", b"TimeZone", b"integer_datetimes", b"IntervalStyle",
                 b"is_superuser", b"session_authorization", b"standard_conforming_strings",
                 b"application_name", b"default_transaction_read_only", b"in_hot_standby"):
        check(name in params, "ParameterStatus " + name.decode())
    check(b"K" in types and msgs[-1] == (b"Z", b"I"), "BackendKeyData then ReadyForQuery(I)", types)
    s.sendall(msg(b"X"))
    check(closed(s), "Terminate closes the connection")


def test_ssl_gss_negotiation():
    s = connect()
    s.sendall(struct.pack("!II", 8, 80877104))
    check(recv_exact(s, 1) == b"N", "GSSENCRequest answered N")
    s.sendall(struct.pack("!II", 8, 80877103))
    r = recv_exact(s, 1)
    check(r in (b"N", b"S"), "SSLRequest answered N or S", r)
    if r == b"N":
        msgs = login(s)
        check(msgs[-1][0] == b"Z", "startup after refused SSL")
    s.close()


def test_protocol_negotiation():
    s = connect()
    msgs = login(s, {"_pq_.something": "1"}, proto=(3 << 16) | 2)
    t, b = msgs[0]
    ok = t == b"v"
    if ok:
        minor, n = struct.unpack("!II", b[:8])
        names = b[8:].split(b"\0")[:n]
        ok = minor == (3 << 16) and names == [b"_pq_.something"]  # full version code, as PostgreSQL sends
    check(ok, "NegotiateProtocolVersion for 3.2 with a _pq_ option", msgs[0])
    check(msgs[-1][0] == b"Z", "session proceeds after negotiation")
    s.close()
    s = connect()
    msgs = login(s, proto=(2 << 16))
    check(msgs[-1][0] == b"E" and fields(msgs[-1][1]).get("C") == "0A000", "protocol 2.0 refused with 0A000")
    s.close()


def test_missing_user_and_db():
    s = connect()
    s.sendall(startup_packet({"database": DB}))
    t, b = read_msg(s)
    check(t == b"E" and fields(b).get("C") == "28000", "no user name is 28000", fields(b) if t == b"E" else t)
    s.close()
    s = connect()
    msgs = login(s, {"database": "no_such_database_x"})
    check(msgs[-1][0] == b"E" and fields(msgs[-1][1]).get("C") == "3D000", "unknown database is 3D000",
          msgs[-1])
    s.close()


def test_malformed():
    other = connect()
    login(other)
    s = connect()
    s.sendall(struct.pack("!I", 3))
    check(closed(s), "startup packet with length 3 closes the connection")
    s = connect()
    s.sendall(struct.pack("!I", 0x7FFFFFFF))
    check(closed(s), "oversized startup packet closes the connection")
    s = connect()
    login(s)
    s.sendall(b"Q" + struct.pack("!I", 2))
    t, b = read_msg(s)
    check(t == b"E" and fields(b).get("C") == "08P01", "message length 2 is 08P01", fields(b) if t == b"E" else t)
    check(closed(s), "connection closed after bad length")
    s = connect()
    login(s)
    s.sendall(b"Q" + struct.pack("!I", 0x7FFFFFF0))
    t, b = read_msg(s)
    check(t == b"E" and fields(b).get("C") == "08P01", "message length over 1 GB is 08P01")
    check(closed(s), "connection closed after oversized message")
    s = connect()
    login(s)
    s.sendall(msg(b"z", b"junk"))
    t, b = read_msg(s)
    f = fields(b) if t == b"E" else {}
    check(f.get("C") == "08P01" and f.get("S") == "FATAL", "unknown message type is FATAL 08P01", f)
    check(closed(s), "connection closed after unknown message type")
    s = connect()
    login(s)
    s.sendall(msg(b"Q", b"SELECT 1"))  # no terminating NUL
    t, b = read_msg(s)
    check(t == b"E" and fields(b).get("C") == "08P01", "unterminated Query string is 08P01")
    s.close()
    # Malformed Bind: an ERROR, the session recovers at Sync.
    s = connect()
    login(s)
    s.sendall(msg(b"P", cstr("") + cstr("SELECT 1") + struct.pack("!h", 0)) +
              msg(b"B", cstr("") + cstr("") + struct.pack("!hh", 0, 5)) + msg(b"S"))
    out = read_until(s)
    errs = [fields(b) for t, b in out if t == b"E"]
    check(len(errs) == 1 and errs[0].get("S") == "ERROR" and out[-1][0] == b"Z", "truncated Bind is an ERROR, Sync recovers",
          out)
    s.sendall(msg(b"Q", cstr("SELECT 1")))
    out = read_until(s)
    check(any(t == b"D" for t, _ in out), "session usable after malformed Bind")
    s.close()
    other.sendall(msg(b"Q", cstr("SELECT 42")))
    out = read_until(other)
    check(any(t == b"D" and b"42" in b for t, b in out), "other sessions unaffected by malformed input")
    other.close()


def error_of(out):
    """(severity, SQLSTATE, message) of the first ErrorResponse in out, or None."""
    for t, b in out:
        if t == b"E":
            f = fields(b)
            return f.get("S"), f.get("C"), f.get("M")
    return None


def query_rows(s, sql):
    s.sendall(msg(b"Q", cstr(sql)))
    out = read_until(s)
    return [b for t, b in out if t == b"D"], out


def test_truncated_messages():
    """A message cut short inside its body: the server waits for the rest, and a client that hangs up
    instead leaves nothing behind; fields missing inside a well-framed message are 08P01 errors."""
    other = connect()
    login(other)
    s = connect()
    login(s)
    s.sendall(b"Q" + struct.pack("!I", 100) + b"SELECT 1")  # 8 of 96 body bytes
    check(try_read(s, 0.5) is None, "a message cut short is waited for, not answered")
    s.close()
    for what, m, want in (
            ("Execute without its row count", msg(b"E", cstr("")), "insufficient data left in message"),
            ("Close without a name", msg(b"C", b"S"), "invalid string in message"),
            ("Describe of kind X", msg(b"D", b"X" + cstr("")), "invalid DESCRIBE message subtype 88"),
            ("Parse with 65535 parameter types but none sent",
             msg(b"P", cstr("") + cstr("SELECT 1") + struct.pack("!h", -1)), "insufficient data left in message"),
            ("Flush with a body", msg(b"H", b"x"), "invalid message format")):
        s = connect()
        login(s)
        s.sendall(m + msg(b"S"))
        out = read_until(s)
        check(error_of(out) == ("ERROR", "08P01", want) and out[-1] == (b"Z", b"I"),
              what + " is ERROR 08P01 '%s', Sync recovers" % want, out)
        s.close()
    s = connect()
    login(s)
    s.sendall(msg(b"S", b"xy"))
    out = read_until(s)
    check(error_of(out) == ("ERROR", "08P01", "invalid message format") and out[-1][0] == b"Z",
          "Sync with a body is an ERROR followed by ReadyForQuery", out)
    s.sendall(msg(b"Q", cstr("SELECT 1") + b"junk"))
    out = read_until(s)
    check(error_of(out) == ("ERROR", "08P01", "invalid message format") and out[-1][0] == b"Z",
          "Query with bytes after its string is an ERROR, the session goes on", out)
    rows, _ = query_rows(s, "SELECT 5")
    check(len(rows) == 1, "session usable after malformed Query")
    s.close()
    rows, _ = query_rows(other, "SELECT 6")
    check(len(rows) == 1, "other session unaffected by truncated messages")
    other.close()


def test_message_types_and_limits():
    s = connect()
    login(s)
    s.sendall(b"z")  # one byte: no message type, refused without waiting for a length
    t, b = read_msg(s)
    f = fields(b) if t == b"E" else {}
    check(f.get("C") == "08P01" and f.get("S") == "FATAL" and f.get("M") == "invalid frontend message type 122",
          "a byte that is no message type is refused at once (FATAL 08P01)", f)
    check(closed(s), "connection closed after it")
    s = connect()
    login(s)
    s.sendall(startup_packet({"user": USER}))  # a second startup packet: type byte 0
    t, b = read_msg(s)
    check(t == b"E" and fields(b).get("M") == "invalid frontend message type 0", "startup packet after login is FATAL",
          fields(b) if t == b"E" else t)
    s.close()
    s = connect()
    login(s)
    s.sendall(b"S" + struct.pack("!I", 20000))  # Sync is small: 10000 at most, as PostgreSQL
    t, b = read_msg(s)
    check(t == b"E" and fields(b).get("C") == "08P01", "Sync longer than 10000 bytes is refused before its body",
          fields(b) if t == b"E" else t)
    check(closed(s), "connection closed after an oversized Sync")


def test_invalid_utf8():
    """Client text must be UTF-8: 22021 with PostgreSQL's message, and the session goes on."""
    s = connect()
    login(s)
    for sql, shown in ((b"SELECT '\xff'", "0xff"), (b"SELECT '\xe2\x28\xa1'", "0xe2 0x28 0xa1"),
                       (b"SELECT 'abc\xe2\x82'", "0xe2 0x82 0x27"), (b"SELECT '\xc0\xaf'", "0xc0 0xaf"),
                       (b"SELECT '\xed\xa0\x80'", "0xed 0xa0 0x80")):
        s.sendall(msg(b"Q", sql + b"\0"))
        out = read_until(s)
        want = ("ERROR", "22021", 'invalid byte sequence for encoding "UTF8": ' + shown)
        check(error_of(out) == want and out[-1] == (b"Z", b"I"), "Query with %s is 22021" % shown, out)
    s.sendall(msg(b"P", cstr("") + cstr(b"SELECT '\xff'") + struct.pack("!h", 0)) + msg(b"B", cstr("") + cstr("") +
              struct.pack("!hhh", 0, 0, 0)) + msg(b"E", cstr("") + struct.pack("!i", 0)) + msg(b"S"))
    out = read_until(s)
    check(b"".join(t for t, _ in out) == b"EZ" and error_of(out)[1] == "22021", "Parse with invalid UTF-8 is 22021",
          out)
    for fmt, typ in ((0, "text"), (1, "text"), (0, "int")):
        s.sendall(msg(b"P", cstr("") + cstr("SELECT $1::" + typ) + struct.pack("!h", 0)) +
                  msg(b"B", cstr("") + cstr("") + struct.pack("!hhhi", 1, fmt, 1, 2) + b"1\xff" +
                      struct.pack("!h", 0)) + msg(b"E", cstr("") + struct.pack("!i", 0)) + msg(b"S"))
        out = read_until(s)
        check(error_of(out) == ("ERROR", "22021", 'invalid byte sequence for encoding "UTF8": 0xff'),
              "Bind %s parameter (%s) with invalid UTF-8 is 22021" % (typ, "binary" if fmt else "text"), out)
    _, out = query_rows(s, "CREATE TABLE IF NOT EXISTS utf_copy (a text); DELETE FROM utf_copy")
    s.sendall(msg(b"Q", cstr("COPY utf_copy FROM STDIN")))
    read_until(s, (b"G",))
    s.sendall(msg(b"d", b"fine\nb\xffd\n") + msg(b"c"))
    out = read_until(s)
    check(error_of(out) == ("ERROR", "22021", 'invalid byte sequence for encoding "UTF8": 0xff'),
          "COPY data with invalid UTF-8 is 22021", out)
    rows, _ = query_rows(s, "SELECT count(*) FROM utf_copy")
    check(rows == [struct.pack("!hi", 1, 1) + b"0"], "the failed COPY stored nothing", rows)
    rows, _ = query_rows(s, "SELECT 'ok \u00e9'")
    check(len(rows) == 1, "session usable after invalid UTF-8")
    s.close()


def test_bad_startup_packets():
    def answer(data):
        s = connect()
        s.sendall(data)
        s.settimeout(5)
        try:
            t, b = read_msg(s)
            return fields(b) if t == b"E" else t
        except (EOFError, ConnectionResetError, socket.timeout):
            return None
        finally:
            s.close()
    f = answer(struct.pack("!II", 13, 196608) + b"user\0")
    check(f and f.get("C") == "08P01" and "expected terminator as last byte" in f.get("M", ""),
          "startup packet without its terminator is 08P01", f)
    f = answer(struct.pack("!II", 14, 196608) + b"user\0\0")
    check(f and f.get("C") == "08P01", "startup parameter without a value is 08P01", f)
    f = answer(struct.pack("!II", 10004, 196608) + b"a" * 9996)
    check(f and f.get("C") == "08P01", "startup packet of 10000 body bytes is read (and refused as malformed)", f)
    f = answer(struct.pack("!II", 10005, 196608) + b"a" * 9997)
    check(f is None, "startup packet over 10000 body bytes closes the connection without reply", f)
    f = answer(startup_packet({"user": ""}))
    check(f and f.get("C") == "28000", "empty user name is 28000", f)
    f = answer(struct.pack("!II", 8, 0))
    check(f and f.get("C") == "0A000", "protocol 0.0 refused with 0A000", f)
    f = answer(struct.pack("!II", 8, 80877102))
    check(f is None, "CancelRequest without key closes without reply", f)


def test_violations_mid_transaction():
    """A protocol violation inside a transaction ends the connection and rolls the transaction back;
    what was committed before stays, and other sessions carry on."""
    other = connect()
    login(other)
    s = connect()
    login(s)
    query_rows(s, "DROP TABLE IF EXISTS viol; CREATE TABLE viol (a integer); INSERT INTO viol VALUES (1)")
    s.sendall(msg(b"Q", cstr("BEGIN; INSERT INTO viol VALUES (2)")))
    out = read_until(s)
    check(out[-1] == (b"Z", b"T"), "transaction open", out)
    s.sendall(msg(b"z", b"junk"))
    t, b = read_msg(s)
    check(t == b"E" and fields(b).get("S") == "FATAL", "unknown message type inside a transaction is FATAL")
    check(closed(s), "connection closed")
    s = connect()
    login(s)
    s.sendall(msg(b"Q", cstr("BEGIN; INSERT INTO viol VALUES (3)")) + b"Q" + struct.pack("!I", 2))
    out = read_until(s, (b"E",))
    check(error_of(out) == ("FATAL", "08P01", "invalid message length"), "bad length inside a transaction is FATAL",
          out)
    check(closed(s), "connection closed")
    s = connect()
    login(s)
    s.sendall(msg(b"Q", cstr("BEGIN; INSERT INTO viol VALUES (4); COPY viol FROM STDIN")))
    read_until(s, (b"G",))
    s.sendall(msg(b"d", b"5\n") + msg(b"Q", cstr("SELECT 1")))
    out = []
    try:
        while True:
            out.append(read_msg(s))
    except (EOFError, ConnectionResetError, socket.timeout):
        pass
    errs = [fields(b) for t, b in out if t == b"E"]
    check([(e.get("S"), e.get("C")) for e in errs] == [("ERROR", "08P01"), ("FATAL", "08P01")] and
          errs[1].get("M") == "terminating connection because protocol synchronization was lost",
          "Query during COPY FROM STDIN: ERROR, then FATAL (protocol synchronization lost), closed", errs)
    rows, _ = query_rows(other, "SELECT a FROM viol ORDER BY a")
    check(rows == [struct.pack("!hi", 1, 1) + b"1"], "only the committed row is there; the others rolled back", rows)
    s = connect()
    login(s)
    s.sendall(msg(b"Q", cstr("INSERT INTO viol VALUES (6)")))
    out = read_until(s)
    check(out[-1] == (b"Z", b"I"), "the table is writable again (no lock left behind)", out)
    s.close()
    other.close()


def test_extended_details():
    s = connect()
    login(s)
    s.sendall(msg(b"Q", cstr("DROP TABLE IF EXISTS ptab; CREATE TABLE ptab (x integer); "
                             "INSERT INTO ptab VALUES (1); INSERT INTO ptab VALUES (2); INSERT INTO ptab VALUES (3)")))
    out = read_until(s)
    check(not any(t == b"E" for t, _ in out), "setup table", [fields(b) for t, b in out if t == b"E"])
    # Row limit: 2 rows then PortalSuspended, then the last row and CommandComplete.
    s.sendall(msg(b"P", cstr("") + cstr("SELECT x FROM ptab ORDER BY x") + struct.pack("!h", 0)) +
              msg(b"B", cstr("") + cstr("") + struct.pack("!hhh", 0, 0, 0)) +
              msg(b"E", cstr("") + struct.pack("!i", 2)) +
              msg(b"E", cstr("") + struct.pack("!i", 2)) + msg(b"S"))
    out = read_until(s)
    types = b"".join(t for t, _ in out)
    check(types == b"12DDsDCZ", "Execute with row limit suspends and resumes", types)
    tag = [b for t, b in out if t == b"C"]
    check(tag == [b"SELECT 1\0"], "resumed portal reports the rows of its last Execute", tag)
    # Empty query through the extended protocol.
    s.sendall(msg(b"P", cstr("") + cstr("  ") + struct.pack("!h", 0)) +
              msg(b"B", cstr("") + cstr("") + struct.pack("!hhh", 0, 0, 0)) +
              msg(b"E", cstr("") + struct.pack("!i", 0)) + msg(b"S"))
    out = read_until(s)
    check(b"".join(t for t, _ in out) == b"12IZ", "empty extended query gives EmptyQueryResponse")
    # Describe statement: parameter types (unspecified -> inferred from the column, as PostgreSQL does)
    # and NoData for a command.
    s.sendall(msg(b"P", cstr("st1") + cstr("SELECT x FROM ptab WHERE x = $1") + struct.pack("!hi", 1, 23)) +
              msg(b"D", b"S" + cstr("st1")) +
              msg(b"P", cstr("st2") + cstr("INSERT INTO ptab VALUES ($1)") + struct.pack("!h", 0)) +
              msg(b"D", b"S" + cstr("st2")) + msg(b"S"))
    out = read_until(s)
    pds = [b for t, b in out if t == b"t"]
    ok = len(pds) == 2 and struct.unpack("!hI", pds[0]) == (1, 23) and struct.unpack("!hI", pds[1]) == (1, 23)
    check(ok, "ParameterDescription: declared int4, unspecified inferred int4", pds)
    check(b"".join(t for t, _ in out) == b"1tT1tnZ", "Describe: RowDescription for a query, NoData for INSERT",
          b"".join(t for t, _ in out))
    # A portal sends the types its statement's Describe announced (1 + 1 -> int4), in binary too.
    s.sendall(msg(b"P", cstr("st3") + cstr("SELECT 1 + 1") + struct.pack("!h", 0)) +
              msg(b"D", b"S" + cstr("st3")) +
              msg(b"B", cstr("") + cstr("st3") + struct.pack("!hhhh", 0, 0, 1, 1)) +
              msg(b"E", cstr("") + struct.pack("!i", 0)) + msg(b"S"))
    out = read_until(s)
    rd = [b for t, b in out if t == b"T"]
    dr = [b for t, b in out if t == b"D"]
    oid = struct.unpack("!I", rd[0][rd[0].index(b"\0", 2) + 7:][:4])[0] if rd else None
    check(oid == 23 and dr and dr[0][2:] == struct.pack("!ii", 4, 2),
          "portal keeps the statement's described types (binary int4 2)", (oid, dr))
    # Errors skip to Sync; Close of unknown names is fine.
    s.sendall(msg(b"B", cstr("") + cstr("no_such_stmt") + struct.pack("!hhh", 0, 0, 0)) +
              msg(b"E", cstr("") + struct.pack("!i", 0)) +
              msg(b"C", b"S" + cstr("whatever")) + msg(b"S"))
    out = read_until(s)
    check(b"".join(t for t, _ in out) == b"EZ", "error discards messages until Sync", b"".join(t for t, _ in out))
    s.sendall(msg(b"C", b"S" + cstr("whatever")) + msg(b"C", b"P" + cstr("none")) + msg(b"S"))
    out = read_until(s)
    check(b"".join(t for t, _ in out) == b"33Z", "Close of unknown statement/portal succeeds")
    # Flush sends pending output without Sync.
    s.sendall(msg(b"P", cstr("") + cstr("SELECT 1") + struct.pack("!h", 0)) + msg(b"H"))
    t, _ = read_msg(s)
    check(t == b"1", "Flush delivers ParseComplete")
    s.sendall(msg(b"S"))
    read_until(s)
    s.close()


def test_cancel_wrong_key():
    s = connect()
    msgs = login(s)
    k = [b for t, b in msgs if t == b"K"][0]
    pid, secret = struct.unpack("!ii", k)
    c = connect()
    c.sendall(struct.pack("!IIii", 16, 80877102, pid, secret ^ 1))
    check(closed(c), "CancelRequest connection closed without reply")
    s.sendall(msg(b"Q", cstr("SELECT 7")))
    out = read_until(s)
    check(any(t == b"D" for t, _ in out), "wrong cancel key has no effect")
    s.close()


def try_read(s, timeout):
    s.settimeout(timeout)
    try:
        return read_msg(s)
    except socket.timeout:
        return None
    finally:
        s.settimeout(10)


def test_listen_notify():
    a, b = connect(), connect()
    pid_b = struct.unpack("!i", [x for t, x in login(b) if t == b"K"][0][:4])[0]
    login(a)
    a.sendall(msg(b"Q", cstr("LISTEN chan_x")))
    out = read_until(a)
    check([bb for t, bb in out if t == b"C"] == [b"LISTEN\0"], "LISTEN tag")
    b.sendall(msg(b"Q", cstr("NOTIFY chan_x, 'hello'")))
    read_until(b)
    m = try_read(a, 5)
    ok = m is not None and m[0] == b"A"
    if ok:
        pid = struct.unpack("!i", m[1][:4])[0]
        ok = pid == pid_b and m[1][4:] == b"chan_x\0hello\0"
    check(ok, "idle listener receives NotificationResponse with sender pid and payload", m)
    b.sendall(msg(b"Q", cstr("BEGIN; NOTIFY chan_x, 'in tx'")))
    read_until(b)
    check(try_read(a, 0.5) is None, "NOTIFY inside a transaction waits for COMMIT")
    b.sendall(msg(b"Q", cstr("COMMIT")))
    read_until(b)
    m = try_read(a, 5)
    check(m is not None and m[0] == b"A" and m[1].endswith(b"in tx\0"), "delivered at COMMIT", m)
    b.sendall(msg(b"Q", cstr("SELECT pg_notify('chan_x', 'by function')")))
    read_until(b)
    m = try_read(a, 5)
    check(m is not None and m[0] == b"A" and m[1][4:] == b"chan_x\0by function\0",
          "pg_notify in an autocommit statement is delivered when it ends", m)
    b.sendall(msg(b"P", cstr("") + cstr("SELECT pg_notify($1, $2)") + struct.pack("!h", 0)) +
              msg(b"B", cstr("") + cstr("") + struct.pack("!hhi", 0, 2, 6) + b"chan_x" + struct.pack("!i", 3) +
                  b"ext" + struct.pack("!h", 0)) + msg(b"E", cstr("") + struct.pack("!i", 0)) + msg(b"S"))
    read_until(b)
    m = try_read(a, 5)
    check(m is not None and m[0] == b"A" and m[1][4:] == b"chan_x\0ext\0", "pg_notify through Parse/Bind/Execute", m)
    b.sendall(msg(b"Q", cstr("SELECT pg_notify('chan_x', 'failed'), 1/0")))
    read_until(b)
    b.sendall(msg(b"Q", cstr("BEGIN; SELECT pg_notify('chan_x', 'in tx'); ROLLBACK")))
    read_until(b)
    check(try_read(a, 0.5) is None, "pg_notify of a failed statement or a rolled-back transaction is dropped")
    for call, want in (("pg_notify('', 'x')", "channel name cannot be empty"),
                       ("pg_notify('%s', 'x')" % ("c" * 64), "channel name too long"),
                       ("pg_notify('c', '%s')" % ("x" * 8000), "payload string too long")):
        b.sendall(msg(b"Q", cstr("SELECT " + call)))
        out = read_until(b)
        errs = [fields(x) for t, x in out if t == b"E"]
        check(errs and errs[0].get("C") == "22023" and errs[0].get("M") == want, call[:30] + ": 22023 " + want, errs)
    b.sendall(msg(b"Q", cstr("BEGIN; NOTIFY chan_x, 'rolled back'; ROLLBACK")))
    read_until(b)
    b.sendall(msg(b"Q", cstr("NOTIFY other_chan")))
    read_until(b)
    check(try_read(a, 0.5) is None, "rolled-back and other-channel notifications are not delivered")
    a.sendall(msg(b"Q", cstr("UNLISTEN *")))
    read_until(a)
    b.sendall(msg(b"Q", cstr("NOTIFY chan_x, 'after unlisten'")))
    read_until(b)
    check(try_read(a, 0.5) is None, "UNLISTEN * stops delivery")
    a.close()
    b.close()


def test_fuzz():
    """Random and truncated messages from many connections; the server must stay up and answer."""
    import random
    rnd = random.Random(20261124)
    kinds = b"QPBDESCHXdcfFpz"
    shapes = [b"SELECT 1\0", b"\0SELECT $1\0\0\1\0\0\0\x17", b"\0\0\0\0\0\1\0\0\0\2ab\0\0", b"S\0", b"P\0",
              b"\0\0\0\0\5", b"", b"x\0"]
    for _ in range(120):
        try:
            s = connect()
            s.settimeout(2)
            if rnd.random() < 0.2:
                s.sendall(bytes(rnd.getrandbits(8) for _ in range(rnd.randint(1, 40))))
            else:
                login(s)
                for _ in range(rnd.randint(1, 6)):
                    if rnd.random() < 0.3:
                        body = bytes(rnd.getrandbits(8) for _ in range(rnd.randint(0, 30)))
                    else:
                        body = rnd.choice(shapes)
                        if rnd.random() < 0.3:
                            body = body[:rnd.randint(0, len(body))]
                    ln = len(body) + 4 if rnd.random() > 0.1 else rnd.choice([0, 3, 0x7FFFFFFF, len(body) + 100])
                    s.sendall(bytes([rnd.choice(kinds)]) + struct.pack("!I", ln) + body)
                s.sendall(msg(b"S"))
                s.settimeout(0.2)
                try:
                    while s.recv(65536):
                        pass
                except (socket.timeout, OSError):
                    pass
            s.close()
        except (OSError, EOFError):
            pass
    s = connect()
    login(s)
    s.sendall(msg(b"Q", cstr("SELECT 42")))
    out = read_until(s)
    check(any(t == b"D" and b"42" in b for t, b in out), "server alive and correct after 120 fuzzed sessions")
    s.close()


for t in (test_startup, test_ssl_gss_negotiation, test_protocol_negotiation, test_missing_user_and_db,
          test_malformed, test_truncated_messages, test_message_types_and_limits, test_invalid_utf8,
          test_bad_startup_packets, test_violations_mid_transaction, test_extended_details, test_cancel_wrong_key,
          test_listen_notify, test_fuzz):
    try:
        t()
    except Exception as e:  # a crash of one group is a failure, the others still run
        check(False, t.__name__, repr(e))
print("%d passed, %d failed" % (passed, failed))
sys.exit(1 if failed else 0)
