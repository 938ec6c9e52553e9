// LinkBuffer against the two things a C++ programmer would use instead: a
// growing std::vector<uint8_t>, and (the limit) a memcpy of the same bytes
// into memory that is already there.
//
//   BM_LinkBuffer_WriteRead/N: Malloc(N) + copy in + Flush + Next(N) + Release
//   BM_Vector_WriteRead/N:     fresh vector, insert N bytes (one growth) + read
//   BM_VectorGrow_WriteRead/N: fresh vector, N bytes appended 512 B at a time
//   BM_Memcpy/N:               memcpy N bytes into a reused destination
//   BM_LinkBuffer_Append/N:    Append(Slice) by reference + Flush + Next + Release
//
// Counters: bytes/s, allocs/op (operator new plus BlockPool system blocks).
#include <benchmark/benchmark.h>

#include <cstring>
#include <vector>

#include "alloc_counter.h"
#include "core/buffer/block_pool.h"
#include "tern/buffer.h"

namespace {

std::vector<uint8_t> Source(size_t n) {
  std::vector<uint8_t> v(n);
  for (size_t i = 0; i < n; ++i) v[i] = static_cast<uint8_t>(i * 131);
  return v;
}

uint64_t Allocs() {
  return tern::bench::NewCount() + tern::BlockPool::Global().GetStats().system_allocs;
}

void Finish(benchmark::State& state, size_t n, uint64_t allocs_before) {
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * n));
  state.counters["allocs/op"] = benchmark::Counter(static_cast<double>(Allocs() - allocs_before) /
                                                   static_cast<double>(state.iterations()));
}

void BM_LinkBuffer_WriteRead(benchmark::State& state) {
  const size_t n = static_cast<size_t>(state.range(0));
  const auto src = Source(n);
  tern::LinkBuffer buf;
  // Warm the pool so the steady state is measured.
  for (int i = 0; i < 4; ++i) {
    std::memcpy(*buf.Malloc(n), src.data(), n);
    buf.Flush();
    benchmark::DoNotOptimize(*buf.Next(n));
    buf.Release();
  }
  const uint64_t before = Allocs();
  for (auto _ : state) {
    auto p = buf.Malloc(n);
    std::memcpy(*p, src.data(), n);
    buf.Flush();
    auto r = buf.Next(n);
    benchmark::DoNotOptimize(*r);
    benchmark::ClobberMemory();
    buf.Release();
  }
  Finish(state, n, before);
}

void BM_Vector_WriteRead(benchmark::State& state) {
  const size_t n = static_cast<size_t>(state.range(0));
  const auto src = Source(n);
  const uint64_t before = Allocs();
  for (auto _ : state) {
    std::vector<uint8_t> v;
    v.insert(v.end(), src.begin(), src.end());
    benchmark::DoNotOptimize(v.data());
    benchmark::ClobberMemory();
  }
  Finish(state, n, before);
}

void BM_VectorGrow_WriteRead(benchmark::State& state) {
  const size_t n = static_cast<size_t>(state.range(0));
  const auto src = Source(n);
  constexpr size_t kChunk = 512;
  const uint64_t before = Allocs();
  for (auto _ : state) {
    std::vector<uint8_t> v;
    for (size_t off = 0; off < n; off += kChunk) {
      const size_t k = std::min(kChunk, n - off);
      v.insert(v.end(), src.begin() + off, src.begin() + off + k);
    }
    benchmark::DoNotOptimize(v.data());
    benchmark::ClobberMemory();
  }
  Finish(state, n, before);
}

void BM_Memcpy(benchmark::State& state) {
  const size_t n = static_cast<size_t>(state.range(0));
  const auto src = Source(n);
  std::vector<uint8_t> dst(n);
  const uint64_t before = Allocs();
  for (auto _ : state) {
    std::memcpy(dst.data(), src.data(), n);
    benchmark::DoNotOptimize(dst.data());
    benchmark::ClobberMemory();
  }
  Finish(state, n, before);
}

void BM_LinkBuffer_Append(benchmark::State& state) {
  const size_t n = static_cast<size_t>(state.range(0));
  const auto src = Source(n);
  tern::LinkBuffer buf;
  const uint64_t before = Allocs();
  for (auto _ : state) {
    buf.Append(tern::Slice::External(src.data(), n, nullptr, nullptr));
    buf.Flush();
    auto r = buf.Next(n);
    benchmark::DoNotOptimize(*r);
    benchmark::ClobberMemory();
    buf.Release();
  }
  Finish(state, n, before);
}

constexpr int64_t kSizes[] = {1 << 10, 64 << 10, 1 << 20};

void Sizes(benchmark::internal::Benchmark* b) {
  for (int64_t s : kSizes) b->Arg(s);
}

BENCHMARK(BM_LinkBuffer_WriteRead)->Apply(Sizes);
BENCHMARK(BM_Vector_WriteRead)->Apply(Sizes);
BENCHMARK(BM_VectorGrow_WriteRead)->Apply(Sizes);
BENCHMARK(BM_Memcpy)->Apply(Sizes);
BENCHMARK(BM_LinkBuffer_Append)->Arg(1 << 20);
BENCHMARK(BM_Memcpy)->Name("BM_Memcpy_AppendPeer")->Arg(1 << 20);

}  // namespace

BENCHMARK_MAIN();
