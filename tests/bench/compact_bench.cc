// Thrift Compact: Tern's thrift_compact codec (sdk/examples/compact_codec,
// generic over TypeInfo) vs Apache Thrift 0.17's TCompactProtocol — the
// default generated code through the virtual TProtocol (what most users run)
// and `--gen cpp:templates` with TCompactProtocolT<TMemoryBuffer> (the
// fastest Apache can be) — vs memcpy of the Compact size (the limit), on the
// workloads of ../shared/bench/README.md (issue 10, item 5).
//
//   BM_<Tern|TernMsg|ApacheDefault|ApacheTemplates>_<Write|Read>/<workload>
//   BM_TernRef_Write/<workload>
//   BM_TernArena_Read/<workload>
//   BM_Memcpy_Write/<workload>
//
// Tern, Apache*: one struct, no envelope (the bytes compared are the same
// bytes). Write: Tern's one-pass compact::WriteTo (the codec's body path)
// into a reused LinkBuffer, flushed, consumed and released per iteration;
// Apache writes into a reused TMemoryBuffer, reset per iteration. TernRef
// (writes only): the same with a keep-alive of the struct, so strings of
// 4 KB and more are linked in by reference (as serde_bench's TernRef). Read:
// decode into a fresh object per iteration, constructed and destroyed
// inside the timed loop, from the bytes that family's write produced
// (identical for all three: checked below).
// TernArena (reads only): the same read into the types of `tern gen
// --alloc=pmr` (serde_pmr.thrift), the fresh object, its strings and nodes on
// a per-request std::pmr::monotonic_buffer_resource that starts in a 64 KiB
// scratch buffer (as serde_bench's BM_TernArena_Read).
// TernMsg: the whole framed message (frame, envelope, body) through
// CompactCodec::Encode into a LinkBuffer, flushed, consumed and released
// per iteration, and DecodeHeader + DecodeBody — exactly how serde_bench
// measures BM_Tern_* for thrift_fast. Apache has no envelope here, so
// TernMsg vs Apache is the conservative comparison.
//
// Counters: bytes/s of the Compact body (for every subject, TernMsg too,
// so the rates compare), allocs/op (operator new plus BlockPool system
// blocks), compact_bytes (the body's Compact size). With repetitions, min and
// max are reported beside Google Benchmark's mean/median/stddev/cv.
//
// Correctness, outside the timed loops: once per workload, Tern reads its
// own bytes and both Apache families' bytes back to the value, both Apache
// families read Tern's bytes back to theirs, the framed message decodes, and
// Apache's bytes are compared with Tern's (a difference is printed to
// stderr: it is a finding, not a failure, as long as both sides decode each
// other). Each benchmark then checks its own output once more after its loop
// (last write equals the reference bytes; one more read equals the value).
//
// The table (lead, on a quiet machine; the first command is one line):
//   taskset -c 1 build/tests/bench/compact_bench --benchmark_repetitions=10
//       --benchmark_report_aggregates_only=true
//       --benchmark_enable_random_interleaving=true
//       --benchmark_out_format=json --benchmark_out=compact.json
//   python3 tests/bench/compact_table.py compact.json > compact.md
#include <benchmark/benchmark.h>
#include <thrift/protocol/TCompactProtocol.h>
#include <thrift/transport/TBufferTransports.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <exception>
#include <functional>
#include <memory>
#include <memory_resource>
#include <string>
#include <type_traits>
#include <vector>

#include "alloc_counter.h"
#include "compact_codec.h"
#include "compact_protocol.h"
#include "core/buffer/block_pool.h"
#include "serde_default_types.h"
#include "serde_pmr_types.h"
#include "serde_tmpl_types.h"
#include "serde_types.h"
#include "tern/buffer.h"
#include "tern/codec.h"
#include "workloads.h"

