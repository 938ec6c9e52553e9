// RPC metrics: per-method call counts, errors by kind and latency
// histograms, plus a few gauges, exported as Prometheus text.
//
//   MetricsRegistry& reg = runtime.metrics();
//   MethodMetrics* m = reg.Method("server", "Echo", "echo");  // once, at registration
//   ...
//   m->Record(latency_ns, CallError::kNone);                  // once per call, any thread
//   reg.GetGauge("tern_server_inflight", "Calls being handled.")->Add(1);
//   std::string page = reg.PrometheusText();                  // /metrics
//
//   MetricsRegistry ──owns──> MethodMetrics {LatencyHistogram, errors[kind]}
//                   ──owns──> Gauge {atomic int64}
//   Snapshot() ──copies──> MetricsSnapshot (plain values) ──> Prometheus/summary text
//
// Ownership. The registry owns every MethodMetrics and Gauge it hands out;
// their pointers stay valid, at the same address, for the registry's life
// (nothing is ever removed). Callers resolve them once and cache the
// pointer: lookups take a mutex and are not meant for the per-call path.
// Snapshots are values that own their strings.
//
// Cost. MethodMetrics::Record is inline: two relaxed fetch_adds (the bucket
// and the sum), one relaxed load (the max, with a CAS only when the value is
// a new maximum) and, for a failed call, one more fetch_add. No lock, no
// allocation. The histogram's hot words start on their own cache line, so
// two methods never share one.
//
// Histogram. Fixed log-linear buckets over nanoseconds from 100 ns to 100 s
// (one bucket below, one above): per decade, steps of 0.1 from 1 to 2.5,
// 0.25 from 2.5 to 5 and 0.5 from 5 to 10 (35 buckets), so no bucket is
// wider than 10% of its lower edge and a percentile estimated by linear
// interpolation inside its bucket is within 10% of the true sample. Buckets
// are upper-inclusive, (lo, hi], and every Prometheus bound of
// kLatencyBoundsNs (50 µs .. 10 s, the usual 1-2.5-5 series) is a bucket
// edge, so the exported `le` counts are exact, not estimates.
//
// Prometheus. PrometheusText() is the text exposition format 0.0.4:
//   tern_rpc_calls_total{side,service,method}            counter
//   tern_rpc_errors_total{side,service,method,kind}      counter
//   tern_rpc_latency_seconds{side,service,method}        histogram (_bucket{le}, _sum, _count)
//   <gauge name>                                         gauge
// Every method gets a line for every error kind, zero or not: a series that
// first appears at 1 loses that increment in rate()/increase(), and the
// set of kinds is small and fixed. Label values are escaped (\\, \", \n).
// Methods come sorted by (side, service, method), gauges by name.
//
// Thread: [thread-safe], every class and method. Snapshots are not atomic
// across counters: a snapshot taken while calls complete may count a call in
// `calls` but not yet in `sum_ns`, or the reverse. Two things do hold in
// every snapshot: a histogram's `count` is the sum of its buckets (so the
// `+Inf` bucket equals `_count`, and cumulative counts never decrease), and
// a method's errors never exceed its calls.
#pragma once

#include <array>
#include <atomic>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "tern/export.h"

