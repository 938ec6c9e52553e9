// The encoder kernels against memcpy of the same bytes (the limit) and
// against the per-element loops a Thrift C++ user runs today: Apache Thrift
// 0.17's TBinaryProtocol through the virtual TProtocol interface (what
// generated code uses by default: std::shared_ptr<TProtocol> over
// TBinaryProtocol) and TBinaryProtocolT<TMemoryBuffer> (the templated,
// non-virtual variant), writing a list header + N elements into a reused
// TMemoryBuffer, and reading them back from one.
//
//   BM_Memcpy_Copy/<bytes>
//   BM_<Scalar|Avx2|Avx512>_<I64|I32><ToBe|FromBe>/<bytes>
//   BM_<ApacheVirtual|ApacheTemplated>_<I64|I32><Write|Read>/<bytes>
//
// <bytes> is the payload (N * element size; Apache's 5-byte list header is
// not counted), for N = 64 elements, 4 KB and 1 MB. Values are the
// non-negative splitmix64 sequences of the `mytest` / `mytest_i32`
// workloads (tests/bench: ../shared/bench/README.md), so the 1 MB cases are
// exactly those arrays. Every subject's output is compared with the scalar
// kernel's before timing; a mismatch reports an error instead of a figure.
// Buffers are 64-byte aligned so every subject sees the same alignment.
//
// Run: taskset -c 1 ./simd_bench --benchmark_repetitions=5
//        --benchmark_report_aggregates_only=true
#include <benchmark/benchmark.h>
#include <thrift/protocol/TBinaryProtocol.h>
#include <thrift/transport/TBufferTransports.h>

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
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

// splitmix64 as ../shared/bench/README.md defines it.
class SplitMix64 {
 public:
  explicit SplitMix64(uint64_t seed) : s_(seed) {}
  uint64_t Next() {
    uint64_t z = (s_ += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }

 private:
  uint64_t s_;
};

// 64-byte aligned bytes; freed with the object.
class Bytes {
 public:
  explicit Bytes(size_t n)
      : p_(static_cast<uint8_t*>(std::aligned_alloc(64, (n + 63) / 64 * 64 + 64))), n_(n) {
    std::memset(p_.get(), 0, n);
  }
  uint8_t* data() const { return p_.get(); }
  size_t size() const { return n_; }
  template <class T>
  T* as() const {
    return reinterpret_cast<T*>(p_.get());
  }

 private:
  struct Free {
    void operator()(uint8_t* p) const { std::free(p); }
  };
  std::unique_ptr<uint8_t, Free> p_;
  size_t n_;
};

// The workload's host values for `bytes` bytes of T: mytest (i64) or
// mytest_i32 non-negative values.
template <class T>
Bytes Values(size_t bytes) {
  Bytes b(bytes);
  SplitMix64 r(sizeof(T) == 8 ? 0x6D79746573740001ull : 0x6D79746573740002ull);
  for (size_t i = 0; i < bytes / sizeof(T); ++i) {
    b.as<T>()[i] = static_cast<T>(sizeof(T) == 8 ? r.Next() >> 1 : r.Next() >> 33);
  }
  return b;
}

template <class T>
void ToBe(const tern::EncoderKernels& k, const void* src, size_t n, void* dst) {
  if constexpr (sizeof(T) == 8) {
    k.i64_to_be(static_cast<const int64_t*>(src), n, static_cast<uint8_t*>(dst));
  } else {
    k.i32_to_be(static_cast<const int32_t*>(src), n, static_cast<uint8_t*>(dst));
  }
}

template <class T>
void FromBe(const tern::EncoderKernels& k, const void* src, size_t n, void* dst) {
  if constexpr (sizeof(T) == 8) {
    k.be_to_i64(static_cast<const uint8_t*>(src), n, static_cast<int64_t*>(dst));
  } else {
    k.be_to_i32(static_cast<const uint8_t*>(src), n, static_cast<int32_t*>(dst));
  }
}

// The wire bytes every writer must produce, from the scalar kernel.
template <class T>
Bytes Wire(const Bytes& host) {
  Bytes wire(host.size());
  ToBe<T>(tern::ScalarKernels(), host.data(), host.size() / sizeof(T), wire.data());
  return wire;
}

bool SameBytes(const void* a, const void* b, size_t n) { return std::memcmp(a, b, n) == 0; }

struct Kernel {
  const char* subject;
  const tern::EncoderKernels* k;
  uint64_t needs;  // as the plugin declares it
};

const Kernel kKernels[] = {
    {"Scalar", &tern::ScalarKernels(), 0},
    {"Avx2", &kAvx2, tern::kCpuAvx | tern::kCpuAvx2},
    {"Avx512", &kAvx512, tern::kCpuAvx2 | tern::kCpuAvx512F | tern::kCpuAvx512BW},
};

bool Usable(benchmark::State& state, const Kernel& k) {
  if (tern::CpuFeatures::Host().Has(k.needs)) return true;
  state.SkipWithError((std::string("this CPU lacks ") +
                       tern::CpuFeatures(k.needs & ~tern::CpuFeatures::Host().bits()).ToString())
                          .c_str());
  return false;
}

template <class T>
void BM_KernelToBe(benchmark::State& state, const Kernel& k) {
  if (!Usable(state, k)) return;
  const size_t bytes = static_cast<size_t>(state.range(0));
  const size_t n = bytes / sizeof(T);
  const Bytes host = Values<T>(bytes);
  const Bytes want = Wire<T>(host);
  Bytes out(bytes);
  ToBe<T>(*k.k, host.data(), n, out.data());
  if (!SameBytes(out.data(), want.data(), bytes)) {
    state.SkipWithError("output differs from the scalar kernel's");
    return;
  }
  for (auto _ : state) {
    ToBe<T>(*k.k, host.data(), n, out.data());
    benchmark::DoNotOptimize(out.data());
    benchmark::ClobberMemory();
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * bytes));
}

