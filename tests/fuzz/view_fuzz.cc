// libFuzzer target for the copy-free view index (tern/thrift/view.h) over
// the richest conformance struct (Everything: every type, containers of
// structs, unions, recursion through `&`), with the bytes split into
// segments. Any bytes must index or fail with a Status — never crash, read
// outside the input, or allocate beyond what the bytes can justify.
//
// Input: byte 0 = flags (bit 0 small limits; bits 1-7 the segment size, 0 =
// one segment), then the struct's bytes. Invariants (abort() on violation,
// so the fuzzer and the corpus replay both see it):
//  * the view accepts exactly what FastRead accepts, with the same status
//    code, and leaves the context's depth as it found it;
//  * on success its WireSize is what FastRead consumed, and reading every
//    accessor, deep, stays inside the input: each segment is an exact-size
//    heap allocation, so a sanitizer catches any over-read;
//  * ToStruct() succeeds, and equals FastRead's value when the input is
//    canonical (re-encoding the value gives the input back).
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "conformance_types.h"
#include "tern/slice.h"
#include "tern/thrift/view.h"

namespace {

using namespace tern;  // NOLINT: a test harness
namespace c = ::tern::conformance;

#define FUZZ_CHECK(cond)                                                                \
  do {                                                                                  \
    if (!(cond)) {                                                                      \
      std::fprintf(stderr, "%s:%d: invariant failed: %s\n", __FILE__, __LINE__, #cond); \
      std::abort();                                                                     \
    }                                                                                   \
  } while (0)

// Reads every value of a view, deep; folds them into a sum so nothing is
// optimised away.
struct Toucher {
  uint64_t sum = 0;

  template <class T>
  requires(std::is_arithmetic_v<T> || std::is_enum_v<T>) void Touch(T v) {
    uint64_t u = 0;
    std::memcpy(&u, &v, sizeof(T) < 8 ? sizeof(T) : 8);
    sum = sum * 31 + u;
  }
  void Touch(const view::String& s) {
    std::string scratch;
    const std::string_view v = s.view(&scratch);
    for (char ch : v) sum = sum * 31 + static_cast<uint8_t>(ch);
    sum += s.ToSlice().size();
  }
  template <class E>
  void Touch(const view::List<E>& l) {
    size_t n = 0;
    for (auto it = l.begin(); it != l.end(); ++it, ++n) Touch(*it);
    FUZZ_CHECK(n == l.size());
    if constexpr (view::List<E>::kFixed != 0 && !std::is_same_v<E, bool>) {
      std::vector<E> bulk(l.size());
      l.CopyTo(bulk.data());
      for (size_t i = 0; i < bulk.size(); ++i) {
        const E e = l[i];  // bytes, not ==: a NaN is not equal to itself
        FUZZ_CHECK(std::memcmp(&e, &bulk[i], sizeof(E)) == 0);
      }
    }
  }
  template <class K, class V>
  void Touch(const view::Map<K, V>& m) {
    size_t n = 0;
    for (auto it = m.begin(); it != m.end(); ++it, ++n) {
      auto [k, v] = *it;
      Touch(k);
      Touch(v);
    }
    FUZZ_CHECK(n == m.size());
  }
  void Touch(const c::Scalars::View& v) {
    Touch(v.b());
    Touch(v.i8v());
    Touch(v.i16v());
    Touch(v.i32v());
    Touch(v.i64v());
    Touch(v.d());
    Touch(v.s());
    Touch(v.bin());
    Touch(v.color());
  }
  void Touch(const c::Defaults::View& v) {
    Touch(v.answer());
    Touch(v.greeting());
    Touch(v.ratio());
    Touch(v.color());
    Touch(v.primes());
    Touch(v.flag());
  }
  void Touch(const c::Requiredness::View& v) {
    Touch(v.id());
    Touch(v.note());
    Touch(v.count());
    Touch(v.plain());
    Touch(v.tags());
    Touch(v.name());
  }
  void Touch(const c::Numbers::View& v) {
    Touch(v.i16s());
    Touch(v.i32s());
    Touch(v.i64s());
    Touch(v.doubles());
    Touch(v.bytes());
    Touch(v.bools());
    Touch(v.ids());
    Touch(v.colors());
  }
  void Touch(const c::Containers::View& v) {
    Touch(v.strings());
    Touch(v.string_set());
    Touch(v.counts());
    Touch(v.names());
    Touch(v.matrix());
    Touch(v.groups());
    Touch(v.nested());
    Touch(v.weights());
    Touch(v.blobs());
  }
  void Touch(const c::Choice::View& v) {
    Touch(v.getType());
    Touch(v.number());
    Touch(v.text());
    Touch(v.scalars());
    Touch(v.values());
  }
  void Touch(const c::Failure::View& v) {
    Touch(v.message());
    Touch(v.code());
  }
  void Touch(const c::Tree::View& v) {
    Touch(v.label());
    Touch(v.children());
    if (v.has_left()) Touch(v.left());
    if (v.has_right()) Touch(v.right());
  }
  void Touch(const c::Sparse::View& v) {
    Touch(v.one());
    Touch(v.hundred());
    Touch(v.max_id());
  }
  void Touch(const c::Everything::View& v) {
    Touch(v.scalars());
    Touch(v.defaults());
    Touch(v.req());
    Touch(v.numbers());
    Touch(v.containers());
    Touch(v.choice());
    Touch(v.failure());
    Touch(v.tree());
    Touch(v.sparse());
    Touch(v.maybe_choice());
    Touch(v.choices());
  }
};

void FreeArray(void*, const uint8_t* data, size_t) { delete[] data; }

// Exact-size heap segments of at most `seg` bytes (all of it when 0).
std::vector<Slice> Segments(const uint8_t* data, size_t size, size_t seg) {
  std::vector<Slice> out;
  if (seg == 0) seg = size;
  for (size_t at = 0; at < size; at += seg) {
    const size_t n = std::min(seg, size - at);
    auto* copy = new uint8_t[n];
    std::memcpy(copy, data + at, n);
    out.push_back(Slice::External(copy, n, &FreeArray, nullptr));
  }
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  const uint8_t flags = data[0];
  const std::string input(reinterpret_cast<const char*>(data + 1), size - 1);
  Limits limits;
  if (flags & 1) {
    limits.max_string = 64;
    limits.max_container = 16;
    limits.max_depth = 6;
  }
  const size_t seg = flags >> 1;

  // FastRead over an exact-size copy.
  std::vector<uint8_t> exact(input.begin(), input.end());
  c::Everything x;
  ReadContext fctx{limits};
  auto fr = x.FastRead(exact.data(), exact.size(), fctx);

  view::Bytes bytes(Segments(reinterpret_cast<const uint8_t*>(input.data()), input.size(), seg));
  ReadContext vctx{limits};
  auto v = c::Everything::View::Parse(bytes, vctx);
  if (v.ok() != fr.ok()) {
    std::fprintf(stderr, "view: %s; FastRead: %s\n", v.ok() ? "ok" : v.status().ToString().c_str(),
                 fr.ok() ? "ok" : fr.status().ToString().c_str());
  }
  FUZZ_CHECK(v.ok() == fr.ok());
  if (!v.ok()) {
    FUZZ_CHECK(v.status().code() == fr.status().code());
    FUZZ_CHECK(vctx.depth == 0);
    return 0;
  }
  FUZZ_CHECK(vctx.depth == 0);
  FUZZ_CHECK(v->WireSize() == *fr);
  Toucher t;
  t.Touch(*v);
  auto back = v->ToStruct();
  FUZZ_CHECK(back.ok());
  std::string canonical(x.BLength(), '\0');
  x.FastWrite(reinterpret_cast<uint8_t*>(canonical.data()));
  // Canonical input: the view's struct encodes to the same bytes. (Bytes,
  // not ==: a NaN double makes a struct unequal to itself.)
  if (canonical == input.substr(0, *fr)) {
    std::string again(back->BLength(), '\0');
    back->FastWrite(reinterpret_cast<uint8_t*>(again.data()));
    FUZZ_CHECK(again == canonical);
  }
  return static_cast<int>(t.sum & 0);
}