namespace tern::rpc {

// How a call ended, for metrics and middleware. Values index arrays: keep
// them dense and kNone first.
enum class CallError : uint8_t {
  kNone,
  kDeclared,     // the handler threw one of the method's declared IDL exceptions
  kApplication,  // TApplicationException: unknown method, internal error...
  kTimeout,      // the deadline passed
  kTransport,    // connection refused, closed mid-call
  kProtocol,     // malformed request or reply
  kOverload,     // max_inflight reached, worker queue full
  kCancelled,    // the call was abandoned (shutdown, client closed)
};
inline constexpr size_t kCallErrorKinds = 8;  // including kNone

// Returns: the label value of a kind ("declared", "application", "timeout",
// "transport", "protocol", "overload", "cancelled"); "none" for kNone,
// "unknown" for a value out of range.
TERN_EXPORT const char* CallErrorName(CallError error);

// The `le` bounds of the exported latency histogram, in nanoseconds: 50 µs
// to 10 s; `+Inf` follows implicitly. Each one is a bucket edge of
// LatencyHistogram.
inline constexpr std::array<uint64_t, 17> kLatencyBoundsNs = {
    50'000,      100'000,       250'000,       500'000,       1'000'000,     2'500'000,
    5'000'000,   10'000'000,    25'000'000,    50'000'000,    100'000'000,   250'000'000,
    500'000'000, 1'000'000'000, 2'500'000'000, 5'000'000'000, 10'000'000'000};

struct HistogramSnapshot;

// Latency distribution of one method. See the header for the bucket layout.
// Thread: [thread-safe]; Record is lock-free and allocation-free.
class TERN_EXPORT LatencyHistogram {
 public:
  static constexpr uint64_t kMinNs = 100;              // bucket 0 is [0, 100 ns]
  static constexpr uint64_t kMaxNs = 100'000'000'000;  // the last bucket is (100 s, inf)
  static constexpr size_t kBucketsPerDecade = 35;
  static constexpr size_t kDecades = 9;  // 100 ns .. 100 s
  static constexpr size_t kBuckets = 2 + kDecades * kBucketsPerDecade;

  // Returns: the bucket holding `ns`, the i such that
  // BucketLowerNs(i) < ns <= BucketUpperNs(i) (bucket 0 also holds 0).
  static constexpr size_t BucketIndex(uint64_t ns) noexcept;
  // Returns: the inclusive upper edge of bucket i; UINT64_MAX for the last.
  static constexpr uint64_t BucketUpperNs(size_t i) noexcept;
  // Returns: the exclusive lower edge of bucket i (0 for bucket 0).
  static constexpr uint64_t BucketLowerNs(size_t i) noexcept {
    return i == 0 ? 0 : BucketUpperNs(i - 1);
  }

  LatencyHistogram() = default;
  LatencyHistogram(const LatencyHistogram&) = delete;
  LatencyHistogram& operator=(const LatencyHistogram&) = delete;

  // Counts one sample. Thread: any; wait-free but for the max, a CAS loop
  // that runs only while `ns` is larger than the max seen.
  void Record(uint64_t ns) noexcept {
    buckets_[BucketIndex(ns)].fetch_add(1, std::memory_order_relaxed);
    sum_ns_.fetch_add(ns, std::memory_order_relaxed);
    uint64_t max = max_ns_.load(std::memory_order_relaxed);
    while (ns > max && !max_ns_.compare_exchange_weak(max, ns, std::memory_order_relaxed)) {
    }
  }

  // Returns: the number of samples (a sum over the buckets: not per call).
  uint64_t count() const noexcept;
  uint64_t sum_ns() const noexcept { return sum_ns_.load(std::memory_order_relaxed); }
  uint64_t max_ns() const noexcept { return max_ns_.load(std::memory_order_relaxed); }
  // Returns: a copy of every counter (not atomic across them; see header).
  HistogramSnapshot Snapshot() const;

 private:
  // alignas on the first member, not the class: GCC rejects alignas after
  // the visibility attribute in a class head.
  alignas(64) std::atomic<uint64_t> sum_ns_{0};
  std::atomic<uint64_t> max_ns_{0};
  std::array<std::atomic<uint64_t>, kBuckets> buckets_{};
};

// A histogram's counters as plain values.
struct TERN_EXPORT HistogramSnapshot {
  uint64_t count = 0;  // == the sum of `buckets`
  uint64_t sum_ns = 0;
  uint64_t max_ns = 0;
  // Per bucket (not cumulative), indexed like LatencyHistogram::BucketIndex.
  std::array<uint64_t, LatencyHistogram::kBuckets> buckets{};
  // Cumulative counts of samples <= kLatencyBoundsNs[i]; the last element is
  // `+Inf` and equals `count`.
  std::array<uint64_t, kLatencyBoundsNs.size() + 1> le_counts{};

