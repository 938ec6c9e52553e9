// Copy-free views of nested structs: index a nested struct lazily (what
// generated views do: the parent's pass validates it, and its accessor
// indexes it again when read) or in the parent's pass (the alternative,
// core/thrift/view_nested.h: one pass fills a fixed table of records, one
// per nested struct the schema has). Issue 9 asked which is faster.
//
//   BM_<Lazy|SamePass>_ReadAll: index an Order (tests/bench/nested.thrift:
//     eight nested structs over three levels) and read every field;
//   BM_<Lazy|SamePass>_ReadOne: index it and read one top-level field (a
//     router's look at a message);
//   BM_FastRead_ReadAll: FastRead into a fresh Order and read every field,
//     for scale.
// The message has every nested struct present (`full`), or only the
// customer (`sparse`: absent structs cost the same-pass table its
// initialisation and nothing else).
//
// Measured (AMD EPYC, Zen 5 class KVM guest, 2 vCPUs; `taskset -c 1
// view_nested_bench --benchmark_repetitions=10 --benchmark_min_time=0.2
// --benchmark_enable_random_interleaving=true`, medians, nothing else
// running): reading every field, the same pass is 1.9x faster (full 360 vs
// 671 ns, sparse 230 vs 433 ns), since lazy indexing walks a nested
// struct's bytes once more per level; reading one top-level field it is
// 13-15% slower (291 vs 252 ns, 161 vs 143 ns: it fills the whole table).
// FastRead into a fresh Order and reading every field took 286 ns (sparse
// 188 ns): on a message of small nested structs both view designs lose to
// it, because the generic TypeInfo walk costs more per field than
// generated code. Generated views stay lazy for now (a same-pass view must
// carry its subtree's records, which changes the view storage a codec
// fills); see issue 9's note.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "core/thrift/view_nested.h"
#include "nested_types.h"
#include "tern/thrift/view.h"
#include "tests/bench/read_sink.h"
#include "tests/bench/workloads.h"

