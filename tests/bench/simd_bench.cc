// The encoder kernels against memcpy (the limit) and against the per-element
// loops a Thrift C++ user runs today: Apache Thrift 0.17's TBinaryProtocol
// through the virtual TProtocol interface (what generated code uses by
// default) and TBinaryProtocolT<TMemoryBuffer> (the templated, non-virtual
// variant), writing a list header + N elements into a reused TMemoryBuffer,
// and reading them back.
//
//   BM_<I64|I32><ToBe|FromBe>/<Scalar|Avx2|Avx512>/<bytes>
//   BM_Memcpy/<bytes>
//   BM_ApacheVirtual_<I64|I32><Write|Read>/<bytes>
//   BM_ApacheTemplated_<I64|I32><Write|Read>/<bytes>
#include <benchmark/benchmark.h>
#include <thrift/protocol/TBinaryProtocol.h>
#include <thrift/transport/TBufferTransports.h>

#include <cstring>
#include <memory>
#include <vector>

#include "plugins/simd_avx2/kernels_avx2.h"
#include "plugins/simd_avx512/kernels_avx512.h"
#include "tern/cpu.h"
#include "tern/kernels.h"

namespace {

using apache::thrift::protocol::TBinaryProtocol;
using apache::thrift::protocol::TBinaryProtocolT;
using apache::thrift::protocol::TProtocol;
using apache::thrift::protocol::TType;
using apache::thrift::transport::TMemoryBuffer;

const tern::EncoderKernels kAvx2 = {
    "avx2",
    &tern::simd_avx2::I16ToBe,
    &tern::simd_avx2::BeToI16,
    &tern::simd_avx2::I32ToBe,
    &tern::simd_avx2::BeToI32,
    &tern::simd_avx2::I64ToBe,
    &tern::simd_avx2::BeToI64,
    &tern::simd_avx2::F64ToBe,
    &tern::simd_avx2::BeToF64,
};
const tern::EncoderKernels kAvx512 = {
    "avx512",
    &tern::simd_avx512::I16ToBe,
    &tern::simd_avx512::BeToI16,
    &tern::simd_avx512::I32ToBe,
    &tern::simd_avx512::BeToI32,
    &tern::simd_avx512::I64ToBe,
    &tern::simd_avx512::BeToI64,
    &tern::simd_avx512::F64ToBe,
    &tern::simd_avx512::BeToF64,
};

template <class T>
std::vector<T> Values(size_t n) {
  std::vector<T> v(n);
  uint64_t x = 0x9E3779B97F4A7C15ull;
  for (auto& e : v) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    e = static_cast<T>(x);
  }
  return v;
}

bool Usable(benchmark::State& state, const tern::EncoderKernels* k) {
  uint64_t need = 0;
  if (k == &kAvx512) need = tern::kCpuAvx512F | tern::kCpuAvx512BW;
  if (k == &kAvx2) need = tern::kCpuAvx2;
  if (!tern::CpuFeatures::Host().Has(need)) {
    state.SkipWithError("this CPU lacks the kernel's features");
    return false;
  }
  return true;
}

template <class T>
void KernelToBe(benchmark::State& state, const tern::EncoderKernels* k) {
  if (!Usable(state, k)) return;
  const size_t bytes = static_cast<size_t>(state.range(0));
  const auto v = Values<T>(bytes / sizeof(T));
  std::vector<uint8_t> out(bytes);
  for (auto _ : state) {
    if constexpr (sizeof(T) == 8) {
      k->i64_to_be(reinterpret_cast<const int64_t*>(v.data()), v.size(), out.data());
    } else {
      k->i32_to_be(reinterpret_cast<const int32_t*>(v.data()), v.size(), out.data());
    }
    benchmark::DoNotOptimize(out.data());
    benchmark::ClobberMemory();
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * bytes));
}