  // Returns: the q-quantile in nanoseconds (q in [0, 1], clamped), by linear
  // interpolation inside its bucket, never above max_ns; 0 when empty.
  double Percentile(double q) const;
  // Returns: sum_ns / count, 0 when empty.
  double MeanNs() const { return count == 0 ? 0.0 : static_cast<double>(sum_ns) / count; }
};

// The counters of one (side, service, method).
// Thread: [thread-safe]; Record is lock-free and allocation-free.
class TERN_EXPORT MethodMetrics {
 public:
  MethodMetrics(std::string_view side, std::string_view service, std::string_view method);
  MethodMetrics(const MethodMetrics&) = delete;
  MethodMetrics& operator=(const MethodMetrics&) = delete;

  // Counts one finished call: its latency always, its error kind unless
  // kNone (a value out of range counts as a call only).
  void Record(uint64_t latency_ns, CallError error) noexcept {
    latency_.Record(latency_ns);
    const auto kind = static_cast<size_t>(error);
    // Release after the bucket increment, acquire in the readers: a
    // snapshot never holds more errors than calls.
    if (kind != 0 && kind < kCallErrorKinds) {
      errors_[kind].fetch_add(1, std::memory_order_release);
    }
  }

  uint64_t calls() const noexcept { return latency_.count(); }
  // Returns: the calls that ended with `kind` (0 for kNone).
  uint64_t errors(CallError kind) const noexcept;
  // Returns: the calls that ended with any error.
  uint64_t errors() const noexcept;
  HistogramSnapshot latency() const { return latency_.Snapshot(); }

  const std::string& side() const { return side_; }
  const std::string& service() const { return service_; }
  const std::string& method() const { return method_; }

 private:
  LatencyHistogram latency_;
  std::array<std::atomic<uint64_t>, kCallErrorKinds> errors_{};
  std::string side_;
  std::string service_;
  std::string method_;
};

// A value that goes up and down (open connections, calls in flight).
// Servers made from one Runtime share a registry, hence its gauges: change
// them with Add(+1)/Add(-1) so they stay process-wide sums; Set only a
// gauge one object owns. Thread: [thread-safe].
class TERN_EXPORT Gauge {
 public:
  Gauge(std::string_view name, std::string_view help);
  Gauge(const Gauge&) = delete;
  Gauge& operator=(const Gauge&) = delete;

  void Add(int64_t delta) noexcept { value_.fetch_add(delta, std::memory_order_relaxed); }
  void Set(int64_t value) noexcept { value_.store(value, std::memory_order_relaxed); }
  int64_t value() const noexcept { return value_.load(std::memory_order_relaxed); }
  const std::string& name() const { return name_; }
  const std::string& help() const { return help_; }

 private:
  alignas(64) std::atomic<int64_t> value_{0};
  std::string name_;
  std::string help_;
};

struct MethodSnapshot {
  std::string side;
  std::string service;
  std::string method;
  uint64_t calls = 0;  // == latency.count
  // Indexed by CallError; errors[kNone] is 0.
  std::array<uint64_t, kCallErrorKinds> errors{};
  HistogramSnapshot latency;

  uint64_t total_errors() const {
    uint64_t n = 0;
    for (uint64_t e : errors) n += e;
    return n;
  }
};

struct GaugeSnapshot {
  std::string name;
  std::string help;
  int64_t value = 0;
};

// Everything in a registry as plain values. Thread: a value.
struct TERN_EXPORT MetricsSnapshot {
  std::vector<MethodSnapshot> methods;  // sorted by (side, service, method)
  std::vector<GaugeSnapshot> gauges;    // sorted by name