namespace {

using apache::thrift::protocol::TCompactProtocol;
using apache::thrift::protocol::TCompactProtocolT;
using apache::thrift::protocol::TProtocol;
using apache::thrift::transport::TMemoryBuffer;
namespace ts = ::tern::bench::serde;
namespace tp = ::tern::bench::serde_pmr;  // serde.thrift, `tern gen --alloc=pmr`

using DefaultProto = TProtocol;                       // virtual calls per field
using TemplProto = TCompactProtocolT<TMemoryBuffer>;  // no virtual calls
const tern::MessageHeader kHeader{"echo", tern::MessageType::kCall, 1};

// Apache 0.17 counts every byte a transport ever read against
// TConfiguration's max message size; its servers reset the count per
// message (the reset is protected, hence this subclass).
class ReusableBuffer : public TMemoryBuffer {
 public:
  using TMemoryBuffer::TMemoryBuffer;
  void ResetConsumed() { resetConsumedMessageSize(); }
};

uint64_t Allocs() {
  return tern::bench::NewCount() + tern::BlockPool::Global().GetStats().system_allocs;
}

const tern::compact::CompactCodec& Codec() {
  static const tern::compact::CompactCodec codec;
  return codec;
}

const uint8_t* Bytes(const std::string& s) { return reinterpret_cast<const uint8_t*>(s.data()); }

// Where a and b first differ, for error messages.
std::string Diff(const std::string& a, const std::string& b) {
  size_t i = 0;
  while (i < a.size() && i < b.size() && a[i] == b[i]) ++i;
  return "sizes " + std::to_string(a.size()) + " and " + std::to_string(b.size()) +
         ", first difference at offset " + std::to_string(i);
}

void Finish(benchmark::State& state, size_t bytes, uint64_t allocs_before) {
  const auto iters = static_cast<double>(state.iterations());
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * bytes));
  state.counters["allocs/op"] =
      iters > 0 ? static_cast<double>(Allocs() - allocs_before) / iters : 0;
  state.counters["compact_bytes"] = static_cast<double>(bytes);
}

// ---- the three families' encode/decode, outside the loops -----------------

template <class T>
std::string TernBody(const T& obj) {
  std::string s(tern::compact::EncodedSize(T::kTernTypeInfo, &obj), '\0');
  uint8_t* end = tern::compact::Write(T::kTernTypeInfo, &obj, reinterpret_cast<uint8_t*>(s.data()));
  if (end != Bytes(s) + s.size()) return "";  // a size mismatch fails every check
  return s;
}

// Empty when `bytes` decode, as a whole, to a value equal to `want`.
template <class T>
std::string TernReadCheck(const std::string& bytes, const T& want) {
  auto got = std::make_unique<T>();
  tern::ReadContext ctx{tern::DefaultLimits()};
  auto r = tern::compact::Read(T::kTernTypeInfo, got.get(), Bytes(bytes), bytes.size(), ctx);
  if (!r.ok()) return r.status().ToString();
  if (*r != bytes.size()) {
    return "consumed " + std::to_string(*r) + " of " + std::to_string(bytes.size()) + " bytes";
  }
  if (!(*got == want)) return "decoded value differs";
  return "";
}

template <class T>
std::string TernMessage(const T& obj) {
  tern::LinkBuffer out;
  if (!Codec().Encode(kHeader, {&T::kTernTypeInfo, &obj, {}}, out).ok()) return "";
  out.Flush();
  std::string s;
  out.ReadString(out.Len(), &s).IgnoreError();
  return s;
}

template <class T>
std::string TernMessageReadCheck(const std::string& wire, const T& want) {
  tern::FrameView frame{Bytes(wire), wire.size(), 0, {}};
  auto h = Codec().DecodeHeader(frame, tern::DefaultLimits());
  if (!h.ok()) return h.status().ToString();
  if (h->name != kHeader.name || h->type != kHeader.type || h->seqid != kHeader.seqid) {
    return "message header differs";
  }
  auto got = std::make_unique<T>();
  tern::ReadContext ctx{tern::DefaultLimits()};
  tern::Status st = Codec().DecodeBody(frame, T::kTernTypeInfo, got.get(), ctx);
  if (!st.ok()) return st.ToString();
  if (!(*got == want)) return "decoded value differs";
  return "";
}