template <class T>
void KernelFromBe(benchmark::State& state, const tern::EncoderKernels* k) {
  if (!Usable(state, k)) return;
  const size_t bytes = static_cast<size_t>(state.range(0));
  const auto v = Values<T>(bytes / sizeof(T));
  std::vector<uint8_t> wire(bytes);
  std::memcpy(wire.data(), v.data(), bytes);
  std::vector<T> out(v.size());
  for (auto _ : state) {
    if constexpr (sizeof(T) == 8) {
      k->be_to_i64(wire.data(), out.size(), reinterpret_cast<int64_t*>(out.data()));
    } else {
      k->be_to_i32(wire.data(), out.size(), reinterpret_cast<int32_t*>(out.data()));
    }
    benchmark::DoNotOptimize(out.data());
    benchmark::ClobberMemory();
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * bytes));
}

void BM_Memcpy(benchmark::State& state) {
  const size_t bytes = static_cast<size_t>(state.range(0));
  const auto v = Values<int64_t>(bytes / 8);
  std::vector<uint8_t> out(bytes);
  for (auto _ : state) {
    std::memcpy(out.data(), v.data(), bytes);
    benchmark::DoNotOptimize(out.data());
    benchmark::ClobberMemory();
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * bytes));
}

// Apache: what generated code does for a list<i64>/list<i32> field.
template <class T, class Proto>
void ApacheWrite(benchmark::State& state, Proto& proto, TMemoryBuffer& buf) {
  const size_t bytes = static_cast<size_t>(state.range(0));
  const auto v = Values<T>(bytes / sizeof(T));
  for (auto _ : state) {
    buf.resetBuffer();
    proto.writeListBegin(
        sizeof(T) == 8 ? apache::thrift::protocol::T_I64 : apache::thrift::protocol::T_I32,
        static_cast<uint32_t>(v.size()));
    for (const T& e : v) {
      if constexpr (sizeof(T) == 8) {
        proto.writeI64(e);
      } else {
        proto.writeI32(e);
      }
    }
    proto.writeListEnd();
    benchmark::ClobberMemory();
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * bytes));
}

template <class T, class Proto>
void ApacheRead(benchmark::State& state, Proto& proto, TMemoryBuffer& buf) {
  const size_t bytes = static_cast<size_t>(state.range(0));
  const auto v = Values<T>(bytes / sizeof(T));
  buf.resetBuffer();
  proto.writeListBegin(
      sizeof(T) == 8 ? apache::thrift::protocol::T_I64 : apache::thrift::protocol::T_I32,
      static_cast<uint32_t>(v.size()));
  for (const T& e : v) {
    if constexpr (sizeof(T) == 8) {
      proto.writeI64(e);
    } else {
      proto.writeI32(e);
    }
  }
  uint8_t* data;
  uint32_t len;
  buf.getBuffer(&data, &len);
  const std::string wire(reinterpret_cast<char*>(data), len);
  std::vector<T> out(v.size());
  for (auto _ : state) {
    buf.resetBuffer(reinterpret_cast<uint8_t*>(const_cast<char*>(wire.data())),
                    static_cast<uint32_t>(wire.size()));
    TType et;
    uint32_t n;
    proto.readListBegin(et, n);
    for (uint32_t i = 0; i < n; ++i) {
      if constexpr (sizeof(T) == 8) {
        proto.readI64(out[i]);
      } else {
        proto.readI32(out[i]);
      }
    }
    proto.readListEnd();
    benchmark::DoNotOptimize(out.data());
    benchmark::ClobberMemory();
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * bytes));
}

template <class T, bool kWrite>
void ApacheVirtual(benchmark::State& state) {
  auto buf = std::make_shared<TMemoryBuffer>(static_cast<uint32_t>(state.range(0) + 64));
  std::shared_ptr<TProtocol> proto = std::make_shared<TBinaryProtocol>(buf);
  if constexpr (kWrite) {
    ApacheWrite<T>(state, *proto, *buf);
  } else {
    ApacheRead<T>(state, *proto, *buf);
  }
}

