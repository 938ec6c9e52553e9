// Serialization: Tern's thrift_fast codec vs Apache Thrift 0.17 C++ (the
// default generated code through the virtual TProtocol, and
// `--gen cpp:templates` with TBinaryProtocolT<TMemoryBuffer>, the fastest
// Apache can be) vs memcpy of the serialized size (the limit), on the
// workloads of ../shared/bench/README.md, whole messages (envelope included).
//
//   BM_<Tern|TernRef|ApacheDefault|ApacheTemplates|Memcpy>_<Write|Read>/<workload>
//
// Write encodes into a reused buffer (TernRef: large strings by reference).
// Read decodes into a fresh object per iteration, destroyed in the loop;
// BM_TernArena_Read does the same with the types of `tern gen --alloc=pmr`
// on a per-request arena (TernArenaRead says how).
// Counters: bytes/s of the Binary message, allocs/op (operator new plus
// BlockPool system blocks).
//
// Copy-free views: BM_<Tern|View>_ReadAll/<workload> receive the message and
// read every field (FastRead into a fresh object, then the fields; or a
// view's one validating pass, then its accessors); BM_View_ReadOne reads one
// field of mytest, echo_1m and echo_10m (compare with BM_Tern_Read).
//
// Copy-free builders, what a handler filling a response does:
//   BM_<Tern|TernRef|ApacheDefault|ApacheTemplates>_BuildWrite/<workload>: a
//     fresh struct, every field assigned from a source struct made once
//     (strings and containers copied), then written as BM_*_Write writes
//     (Tern: thrift_fast Encode, TernRef by reference);
//   BM_Builder_BuildWrite/<workload>: a fresh Foo::Builder, every field set
//     from the same source (strings copied), then the codec's Encode of
//     the builder, as the server emits a built result;
//   BM_BuilderRef_BuildWrite/<large|echo_32k|echo_1m|echo_10m>: the same,
//     with the long strings attached by reference (Slices made once).
// At setup, Tern's and the builder's frames are checked byte for byte
// against Encode of the source; Apache's must decode to the source.
//
// Proxy, change one field and re-emit (echo_1k, echo_1m, mixed_1k5): the
// received frame is a Slice; BM_<Tern|TernRef>_Proxy decode it into a fresh
// struct, change `action` (Request) or `version` (Mixed) and Encode;
// BM_Builder_Proxy indexes a view over the frame's block, makes a builder
// from it, sets the one field and Encodes the builder. Both
// consume and release their output per iteration; their bytes are checked
// against Encode of the edited struct at setup.
//
// With repetitions, min and max are reported beside mean/median/stddev/cv;
// tests/bench/fast_table.py turns the JSON output into the tables of the
// thrift_fast goals (Write/Read), tests/bench/copyfree_table.py into those
// of the copy-free goals.
#include <benchmark/benchmark.h>
#include <thrift/protocol/TBinaryProtocol.h>
#include <thrift/transport/TBufferTransports.h>

#include <algorithm>
#include <cstring>
#include <functional>
#include <memory>
#include <memory_resource>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "alloc_counter.h"
#include "core/buffer/block_pool.h"
#include "core/plugin/plugin_host.h"
#include "read_sink.h"
#include "serde_default_types.h"
#include "serde_pmr_types.h"
#include "serde_tmpl_types.h"
#include "serde_types.h"
#include "tern/codec.h"
#include "tern/thrift/builder.h"
#include "tern/thrift/view.h"
#include "tern/thrift/wire.h"
#include "workloads.h"