template <class T>
void BM_KernelFromBe(benchmark::State& state, const Kernel& k) {
  if (!Usable(state, k)) return;
  const size_t bytes = static_cast<size_t>(state.range(0));
  const size_t n = bytes / sizeof(T);
  const Bytes want = Values<T>(bytes);
  const Bytes wire = Wire<T>(want);
  Bytes out(bytes);
  FromBe<T>(*k.k, wire.data(), n, out.data());
  if (!SameBytes(out.data(), want.data(), bytes)) {
    state.SkipWithError("output differs from the original values");
    return;
  }
  for (auto _ : state) {
    FromBe<T>(*k.k, wire.data(), n, out.data());
    benchmark::DoNotOptimize(out.data());
    benchmark::ClobberMemory();
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * bytes));
}

void BM_Memcpy(benchmark::State& state) {
  const size_t bytes = static_cast<size_t>(state.range(0));
  const Bytes src = Values<int64_t>(bytes);
  Bytes out(bytes);
  for (auto _ : state) {
    std::memcpy(out.data(), src.data(), bytes);
    benchmark::DoNotOptimize(out.data());
    benchmark::ClobberMemory();
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * bytes));
}

constexpr TType ElemType(size_t width) {
  return width == 8 ? apache::thrift::protocol::T_I64 : apache::thrift::protocol::T_I32;
}
constexpr size_t kListHeader = 5;  // element type byte + i32 size

// Generated code's loop for a list<i64>/list<i32> field. `proto` is a
// TProtocol& (every call virtual) or a TBinaryProtocolT<TMemoryBuffer>&
// (every call static and inlinable).
template <class T, class Proto>
void WriteList(Proto& proto, const T* v, size_t n) {
  proto.writeListBegin(ElemType(sizeof(T)), static_cast<uint32_t>(n));
  for (size_t i = 0; i < n; ++i) {
    if constexpr (sizeof(T) == 8) {
      proto.writeI64(v[i]);
    } else {
      proto.writeI32(v[i]);
    }
  }
  proto.writeListEnd();
}

template <class T, class Proto>
void ApacheWrite(benchmark::State& state, Proto& proto, TMemoryBuffer& buf) {
  const size_t bytes = static_cast<size_t>(state.range(0));
  const size_t n = bytes / sizeof(T);
  const Bytes host = Values<T>(bytes);
  const Bytes want = Wire<T>(host);
  const T* v = host.as<T>();
  for (auto _ : state) {
    buf.resetBuffer();
    WriteList(proto, v, n);
    benchmark::ClobberMemory();
  }
  uint8_t* data;
  uint32_t len;
  buf.getBuffer(&data, &len);
  if (len != kListHeader + bytes || !SameBytes(data + kListHeader, want.data(), bytes)) {
    state.SkipWithError("Apache wrote other bytes than the scalar kernel");
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * bytes));
}

