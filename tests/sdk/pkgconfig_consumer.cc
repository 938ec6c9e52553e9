// A program built against an installed Tern with pkg-config only:
//
//   c++ -std=c++20 pkgconfig_consumer.cc $(pkg-config --cflags --libs tern)
//       -Wl,-rpath,$(pkg-config --variable=libdir tern)     (one command line)
//
// It uses the buffer and Status API, then loads a Runtime with no config and
// no environment: the installed libtern_core.so must find the installed
// plugins (<prefix>/lib/tern/plugins) by itself. It creates the default
// transport and codec from them and round-trips a message through the codec.
// Prints Runtime::Describe() for the driver (pkgconfig_test.sh) to check;
// exits non-zero, naming the failed check, on any error.
#include <cstdio>
#include <cstring>
#include <string>

#include "tern/buffer.h"
#include "tern/codec.h"
#include "tern/init.h"
#include "tern/rpc/runtime.h"
#include "tern/status.h"
#include "tern/transport.h"

namespace {

int failures = 0;

void Check(bool ok, const char* what, const std::string& detail = "") {
  if (!ok) {
    std::fprintf(stderr, "FAILED: %s %s\n", what, detail.c_str());
    ++failures;
  }
}

// Status and Result as a user meets them.
tern::Result<int> ParsePositive(int v) {
  if (v <= 0) return tern::InvalidArgument("not positive: " + std::to_string(v));
  return v;
}

void BufferAndStatus() {
  tern::LinkBuffer buf;
  buf.Write("hello, ", 7);
  auto region = buf.Malloc(5);
  Check(region.ok(), "LinkBuffer::Malloc", region.ok() ? "" : region.status().ToString());
  if (region.ok()) std::memcpy(*region, "world", 5);
  Check(buf.Len() == 0, "unflushed bytes are invisible to the reader");
  buf.Flush();
  Check(buf.Len() == 12, "Len after Flush", std::to_string(buf.Len()));
  auto head = buf.Peek(5);
  Check(head.ok() && std::memcmp(*head, "hello", 5) == 0, "Peek");
  std::string all;
  Check(buf.ReadString(12, &all).ok() && all == "hello, world", "ReadString", all);
  buf.Release();
  tern::Status past = buf.Skip(1);
  Check(!past.ok(), "reading past the end is an error Status");

  auto good = ParsePositive(3);
  Check(good.ok() && *good == 3, "Result value");
  auto bad = ParsePositive(-1);
  Check(!bad.ok() && bad.status().code() == tern::StatusCode::kInvalidArgument, "Result error code",
        bad.status().ToString());
}

void RuntimeFindsInstalledPlugins() {
  auto rt = tern::rpc::Runtime::FromText("");
  if (!rt.ok()) {
    Check(false, "Runtime::FromText(\"\")", rt.status().ToString());
    return;
  }
  std::printf("%s", (*rt)->Describe().c_str());
  std::printf("selection: %s\n", (*rt)->SelectionLine().c_str());

  // Made by the plugins, not by core: proves they were found and accepted.
  auto transport = (*rt)->NewTransport("netpoll");
  Check(transport.ok() && *transport != nullptr, "NewTransport(netpoll)",
        transport.ok() ? "" : transport.status().ToString());
  auto codec = (*rt)->NewCodec("thrift_fast", "framed");
  if (!codec.ok() || *codec == nullptr) {
    Check(false, "NewCodec(thrift_fast)", codec.ok() ? "" : codec.status().ToString());
    return;
  }
  const tern::Codec& c = **codec;
  tern::LinkBuffer wire;
  tern::AppException ex;
  ex.type = tern::AppException::kUnknownMethod;
  ex.message = "no such method: Frobnicate";
  tern::MessageHeader out_header{"Frobnicate", tern::MessageType::kException, 42};
  tern::Status st = c.EncodeException(out_header, ex, wire);
  Check(st.ok(), "EncodeException", st.ToString());
  wire.Flush();

  tern::FrameState state;
  tern::FrameResult fr = c.Frame(wire, state, (*rt)->limits());
  Check(fr.what == tern::FrameResult::kFrame && fr.size == wire.Len(), "Frame",
        "size " + std::to_string(fr.size) + " of " + std::to_string(wire.Len()));
  if (fr.what != tern::FrameResult::kFrame) return;
  auto bytes = wire.Next(fr.size);
  Check(bytes.ok(), "Next(frame)");
  if (!bytes.ok()) return;
  tern::FrameView frame{*bytes, fr.size, 0, tern::Slice()};
  auto header = c.DecodeHeader(frame, (*rt)->limits());
  Check(header.ok() && header->name == "Frobnicate" && header->seqid == 42 &&
            header->type == tern::MessageType::kException,
        "DecodeHeader", header.ok() ? std::string(header->name) : header.status().ToString());
  auto back = c.DecodeException(frame, (*rt)->limits());
  Check(back.ok() && back->type == ex.type && back->message == ex.message, "DecodeException",
        back.ok() ? back->message : back.status().ToString());
}

}  // namespace

int main(int argc, char** argv) {
  (void)argc;
  tern::InitLogging(argv[0]);
  BufferAndStatus();
  RuntimeFindsInstalledPlugins();
  if (failures != 0) {
    std::fprintf(stderr, "%d check(s) failed\n", failures);
    return 1;
  }
  std::printf("pkgconfig_consumer: OK\n");
  return 0;
}