namespace {

using apache::thrift::protocol::TBinaryProtocol;
using apache::thrift::protocol::TBinaryProtocolT;
using apache::thrift::protocol::TMessageType;
using apache::thrift::protocol::TProtocol;
using apache::thrift::transport::TMemoryBuffer;
namespace ts = ::tern::bench::serde;
namespace tp = ::tern::bench::serde_pmr;  // serde.thrift, `tern gen --alloc=pmr`

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
    tern::Status st = codec->Encode(h, tern::BodyRef{&T::kTernTypeInfo, obj.get(), &owner}, out);
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

// The whole message (frame, envelope, body) thrift_fast's Encode writes for obj.
template <class T>
std::string EncodeToString(const T& obj) {
  const tern::Codec* codec = TheCodec();
  if (codec == nullptr) return "";
  tern::LinkBuffer out;
  codec->Encode({"echo", tern::MessageType::kCall, 1}, {&T::kTernTypeInfo, &obj, {}}, out)
      .IgnoreError();
  out.Flush();
  std::string s;
  out.ReadString(out.Len(), &s).IgnoreError();
  return s;
}

template <class T>
std::string TernBytes(const std::function<void(T&)>& fill) {
  auto obj = std::make_unique<T>();
  fill(*obj);
  return EncodeToString(*obj);
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

// TernRead into types generated with --alloc=pmr, on an arena: each request
// gets a std::pmr::monotonic_buffer_resource that starts in a scratch buffer
// the thread keeps (what a server worker would keep; 64 KiB here) and takes
// further blocks from new; the fresh object, its strings, elements and nodes
// all come from the arena, which frees them at once when the request ends.
// Everything happens inside the timed loop; allocs/op counts the blocks the
// arena takes beyond the scratch buffer.
constexpr size_t kArenaScratch = 64 << 10;

template <class T>
void TernArenaRead(benchmark::State& state, const std::function<void(T&)>& fill) {
  const tern::Codec* codec = TheCodec();
  if (codec == nullptr) return state.SkipWithError("thrift_fast plugin not found");
  const std::string wire = TernBytes(fill);
  const tern::Limits& limits = tern::DefaultLimits();
  std::vector<std::byte> scratch(kArenaScratch);
  {  // the decoded value is the source value (checked once, outside the loop)
    auto want = std::make_unique<T>();
    fill(*want);
    std::pmr::monotonic_buffer_resource arena(scratch.data(), scratch.size());
    T got{std::pmr::polymorphic_allocator<>(&arena)};
    tern::FrameView frame{reinterpret_cast<const uint8_t*>(wire.data()), wire.size(), 0, {}};
    tern::ReadContext ctx{limits};
    if (!codec->DecodeHeader(frame, limits).ok() ||
        !codec->DecodeBody(frame, T::kTernTypeInfo, &got, ctx).ok() || !(got == *want)) {
      return state.SkipWithError("arena decode differs from the source");
    }
  }
  const uint64_t before = Allocs();
  for (auto _ : state) {
    tern::FrameView frame{reinterpret_cast<const uint8_t*>(wire.data()), wire.size(), 0, {}};
    auto h = codec->DecodeHeader(frame, limits);
    std::pmr::monotonic_buffer_resource arena(scratch.data(), scratch.size());
    std::pmr::polymorphic_allocator<> alloc(&arena);
    T* obj = alloc.new_object<T>();
    tern::ReadContext ctx{limits};
    tern::Status st = codec->DecodeBody(frame, T::kTernTypeInfo, obj, ctx);
    if (!h.ok() || !st.ok()) state.SkipWithError("decode failed");
    benchmark::DoNotOptimize(obj);
    alloc.delete_object(obj);
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

using Sink = ::tern::bench::ReadSink;

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

// ---- copy-free builders (issue 9) ----------------------------------------------
//
// "Build and write": what a handler filling a response does. The source
// values are made once; each iteration builds a fresh response from them (a
// struct whose fields are assigned, or a builder whose fields are set) and
// writes the whole message into a reused LinkBuffer, which is then consumed
// and released as a socket write would. "Proxy": decode a received frame,
// change one field, re-emit.

void Finish(benchmark::State& state, size_t bytes, uint64_t allocs_before) {
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * bytes));
  state.counters["allocs/op"] =
      static_cast<double>(Allocs() - allocs_before) / static_cast<double>(state.iterations());
}

// Every field assigned from s (strings and containers copied): the same code
// for Tern's types and both Apache families'.
template <class M>
requires requires(M m) { m.trace_id; }
void Assign(M& d, const M& s) {
  d.version = s.version;
  d.request_id = s.request_id;
  d.user_id = s.user_id;
  d.created_at_ms = s.created_at_ms;
  d.is_test = s.is_test;
  d.has_more = s.has_more;
  d.score = s.score;
  d.ratio = s.ratio;
  d.trace_id = s.trace_id;
  d.user_name = s.user_name;
  d.locale = s.locale;
  d.region = s.region;
  d.title = s.title;
  d.description = s.description;
  d.body_html = s.body_html;
  d.extra_json = s.extra_json;
  d.signature = s.signature;
  d.ids = s.ids;
  d.attrs = s.attrs;
  d.items = s.items;
}
template <class M>
requires requires(M m) { m.Nums; }
void Assign(M& d, const M& s) {
  d.Num = s.Num;
  AnoOf(d).Num = AnoOf(s).Num;
  d.Nums = s.Nums;
}
template <class R>
requires requires(R r) { r.msg; }
void Assign(R& d, const R& s) {
  d.action = s.action;
  d.msg = s.msg;
}

// The long strings of a source, as Slices made once (BuilderRef attaches
// them by reference); none for the other shapes.
template <class T>
std::vector<tern::Slice> RefSlices(const T&) {
  return {};
}
tern::Slice SliceOf(const std::string& s) { return tern::Slice::Copy(s.data(), s.size()); }
std::vector<tern::Slice> RefSlices(const ts::Mixed& m) {
  return {SliceOf(m.description), SliceOf(m.body_html), SliceOf(m.extra_json),
          SliceOf(m.signature)};
}
std::vector<tern::Slice> RefSlices(const ts::Request& r) { return {SliceOf(r.msg)}; }

// Every field set from s, in the order FastWrite writes them (fixed-size
// fields first, then the rest, IDL order within each), so the bytes equal
// Encode's. With refs (RefSlices), the long strings go by reference.
void Build(ts::Mixed::Builder& b, const ts::Mixed& s, const std::vector<tern::Slice>& refs) {
  b.set_version(s.version)
      .set_request_id(s.request_id)
      .set_user_id(s.user_id)
      .set_created_at_ms(s.created_at_ms)
      .set_is_test(s.is_test)
      .set_has_more(s.has_more)
      .set_score(s.score)
      .set_ratio(s.ratio)
      .set_trace_id(s.trace_id)
      .set_user_name(s.user_name)
      .set_locale(s.locale)
      .set_region(s.region)
      .set_title(s.title);
  if (refs.empty()) {
    b.set_description(s.description)
        .set_body_html(s.body_html)
        .set_extra_json(s.extra_json)
        .set_signature(s.signature);
  } else {
    b.set_description(refs[0]).set_body_html(refs[1]).set_extra_json(refs[2]).set_signature(
        refs[3]);
  }
  b.set_ids(s.ids).set_attrs(s.attrs).set_items(s.items);
}
template <class T>
requires requires(T t) { t.Nums; }
void Build(typename T::Builder& b, const T& s, const std::vector<tern::Slice>&) {
  b.set_Num(s.Num).set_Ano(s.Ano).set_Nums(s.Nums);
}
void Build(ts::Request::Builder& b, const ts::Request& s, const std::vector<tern::Slice>& refs) {
  b.set_action(s.action);
  if (refs.empty()) {
    b.set_msg(s.msg);
  } else {
    b.set_msg(refs[0]);
  }
}

// The one field a proxy changes.
constexpr int32_t kProxyVersion = 4;
constexpr std::string_view kProxyAction = "relay";
void Edit(ts::Mixed& m) { m.version = kProxyVersion; }
void Edit(ts::Mixed::Builder& b) { b.set_version(kProxyVersion); }
void Edit(ts::Request& r) { r.action = kProxyAction; }
void Edit(ts::Request::Builder& b) { b.set_action(kProxyAction); }

// Emits a builder as a message the way the server emits a built result:
// the codec's Encode of a BuiltStructType body.
tern::Status EncodeBuilt(const tern::Codec& codec, tern::LinkBuffer& out,
                         const tern::MessageHeader& h, const tern::view::StructBuilder& b) {
  TERN_RETURN_IF_ERROR(b.Emittable());
  const tern::BodyRef body{&tern::view::BuiltStructType(), &b,
                           b.shares() ? &tern::view::BuiltStructKeepAlive() : nullptr};
  return codec.Encode(h, body, out);
}

// Empty when `got` is a framed CALL "echo" #1 whose body decodes to `want`;
// otherwise what is wrong.
template <class T>
std::string CheckDecodes(const std::string& got, const T& want) {
  const tern::Codec* codec = TheCodec();
  const tern::Limits& limits = tern::DefaultLimits();
  tern::FrameView frame{reinterpret_cast<const uint8_t*>(got.data()), got.size(), 0, {}};
  auto h = codec->DecodeHeader(frame, limits);
  if (!h.ok()) return "output's header does not decode: " + h.status().ToString();
  if (h->name != "echo" || h->type != tern::MessageType::kCall || h->seqid != 1) {
    return "output's envelope is not CALL echo #1";
  }
  auto obj = std::make_unique<T>();
  tern::ReadContext ctx{limits};
  if (tern::Status st = codec->DecodeBody(frame, T::kTernTypeInfo, obj.get(), ctx); !st.ok()) {
    return "output's body does not decode: " + st.ToString();
  }
  if (*obj != want) return "output decodes to another value than intended";
  return "";
}

// CheckDecodes, and byte for byte what thrift_fast's Encode writes for want.
template <class T>
std::string CheckEmitted(const std::string& got, const T& want) {
  if (std::string why = CheckDecodes(got, want); !why.empty()) return why;
  if (got != EncodeToString(want)) return "output's bytes differ from thrift_fast Encode's";
  return "";
}

// Times `emit` (one message into out), then the consumption and release of
// out. Before timing: warm-up rounds (the pool), the last one's bytes
// checked with `check` (empty: OK).
template <class Emit, class Check>
void RunEmit(benchmark::State& state, tern::LinkBuffer& out, Emit emit, Check check) {
  size_t bytes = 0;
  auto once = [&](std::string* capture) {
    tern::Status st = emit();
    if (!st.ok()) {
      state.SkipWithError(st.ToString().c_str());
      return false;
    }
    out.Flush();
    bytes = out.Len();
    if (capture != nullptr) {
      out.ReadString(bytes, capture).IgnoreError();
    } else {
      out.Skip(bytes).IgnoreError();  // consumed, as a socket write would
    }
    out.Release();
    return true;
  };
  for (int i = 0; i < 2; ++i) {
    if (!once(nullptr)) return;
  }
  std::string got;
  if (!once(&got)) return;
  if (const std::string why = check(got); !why.empty()) return state.SkipWithError(why.c_str());
  const uint64_t before = Allocs();
  for (auto _ : state) {
    if (!once(nullptr)) break;
    benchmark::ClobberMemory();
  }
  Finish(state, bytes, before);
}

const tern::MessageHeader kCallHeader{"echo", tern::MessageType::kCall, 1};

// A fresh struct per iteration, every field assigned, then Encode (by_ref:
// large strings by reference).
template <class T>
void TernBuildWrite(benchmark::State& state, const std::function<void(T&)>& fill, bool by_ref) {
  const tern::Codec* codec = TheCodec();
  if (codec == nullptr) return state.SkipWithError("thrift_fast plugin not found");
  auto src = std::make_unique<T>();
  fill(*src);
  // The struct is replaced only after the output was consumed and released,
  // so a keep-alive without a release function is enough (as in TernWrite).
  tern::Slice owner;
  if (by_ref) owner = tern::Slice::External(src.get(), 0, nullptr, nullptr);
  std::optional<T> fresh;
  tern::LinkBuffer out;
  RunEmit(
      state, out,
      [&] {
        fresh.emplace();
        Assign(*fresh, *src);
        return codec->Encode(kCallHeader, {&T::kTernTypeInfo, &*fresh, &owner}, out);
      },
      [&](const std::string& got) { return CheckEmitted(got, *src); });
}

// A fresh builder per iteration, every field set, Encode of the builder
// (by_ref: the long strings attached as Slices made once).
template <class T>
void BuilderBuildWrite(benchmark::State& state, const std::function<void(T&)>& fill, bool by_ref) {
  if (TheCodec() == nullptr) return state.SkipWithError("thrift_fast plugin not found");
  auto src = std::make_unique<T>();
  fill(*src);
  const std::vector<tern::Slice> refs = by_ref ? RefSlices(*src) : std::vector<tern::Slice>();
  if (by_ref && refs.empty()) return state.SkipWithError("no string to attach by reference");
  tern::LinkBuffer out;
  RunEmit(
      state, out,
      [&]() -> tern::Status {
        typename T::Builder b;
        Build(b, *src, refs);
        return EncodeBuilt(*TheCodec(), out, kCallHeader, b.tern_builder());
      },
      [&](const std::string& got) { return CheckEmitted(got, *src); });
}

// Proxy with structs: FastRead the received frame into a fresh struct,
// change one field, Encode (by_ref: large strings by reference).
template <class T>
void TernProxy(benchmark::State& state, const std::function<void(T&)>& fill, bool by_ref) {
  const tern::Codec* codec = TheCodec();
  if (codec == nullptr) return state.SkipWithError("thrift_fast plugin not found");
  const std::string wire = TernBytes(fill);
  const tern::Slice input = tern::Slice::Copy(wire.data(), wire.size());  // the received frame
  auto want = std::make_unique<T>();
  fill(*want);
  Edit(*want);
  const tern::Limits& limits = tern::DefaultLimits();
  tern::Slice owner;  // as in TernBuildWrite
  if (by_ref) owner = tern::Slice::External(want.get(), 0, nullptr, nullptr);
  std::optional<T> fresh;
  tern::LinkBuffer out;
  RunEmit(
      state, out,
      [&]() -> tern::Status {
        tern::FrameView frame{input.data(), input.size(), 0, input};
        tern::Result<tern::MessageHeader> h = codec->DecodeHeader(frame, limits);
        if (!h.ok()) return h.status();
        fresh.emplace();
        tern::ReadContext ctx{limits};
        TERN_RETURN_IF_ERROR(codec->DecodeBody(frame, T::kTernTypeInfo, &*fresh, ctx));
        Edit(*fresh);
        return codec->Encode(*h, {&T::kTernTypeInfo, &*fresh, &owner}, out);
      },
      [&](const std::string& got) { return CheckEmitted(got, *want); });
}

// Proxy with a view: index the received body in place (its Bytes share the
// frame's block, so unchanged bytes go out by reference), make a builder
// from the view, set the one field, Encode of the builder.
template <class T>
void BuilderProxy(benchmark::State& state, const std::function<void(T&)>& fill) {
  const tern::Codec* codec = TheCodec();
  if (codec == nullptr) return state.SkipWithError("thrift_fast plugin not found");
  const std::string wire = TernBytes(fill);
  const tern::Slice input = tern::Slice::Copy(wire.data(), wire.size());
  auto want = std::make_unique<T>();
  fill(*want);
  Edit(*want);
  const tern::Limits& limits = tern::DefaultLimits();
  tern::LinkBuffer out;
  RunEmit(
      state, out,
      [&]() -> tern::Status {
        tern::FrameView frame{input.data(), input.size(), 0, input};
        tern::Result<tern::MessageHeader> h = codec->DecodeHeader(frame, limits);
        if (!h.ok()) return h.status();
        tern::view::Bytes bytes(input.Sub(frame.pos, frame.size - frame.pos));
        tern::ReadContext ctx{limits};
        tern::Result<typename T::View> v = T::View::Parse(bytes, ctx);
        if (!v.ok()) return v.status();
        typename T::Builder b(*v);
        Edit(b);
        return EncodeBuilt(*codec, out, *h, b.tern_builder());
      },
      [&](const std::string& got) { return CheckEmitted(got, *want); });
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

// A fresh struct per iteration, every field assigned from the source, then
// written as ApacheWrite writes.
// `check` gets the bytes of one message, framed (Apache writes no frame
// here; the length is put in front), and says what is wrong (empty: OK).
template <class T, class Proto>
void ApacheBuildWrite(
    benchmark::State& state, const std::function<void(T&)>& fill,
    const std::function<std::unique_ptr<Proto>(std::shared_ptr<TMemoryBuffer>)>& make,
    const std::function<std::string(const std::string&)>& check) {
  auto src = std::make_unique<T>();
  fill(*src);
  auto buf = std::make_shared<TMemoryBuffer>();
  auto proto = make(buf);
  std::optional<T> fresh;
  size_t bytes = 0;
  auto once = [&] {
    buf->resetBuffer();
    proto->writeMessageBegin("echo", apache::thrift::protocol::T_CALL, 1);
    fresh.emplace();
    Assign(*fresh, *src);
    fresh->write(proto.get());
    proto->writeMessageEnd();
    bytes = buf->available_read();
  };
  for (int i = 0; i < 3; ++i) once();
  std::string framed(4, '\0');
  tern::wire::PutI32(reinterpret_cast<uint8_t*>(framed.data()), static_cast<int32_t>(bytes));
  framed += buf->getBufferAsString();
  if (const std::string why = check(framed); !why.empty()) return state.SkipWithError(why.c_str());
  const uint64_t before = Allocs();
  for (auto _ : state) {
    once();
    benchmark::ClobberMemory();
  }
  Finish(state, bytes, before);
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

// With --benchmark_repetitions, the spread beside mean/median/stddev/cv.
double Min(const std::vector<double>& v) { return *std::min_element(v.begin(), v.end()); }
double Max(const std::vector<double>& v) { return *std::max_element(v.begin(), v.end()); }

void Add(const std::string& name, std::function<void(benchmark::State&)> fn) {
  benchmark::RegisterBenchmark(name.c_str(), std::move(fn))
      ->ComputeStatistics("min", Min)
      ->ComputeStatistics("max", Max);
}

// One workload for all subjects: the same fill on the three type families.
template <class TernT, class DefT, class TmplT, class PmrT, class Fill>
void Register(const std::string& name, Fill fill) {
  std::function<void(TernT&)> tf = [fill](TernT& v) { fill(v); };
  std::function<void(PmrT&)> pf = [fill](PmrT& v) { fill(v); };
  std::function<void(DefT&)> df = [fill](DefT& v) { fill(v); };
  std::function<void(TmplT&)> mf = [fill](TmplT& v) { fill(v); };
  const size_t size = TernBytes(tf).size();
  auto add = [&name](const char* subject_op, std::function<void(benchmark::State&)> fn) {
    Add(std::string("BM_") + subject_op + "/" + name, std::move(fn));
  };
  add("Tern_Write", [tf](benchmark::State& s) { TernWrite(s, tf, false); });
  add("TernRef_Write", [tf](benchmark::State& s) { TernWrite(s, tf, true); });
  add("ApacheDefault_Write",
      [df](benchmark::State& s) { ApacheWrite<DefT, TProtocol>(s, df, MakeDefault); });
  add("ApacheTemplates_Write", [mf](benchmark::State& s) {
    ApacheWrite<TmplT, TBinaryProtocolT<TMemoryBuffer>>(s, mf, MakeTemplated);
  });
  add("Memcpy_Write", [size](benchmark::State& s) { Memcpy(s, size); });
  add("Tern_Read", [tf](benchmark::State& s) { TernRead(s, tf); });
  add("TernArena_Read", [pf](benchmark::State& s) { TernArenaRead(s, pf); });
  add("ApacheDefault_Read",
      [df](benchmark::State& s) { ApacheRead<DefT, TProtocol>(s, df, MakeDefault); });
  add("ApacheTemplates_Read", [mf](benchmark::State& s) {
    ApacheRead<TmplT, TBinaryProtocolT<TMemoryBuffer>>(s, mf, MakeTemplated);
  });
  add("Tern_ReadAll", [tf](benchmark::State& s) { TernReadAll(s, tf, false); });
  add("View_ReadAll", [tf](benchmark::State& s) { ViewReadAll(s, tf, false); });
  if (name == "mytest" || name == "echo_1m" || name == "echo_10m") {
    add("View_ReadOne", [tf](benchmark::State& s) { ViewReadAll(s, tf, true); });
  }

  add("Tern_BuildWrite", [tf](benchmark::State& s) { TernBuildWrite(s, tf, false); });
  add("TernRef_BuildWrite", [tf](benchmark::State& s) { TernBuildWrite(s, tf, true); });
  add("Builder_BuildWrite", [tf](benchmark::State& s) { BuilderBuildWrite(s, tf, false); });
  // Where a string is long enough (>= 4 KB) to be worth attaching.
  if (name == "large" || name == "echo_32k" || name == "echo_1m" || name == "echo_10m") {
    add("BuilderRef_BuildWrite", [tf](benchmark::State& s) { BuilderBuildWrite(s, tf, true); });
  }
  // Apache's bytes must carry the same value (its field order may differ).
  std::function<std::string(const std::string&)> decodes = [tf](const std::string& got) {
    auto want = std::make_unique<TernT>();
    tf(*want);
    return CheckDecodes(got, *want);
  };
  add("ApacheDefault_BuildWrite", [df, decodes](benchmark::State& s) {
    ApacheBuildWrite<DefT, TProtocol>(s, df, MakeDefault, decodes);
  });
  add("ApacheTemplates_BuildWrite", [mf, decodes](benchmark::State& s) {
    ApacheBuildWrite<TmplT, TBinaryProtocolT<TMemoryBuffer>>(s, mf, MakeTemplated, decodes);
  });
  if constexpr (requires(TernT & t) { Edit(t); }) {
    if (name == "echo_1k" || name == "echo_1m" || name == "mixed_1k5") {
      add("Tern_Proxy", [tf](benchmark::State& s) { TernProxy(s, tf, false); });
      add("TernRef_Proxy", [tf](benchmark::State& s) { TernProxy(s, tf, true); });
      add("Builder_Proxy", [tf](benchmark::State& s) { BuilderProxy(s, tf); });
    }
  }
}

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  namespace ad = ::apache_default;
  namespace at = ::apache_tmpl;
  Register<ts::Mixed, ad::Mixed, at::Mixed, tp::Mixed>("small", [](auto& m) { Small(m); });
  Register<ts::Mixed, ad::Mixed, at::Mixed, tp::Mixed>("mixed_1k5", [](auto& m) { Mixed1k5(m); });
  Register<ts::Mixed, ad::Mixed, at::Mixed, tp::Mixed>("large", [](auto& m) { Large(m); });
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
