// The serialization workloads of ../shared/bench/README.md (copied into the
// project as tests/bench/serde.thrift), filled deterministically: the same
// bytes on every run and for every implementation. Templates, so that Tern's
// generated types and Apache Thrift's (same field names; Apache's copy names
// MyTest's `Ano` field `ano`) are filled by the same code.
#pragma once

#include <cstdint>
#include <cstdio>
#include <string>
#include <type_traits>

namespace tern::bench {

class SplitMix64 {
 public:
  explicit SplitMix64(uint64_t seed) : s_(seed) {}
  uint64_t Next() {
    uint64_t z = (s_ += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  int64_t NonNegI64() { return static_cast<int64_t>(Next() >> 1); }
  int32_t NonNegI32() { return static_cast<int32_t>(Next() >> 33); }
  double Unit() { return static_cast<double>(Next() >> 11) * 0x1.0p-53; }
  std::string Text(size_t n) {
    static constexpr char kAlphabet[] =
        "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 _-.,:/";
    static_assert(sizeof(kAlphabet) - 1 == 69);
    std::string s(n, '\0');
    for (auto& c : s) c = kAlphabet[Next() % 69];
    return s;
  }

 private:
  uint64_t s_;
};

struct MixedShape {
  size_t ids, attrs, items;
  size_t description, body_html, extra_json, signature;
};
constexpr MixedShape kSmallShape{500, 50, 20, 2048, 2048, 1600, 1200};
constexpr MixedShape kLargeShape{500 * 305,  50 * 305,   20 * 305,  2048 * 305,
                                 2048 * 305, 1600 * 305, 1200 * 305};
constexpr MixedShape kMixed1k5Shape{20, 4, 2, 128, 128, 96, 64};
constexpr uint64_t kSmallSeed = 0x736D616C6Cull;
constexpr uint64_t kLargeSeed = 0x6C61726765ull;
constexpr uint64_t kMixed1k5Seed = 0x6D69786564ull;

template <class Mixed>
void FillMixed(Mixed& m, uint64_t seed, const MixedShape& shape) {
  SplitMix64 r(seed);
  m.version = 3;
  m.request_id = r.NonNegI64();
  m.user_id = r.NonNegI64();
  m.created_at_ms = 1700000000000ll + static_cast<int64_t>(r.Next() % 100000000ull);
  m.is_test = false;
  m.has_more = true;
  m.score = r.Unit() * 100;
  m.ratio = r.Unit();
  m.trace_id = r.Text(32);
  m.user_name = r.Text(12);
  m.locale = "en_US";
  m.region = "us-east-1";
  m.title = r.Text(60);
  m.description = r.Text(shape.description);
  m.body_html = r.Text(shape.body_html);
  m.extra_json = r.Text(shape.extra_json);
  m.signature = r.Text(shape.signature);
  m.ids.resize(shape.ids);
  for (auto& id : m.ids) id = r.NonNegI64();
  m.attrs.clear();
  for (size_t i = 0; i < shape.attrs; ++i) {
    char key[32];
    std::snprintf(key, sizeof(key), "k%07zu", i);
    const std::string k = key + r.Text(8);
    const std::string v = r.Text(96);
    // Key and value types are std::string or std::pmr::string (--alloc=pmr).
    using Attrs = std::remove_reference_t<decltype(m.attrs)>;
    m.attrs[typename Attrs::key_type(k.data(), k.size())].assign(v.data(), v.size());
  }
  m.items.resize(shape.items);
  for (auto& it : m.items) {
    it.id = r.NonNegI64();
    it.name = r.Text(24);
    it.quantity = static_cast<int32_t>(r.Next() % 1000);
    it.price = r.Unit() * 1000;
    it.in_stock = (r.Next() & 1) != 0;
    it.sku = r.Text(12);
    it.note = r.Text(48);
  }
}

constexpr uint64_t kMyTestSeed = 0x6D79746573740001ull;
constexpr uint64_t kMyTest32Seed = 0x6D79746573740002ull;
constexpr uint64_t kMyTestF64Seed = 0x6D79746573740003ull;

// `ano` is MyTest's Ano member (named `Ano` in Tern's types, `ano` in Apache's).
template <class MyTest, class AnoRef>
void FillMyTest(MyTest& m, AnoRef& ano) {
  SplitMix64 r(kMyTestSeed);
  m.Num = 0x0102030405060708ll;
  ano.Num = 42;
  m.Nums.resize(131072);
  for (auto& v : m.Nums) v = r.NonNegI64();
}
template <class MyTest32, class AnoRef>
void FillMyTest32(MyTest32& m, AnoRef& ano) {
  SplitMix64 r(kMyTest32Seed);
  m.Num = 0x0102030405060708ll;
  ano.Num = 42;
  m.Nums.resize(262144);
  for (auto& v : m.Nums) v = r.NonNegI32();
}
template <class MyTestF64, class AnoRef>
void FillMyTestF64(MyTestF64& m, AnoRef& ano) {
  SplitMix64 r(kMyTestF64Seed);
  m.Num = 0x0102030405060708ll;
  ano.Num = 42;
  m.Nums.resize(131072);
  for (auto& v : m.Nums) v = r.Unit() * 1e6;
}

inline uint64_t EchoSeed(size_t n) { return 0x6563686F00000000ull + n; }
template <class Request>
void FillEcho(Request& req, size_t n) {
  SplitMix64 r(EchoSeed(n));
  req.action = "echo";
  req.msg = r.Text(n);
}

}  // namespace tern::bench