template <class T, bool kWrite>
void ApacheTemplated(benchmark::State& state) {
  auto buf = std::make_shared<TMemoryBuffer>(static_cast<uint32_t>(state.range(0) + 64));
  TBinaryProtocolT<TMemoryBuffer> proto(buf);
  if constexpr (kWrite) {
    ApacheWrite<T>(state, proto, *buf);
  } else {
    ApacheRead<T>(state, proto, *buf);
  }
}

void BM_I64ToBe(benchmark::State& s, const tern::EncoderKernels* k) { KernelToBe<int64_t>(s, k); }
void BM_I32ToBe(benchmark::State& s, const tern::EncoderKernels* k) { KernelToBe<int32_t>(s, k); }
void BM_I64FromBe(benchmark::State& s, const tern::EncoderKernels* k) {
  KernelFromBe<int64_t>(s, k);
}
void BM_I32FromBe(benchmark::State& s, const tern::EncoderKernels* k) {
  KernelFromBe<int32_t>(s, k);
}

void Sizes64(benchmark::internal::Benchmark* b) { b->Arg(64 * 8)->Arg(4096)->Arg(1 << 20); }
void Sizes32(benchmark::internal::Benchmark* b) { b->Arg(64 * 4)->Arg(4096)->Arg(1 << 20); }

}  // namespace

BENCHMARK(BM_Memcpy)->Arg(64 * 4)->Arg(64 * 8)->Arg(4096)->Arg(1 << 20);
BENCHMARK_CAPTURE(BM_I64ToBe, Scalar, &tern::ScalarKernels())->Apply(Sizes64);
BENCHMARK_CAPTURE(BM_I64ToBe, Avx2, &kAvx2)->Apply(Sizes64);
BENCHMARK_CAPTURE(BM_I64ToBe, Avx512, &kAvx512)->Apply(Sizes64);
BENCHMARK_CAPTURE(BM_I32ToBe, Scalar, &tern::ScalarKernels())->Apply(Sizes32);
BENCHMARK_CAPTURE(BM_I32ToBe, Avx2, &kAvx2)->Apply(Sizes32);
BENCHMARK_CAPTURE(BM_I32ToBe, Avx512, &kAvx512)->Apply(Sizes32);
BENCHMARK_CAPTURE(BM_I64FromBe, Scalar, &tern::ScalarKernels())->Apply(Sizes64);
BENCHMARK_CAPTURE(BM_I64FromBe, Avx2, &kAvx2)->Apply(Sizes64);
BENCHMARK_CAPTURE(BM_I64FromBe, Avx512, &kAvx512)->Apply(Sizes64);
BENCHMARK_CAPTURE(BM_I32FromBe, Avx2, &kAvx2)->Apply(Sizes32);
BENCHMARK_CAPTURE(BM_I32FromBe, Avx512, &kAvx512)->Apply(Sizes32);
BENCHMARK_TEMPLATE(ApacheVirtual, int64_t, true)->Name("BM_ApacheVirtual_I64Write")->Apply(Sizes64);
BENCHMARK_TEMPLATE(ApacheTemplated, int64_t, true)
    ->Name("BM_ApacheTemplated_I64Write")
    ->Apply(Sizes64);
BENCHMARK_TEMPLATE(ApacheVirtual, int32_t, true)->Name("BM_ApacheVirtual_I32Write")->Apply(Sizes32);
BENCHMARK_TEMPLATE(ApacheTemplated, int32_t, true)
    ->Name("BM_ApacheTemplated_I32Write")
    ->Apply(Sizes32);
BENCHMARK_TEMPLATE(ApacheVirtual, int64_t, false)->Name("BM_ApacheVirtual_I64Read")->Apply(Sizes64);
BENCHMARK_TEMPLATE(ApacheTemplated, int64_t, false)
    ->Name("BM_ApacheTemplated_I64Read")
    ->Apply(Sizes64);

BENCHMARK_MAIN();
