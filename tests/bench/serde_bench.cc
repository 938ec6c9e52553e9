// Serialization: Tern's thrift_fast codec vs Apache Thrift 0.17 C++ (the
// default generated code through the virtual TProtocol, and
// `--gen cpp:templates` with TBinaryProtocolT<TMemoryBuffer>, the fastest
// Apache can be) vs memcpy of the serialized size (the limit), on the
// workloads of ../shared/bench/README.md, whole messages (envelope included).
//
//   BM_<Tern|TernRef|ApacheDefault|ApacheTemplates|Memcpy>_<Write|Read>/<workload>
//
// Write encodes into a reused buffer (TernRef: large strings by reference).
// Read decodes into a fresh object per iteration, destroyed in the loop.
// Counters: bytes/s of the Binary message, allocs/op (operator new plus
// BlockPool system blocks).
//
// Copy-free views: BM_<Tern|View>_ReadAll/<workload> receive the message and
// read every field (FastRead into a fresh object, then the fields; or a
// view's one validating pass, then its accessors); BM_View_ReadOne reads one
// field of mytest, echo_1m and echo_10m (compare with BM_Tern_Read).
#include <benchmark/benchmark.h>
#include <thrift/protocol/TBinaryProtocol.h>
#include <thrift/transport/TBufferTransports.h>

#include <cstring>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "alloc_counter.h"
#include "core/buffer/block_pool.h"
#include "core/plugin/plugin_host.h"
#include "serde_default_types.h"
#include "serde_tmpl_types.h"
#include "serde_types.h"
#include "tern/codec.h"
#include "tern/thrift/view.h"
#include "workloads.h"

namespace {

using apache::thrift::protocol::TBinaryProtocol;
using apache::thrift::protocol::TBinaryProtocolT;
using apache::thrift::protocol::TMessageType;
using apache::thrift::protocol::TProtocol;
using apache::thrift::transport::TMemoryBuffer;
namespace ts = ::tern::bench::serde;

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

const tern::Codec* TheCodec() {
  static std::unique_ptr<tern::Codec> codec = [] {
    static tern::PluginHost host;
    std::unique_ptr<tern::Codec> c;
    if (host.ScanDefault().ok() && host.InstallEncoder("auto").ok()) {
      host.CreateCodec("thrift_fast", tern::ConfigView(), &c).IgnoreError();
    }
    return c;
  }();
  return codec.get();
}

// ---- workloads, filled identically for all three type families ------------

template <class Mixed>
void Small(Mixed& m) {
  tern::bench::FillMixed(m, tern::bench::kSmallSeed, tern::bench::kSmallShape);
}
template <class Mixed>
void Large(Mixed& m) {
  tern::bench::FillMixed(m, tern::bench::kLargeSeed, tern::bench::kLargeShape);
}
template <class Mixed>
void Mixed1k5(Mixed& m) {
  tern::bench::FillMixed(m, tern::bench::kMixed1k5Seed, tern::bench::kMixed1k5Shape);
}
template <class T>
auto& AnoOf(T& m) {
  if constexpr (requires { m.Ano; }) {
    return m.Ano;
  } else {
    return m.ano;
  }
}

struct Result {
  size_t bytes = 0;
};

// ---- Tern -------------------------------------------------------------------

template <class T>
void TernWrite(benchmark::State& state, const std::function<void(T&)>& fill, bool by_ref) {
  const tern::Codec* codec = TheCodec();
  if (codec == nullptr) return state.SkipWithError("thrift_fast plugin not found");
  auto obj = std::make_unique<T>();
  fill(*obj);
  tern::Slice owner;
  if (by_ref) owner = tern::Slice::External(obj.get(), 0, nullptr, nullptr);
  tern::LinkBuffer out;
  const tern::MessageHeader h{"echo", tern::MessageType::kCall, 1};
  size_t bytes = 0;
  auto once = [&] {
    tern::Status st = codec->Encode(h, tern::BodyRef{&T::kTernTypeInfo, obj.get(), owner}, out);
    if (!st.ok()) state.SkipWithError(st.ToString().c_str());
    out.Flush();
    bytes = out.Len();
    out.Skip(bytes).IgnoreError();  // consumed, as a socket write would
    out.Release();
  };
  for (int i = 0; i < 3; ++i) once();  // warm the pool
  const uint64_t before = Allocs();
  for (auto _ : state) {
    once();
    benchmark::ClobberMemory();
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * bytes));
  state.counters["allocs/op"] =
      static_cast<double>(Allocs() - before) / static_cast<double>(state.iterations());
}

