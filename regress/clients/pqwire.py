"""pqwire.py: building PostgreSQL protocol v3 client messages (stdlib only).

Shared by the raw protocol test (proto_test.py) and the protocol fuzzer's seed corpus
(regress/fuzz/proto_seeds.py): startup_packet builds the untyped first packet, msg a typed message
(type byte, length word counting itself, body), cstr a NUL-terminated string.
"""
import struct


def startup_packet(params, proto=196608):
    body = struct.pack("!I", proto)
    for k, v in params.items():
        body += k.encode() + b"\0" + v.encode() + b"\0"
    body += b"\0"
    return struct.pack("!I", len(body) + 4) + body


def msg(t, body=b""):
    return t + struct.pack("!I", len(body) + 4) + body


def cstr(x):
    return (x if isinstance(x, bytes) else x.encode()) + b"\0"