template <class Proto>
std::unique_ptr<Proto> MakeProto(std::shared_ptr<TMemoryBuffer> buf) {
  if constexpr (std::is_same_v<Proto, TProtocol>) {
    return std::make_unique<TCompactProtocol>(std::move(buf));
  } else {
    return std::make_unique<Proto>(std::move(buf));
  }
}

template <class A, class Proto>
std::string ApacheBody(const A& obj) {
  auto buf = std::make_shared<TMemoryBuffer>();
  auto proto = MakeProto<Proto>(buf);
  obj.write(proto.get());
  return buf->getBufferAsString();
}

template <class A, class Proto>
std::string ApacheReadCheck(const std::string& bytes, const A& want) {
  try {
    auto buf = std::make_shared<TMemoryBuffer>(const_cast<uint8_t*>(Bytes(bytes)),
                                               static_cast<uint32_t>(bytes.size()));
    auto proto = MakeProto<Proto>(buf);
    A got;
    got.read(proto.get());
    if (buf->available_read() != 0) return "Apache left bytes unread";
    if (!(got == want)) return "Apache's decoded value differs";
  } catch (const std::exception& e) {
    return std::string("Apache: ") + e.what();
  }
  return "";
}

// ---- one workload: its fills for the three type families, and the
// reference bytes with the cross-check, computed once on first use ---------

template <class TernT, class DefT, class TmplT>
class Workload {
 public:
  template <class Fill>
  Workload(std::string name, Fill fill)
      : name_(std::move(name)),
        tern_fill_([fill](TernT& v) { fill(v); }),
        def_fill_([fill](DefT& v) { fill(v); }),
        tmpl_fill_([fill](TmplT& v) { fill(v); }) {}

  using TernType = TernT;

  std::unique_ptr<TernT> Tern() const { return Filled(tern_fill_); }
  std::unique_ptr<DefT> Default() const { return Filled(def_fill_); }
  std::unique_ptr<TmplT> Templates() const { return Filled(tmpl_fill_); }

  // Tern's bytes for the struct; error() is empty when every check passed.
  const std::string& bytes() { return Checked().bytes; }
  const std::string& error() { return Checked().error; }
  // Whether Apache's bytes are Tern's (else the difference was reported).
  bool apache_same_bytes() { return Checked().apache_same_bytes; }

 private:
  struct Reference {
    std::string bytes;
    std::string error;
    bool apache_same_bytes = false;
  };

  template <class V>
  static std::unique_ptr<V> Filled(const std::function<void(V&)>& fill) {
    auto v = std::make_unique<V>();
    fill(*v);
    return v;
  }

  const Reference& Checked() {
    if (ref_ == nullptr) ref_ = std::make_unique<Reference>(Check());
    return *ref_;
  }