template <class T>
std::string TernBytes(const std::function<void(T&)>& fill) {
  const tern::Codec* codec = TheCodec();
  if (codec == nullptr) return "";
  auto obj = std::make_unique<T>();
  fill(*obj);
  tern::LinkBuffer out;
  codec->Encode({"echo", tern::MessageType::kCall, 1}, {&T::kTernTypeInfo, obj.get(), {}}, out)
      .IgnoreError();
  out.Flush();
  std::string s;
  out.ReadString(out.Len(), &s).IgnoreError();
  return s;
}

template <class T>
void TernRead(benchmark::State& state, const std::function<void(T&)>& fill) {
  const tern::Codec* codec = TheCodec();
  if (codec == nullptr) return state.SkipWithError("thrift_fast plugin not found");
  const std::string wire = TernBytes(fill);
  const tern::Limits& limits = tern::DefaultLimits();
  const uint64_t before = Allocs();
  for (auto _ : state) {
    tern::FrameView frame{reinterpret_cast<const uint8_t*>(wire.data()), wire.size(), 0, {}};
    auto h = codec->DecodeHeader(frame, limits);
    auto obj = std::make_unique<T>();
    tern::ReadContext ctx{limits};
    tern::Status st = codec->DecodeBody(frame, T::kTernTypeInfo, obj.get(), ctx);
    if (!h.ok() || !st.ok()) state.SkipWithError("decode failed");
    benchmark::DoNotOptimize(obj.get());
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * wire.size()));
  state.counters["allocs/op"] =
      static_cast<double>(Allocs() - before) / static_cast<double>(state.iterations());
}

// ---- copy-free views (issue 9) -------------------------------------------------
//
// "Read all": receive the message and read every field — a view parses (one
// validating pass) and then each accessor is read; FastRead decodes into a
// fresh object and then the same fields are read from it. The reading
// folds every scalar, every string's bytes (pointer and size: a string is
// "read" once it can be used) and every element of every list into a sum.
// "Read one": parse, then one field (the view), vs FastRead of everything.

struct Sink {
  uint64_t v = 0;
  uint64_t total = 0;
  // List elements: a plain sum, so the fold is not a serial multiply chain
  // that would hide the cost of reading them.
  void Sum(uint64_t x) { total += x; }
  void Add(uint64_t x) { v = v * 31 + x; }
  void Add(double d) {
    uint64_t u;
    std::memcpy(&u, &d, 8);
    Add(u);
  }
  void Add(std::string_view s) { Add(reinterpret_cast<uintptr_t>(s.data()) + s.size()); }
  void Add(const tern::view::String& s) { Add(s.view()); }
  void Add(const std::string& s) { Add(std::string_view(s)); }
};

template <class ItemT>
void ReadItem(Sink& k, const ItemT& i) {
  if constexpr (requires { i.id(); }) {
    k.Add(static_cast<uint64_t>(i.id()));
    k.Add(i.name());
    k.Add(static_cast<uint64_t>(i.quantity()));
    k.Add(i.price());
    k.Add(static_cast<uint64_t>(i.in_stock()));
    k.Add(i.sku());
    k.Add(i.note());
  } else {
    k.Add(static_cast<uint64_t>(i.id));
    k.Add(i.name);
    k.Add(static_cast<uint64_t>(i.quantity));
    k.Add(i.price);
    k.Add(static_cast<uint64_t>(i.in_stock));
    k.Add(i.sku);
    k.Add(i.note);
  }
}