namespace {

namespace nb = ::tern::bench::nested;
using tern::view::nested::Layout;

nb::Address MakeAddress(tern::bench::SplitMix64& r) {
  nb::Address a;
  a.street = r.Text(24);
  a.city = r.Text(12);
  a.zip = r.Text(8);
  a.country = r.Text(2);
  a.lat = r.Unit() * 90;
  a.lon = r.Unit() * 180;
  return a;
}

nb::Money MakeMoney(tern::bench::SplitMix64& r) {
  nb::Money m;
  m.units = r.NonNegI64() % 100000;
  m.nanos = r.NonNegI32() % 1000000000;
  m.currency = "USD";
  return m;
}

nb::Order MakeOrder() {
  tern::bench::SplitMix64 r(0x6E65737465640001ull);
  nb::Order o;
  o.id = r.NonNegI64();
  o.customer.id = r.NonNegI64();
  o.customer.name = r.Text(20);
  o.customer.email = r.Text(24);
  o.customer.home = MakeAddress(r);
  o.customer.work = MakeAddress(r);
  o.customer.tier = 3;
  o.ship_to = MakeAddress(r);
  o.bill_to = MakeAddress(r);
  o.total = MakeMoney(r);
  o.tax = MakeMoney(r);
  o.note = r.Text(40);
  o.created_ms = 1700000000000ll;
  for (int i = 0; i < 8; ++i) o.item_ids.push_back(r.NonNegI64());
  return o;
}

std::string Encode(const nb::Order& o) {
  std::string s(o.BLength(), '\0');
  o.FastWrite(reinterpret_cast<uint8_t*>(s.data()));
  return s;
}

// The same message without the top-level fields `drop` (by id): cut from
// the bytes, as a peer that does not know them would send it.
std::string Without(const std::string& full, std::vector<int16_t> drop) {
  const tern::view::Bytes b(full.data(), full.size());
  auto v = nb::Order::View::Parse(b);
  if (!v.ok()) return full;
  std::string out;
  const auto* p = reinterpret_cast<const uint8_t*>(full.data());
  size_t pos = 0;
  // Walk the top-level fields: header (type, id), then the value, whose end
  // SkipValidated gives.
  while (pos < full.size() && p[pos] != 0) {
    const auto type = static_cast<tern::TType>(p[pos]);
    const auto id = static_cast<int16_t>((p[pos + 1] << 8) | p[pos + 2]);
    const uint32_t end = tern::view::SkipValidated(b, static_cast<uint32_t>(pos + 3), type);
    if (std::find(drop.begin(), drop.end(), id) == drop.end()) {
      out.append(full, pos, end - pos);
    }
    pos = end;
  }
  out.push_back('\0');
  return out;
}

using Sink = ::tern::bench::ReadSink;

template <class A>
void ReadAddress(Sink& k, const A& a) {
  if constexpr (requires { a.street(); }) {
    k.Add(a.street());
    k.Add(a.city());
    k.Add(a.zip());
    k.Add(a.country());
    k.Add(a.lat());
    k.Add(a.lon());
  } else {
    k.Add(a.street);
    k.Add(a.city);
    k.Add(a.zip);
    k.Add(a.country);
    k.Add(a.lat);
    k.Add(a.lon);
  }
}
template <class M>
void ReadMoney(Sink& k, const M& m) {
  if constexpr (requires { m.units(); }) {
    k.Add(static_cast<uint64_t>(m.units()));
    k.Add(static_cast<uint64_t>(m.nanos()));
    k.Add(m.currency());
  } else {
    k.Add(static_cast<uint64_t>(m.units));
    k.Add(static_cast<uint64_t>(m.nanos));
    k.Add(m.currency);
  }
}

// The nested views of one Order, however they were made.
struct Nested {
  nb::Customer::View customer;
  nb::Address::View home, work, ship_to, bill_to;
  nb::Money::View total, tax;
};

void ReadTop(Sink& k, const nb::Order::View& o) {
  k.Add(static_cast<uint64_t>(o.id()));
  k.Add(o.note());
  k.Add(static_cast<uint64_t>(o.created_ms()));
  for (const auto id : o.item_ids()) k.Add(static_cast<uint64_t>(id));
}
void ReadNested(Sink& k, const Nested& n) {
  k.Add(static_cast<uint64_t>(n.customer.id()));
  k.Add(n.customer.name());
  k.Add(n.customer.email());
  k.Add(static_cast<uint64_t>(n.customer.tier()));
  ReadAddress(k, n.home);
  ReadAddress(k, n.work);
  ReadAddress(k, n.ship_to);
  ReadAddress(k, n.bill_to);
  ReadMoney(k, n.total);
  ReadMoney(k, n.tax);
}

const std::string& Wire(bool sparse) {
  static const std::string full = Encode(MakeOrder());
  static const std::string thin = Without(full, {3, 4, 5, 6});
  return sparse ? thin : full;
}

void BM_Lazy(benchmark::State& state, bool sparse, bool all) {
  const std::string& wire = Wire(sparse);
  const tern::view::Bytes bytes(wire.data(), wire.size());
  Sink k;
  for (auto _ : state) {
    auto v = nb::Order::View::Parse(bytes);
    if (!v.ok()) return state.SkipWithError("parse failed");
    if (all) {
      ReadTop(k, *v);
      Nested n;
      n.customer = v->customer();  // each accessor indexes its struct
      n.home = n.customer.home();
      n.work = n.customer.work();
      n.ship_to = v->ship_to();
      n.bill_to = v->bill_to();
      n.total = v->total();
      n.tax = v->tax();
      ReadNested(k, n);
    } else {
      k.Add(static_cast<uint64_t>(v->id()));
    }
    benchmark::DoNotOptimize(k.v);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * wire.size()));
}

// The plan index of the struct field `id` of plan `plan`.
int32_t ChildOf(const Layout& l, int32_t plan, int16_t id) {
  const tern::TypeInfo& t = *l.plans[static_cast<size_t>(plan)].type;
  for (uint32_t i = 0; i < t.num_fields; ++i) {
    if (t.fields[i].id == id) return l.plans[static_cast<size_t>(plan)].child[i];
  }
  return -1;
}

void BM_SamePass(benchmark::State& state, bool sparse, bool all) {
  const std::string& wire = Wire(sparse);
  const tern::view::Bytes bytes(wire.data(), wire.size());
  const Layout layout = tern::view::nested::MakeLayout(nb::Order::kTernTypeInfo);
  // Where each nested struct's record is: fixed by the schema (a generated
  // view would have these as constants).
  const int32_t customer = ChildOf(layout, 0, 2), home = ChildOf(layout, customer, 4),
                work = ChildOf(layout, customer, 5), ship_to = ChildOf(layout, 0, 3),
                bill_to = ChildOf(layout, 0, 4), total = ChildOf(layout, 0, 5),
                tax = ChildOf(layout, 0, 6);
  if (layout.plans.size() != 8 || customer < 0 || home < 0 || work < 0 || ship_to < 0 ||
      bill_to < 0 || total < 0 || tax < 0) {
    return state.SkipWithError("unexpected layout");
  }
  std::vector<uint64_t> table((layout.bytes + 7) / 8);
  const tern::Limits& limits = tern::DefaultLimits();
  Sink k;
  for (auto _ : state) {
    tern::ReadContext ctx{limits};
    if (!tern::view::nested::Index(bytes, 0, layout, table.data(), ctx).ok()) {
      return state.SkipWithError("index failed");
    }
    const auto v = nb::Order::View::TernFrom(table.data());
    if (all) {
      ReadTop(k, v);
      auto at = [&](int32_t plan) {
        return tern::view::nested::Record(layout, table.data(), plan);
      };
      Nested n;
      n.customer = nb::Customer::View::TernFrom(at(customer));
      n.home = nb::Address::View::TernFrom(at(home));
      n.work = nb::Address::View::TernFrom(at(work));
      n.ship_to = nb::Address::View::TernFrom(at(ship_to));
      n.bill_to = nb::Address::View::TernFrom(at(bill_to));
      n.total = nb::Money::View::TernFrom(at(total));
      n.tax = nb::Money::View::TernFrom(at(tax));
      ReadNested(k, n);
    } else {
      k.Add(static_cast<uint64_t>(v.id()));
    }
    benchmark::DoNotOptimize(k.v);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * wire.size()));
}