  Reference Check() const {
    Reference ref;
    auto fail = [&](const std::string& what, const std::string& why) {
      if (ref.error.empty() && !why.empty()) ref.error = name_ + ": " + what + ": " + why;
    };
    auto value = Tern();
    ref.bytes = TernBody(*value);
    if (ref.bytes.empty()) fail("Tern write", "Write took a size other than EncodedSize");
    fail("Tern reads its own bytes", TernReadCheck(ref.bytes, *value));
    fail("Tern's framed message", TernMessageReadCheck(TernMessage(*value), *value));
    auto def = Default();
    const std::string def_bytes = ApacheBody<DefT, DefaultProto>(*def);
    fail("Tern reads Apache default's bytes", TernReadCheck(def_bytes, *value));
    fail("Apache default reads Tern's bytes", ApacheReadCheck<DefT, DefaultProto>(ref.bytes, *def));
    def.reset();
    auto tmpl = Templates();
    const std::string tmpl_bytes = ApacheBody<TmplT, TemplProto>(*tmpl);
    fail("Tern reads Apache templates' bytes", TernReadCheck(tmpl_bytes, *value));
    fail("Apache templates read Tern's bytes",
         ApacheReadCheck<TmplT, TemplProto>(ref.bytes, *tmpl));
    ref.apache_same_bytes = def_bytes == ref.bytes && tmpl_bytes == ref.bytes;
    if (def_bytes != ref.bytes) {
      std::fprintf(stderr, "compact_bench: %s: Apache default's bytes are not Tern's: %s\n",
                   name_.c_str(), Diff(def_bytes, ref.bytes).c_str());
    }
    if (tmpl_bytes != ref.bytes) {
      std::fprintf(stderr, "compact_bench: %s: Apache templates' bytes are not Tern's: %s\n",
                   name_.c_str(), Diff(tmpl_bytes, ref.bytes).c_str());
    }
    if (!ref.error.empty()) std::fprintf(stderr, "compact_bench: %s\n", ref.error.c_str());
    return ref;
  }

  std::string name_;
  std::function<void(TernT&)> tern_fill_;
  std::function<void(DefT&)> def_fill_;
  std::function<void(TmplT&)> tmpl_fill_;
  std::unique_ptr<Reference> ref_;
};

// ---- Tern -----------------------------------------------------------------

// by_ref: with a keep-alive of the struct, so strings of 4 KB and more are
// linked into the buffer, not copied (what the codec's Encode does for a
// BodyRef with a keep-alive: the server's large results).
template <class W>
void TernWrite(benchmark::State& state, W& w, bool by_ref) {
  if (!w.error().empty()) return state.SkipWithError(w.error().c_str());
  using T = typename W::TernType;
  const auto obj = w.Tern();
  const tern::TypeInfo& t = T::kTernTypeInfo;
  // The struct outlives every use of the output (consumed and released per
  // iteration), so a keep-alive without a release function is enough.
  const tern::Slice owner =
      by_ref ? tern::Slice::External(obj.get(), 0, nullptr, nullptr) : tern::Slice();
  tern::LinkBuffer out;
  size_t bytes = 0;
  std::string got;
  auto once = [&](std::string* capture) {
    tern::Status st = tern::compact::WriteTo(t, obj.get(), out, 0, &bytes, &owner);
    if (TERN_UNLIKELY(!st.ok())) state.SkipWithError(st.ToString().c_str());
    out.Flush();
    if (capture != nullptr) {
      out.ReadString(out.Len(), capture).IgnoreError();
    } else {
      out.Skip(out.Len()).IgnoreError();  // consumed, as a socket write would
    }
    out.Release();
  };
  for (int i = 0; i < 2; ++i) once(nullptr);  // warm the pool and the size hint
  once(&got);
  const uint64_t before = Allocs();
  for (auto _ : state) {
    once(nullptr);
    benchmark::ClobberMemory();
  }
  Finish(state, bytes, before);
  if (got != w.bytes()) state.SkipWithError("Tern's write differs from the reference bytes");
}

template <class W>
void TernRead(benchmark::State& state, W& w) {
  if (!w.error().empty()) return state.SkipWithError(w.error().c_str());
  using T = typename W::TernType;
  const std::string& wire = w.bytes();
  const tern::Limits& limits = tern::DefaultLimits();
  const uint64_t before = Allocs();
  for (auto _ : state) {
    auto obj = std::make_unique<T>();
    tern::ReadContext ctx{limits};
    auto r = tern::compact::Read(T::kTernTypeInfo, obj.get(), Bytes(wire), wire.size(), ctx);
    if (TERN_UNLIKELY(!r.ok())) {
      state.SkipWithError(r.status().ToString().c_str());
      break;
    }
    benchmark::DoNotOptimize(obj.get());
  }
  Finish(state, wire.size(), before);
  const std::string e = TernReadCheck(wire, *w.Tern());
  if (!e.empty()) state.SkipWithError(e.c_str());
}