// Every field of a Mixed: the struct's members, or the view's accessors.
void ReadAll(Sink& k, const ts::Mixed& m) {
  k.Add(static_cast<uint64_t>(m.version));
  k.Add(static_cast<uint64_t>(m.request_id));
  k.Add(static_cast<uint64_t>(m.user_id));
  k.Add(static_cast<uint64_t>(m.created_at_ms));
  k.Add(static_cast<uint64_t>(m.is_test));
  k.Add(static_cast<uint64_t>(m.has_more));
  k.Add(m.score);
  k.Add(m.ratio);
  k.Add(m.trace_id);
  k.Add(m.user_name);
  k.Add(m.locale);
  k.Add(m.region);
  k.Add(m.title);
  k.Add(m.description);
  k.Add(m.body_html);
  k.Add(m.extra_json);
  k.Add(m.signature);
  for (const auto id : m.ids) k.Sum(static_cast<uint64_t>(id));
  for (const auto& [key, value] : m.attrs) {
    k.Add(key);
    k.Add(value);
  }
  for (const auto& item : m.items) ReadItem(k, item);
}
void ReadAll(Sink& k, const ts::Mixed::View& v) {
  k.Add(static_cast<uint64_t>(v.version()));
  k.Add(static_cast<uint64_t>(v.request_id()));
  k.Add(static_cast<uint64_t>(v.user_id()));
  k.Add(static_cast<uint64_t>(v.created_at_ms()));
  k.Add(static_cast<uint64_t>(v.is_test()));
  k.Add(static_cast<uint64_t>(v.has_more()));
  k.Add(v.score());
  k.Add(v.ratio());
  k.Add(v.trace_id());
  k.Add(v.user_name());
  k.Add(v.locale());
  k.Add(v.region());
  k.Add(v.title());
  k.Add(v.description());
  k.Add(v.body_html());
  k.Add(v.extra_json());
  k.Add(v.signature());
  for (const auto id : v.ids()) k.Sum(static_cast<uint64_t>(id));
  for (const auto& [key, value] : v.attrs()) {
    k.Add(key);
    k.Add(value);
  }
  for (const auto& item : v.items()) ReadItem(k, item);
}
template <class T>
requires requires(T t) { t.Nums; }
void ReadAll(Sink& k, const T& m) {
  k.Add(static_cast<uint64_t>(m.Num));
  k.Add(static_cast<uint64_t>(m.Ano.Num));
  for (const auto x : m.Nums) k.Sum(static_cast<uint64_t>(x));
}
template <class V>
requires requires(V v) { v.Nums(); }
void ReadAll(Sink& k, const V& v) {
  k.Add(static_cast<uint64_t>(v.Num()));
  k.Add(static_cast<uint64_t>(v.Ano().Num()));
  for (const auto x : v.Nums()) k.Sum(static_cast<uint64_t>(x));
}
void ReadAll(Sink& k, const ts::Request& r) {
  k.Add(r.action);
  k.Add(r.msg);
}
void ReadAll(Sink& k, const ts::Request::View& v) {
  k.Add(v.action());
  k.Add(v.msg());
}
// One field: the one a router or a filter looks at.
void ReadOne(Sink& k, const ts::MyTest::View& v) { k.Add(static_cast<uint64_t>(v.Num())); }
void ReadOne(Sink& k, const ts::Request::View& v) { k.Add(v.action()); }

template <class T>
void TernReadAll(benchmark::State& state, const std::function<void(T&)>& fill, bool one) {
  const tern::Codec* codec = TheCodec();
  if (codec == nullptr) return state.SkipWithError("thrift_fast plugin not found");
  const std::string wire = TernBytes(fill);
  const tern::Limits& limits = tern::DefaultLimits();
  Sink k;
  const uint64_t before = Allocs();
  for (auto _ : state) {
    tern::FrameView frame{reinterpret_cast<const uint8_t*>(wire.data()), wire.size(), 0, {}};
    auto h = codec->DecodeHeader(frame, limits);
    auto obj = std::make_unique<T>();
    tern::ReadContext ctx{limits};
    tern::Status st = codec->DecodeBody(frame, T::kTernTypeInfo, obj.get(), ctx);
    if (!h.ok() || !st.ok()) state.SkipWithError("decode failed");
    if (one) {
      benchmark::DoNotOptimize(obj.get());
    } else {
      ReadAll(k, *obj);
    }
  }
  benchmark::DoNotOptimize(k.v);
  benchmark::DoNotOptimize(k.total);
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * wire.size()));
  state.counters["allocs/op"] =
      static_cast<double>(Allocs() - before) / static_cast<double>(state.iterations());
}

