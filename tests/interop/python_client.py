#!/usr/bin/env python3
"""python_client.py: Apache Thrift 0.17's Python library as the client of any
server of rpc_interop.thrift's Interop service (tern_rpc_server, or Apache's
apache_rpc_server), a second implementation beside Apache's C++ one.

  python_client.py --address=127.0.0.1:PORT --transport=framed|buffered
                   --protocol=binary|compact --gen_dir=DIR [--server_framing=auto]

DIR holds the package `rpc_interop` that `thrift --gen py` made of
rpc_interop.thrift (CMake generates it at build time); --server_framing
(default $TERN_INTEROP_SERVER_FRAMING) says the server guesses each
connection's framing. The script runs once per protocol class of
--protocol: the pure-Python one (TBinaryProtocol, TCompactProtocol) and the
C-accelerated one (TBinaryProtocolAccelerated, TCompactProtocolAccelerated;
skipped, with the reason printed, when the fastbinary extension does not
load). Each run, on a connection of its own,
calls every method with the semantics written at the top of
rpc_interop.thrift and checks every value field by field: types (str for
`string`, bytes for `binary`, bool, int, float), doubles by their bits, which
optional fields are set, and every reply's envelope (method name, message
type, seqid). Then, once, what a production server must survive from a
client: unknown methods (answered with TApplicationException UNKNOWN_METHOD,
the connection still in step), any seqid echoed, truncated calls and
oversized or negative frame lengths (the server drops that connection and
keeps serving), a call written a byte at a time, half a call held open while
another connection is served, a client that half-closes after its calls,
clients that reset before big replies, args with unknown or mistyped fields
(skipped, as Apache's generated readers do), old non-strict Binary headers,
and 8 connections at once.

Every expectation is proven on Apache's own C++ server too (CTest's
interop.python.apache_self.*), so a difference on a Tern server is Tern's.

Prints one line per step ("[ OK ]", "[FAIL]", "[SKIP]"); within one run, the
first failing step ends that run (its connection may be out of step). Exits
0 only when no step failed, 1 otherwise, 2 for bad arguments.
"""

import argparse
import importlib
import os
import socket
import struct
import sys
import threading
import time
import traceback


# ---- the values of rpc_values.h, in Python ----------------------------------
# The server computes many(n) from rpc_values.h's MakeAllTypes; these must be
# the same values bit for bit, so every integer is wrapped to its Thrift width
# like the C++ code does (unsigned arithmetic, then the low bits).

INT32_MIN, INT32_MAX = -(1 << 31), (1 << 31) - 1
INT64_MIN, INT64_MAX = -(1 << 63), (1 << 63) - 1
DENORM_MIN = 5e-324


def wrap(value, bits):
    """value modulo 2**bits, as a signed integer of that width."""
    value &= (1 << bits) - 1
    return value - (1 << bits) if value >> (bits - 1) else value


def ping_reply(who):
    return "pong " + who


def fail_message(code):
    return "failed %d" % code


def add_result(a, b):
    return wrap(a + b, 64)