// TernRead into --alloc=pmr types on a per-request arena (P: the pmr
// family's type for W's workload, filled by `fill`).
template <class P, class W>
void TernArenaRead(benchmark::State& state, W& w, const std::function<void(P&)>& fill) {
  if (!w.error().empty()) return state.SkipWithError(w.error().c_str());
  const std::string& wire = w.bytes();
  const tern::Limits& limits = tern::DefaultLimits();
  std::vector<std::byte> scratch(64 << 10);
  auto read = [&](std::pmr::memory_resource* r, P** out) {
    std::pmr::polymorphic_allocator<> alloc(r);
    *out = alloc.new_object<P>();
    tern::ReadContext ctx{limits};
    return tern::compact::Read(P::kTernTypeInfo, *out, Bytes(wire), wire.size(), ctx);
  };
  const uint64_t before = Allocs();
  for (auto _ : state) {
    std::pmr::monotonic_buffer_resource arena(scratch.data(), scratch.size());
    P* obj = nullptr;
    auto r = read(&arena, &obj);
    if (TERN_UNLIKELY(!r.ok())) state.SkipWithError(r.status().ToString().c_str());
    benchmark::DoNotOptimize(obj);
    std::pmr::polymorphic_allocator<>(&arena).delete_object(obj);
    if (TERN_UNLIKELY(!r.ok())) break;
  }
  Finish(state, wire.size(), before);
  // One more read, checked against the value.
  auto want = std::make_unique<P>();
  fill(*want);
  std::pmr::monotonic_buffer_resource arena(scratch.data(), scratch.size());
  P* got = nullptr;
  auto r = read(&arena, &got);
  const bool same = r.ok() && *got == *want;
  std::pmr::polymorphic_allocator<>(&arena).delete_object(got);
  if (!same) state.SkipWithError("arena read differs from the value");
}

template <class W>
void TernMsgWrite(benchmark::State& state, W& w) {
  if (!w.error().empty()) return state.SkipWithError(w.error().c_str());
  using T = typename W::TernType;
  const auto obj = w.Tern();
  const tern::BodyRef body{&T::kTernTypeInfo, obj.get(), {}};
  tern::LinkBuffer out;
  auto once = [&] {
    tern::Status st = Codec().Encode(kHeader, body, out);
    if (TERN_UNLIKELY(!st.ok())) state.SkipWithError(st.ToString().c_str());
    out.Flush();
    out.Skip(out.Len()).IgnoreError();  // consumed, as a socket write would
    out.Release();
  };
  for (int i = 0; i < 3; ++i) once();  // warm the pool
  const uint64_t before = Allocs();
  for (auto _ : state) {
    once();
    benchmark::ClobberMemory();
  }
  Finish(state, w.bytes().size(), before);
  const std::string msg = TernMessage(*obj);
  if (msg.size() < w.bytes().size() ||
      msg.compare(msg.size() - w.bytes().size(), std::string::npos, w.bytes()) != 0) {
    state.SkipWithError("the framed message's body differs from the reference bytes");
  }
}