  // Returns: the method's entry, or null.
  const MethodSnapshot* Find(std::string_view side, std::string_view service,
                             std::string_view method) const;
  const GaugeSnapshot* FindGauge(std::string_view name) const;
  // See the header for the format.
  std::string PrometheusText() const;
  // One line per method, then one line of gauges (if any):
  //   "server Echo.echo calls=12 errors=1 (timeout=1) p50=45.2us p99=120.0us p999=300.1us
  //    max=310.0us"
  std::string SummaryText() const;
};

// Every method's metrics and every gauge of a process (one per Runtime).
// Thread: [thread-safe].
class TERN_EXPORT MetricsRegistry {
 public:
  MetricsRegistry();
  ~MetricsRegistry();
  MetricsRegistry(const MetricsRegistry&) = delete;
  MetricsRegistry& operator=(const MetricsRegistry&) = delete;

  // Get-or-create. `side` is "server" or "client" by convention (any text
  // is accepted and exported as a label value).
  // Returns: never null; the same pointer for the same key, valid for the
  // registry's life. Thread: any; takes a mutex (cache the result).
  MethodMetrics* Method(std::string_view side, std::string_view service, std::string_view method);

  // Get-or-create the gauge `name` (a Prometheus metric name,
  // [a-zA-Z_:][a-zA-Z0-9_:]*; other characters become '_'). `help` is used
  // when the gauge is created and ignored afterwards.
  // Returns: never null; stable for the registry's life. Thread: any; takes
  // a mutex (cache the result).
  Gauge* GetGauge(std::string_view name, std::string_view help);

  // Returns: every counter as a value (not atomic across counters).
  MetricsSnapshot Snapshot() const;
  // Snapshot().PrometheusText() and Snapshot().SummaryText().
  std::string PrometheusText() const;
  std::string SummaryText() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// ---- inline definitions ----

namespace detail {
inline constexpr std::array<uint64_t, 12> kPow10 = {
    1,         10,         100,         1'000,         10'000,         100'000,
    1'000'000, 10'000'000, 100'000'000, 1'000'000'000, 10'000'000'000, 100'000'000'000};
}  // namespace detail

constexpr size_t LatencyHistogram::BucketIndex(uint64_t ns) noexcept {
  // Upper-inclusive buckets: ns <= edge  <=>  ns - 1 < edge.
  const uint64_t v = ns == 0 ? 0 : ns - 1;
  if (v < kMinNs) return 0;
  if (v >= kMaxNs) return kBuckets - 1;
  // The decade d (10^d <= v < 10^(d+1)): floor(bit * log10(2)) is d or d - 1.
  const int bit = 63 - std::countl_zero(v);
  size_t d = static_cast<size_t>((bit * 1233) >> 12);
  if (v >= detail::kPow10[d + 1]) ++d;
  const uint64_t m = v / detail::kPow10[d - 2];  // three significant digits: 100..999
  const size_t sub = m < 250   ? static_cast<size_t>((m - 100) / 10)
                     : m < 500 ? static_cast<size_t>(15 + (m - 250) / 25)
                               : static_cast<size_t>(25 + (m - 500) / 50);
  return 1 + (d - 2) * kBucketsPerDecade + sub;
}

constexpr uint64_t LatencyHistogram::BucketUpperNs(size_t i) noexcept {
  if (i == 0) return kMinNs;
  if (i >= kBuckets - 1) return UINT64_MAX;
  const size_t d = (i - 1) / kBucketsPerDecade + 2;
  const size_t sub = (i - 1) % kBucketsPerDecade;
  const uint64_t m = sub < 15   ? 100 + 10 * (sub + 1)
                     : sub < 25 ? 250 + 25 * (sub - 14)
                                : 500 + 50 * (sub - 24);
  return m * detail::kPow10[d - 2];
}

}  // namespace tern::rpc