template <class T>
void ViewReadAll(benchmark::State& state, const std::function<void(T&)>& fill, bool one) {
  const tern::Codec* codec = TheCodec();
  if (codec == nullptr) return state.SkipWithError("thrift_fast plugin not found");
  const std::string wire = TernBytes(fill);
  const tern::Limits& limits = tern::DefaultLimits();
  Sink k;
  const uint64_t before = Allocs();
  for (auto _ : state) {
    tern::FrameView frame{reinterpret_cast<const uint8_t*>(wire.data()), wire.size(), 0, {}};
    auto h = codec->DecodeHeader(frame, limits);
    tern::view::Bytes bytes(frame.data + frame.pos, frame.size - frame.pos);
    tern::ReadContext ctx{limits};
    auto v = T::View::Parse(bytes, ctx);
    if (!h.ok() || !v.ok()) {
      state.SkipWithError("view failed");
      break;
    }
    if (one) {
      if constexpr (requires { ReadOne(k, *v); }) ReadOne(k, *v);
    } else {
      ReadAll(k, *v);
    }
  }
  benchmark::DoNotOptimize(k.v);
  benchmark::DoNotOptimize(k.total);
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * wire.size()));
  state.counters["allocs/op"] =
      static_cast<double>(Allocs() - before) / static_cast<double>(state.iterations());
}

// ---- Apache -------------------------------------------------------------------

template <class T, class Proto>
void ApacheWrite(
    benchmark::State& state, const std::function<void(T&)>& fill,
    const std::function<std::unique_ptr<Proto>(std::shared_ptr<TMemoryBuffer>)>& make) {
  auto obj = std::make_unique<T>();
  fill(*obj);
  auto buf = std::make_shared<TMemoryBuffer>();
  auto proto = make(buf);
  size_t bytes = 0;
  auto once = [&] {
    buf->resetBuffer();
    proto->writeMessageBegin("echo", apache::thrift::protocol::T_CALL, 1);
    obj->write(proto.get());
    proto->writeMessageEnd();
    bytes = buf->available_read();
  };
  for (int i = 0; i < 3; ++i) once();
  const uint64_t before = Allocs();
  for (auto _ : state) {
    once();
    benchmark::ClobberMemory();
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * bytes));
  state.counters["allocs/op"] =
      static_cast<double>(Allocs() - before) / static_cast<double>(state.iterations());
}

template <class T, class Proto>
void ApacheRead(benchmark::State& state, const std::function<void(T&)>& fill,
                const std::function<std::unique_ptr<Proto>(std::shared_ptr<TMemoryBuffer>)>& make) {
  auto obj = std::make_unique<T>();
  fill(*obj);
  auto buf = std::make_shared<ReusableBuffer>();
  auto proto = make(buf);
  proto->writeMessageBegin("echo", apache::thrift::protocol::T_CALL, 1);
  obj->write(proto.get());
  proto->writeMessageEnd();
  const std::string wire = buf->getBufferAsString();
  const uint64_t before = Allocs();
  for (auto _ : state) {
    buf->resetBuffer(reinterpret_cast<uint8_t*>(const_cast<char*>(wire.data())),
                     static_cast<uint32_t>(wire.size()), TMemoryBuffer::OBSERVE);
    buf->ResetConsumed();
    std::string name;
    TMessageType type;
    int32_t seqid;
    proto->readMessageBegin(name, type, seqid);
    auto fresh = std::make_unique<T>();
    fresh->read(proto.get());
    proto->readMessageEnd();
    benchmark::DoNotOptimize(fresh.get());
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * wire.size()));
  state.counters["allocs/op"] =
      static_cast<double>(Allocs() - before) / static_cast<double>(state.iterations());
}

void Memcpy(benchmark::State& state, size_t bytes) {
  std::vector<uint8_t> src(bytes, 7), dst(bytes);
  for (auto _ : state) {
    std::memcpy(dst.data(), src.data(), bytes);
    benchmark::DoNotOptimize(dst.data());
    benchmark::ClobberMemory();
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * bytes));
}

std::unique_ptr<TProtocol> MakeDefault(std::shared_ptr<TMemoryBuffer> b) {
  return std::make_unique<TBinaryProtocol>(std::move(b));
}
std::unique_ptr<TBinaryProtocolT<TMemoryBuffer>> MakeTemplated(std::shared_ptr<TMemoryBuffer> b) {
  return std::make_unique<TBinaryProtocolT<TMemoryBuffer>>(std::move(b));
}