template <class W>
void TernMsgRead(benchmark::State& state, W& w) {
  if (!w.error().empty()) return state.SkipWithError(w.error().c_str());
  using T = typename W::TernType;
  const std::string wire = TernMessage(*w.Tern());
  const tern::Limits& limits = tern::DefaultLimits();
  const uint64_t before = Allocs();
  for (auto _ : state) {
    tern::FrameView frame{Bytes(wire), wire.size(), 0, {}};
    auto h = Codec().DecodeHeader(frame, limits);
    auto obj = std::make_unique<T>();
    tern::ReadContext ctx{limits};
    tern::Status st = Codec().DecodeBody(frame, T::kTernTypeInfo, obj.get(), ctx);
    if (TERN_UNLIKELY(!h.ok() || !st.ok())) {
      state.SkipWithError("decode failed");
      break;
    }
    benchmark::DoNotOptimize(obj.get());
  }
  Finish(state, w.bytes().size(), before);
  const std::string e = TernMessageReadCheck(wire, *w.Tern());
  if (!e.empty()) state.SkipWithError(e.c_str());
}

// ---- Apache ---------------------------------------------------------------

template <class Proto, class A, class W>
void ApacheWrite(benchmark::State& state, W& w, std::unique_ptr<A> obj) {
  if (!w.error().empty()) return state.SkipWithError(w.error().c_str());
  auto buf = std::make_shared<TMemoryBuffer>();
  auto proto = MakeProto<Proto>(buf);
  auto once = [&] {
    buf->resetBuffer();
    obj->write(proto.get());
  };
  for (int i = 0; i < 3; ++i) once();  // grow the buffer
  const uint64_t before = Allocs();
  for (auto _ : state) {
    once();
    benchmark::ClobberMemory();
  }
  Finish(state, w.bytes().size(), before);
  if (w.apache_same_bytes() && buf->getBufferAsString() != w.bytes()) {
    state.SkipWithError("Apache's write differs from the reference bytes");
  }
}

template <class Proto, class A, class W>
void ApacheRead(benchmark::State& state, W& w, std::unique_ptr<A> want) {
  if (!w.error().empty()) return state.SkipWithError(w.error().c_str());
  // The bytes this family writes (Tern's, when apache_same_bytes()).
  const std::string wire = ApacheBody<A, Proto>(*want);
  auto buf = std::make_shared<ReusableBuffer>();
  auto proto = MakeProto<Proto>(buf);
  const uint64_t before = Allocs();
  try {
    for (auto _ : state) {
      buf->resetBuffer(const_cast<uint8_t*>(Bytes(wire)), static_cast<uint32_t>(wire.size()),
                       TMemoryBuffer::OBSERVE);
      buf->ResetConsumed();
      auto fresh = std::make_unique<A>();
      fresh->read(proto.get());
      benchmark::DoNotOptimize(fresh.get());
    }
  } catch (const std::exception& e) {
    return state.SkipWithError(e.what());
  }
  Finish(state, w.bytes().size(), before);
  const std::string e = ApacheReadCheck<A, Proto>(wire, *want);
  if (!e.empty()) state.SkipWithError(e.c_str());
}

// memcpy of the Compact size: the limit for a write and for a read.
template <class W>
void Memcpy(benchmark::State& state, W& w) {
  if (!w.error().empty()) return state.SkipWithError(w.error().c_str());
  const std::string& src = w.bytes();
  std::vector<uint8_t> dst(src.size());
  const uint64_t before = Allocs();
  for (auto _ : state) {
    std::memcpy(dst.data(), src.data(), src.size());
    benchmark::DoNotOptimize(dst.data());
    benchmark::ClobberMemory();
  }
  Finish(state, src.size(), before);
}

// With --benchmark_repetitions, the spread beside mean/median/stddev/cv.
double Min(const std::vector<double>& v) { return *std::min_element(v.begin(), v.end()); }
double Max(const std::vector<double>& v) { return *std::max_element(v.begin(), v.end()); }

// Workloads live for the whole run (the benchmarks hold references).
template <class W>
W& Keep(std::unique_ptr<W> w) {
  static std::vector<std::unique_ptr<W>> all;
  all.push_back(std::move(w));
  return *all.back();
}