// The bytes stay in the buffer; each iteration makes them readable again
// without copying or allocating (resetBuffer(ptr, len) would construct a
// TMemoryBuffer, and with it a TConfiguration, per call), and ends the
// message as generated code does (readEnd).
template <class T, class Proto>
void ApacheRead(benchmark::State& state, Proto& proto, TMemoryBuffer& buf) {
  const size_t bytes = static_cast<size_t>(state.range(0));
  const Bytes want = Values<T>(bytes);
  buf.resetBuffer();
  WriteList(proto, want.as<T>(), bytes / sizeof(T));
  const auto len = static_cast<uint32_t>(kListHeader + bytes);
  Bytes out(bytes);
  T* o = out.as<T>();
  for (auto _ : state) {
    buf.resetBuffer();
    buf.wroteBytes(len);
    TType type;
    uint32_t n;
    proto.readListBegin(type, n);
    for (uint32_t i = 0; i < n; ++i) {
      if constexpr (sizeof(T) == 8) {
        proto.readI64(o[i]);
      } else {
        proto.readI32(o[i]);
      }
    }
    proto.readListEnd();
    buf.readEnd();
    benchmark::DoNotOptimize(o);
    benchmark::ClobberMemory();
  }
  if (!SameBytes(out.data(), want.data(), bytes)) {
    state.SkipWithError("Apache read other values than were written");
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * bytes));
}

template <class T>
void BM_ApacheVirtual(benchmark::State& state, bool write) {
  auto buf = std::make_shared<TMemoryBuffer>(static_cast<uint32_t>(state.range(0) + 64));
  std::shared_ptr<TProtocol> proto = std::make_shared<TBinaryProtocol>(buf);
  if (write) {
    ApacheWrite<T>(state, *proto, *buf);
  } else {
    ApacheRead<T>(state, *proto, *buf);
  }
}

template <class T>
void BM_ApacheTemplated(benchmark::State& state, bool write) {
  auto buf = std::make_shared<TMemoryBuffer>(static_cast<uint32_t>(state.range(0) + 64));
  TBinaryProtocolT<TMemoryBuffer> proto(buf);
  if (write) {
    ApacheWrite<T>(state, proto, *buf);
  } else {
    ApacheRead<T>(state, proto, *buf);
  }
}

// 64 elements, 4 KB, 1 MB.
void Sizes(benchmark::internal::Benchmark* b, size_t width) {
  b->Arg(static_cast<int64_t>(64 * width))->Arg(4096)->Arg(1 << 20);
}

void RegisterAll() {
  using benchmark::RegisterBenchmark;
  RegisterBenchmark("BM_Memcpy_Copy", BM_Memcpy)->Arg(256)->Arg(512)->Arg(4096)->Arg(1 << 20);
  for (const Kernel& k : kKernels) {
    const std::string s = std::string("BM_") + k.subject + "_";
    Sizes(RegisterBenchmark((s + "I64ToBe").c_str(), BM_KernelToBe<int64_t>, k), 8);
    Sizes(RegisterBenchmark((s + "I32ToBe").c_str(), BM_KernelToBe<int32_t>, k), 4);
    Sizes(RegisterBenchmark((s + "I64FromBe").c_str(), BM_KernelFromBe<int64_t>, k), 8);
    Sizes(RegisterBenchmark((s + "I32FromBe").c_str(), BM_KernelFromBe<int32_t>, k), 4);
  }
  for (bool write : {true, false}) {
    const std::string op = write ? "Write" : "Read";
    Sizes(
        RegisterBenchmark(("BM_ApacheVirtual_I64" + op).c_str(), BM_ApacheVirtual<int64_t>, write),
        8);
    Sizes(
        RegisterBenchmark(("BM_ApacheVirtual_I32" + op).c_str(), BM_ApacheVirtual<int32_t>, write),
        4);
    Sizes(RegisterBenchmark(("BM_ApacheTemplated_I64" + op).c_str(), BM_ApacheTemplated<int64_t>,
                            write),
          8);
    Sizes(RegisterBenchmark(("BM_ApacheTemplated_I32" + op).c_str(), BM_ApacheTemplated<int32_t>,
                            write),
          4);
  }
}

}  // namespace

int main(int argc, char** argv) {
  RegisterAll();
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
