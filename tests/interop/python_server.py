#!/usr/bin/env python3
"""python_server.py: Apache Thrift 0.17's Python library as a server of
rpc_interop.thrift's Interop service, the peer Tern's client is checked
against (python_interop_test.cc) beside Apache's C++ servers.

  python_server.py --gen_dir=DIR [--server=threaded|simple]
                   [--transport=framed|buffered] [--protocol=binary|compact]
                   [--accelerated] [--port_file=F]

DIR holds the package `rpc_interop` that `thrift --gen py` made of
rpc_interop.thrift. threaded = TThreadedServer (a thread per connection),
simple = TSimpleServer (one connection at a time). --accelerated: the C
extension's protocol (TBinaryProtocolAccelerated, TCompactProtocolAccelerated,
no fallback to pure Python); exits 3 with the reason when it does not load.
Listens on 127.0.0.1, port chosen by the kernel, and once listening writes
"127.0.0.1:PORT\\n" to --port_file (through a rename, so a reader never sees
half a line) or to stdout. Exits 0 on SIGINT/SIGTERM. The handler implements
the semantics written at the top of rpc_interop.thrift, with the values of
python_client.py (the port of rpc_values.h).
"""

import argparse
import importlib
import os
import signal
import sys
import threading

from python_client import Values, add_result, fail_message, make_blob, ping_reply


class Handler:
    """The semantics of rpc_interop.thrift."""

    def __init__(self, ttypes):
        self.ttypes = ttypes
        self.values = Values(ttypes)
        self.last = 0
        self.lock = threading.Lock()

    def ping(self, who):
        return ping_reply(who)

    def roundTrip(self, v):
        return v

    def noop(self):
        pass

    def add(self, a, b):
        return add_result(a, b)

    def fail(self, code):
        if code != 0:
            raise self.ttypes.InteropError(code=code, message=fail_message(code))
        return "ok"

    def notify(self, token):
        with self.lock:
            self.last = token

    def lastNotified(self):
        with self.lock:
            return self.last

    def many(self, n):
        return [self.values.all_types(i) for i in range(n)]

    def blob(self, size):
        return make_blob(size)

    def echoChoice(self, c):
        return c


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--gen_dir", required=True, help="where `thrift --gen py` wrote")
    parser.add_argument("--server", choices=["threaded", "simple"], default="threaded")
    parser.add_argument("--transport", choices=["framed", "buffered"], default="framed")
    parser.add_argument("--protocol", choices=["binary", "compact"], default="binary")
    parser.add_argument("--accelerated", action="store_true")
    parser.add_argument("--port_file", default="")
    args = parser.parse_args()

    sys.path.insert(0, args.gen_dir)
    from thrift.protocol import TBinaryProtocol, TCompactProtocol
    from thrift.server import TServer
    from thrift.transport import TSocket, TTransport
    from rpc_interop import Interop, ttypes

    if args.accelerated:
        try:
            importlib.import_module("thrift.protocol.fastbinary")
        except ImportError as e:
            print("python_server: no accelerated protocol: %s" % e, file=sys.stderr)
            return 3
        protocol = (TBinaryProtocol.TBinaryProtocolAcceleratedFactory(fallback=False)
                    if args.protocol == "binary"
                    else TCompactProtocol.TCompactProtocolAcceleratedFactory(fallback=False))
    else:
        protocol = (TBinaryProtocol.TBinaryProtocolFactory() if args.protocol == "binary"
                    else TCompactProtocol.TCompactProtocolFactory())
    transport = (TTransport.TFramedTransportFactory() if args.transport == "framed"
                 else TTransport.TBufferedTransportFactory())

    # serve() calls listen(); listening first tells the port before serving.
    class ListenOnce(TSocket.TServerSocket):
        def listen(self):
            if self.handle is None:
                super().listen()

    socket = ListenOnce(host="127.0.0.1", port=0)
    socket.listen()
    address = "127.0.0.1:%d" % socket.handle.getsockname()[1]

    processor = Interop.Processor(Handler(ttypes))
    if args.server == "threaded":
        server = TServer.TThreadedServer(processor, socket, transport, protocol, daemon=True)
    else:
        server = TServer.TSimpleServer(processor, socket, transport, protocol)

    # The signal interrupts accept() in the main thread; connection threads
    # are daemons and end with the process.
    def stop(signum, frame):
        raise SystemExit(0)
    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)

    print("python_server: %s/%s/%s%s listening on %s" % (
        args.server, args.transport, args.protocol,
        " accelerated" if args.accelerated else "", address), file=sys.stderr, flush=True)
    if args.port_file:
        tmp = args.port_file + ".tmp"
        with open(tmp, "w") as f:
            f.write(address + "\n")
        os.rename(tmp, args.port_file)
    else:
        print(address, flush=True)
    try:
        server.serve()
    except SystemExit:
        print("python_server: stopping", file=sys.stderr, flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