def periodic_bytes(size, byte_at):
    """size bytes where byte i = byte_at(i), for a byte_at of period 256."""
    if size <= 0:
        return b""
    period = bytes(byte_at(i) & 0xFF for i in range(256))
    return (period * (size // 256 + 1))[:size]


def make_blob(size):
    return periodic_bytes(size, lambda i: i * 7)


class Values:
    """rpc_values.h's constructors over the generated Python types."""

    def __init__(self, ttypes):
        self.t = ttypes

    def inner(self, seed):
        return self.t.Inner(id=wrap(seed * 2654435761, 32), name="inner #%d" % seed)

    def all_types(self, seed):
        u = seed
        v = self.t.AllTypes()
        v.b = seed % 2 == 1
        if seed % 4 == 1:
            v.i8v, v.i16v, v.i32v, v.i64v = -128, -32768, INT32_MIN, INT64_MIN
        elif seed % 4 == 2:
            v.i8v, v.i16v, v.i32v, v.i64v = 127, 32767, INT32_MAX, INT64_MAX
        else:
            v.i8v = wrap(u * 37 + 3, 8)
            v.i16v = wrap(u * 1009 + 11, 16)
            v.i32v = wrap(u * 2654435761 + 7, 32)
            v.i64v = wrap(u * 0x9E3779B97F4A7C15 + 13, 64)
        v.d = {1: -0.0, 2: float("inf"), 3: DENORM_MIN}.get(seed % 5, seed * 1.5 - 1e6 / 3)
        v.s = "value #%d \u00fc\u00f1\u00ef\u00e7\u00f8d\u00e9" % seed
        v.bin = bytes((i + u) & 0xFF for i in range(256))
        v.mood = (1, 2, 7, -3)[seed % 4]
        v.inner = self.inner(seed)
        v.ints = [INT32_MIN if i == 0 else wrap(u * 100 + i - 250, 32) for i in range(seed % 6)]
        v.strings = ["" if i == 0 else "s%d.%d" % (seed, i) for i in range(seed % 4)]
        v.inners = [self.inner(seed * 10 + i) for i in range(seed % 3)]
        v.longs = {INT64_MAX if i == 0 else wrap((u << 33) - i * 1000003, 64)
                   for i in range(seed % 5)}
        v.tags = {"tag%d" % (i * seed) for i in range(seed % 4)}
        v.counts = {"k%d" % i: wrap(u * 31 - i, 32) for i in range(seed % 4)}
        v.groups = {seed * 3 - i * 1000: ["g%d" % j for j in range(i)] for i in range(seed % 3)}
        v.opt_set = "optional #%d" % seed
        v.opt_unset = None
        v.with_default = -seed if seed % 2 == 1 else 42
        return v

    def empty_all_types(self):
        """A C++ default-constructed AllTypes: every field that is not
        optional present with its zero value (C++ writes them all), both
        optionals unset, with_default at its IDL default."""
        return self.t.AllTypes(
            b=False, i8v=0, i16v=0, i32v=0, i64v=0, d=0.0, s="", bin=b"", mood=0,
            inner=self.t.Inner(id=0, name=""), ints=[], strings=[], inners=[], longs=set(),
            tags=set(), counts={}, groups={}, opt_set=None, opt_unset=None, with_default=42)

    def large_all_types(self, size=1 << 20):
        v = self.all_types(7)
        v.s = ("abcdefghijklmnopqrstuvwxyz" * (size // 26 + 1))[:size]
        v.bin = periodic_bytes(size, lambda i: i * 13 + 5)
        v.ints += [wrap(i * 40503 - 1000000, 32) for i in range(65536)]
        v.strings += ["x" * (i % 100) + str(i) for i in range(2000)]
        v.inners += [self.inner(i) for i in range(2000)]
        v.longs |= {i * -7777777777 for i in range(10000)}
        v.tags |= {"tag-%d" % i for i in range(2000)}
        v.counts.update({"count-%d" % i: i - 1000 for i in range(2000)})
        for i in range(64):
            v.groups.setdefault(i * 1000 - 32000, []).extend("member %d" % j for j in range(16))
        return v

    def choice(self, seed):
        if seed % 3 == 0:
            return self.t.Choice(number=wrap(seed * 99991 - 5, 32))
        if seed % 3 == 1:
            return self.t.Choice(text="choice #%d" % seed)
        return self.t.Choice(inner=self.inner(seed))


# ---- comparison ---------------------------------------------------------------


def describe(v):
    if isinstance(v, float):
        return "%r (bits 0x%016x)" % (v, struct.unpack("<Q", struct.pack("<d", v))[0])
    r = repr(v)
    return r if len(r) <= 80 else r[:60] + "... (%d long)" % len(v)


def diff(path, want, got):
    """None when equal, else where the first difference is and both values.
    Stricter than ==: the Python types must match (bytes for binary, str for
    string, bool for bool), doubles compare by bits (-0.0 and the subnormal
    must survive), and an unset optional (None) differs from any value."""
    if want is None or got is None:
        if want is None and got is None:
            return None
        return "%s: want %s, got %s" % (path, "unset" if want is None else "set",
                                        "unset" if got is None else "set (%s)" % describe(got))
    if type(want) is not type(got):
        return "%s: want a %s, got a %s (%s)" % (path, type(want).__name__,
                                                 type(got).__name__, describe(got))
    if isinstance(want, float):
        if struct.pack("<d", want) != struct.pack("<d", got):
            return "%s: want %s, got %s" % (path, describe(want), describe(got))
        return None
    if isinstance(want, (bytes, str)):
        if want == got:
            return None
        at = next((i for i, (w, g) in enumerate(zip(want, got)) if w != g), None)
        if len(want) > 48 or len(got) > 48:
            where = ("equal up to the shorter length" if at is None
                     else "first difference at %d: want %r, got %r" % (at, want[at], got[at]))
            return "%s (%d wanted, %d received): %s" % (path, len(want), len(got), where)
        return "%s: want %r, got %r" % (path, want, got)
    if isinstance(want, list):
        if len(want) != len(got):
            return "%s: want %d elements, got %d" % (path, len(want), len(got))
        for i, (w, g) in enumerate(zip(want, got)):
            d = diff("%s[%d]" % (path, i), w, g)
            if d:
                return d
        return None
    if isinstance(want, set):
        if want != got:
            return "%s: missing %s, unexpected %s" % (
                path, describe(sorted(want - got)[:5]), describe(sorted(got - want)[:5]))
        return None
    if isinstance(want, dict):
        if set(want) != set(got):
            return "%s keys: missing %s, unexpected %s" % (
                path, describe(sorted(set(want) - set(got))[:5]),
                describe(sorted(set(got) - set(want))[:5]))
        for k in sorted(want):
            d = diff("%s[%r]" % (path, k), want[k], got[k])
            if d:
                return d
        return None
    spec = getattr(want, "thrift_spec", None)
    if spec is not None:  # a generated struct, union or exception
        for field in spec:
            if field is None:
                continue
            name = field[2]
            d = diff(path + "." + name, getattr(want, name), getattr(got, name))
            if d:
                return d
        return None
    if want != got:
        return "%s: want %s, got %s" % (path, describe(want), describe(got))
    return None


class Mismatch(Exception):
    """A step's check failed: what differs."""


def check(what, want, got):
    d = diff(what, want, got)
    if d:
        raise Mismatch(d)


# ---- the client ---------------------------------------------------------------


class Env:
    """The generated modules and Apache's library, imported from --gen_dir."""

    def __init__(self, gen_dir):
        sys.path.insert(0, gen_dir)
        from thrift.Thrift import TApplicationException, TMessageType, TType
        from thrift.protocol import TBinaryProtocol, TCompactProtocol
        from thrift.transport import TSocket, TTransport
        from rpc_interop import Interop, InteropBase, ttypes
        self.TApplicationException = TApplicationException
        self.TMessageType = TMessageType
        self.TType = TType
        self.TBinaryProtocol = TBinaryProtocol
        self.TCompactProtocol = TCompactProtocol
        self.TSocket = TSocket
        self.TTransport = TTransport
        self.Interop = Interop
        self.InteropBase = InteropBase
        self.ttypes = ttypes
        self.values = Values(ttypes)


def recording(protocol_class):
    """protocol_class whose readMessageBegin records every envelope read, so
    each reply can be checked (the generated recv_x() ignores the name and
    the seqid, so a wrong envelope would otherwise go unnoticed)."""

    class Recording(protocol_class):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self.envelopes = []

        def readMessageBegin(self):
            envelope = super().readMessageBegin()
            self.envelopes.append(envelope)
            return envelope

    Recording.__name__ = protocol_class.__name__
    return Recording


class Connection:
    """One connection: socket, transport, a recording protocol, the client."""

    def __init__(self, env, args, protocol_class, sock=None):
        self.env = env
        self.socket = env.TSocket.TSocket(args.host, args.port)
        self.socket.setTimeout(args.timeout_ms)
        if sock is None:
            self.socket.open()
        else:  # a connection the caller opened (and wrote to) by hand
            self.socket.handle = sock
        if args.transport == "framed":
            self.transport = env.TTransport.TFramedTransport(self.socket)
        else:
            self.transport = env.TTransport.TBufferedTransport(self.socket)
        self.protocol = recording(protocol_class)(self.transport)
        self.client = env.Interop.Client(self.protocol)

    def expect_reply(self, method, before, seqid=0, mtype=None):
        """Exactly one message was read since `before` envelopes, and it was
        the reply to `method` with `seqid` (the generated client sends 0)."""
        mtype = self.env.TMessageType.REPLY if mtype is None else mtype
        got = self.protocol.envelopes[before:]
        if len(got) != 1:
            raise Mismatch("read %d messages for one reply" % len(got))
        if got[0] != (method, mtype, seqid):
            raise Mismatch("reply envelope: want %r, got %r" % ((method, mtype, seqid), got[0]))

    def call(self, method, *call_args):
        """client.method(*call_args), its reply envelope checked."""
        before = len(self.protocol.envelopes)
        result = getattr(self.client, method)(*call_args)
        self.expect_reply(method, before)
        return result

    def recv(self, method):
        """client.recv_method() of a pipelined call, its envelope checked."""
        before = len(self.protocol.envelopes)
        result = getattr(self.client, "recv_" + method)()
        self.expect_reply(method, before)
        return result

    def close(self):
        try:
            self.transport.close()
        except Exception:  # closing what the server already dropped: no matter
            pass


class Runner:
    """Prints and counts steps."""

    def __init__(self):
        self.passed = self.failed = self.skipped = 0

    def step(self, name, fn):
        start = time.monotonic()
        try:
            fn()
        except Mismatch as m:
            print("[FAIL] %s: %s" % (name, m), flush=True)
            self.failed += 1
            return False
        except Exception as e:  # an unexpected exception is a failure, shown whole
            print("[FAIL] %s: unexpected %s: %s" % (name, type(e).__name__, e), flush=True)
            traceback.print_exc(file=sys.stdout)
            self.failed += 1
            return False
        us = int((time.monotonic() - start) * 1e6)
        print("[ OK ] %s (%d us)" % (name, us), flush=True)
        self.passed += 1
        return True

    def skip(self, name, reason):
        print("[SKIP] %s: %s" % (name, reason), flush=True)
        self.skipped += 1


def expect_failure(conn, code, call):
    """call() must raise the declared InteropError{code, "failed <code>"},
    sent as a REPLY (a declared exception is a reply, not an EXCEPTION)."""
    before = len(conn.protocol.envelopes)
    try:
        call()
    except conn.env.ttypes.InteropError as e:
        conn.expect_reply("fail", before)
        want = conn.env.ttypes.InteropError(code=code, message=fail_message(code))
        check("fail(%d)" % code, want, e)
        return
    raise Mismatch("fail(%d) returned instead of raising InteropError" % code)


def run_script(runner, env, conn, label):
    """Every method of the Interop service on one connection; stops at the
    first failing step. Returns whether every step passed."""
    c = conn.client
    val = env.values
    steps = []

    def step(name):
        def register(fn):
            steps.append((name, fn))
            return fn
        return register

    @step("ping (ASCII, empty, 2-, 3- and 4-byte UTF-8, NUL and control bytes)")
    def _():
        for who in ["python", "", "\u00e9t\u00e9 \x01\x7f", "\u6f22\u5b57 \U0001f980", "a\x00b"]:
            check("ping(%r)" % who, ping_reply(who), conn.call("ping", who))

    @step("roundTrip C++-empty value (zero values, optionals unset)")
    def _():
        v = val.empty_all_types()
        check("roundTrip(empty)", v, conn.call("roundTrip", v))

    @step("roundTrip MakeAllTypes(0..7)")
    def _():
        for seed in range(8):
            v = val.all_types(seed)
            check("roundTrip(seed %d)" % seed, v, conn.call("roundTrip", v))

    @step("roundTrip both optionals set")
    def _():
        v = val.all_types(3)
        v.opt_unset = -9
        check("roundTrip(opt_unset set)", v, conn.call("roundTrip", v))

    # Python leaves unset (None) fields off the wire, even those that are not
    # optional: a server reads the absent ones as their defaults (zero, empty,
    # with_default = 42, inner = Inner{0, ""}) and, like Apache's C++ server,
    # writes every field that is not optional back.
    @step("roundTrip sparse value (absent fields come back as their defaults)")
    def _():
        sent = env.ttypes.AllTypes(i32v=-5, s="only a few", longs={3, -3}, with_default=None)
        want = val.empty_all_types()
        want.i32v, want.s, want.longs = -5, "only a few", {3, -3}
        check("roundTrip(sparse)", want, conn.call("roundTrip", sent))

    @step("roundTrip large (1 MiB string and binary, 64 Ki ints, 10 k set entries)")
    def _():
        v = val.large_all_types()
        check("roundTrip(large)", v, conn.call("roundTrip", v))

    @step("noop")
    def _():
        check("noop()", None, conn.call("noop"))

    @step("add (i32 + i64 at the limits, wrapping)")
    def _():
        cases = [(1, 2), (0, 0), (-5, -7), (-1, 1), (INT32_MAX, INT64_MAX - INT32_MAX),
                 (INT32_MIN, INT64_MIN - INT32_MIN), (INT32_MIN, INT64_MAX),
                 (INT32_MAX, INT64_MIN), (INT32_MIN, 0), (0, INT64_MIN),
                 (123456, -9876543210), (INT32_MAX, INT64_MAX)]  # the last one wraps
        for a, b in cases:
            check("add(%d, %d)" % (a, b), add_result(a, b), conn.call("add", a, b))

    @step("fail(0) returns \"ok\"")
    def _():
        check("fail(0)", "ok", conn.call("fail", 0))

    @step("fail(7) raises InteropError{7, \"failed 7\"}")
    def _():
        expect_failure(conn, 7, lambda: c.fail(7))

    @step("fail(INT32_MIN) raises, then the connection still works")
    def _():
        expect_failure(conn, INT32_MIN, lambda: c.fail(INT32_MIN))
        check("ping after an exception", ping_reply("after"), conn.call("ping", "after"))

    # Distinct from any earlier run against a long-lived server.
    token = wrap((os.getpid() << 32) ^ time.monotonic_ns(), 64)

    @step("notify(t) (oneway: no reply) then lastNotified() == t")
    def _():
        before = len(conn.protocol.envelopes)
        c.notify(token - 1)
        c.notify(token)
        if len(conn.protocol.envelopes) != before:
            raise Mismatch("oneway notify read a reply")
        check("lastNotified()", token, conn.call("lastNotified"))

    @step("many(0), many(-1), many(1), many(50)")
    def _():
        check("many(0)", [], conn.call("many", 0))
        check("many(-1)", [], conn.call("many", -1))
        for n in (1, 50):
            check("many(%d)" % n, [val.all_types(i) for i in range(n)], conn.call("many", n))

    @step("blob(0), blob(-5), blob(1), blob(1000), blob(1 MiB)")
    def _():
        for size in (0, -5, 1, 1000, 1 << 20):
            check("blob(%d)" % size, make_blob(size), conn.call("blob", size))

    @step("echoChoice (each union member)")
    def _():
        for seed in range(6):
            choice = val.choice(seed)
            check("echoChoice(seed %d)" % seed, choice, conn.call("echoChoice", choice))

    # 16 calls written before any reply is read: the replies must come back
    # in the order of the calls (the seqids are all 0, so only order tells).
    @step("pipelined add x16")
    def _():
        calls = [(i * 1000 - 7, (i << 40) - i) for i in range(16)]
        for a, b in calls:
            c.send_add(a, b)
        for i, (a, b) in enumerate(calls):
            check("pipelined reply #%d add(%d, %d)" % (i, a, b), add_result(a, b), conn.recv("add"))

    # Every kind of call in one pipeline: a declared exception in the middle,
    # a oneway call that must take effect before the call after it.
    @step("pipelined mixed calls")
    def _():
        big = val.all_types(9)
        c.send_ping("p0")
        c.send_roundTrip(big)
        c.send_fail(3)
        c.send_notify(token + 1)
        c.send_lastNotified()
        c.send_blob(1000)
        c.send_noop()
        c.send_many(2)
        c.send_add(-1, -2)
        check("reply #0 ping", ping_reply("p0"), conn.recv("ping"))
        check("reply #1 roundTrip", big, conn.recv("roundTrip"))
        expect_failure(conn, 3, c.recv_fail)
        check("reply #4 lastNotified after oneway notify", token + 1, conn.recv("lastNotified"))
        check("reply #5 blob(1000)", make_blob(1000), conn.recv("blob"))
        check("reply #6 noop", None, conn.recv("noop"))
        check("reply #7 many(2)", [val.all_types(0), val.all_types(1)], conn.recv("many"))
        check("reply #8 add(-1, -2)", -3, conn.recv("add"))

    @step("ping at the end")
    def _():
        check("ping(\"bye\")", ping_reply("bye"), conn.call("ping", "bye"))

    for name, fn in steps:
        if not runner.step("[%s] %s" % (label, name), fn):
            return False
    return True


# ---- what a production server must survive ------------------------------------


def encode_call(env, protocol_class, framed, method, seqid, args_struct,
                mtype=None):
    """The bytes of one call message, framed or not, as Apache writes them."""
    buf = env.TTransport.TMemoryBuffer()
    proto = protocol_class(buf)
    proto.writeMessageBegin(method, env.TMessageType.CALL if mtype is None else mtype, seqid)
    args_struct.write(proto)
    proto.writeMessageEnd()
    payload = buf.getvalue()
    return struct.pack("!i", len(payload)) + payload if framed else payload


def read_reply(conn, method, seqid):
    """Reads the reply to a call written by hand, checks its envelope, and
    returns its success value."""
    modules = (conn.env.Interop, conn.env.InteropBase)
    result_class = next(getattr(m, method + "_result") for m in modules
                        if hasattr(m, method + "_result"))
    before = len(conn.protocol.envelopes)
    conn.protocol.readMessageBegin()
    result = result_class()
    result.read(conn.protocol)
    conn.protocol.readMessageEnd()
    conn.expect_reply(method, before, seqid)
    return result.success


class RawArgs:
    """An args struct written field by field, as another client (a newer
    schema, or a different one) might write it: fields is a list of
    (id, TType, write(proto)) triples."""

    def __init__(self, fields):
        self.fields = fields

    def write(self, proto):
        proto.writeStructBegin("args")
        for fid, ftype, write in self.fields:
            proto.writeFieldBegin("f%d" % fid, ftype, fid)
            write(proto)
            proto.writeFieldEnd()
        proto.writeFieldStop()
        proto.writeStructEnd()


def raw_connect(args):
    sock = socket.create_connection((args.host, args.port), timeout=args.timeout_ms / 1000)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return sock


def expect_closed(sock, what):
    """The server closes `sock` (EOF or reset) without sending anything."""
    sock.settimeout(10)
    try:
        data = sock.recv(4096)
    except ConnectionResetError:
        return
    except socket.timeout:
        raise Mismatch("%s: the server kept the connection open" % what)
    if data:
        raise Mismatch("%s: the server answered %d bytes instead of closing" % (what, len(data)))


def run_hostile(runner, env, args, protocol_class):
    """Client-side abuse, each followed by proof that the server still serves."""
    framed = args.transport == "framed"
    Interop = env.Interop
    InteropBase = env.InteropBase

    def fresh_ping(who):
        conn = Connection(env, args, protocol_class)
        try:
            check("ping(%r) on a new connection" % who, ping_reply(who), conn.call("ping", who))
        finally:
            conn.close()

    def ping_args(who):
        a = InteropBase.ping_args()
        a.who = who
        return a

    # Apache's processors skip the args of an unknown method and answer
    # EXCEPTION(TApplicationException UNKNOWN_METHOD) with the call's name
    # and seqid; the connection stays in step (in buffered mode only a
    # server that skipped the whole args struct finds the next call).
    def unknown_method():
        conn = Connection(env, args, protocol_class)
        try:
            long_name = "noSuchMethod" + "\u00e9" * 2000
            for name, seqid, method_args in (
                    ("noSuchMethod", 0x1234567, Interop.noop_args()),
                    ("noSuchMethod", -2, Interop.roundTrip_args(v=env.values.all_types(5))),
                    (long_name, 3, Interop.noop_args())):
                conn.socket.write(encode_call(env, protocol_class, framed, name, seqid,
                                              method_args))
                before = len(conn.protocol.envelopes)
                conn.protocol.readMessageBegin()
                x = env.TApplicationException()
                x.read(conn.protocol)
                conn.protocol.readMessageEnd()
                conn.expect_reply(name, before, seqid, env.TMessageType.EXCEPTION)
                if x.type != env.TApplicationException.UNKNOWN_METHOD:
                    raise Mismatch("TApplicationException type: want UNKNOWN_METHOD (1), got %r "
                                   "(message %r)" % (x.type, x.message))
                if not x.message or "noSuchMethod" not in x.message:
                    raise Mismatch("TApplicationException message %r does not name the method"
                                   % x.message)
                check("ping after an unknown method", ping_reply("still"),
                      conn.call("ping", "still"))
        finally:
            conn.close()
    runner.step("[hostile] unknown methods (one 4 KB name): UNKNOWN_METHOD, connection "
                "still in step",
                unknown_method)

    # Other clients (Go, Java) number their calls; the reply carries the
    # call's seqid, whatever it is.
    def seqids():
        conn = Connection(env, args, protocol_class)
        try:
            for seqid in (1, -1, INT32_MAX, INT32_MIN, 0x5EED):
                conn.socket.write(encode_call(env, protocol_class, framed, "ping", seqid,
                                              ping_args("seq %d" % seqid)))
                check("ping with seqid %d" % seqid, ping_reply("seq %d" % seqid),
                      read_reply(conn, "ping", seqid))
        finally:
            conn.close()
    runner.step("[hostile] the reply echoes any seqid (1, -1, INT32_MAX, INT32_MIN)", seqids)

    # A call cut at each offset, then the connection closed: the server drops
    # it and serves the next connection.
    def truncated():
        call = encode_call(env, protocol_class, framed, "ping", 0, ping_args("cut"))
        for cut in sorted({1, 2, 3, 4, 5, 6, len(call) // 2, len(call) - 1}):
            sock = raw_connect(args)
            sock.sendall(call[:cut])
            sock.close()
            fresh_ping("after a call cut at byte %d of %d" % (cut, len(call)))
    runner.step("[hostile] truncated call then close (at 8 offsets): the next connection "
                "is served", truncated)

    # A call written one byte per send(): however the stream is split, the
    # server reassembles the call.
    def byte_at_a_time():
        call = encode_call(env, protocol_class, framed, "ping", 77, ping_args("slowly"))
        sock = raw_connect(args)
        for i in range(len(call)):
            sock.sendall(call[i:i + 1])
            time.sleep(0.001)
        conn = Connection(env, args, protocol_class, sock=sock)
        try:
            check("ping sent byte by byte", ping_reply("slowly"), read_reply(conn, "ping", 77))
        finally:
            conn.close()
    runner.step("[hostile] a call written one byte at a time is answered", byte_at_a_time)

    # A client that stops in the middle of a call must not hold up the
    # others; when it sends the rest, it is answered.
    def half_sent():
        call = encode_call(env, protocol_class, framed, "ping", 9, ping_args("patient"))
        sock = raw_connect(args)
        sock.sendall(call[:len(call) // 2])
        fresh_ping("while another connection holds half a call")
        sock.sendall(call[len(call) // 2:])
        conn = Connection(env, args, protocol_class, sock=sock)
        try:
            check("the completed half-sent call", ping_reply("patient"),
                  read_reply(conn, "ping", 9))
        finally:
            conn.close()
    runner.step("[hostile] half a call held open does not stall other connections",
                half_sent)

    # A client that half-closes (shutdown(SHUT_WR)) after its last call, even
    # one cut short, still gets the replies to its complete calls, then EOF.
    def half_closed():
        for partial in (False, True):
            sock = raw_connect(args)
            data = encode_call(env, protocol_class, framed, "ping", 5, ping_args("half-closed"))
            if partial:
                second = encode_call(env, protocol_class, framed, "ping", 6, ping_args("cut"))
                data += second[:len(second) // 2]
            sock.sendall(data)
            sock.shutdown(socket.SHUT_WR)
            conn = Connection(env, args, protocol_class, sock=sock)
            try:
                check("ping then SHUT_WR%s" % (" after half a call" if partial else ""),
                      ping_reply("half-closed"), read_reply(conn, "ping", 5))
                expect_closed(sock, "after the last reply")
            finally:
                conn.close()
    runner.step("[hostile] a client that half-closes after its calls gets its replies",
                half_closed)

    # Schema evolution: Apache's generated readers skip fields they do not
    # know, and fields whose wire type differs from the IDL's, leaving the
    # field at its default; absent args are their defaults too.
    def evolution():
        T = env.TType
        conn = Connection(env, args, protocol_class)
        try:
            def nested(p):  # struct {1: list<map<string, i32>>, 2: set<double>}
                p.writeStructBegin("Unknown")
                p.writeFieldBegin("l", T.LIST, 1)
                p.writeListBegin(T.MAP, 2)
                for i in range(2):
                    p.writeMapBegin(T.STRING, T.I32, 1)
                    p.writeString("k%d" % i)
                    p.writeI32(i)
                    p.writeMapEnd()
                p.writeListEnd()
                p.writeFieldEnd()
                p.writeFieldBegin("s", T.SET, 2)
                p.writeSetBegin(T.DOUBLE, 1)
                p.writeDouble(2.5)
                p.writeSetEnd()
                p.writeFieldEnd()
                p.writeFieldStop()
                p.writeStructEnd()

            cases = [
                ("ping with unknown fields before and after `who`", "ping", RawArgs([
                    (9, T.I64, lambda p: p.writeI64(-1)),
                    (1, T.STRING, lambda p: p.writeString("evolved")),
                    (2, T.STRUCT, nested),
                    (300, T.BOOL, lambda p: p.writeBool(True)),
                    (-1, T.STRING, lambda p: p.writeBinary(b"\xff\x00")),
                ]), ping_reply("evolved")),
                ("ping whose `who` has the wire type i32 (skipped: who = \"\")", "ping", RawArgs([
                    (1, T.I32, lambda p: p.writeI32(5)),
                ]), ping_reply("")),
                ("add with no args (a = b = 0)", "add", RawArgs([]), 0),
                ("add with `b` as i32 (skipped: b = 0)", "add", RawArgs([
                    (1, T.I32, lambda p: p.writeI32(40)),
                    (2, T.I32, lambda p: p.writeI32(2)),
                ]), 40),
            ]
            for i, (what, method, raw, want) in enumerate(cases):
                conn.socket.write(encode_call(env, protocol_class, framed, method, 100 + i, raw))
                check(what, want, read_reply(conn, method, 100 + i))
        finally:
            conn.close()
    runner.step("[evolution] unknown and mistyped fields in args are skipped", evolution)

    # Old Binary clients write the message header without the version word
    # (TBinaryProtocol(strictWrite=False)); Apache's servers read it (their
    # strictRead is off by default). An unframed one cannot be told from a
    # frame length by a server that guesses the framing (`framing = auto`
    # detects strict Binary only), so that pairing is skipped.
    class NonStrictBinary(env.TBinaryProtocol.TBinaryProtocol):
        def __init__(self, trans):
            super().__init__(trans, strictRead=False, strictWrite=False)

    def non_strict():
        conn = Connection(env, args, NonStrictBinary)
        try:
            check("non-strict ping", ping_reply("old"), conn.call("ping", "old"))
            v = env.values.all_types(3)
            check("non-strict roundTrip", v, conn.call("roundTrip", v))
            expect_failure(conn, 7, lambda: conn.client.fail(7))
        finally:
            conn.close()
    if args.protocol != "binary":
        runner.skip("[old clients] non-strict Binary messages", "Binary protocol only")
    elif args.server_framing == "auto" and not framed:
        runner.skip("[old clients] non-strict Binary messages",
                    "unframed, they look like frames to a server with framing = auto")
    else:
        runner.step("[old clients] non-strict Binary messages (no version word) are served",
                    non_strict)

    # A client that resets its connection with big replies still to come:
    # the server's writes fail (EPIPE/ECONNRESET, never a SIGPIPE that kills
    # it) and it goes on serving.
    def reset_before_reply():
        for i in range(4):
            sock = raw_connect(args)
            sock.sendall(encode_call(env, protocol_class, framed, "blob", i,
                                     Interop.blob_args(size=4 << 20)) * 2)
            if i % 2:
                time.sleep(0.05)  # the server may have started writing
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            sock.close()
        fresh_ping("after clients reset with replies unsent")
    runner.step("[hostile] clients that reset before their 4 MiB replies: the server "
                "goes on", reset_before_reply)

    # Connections served at the same time must not see each other's replies.
    def concurrent():
        errors = []

        def worker(n):
            try:
                conn = Connection(env, args, protocol_class)
                try:
                    for i in range(20):
                        check("conn %d ping %d" % (n, i), ping_reply("%d.%d" % (n, i)),
                              conn.call("ping", "%d.%d" % (n, i)))
                        check("conn %d add %d" % (n, i), add_result(n, i * 1000003),
                              conn.call("add", n, i * 1000003))
                        v = env.values.all_types(n + i)
                        check("conn %d roundTrip %d" % (n, i), v, conn.call("roundTrip", v))
                finally:
                    conn.close()
            except Exception as e:  # reported by the step below
                errors.append("%s: %s" % (type(e).__name__, e))

        threads = [threading.Thread(target=worker, args=(n,)) for n in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        if errors:
            raise Mismatch("; ".join(errors[:3]))
    runner.step("[concurrency] 8 connections at once, 60 calls each", concurrent)

    # Frame lengths no server accepts (Apache's TFramedTransport refuses
    # frames over 256 MB and negative ones): the connection is closed, before
    # any attempt to allocate or wait for that much.
    if framed:
        def bad_frames():
            for length in (0x7FFFFFFF, -1, INT32_MIN):
                sock = raw_connect(args)
                try:
                    sock.sendall(struct.pack("!i", length) + b"\x80\x01\x00\x01")
                    expect_closed(sock, "frame length %d" % length)
                finally:
                    sock.close()
                fresh_ping("after a frame of length %d" % length)
        runner.step("[hostile] frame lengths 2^31-1, -1, -2^31: that connection closed, the "
                    "next served", bad_frames)
    else:
        runner.skip("[hostile] bad frame lengths", "framed transport only")


# ---- main ---------------------------------------------------------------------


def protocol_classes(env, protocol, runner):
    """(label, class) of each protocol class to run: pure Python, and the
    C-accelerated one when the fastbinary extension loads."""
    if protocol == "binary":
        pure = env.TBinaryProtocol.TBinaryProtocol
        accelerated = env.TBinaryProtocol.TBinaryProtocolAccelerated
    else:
        pure = env.TCompactProtocol.TCompactProtocol
        accelerated = env.TCompactProtocol.TCompactProtocolAccelerated
    out = [("%s pure" % protocol, pure)]
    try:
        importlib.import_module("thrift.protocol.fastbinary")
    except ImportError as e:
        runner.skip("%s accelerated" % protocol,
                    "the fastbinary C extension does not load: %s" % e)
        return out

    # fallback=False: fail rather than silently run the pure-Python code.
    class Accelerated(accelerated):
        def __init__(self, trans, **kwargs):
            super().__init__(trans, fallback=False, **kwargs)
            assert self._fast_decode is not None and self._fast_encode is not None

    Accelerated.__name__ = accelerated.__name__
    out.append(("%s accelerated" % protocol, Accelerated))
    return out


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--address", required=True, help="127.0.0.1:PORT")
    parser.add_argument("--transport", choices=["framed", "buffered"], default="framed")
    parser.add_argument("--protocol", choices=["binary", "compact"], default="binary")
    parser.add_argument("--gen_dir", required=True, help="where `thrift --gen py` wrote")
    parser.add_argument("--server_framing",
                        default=os.environ.get("TERN_INTEROP_SERVER_FRAMING", ""),
                        help="the server's framing when it is not the client's transport "
                        "(auto); default: $TERN_INTEROP_SERVER_FRAMING")
    parser.add_argument("--timeout_ms", type=int, default=30000,
                        help="connect, send and receive timeout")
    args = parser.parse_args()
    host, _, port = args.address.rpartition(":")
    args.host = host.strip("[]")
    try:
        args.port = int(port)
    except ValueError:
        args.port = -1
    if not args.host or not 0 < args.port < 65536:
        print("python_client: bad --address=%s" % args.address, file=sys.stderr)
        return 2

    env = Env(args.gen_dir)
    import thrift
    print("python_client: Apache Thrift Python %s (%s), Python %s, %s %s to %s" % (
        getattr(thrift, "__version__", "0.17"), os.path.dirname(thrift.__file__),
        sys.version.split()[0], args.transport, args.protocol, args.address), flush=True)
    runner = Runner()
    for label, protocol_class in protocol_classes(env, args.protocol, runner):
        label = "%s %s" % (label, args.transport)
        try:
            conn = Connection(env, args, protocol_class)
        except Exception as e:  # the server is not there: every run fails alike
            print("[FAIL] [%s] connect to %s: %s" % (label, args.address, e), flush=True)
            runner.failed += 1
            continue
        try:
            run_script(runner, env, conn, label)
        finally:
            conn.close()
    run_hostile(runner, env, args, protocol_classes(env, args.protocol, Runner())[0][1])
    ok = runner.failed == 0
    print("%s: %d steps passed, %d failed, %d skipped" % (
        "PASS" if ok else "FAIL", runner.passed, runner.failed, runner.skipped), flush=True)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