template <class TernT, class DefT, class TmplT, class PmrT, class Fill>
void Register(const std::string& name, Fill fill) {
  using W = Workload<TernT, DefT, TmplT>;
  std::function<void(PmrT&)> pf = [fill](PmrT& v) { fill(v); };
  W& w = Keep(std::make_unique<W>(name, fill));
  auto add = [&name](const char* subject, std::function<void(benchmark::State&)> fn) {
    benchmark::RegisterBenchmark((std::string("BM_") + subject + "/" + name).c_str(), std::move(fn))
        ->ComputeStatistics("min", Min)
        ->ComputeStatistics("max", Max);
  };
  add("Tern_Write", [&w](benchmark::State& s) { TernWrite(s, w, false); });
  add("TernRef_Write", [&w](benchmark::State& s) { TernWrite(s, w, true); });
  add("TernMsg_Write", [&w](benchmark::State& s) { TernMsgWrite(s, w); });
  add("ApacheDefault_Write",
      [&w](benchmark::State& s) { ApacheWrite<DefaultProto>(s, w, w.Default()); });
  add("ApacheTemplates_Write",
      [&w](benchmark::State& s) { ApacheWrite<TemplProto>(s, w, w.Templates()); });
  add("Memcpy_Write", [&w](benchmark::State& s) { Memcpy(s, w); });
  add("Tern_Read", [&w](benchmark::State& s) { TernRead(s, w); });
  add("TernArena_Read", [&w, pf](benchmark::State& s) { TernArenaRead(s, w, pf); });
  add("TernMsg_Read", [&w](benchmark::State& s) { TernMsgRead(s, w); });
  add("ApacheDefault_Read",
      [&w](benchmark::State& s) { ApacheRead<DefaultProto>(s, w, w.Default()); });
  add("ApacheTemplates_Read",
      [&w](benchmark::State& s) { ApacheRead<TemplProto>(s, w, w.Templates()); });
}

template <class T>
auto& AnoOf(T& m) {
  if constexpr (requires { m.Ano; }) {
    return m.Ano;
  } else {
    return m.ano;
  }
}

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  namespace ad = ::apache_default;
  namespace at = ::apache_tmpl;
  using tern::bench::FillMixed;
  Register<ts::Mixed, ad::Mixed, at::Mixed, tp::Mixed>(
      "small", [](auto& m) { FillMixed(m, tern::bench::kSmallSeed, tern::bench::kSmallShape); });
  Register<ts::Mixed, ad::Mixed, at::Mixed, tp::Mixed>("mixed_1k5", [](auto& m) {
    FillMixed(m, tern::bench::kMixed1k5Seed, tern::bench::kMixed1k5Shape);
  });
  Register<ts::Mixed, ad::Mixed, at::Mixed, tp::Mixed>(
      "large", [](auto& m) { FillMixed(m, tern::bench::kLargeSeed, tern::bench::kLargeShape); });
  Register<ts::MyTest, ad::MyTest, at::MyTest, tp::MyTest>(
      "mytest", [](auto& m) { tern::bench::FillMyTest(m, AnoOf(m)); });
  Register<ts::MyTest32, ad::MyTest32, at::MyTest32, tp::MyTest32>(
      "mytest_i32", [](auto& m) { tern::bench::FillMyTest32(m, AnoOf(m)); });
  Register<ts::MyTestF64, ad::MyTestF64, at::MyTestF64, tp::MyTestF64>(
      "mytest_f64", [](auto& m) { tern::bench::FillMyTestF64(m, AnoOf(m)); });
  for (size_t n :
       {size_t{1} << 10, size_t{4} << 10, size_t{32} << 10, size_t{1} << 20, size_t{10} << 20}) {
    const std::string name = n >= (1u << 20) ? "echo_" + std::to_string(n >> 20) + "m"
                                             : "echo_" + std::to_string(n >> 10) + "k";
    Register<ts::Request, ad::Request, at::Request, tp::Request>(
        name, [n](auto& r) { tern::bench::FillEcho(r, n); });
  }
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