// One workload for all subjects: the same fill on the three type families.
template <class TernT, class DefT, class TmplT, class Fill>
void Register(const std::string& name, Fill fill) {
  std::function<void(TernT&)> tf = [fill](TernT& v) { fill(v); };
  std::function<void(DefT&)> df = [fill](DefT& v) { fill(v); };
  std::function<void(TmplT&)> mf = [fill](TmplT& v) { fill(v); };
  const size_t size = TernBytes(tf).size();
  benchmark::RegisterBenchmark(("BM_Tern_Write/" + name).c_str(),
                               [tf](benchmark::State& s) { TernWrite(s, tf, false); });
  benchmark::RegisterBenchmark(("BM_TernRef_Write/" + name).c_str(),
                               [tf](benchmark::State& s) { TernWrite(s, tf, true); });
  benchmark::RegisterBenchmark(
      ("BM_ApacheDefault_Write/" + name).c_str(),
      [df](benchmark::State& s) { ApacheWrite<DefT, TProtocol>(s, df, MakeDefault); });
  benchmark::RegisterBenchmark(
      ("BM_ApacheTemplates_Write/" + name).c_str(), [mf](benchmark::State& s) {
        ApacheWrite<TmplT, TBinaryProtocolT<TMemoryBuffer>>(s, mf, MakeTemplated);
      });
  benchmark::RegisterBenchmark(("BM_Memcpy_Write/" + name).c_str(),
                               [size](benchmark::State& s) { Memcpy(s, size); });
  benchmark::RegisterBenchmark(("BM_Tern_Read/" + name).c_str(),
                               [tf](benchmark::State& s) { TernRead(s, tf); });
  benchmark::RegisterBenchmark(
      ("BM_ApacheDefault_Read/" + name).c_str(),
      [df](benchmark::State& s) { ApacheRead<DefT, TProtocol>(s, df, MakeDefault); });
  benchmark::RegisterBenchmark(
      ("BM_ApacheTemplates_Read/" + name).c_str(), [mf](benchmark::State& s) {
        ApacheRead<TmplT, TBinaryProtocolT<TMemoryBuffer>>(s, mf, MakeTemplated);
      });
  benchmark::RegisterBenchmark(("BM_Tern_ReadAll/" + name).c_str(),
                               [tf](benchmark::State& s) { TernReadAll(s, tf, false); });
  benchmark::RegisterBenchmark(("BM_View_ReadAll/" + name).c_str(),
                               [tf](benchmark::State& s) { ViewReadAll(s, tf, false); });
  if (name == "mytest" || name == "echo_1m" || name == "echo_10m") {
    benchmark::RegisterBenchmark(("BM_View_ReadOne/" + name).c_str(),
                                 [tf](benchmark::State& s) { ViewReadAll(s, tf, true); });
  }
}

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  namespace ad = ::apache_default;
  namespace at = ::apache_tmpl;
  Register<ts::Mixed, ad::Mixed, at::Mixed>("small", [](auto& m) { Small(m); });
  Register<ts::Mixed, ad::Mixed, at::Mixed>("mixed_1k5", [](auto& m) { Mixed1k5(m); });
  Register<ts::Mixed, ad::Mixed, at::Mixed>("large", [](auto& m) { Large(m); });
  Register<ts::MyTest, ad::MyTest, at::MyTest>(
      "mytest", [](auto& m) { tern::bench::FillMyTest(m, AnoOf(m)); });
  Register<ts::MyTest32, ad::MyTest32, at::MyTest32>(
      "mytest_i32", [](auto& m) { tern::bench::FillMyTest32(m, AnoOf(m)); });
  Register<ts::MyTestF64, ad::MyTestF64, at::MyTestF64>(
      "mytest_f64", [](auto& m) { tern::bench::FillMyTestF64(m, AnoOf(m)); });
  for (size_t n :
       {size_t{1} << 10, size_t{4} << 10, size_t{32} << 10, size_t{1} << 20, size_t{10} << 20}) {
    const std::string name = n >= (1u << 20) ? "echo_" + std::to_string(n >> 20) + "m"
                                             : "echo_" + std::to_string(n >> 10) + "k";
    Register<ts::Request, ad::Request, at::Request>(name,
                                                    [n](auto& r) { tern::bench::FillEcho(r, n); });
  }
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