void BM_FastRead(benchmark::State& state, bool sparse) {
  const std::string& wire = Wire(sparse);
  Sink k;
  for (auto _ : state) {
    nb::Order o;
    auto r = o.FastRead(reinterpret_cast<const uint8_t*>(wire.data()), wire.size());
    if (!r.ok()) return state.SkipWithError("FastRead failed");
    k.Add(static_cast<uint64_t>(o.id));
    k.Add(o.note);
    k.Add(static_cast<uint64_t>(o.created_ms));
    for (const auto id : o.item_ids) k.Add(static_cast<uint64_t>(id));
    k.Add(static_cast<uint64_t>(o.customer.id));
    k.Add(o.customer.name);
    k.Add(o.customer.email);
    k.Add(static_cast<uint64_t>(o.customer.tier));
    ReadAddress(k, o.customer.home);
    ReadAddress(k, o.customer.work);
    ReadAddress(k, o.ship_to);
    ReadAddress(k, o.bill_to);
    ReadMoney(k, o.total);
    ReadMoney(k, o.tax);
    benchmark::DoNotOptimize(k.v);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * wire.size()));
}

// Both designs must see the same values before they are timed.
bool SameValues() {
  for (const bool sparse : {false, true}) {
    const std::string& wire = Wire(sparse);
    const tern::view::Bytes bytes(wire.data(), wire.size());
    auto lazy = nb::Order::View::Parse(bytes);
    const Layout layout = tern::view::nested::MakeLayout(nb::Order::kTernTypeInfo);
    std::vector<uint64_t> table((layout.bytes + 7) / 8);
    tern::ReadContext ctx{tern::DefaultLimits()};
    if (!lazy.ok() || !tern::view::nested::Index(bytes, 0, layout, table.data(), ctx).ok()) {
      return false;
    }
    const int32_t customer = ChildOf(layout, 0, 2), home = ChildOf(layout, customer, 4);
    const auto c =
        nb::Customer::View::TernFrom(tern::view::nested::Record(layout, table.data(), customer));
    const auto h =
        nb::Address::View::TernFrom(tern::view::nested::Record(layout, table.data(), home));
    if (c.name().view() != lazy->customer().name().view() ||
        h.street().view() != lazy->customer().home().street().view() ||
        c.has_home() != lazy->customer().has_home()) {
      return false;
    }
    const int32_t ship = ChildOf(layout, 0, 3);
    const auto s =
        nb::Address::View::TernFrom(tern::view::nested::Record(layout, table.data(), ship));
    if (lazy->has_ship_to() != !sparse || s.street().view() != lazy->ship_to().street().view()) {
      return false;
    }
  }
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  if (!SameValues()) {
    std::fprintf(stderr, "view_nested_bench: the two designs read different values\n");
    return 1;
  }
  for (const bool sparse : {false, true}) {
    const std::string w = sparse ? "sparse" : "full";
    benchmark::RegisterBenchmark(("BM_Lazy_ReadAll/" + w).c_str(), BM_Lazy, sparse, true);
    benchmark::RegisterBenchmark(("BM_SamePass_ReadAll/" + w).c_str(), BM_SamePass, sparse, true);
    benchmark::RegisterBenchmark(("BM_Lazy_ReadOne/" + w).c_str(), BM_Lazy, sparse, false);
    benchmark::RegisterBenchmark(("BM_SamePass_ReadOne/" + w).c_str(), BM_SamePass, sparse, false);
    benchmark::RegisterBenchmark(("BM_FastRead_ReadAll/" + w).c_str(), BM_FastRead, sparse);
  }
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
