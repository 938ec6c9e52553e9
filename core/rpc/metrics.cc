#include "tern/rpc/metrics.h"

#include <glog/logging.h>

#include <algorithm>
#include <cinttypes>
#include <cstdio>
#include <map>
#include <mutex>
#include <tuple>

namespace tern::rpc {
namespace {

// Exported `le` counts are exact only because every bound is a bucket edge.
constexpr bool BoundsAreEdges() {
  for (uint64_t b : kLatencyBoundsNs) {
    if (LatencyHistogram::BucketUpperNs(LatencyHistogram::BucketIndex(b)) != b) return false;
  }
  return true;
}
static_assert(BoundsAreEdges());
static_assert(LatencyHistogram::BucketUpperNs(LatencyHistogram::kBuckets - 2) ==
              LatencyHistogram::kMaxNs);
static_assert(LatencyHistogram::BucketIndex(LatencyHistogram::kMaxNs + 1) ==
              LatencyHistogram::kBuckets - 1);

// The `le` label values, spelled as decimals (Go's 'g' format would write
// 5e-05; both parse, this one reads better).
constexpr std::array<const char*, kLatencyBoundsNs.size()> kLeLabels = {
    "0.00005", "0.0001", "0.00025", "0.0005", "0.001", "0.0025", "0.005", "0.01", "0.025",
    "0.05",    "0.1",    "0.25",    "0.5",    "1",     "2.5",    "5",     "10"};

void AppendEscapedLabel(std::string& out, std::string_view value) {
  for (char c : value) {
    switch (c) {
      case '\\':
        out += "\\\\";
        break;
      case '"':
        out += "\\\"";
        break;
      case '\n':
        out += "\\n";
        break;
      default:
        out += c;
    }
  }
}

// HELP text escapes only backslash and newline.
void AppendEscapedHelp(std::string& out, std::string_view help) {
  for (char c : help) {
    switch (c) {
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      default:
        out += c;
    }
  }
}

void AppendFamilyHeader(std::string& out, std::string_view name, std::string_view help,
                        std::string_view type) {
  out += "# HELP ";
  out += name;
  out += ' ';
  AppendEscapedHelp(out, help);
  out += "\n# TYPE ";
  out += name;
  out += ' ';
  out += type;
  out += '\n';
}

// `{side="...",service="...",method="..."` — left open for more labels.
void AppendMethodLabels(std::string& out, const MethodSnapshot& m) {
  out += "{side=\"";
  AppendEscapedLabel(out, m.side);
  out += "\",service=\"";
  AppendEscapedLabel(out, m.service);
  out += "\",method=\"";
  AppendEscapedLabel(out, m.method);
  out += '"';
}

// Nanoseconds as exact decimal seconds ("1.500000000"), no rounding.
void AppendSeconds(std::string& out, uint64_t ns) {
  char buf[48];
  std::snprintf(buf, sizeof buf, "%" PRIu64 ".%09" PRIu64, ns / 1'000'000'000, ns % 1'000'000'000);
  out += buf;
}

std::string SanitizeMetricName(std::string_view name) {
  std::string out(name);
  if (out.empty()) out = "_";
  for (size_t i = 0; i < out.size(); ++i) {
    const char c = out[i];
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':' ||
                    (i > 0 && c >= '0' && c <= '9');
    if (!ok) out[i] = '_';
  }
  DCHECK_EQ(out, name) << "invalid Prometheus metric name";
  return out;
}

void AppendMicros(std::string& out, const char* label, double ns) {
  char buf[64];
  std::snprintf(buf, sizeof buf, " %s=%.1fus", label, ns / 1000.0);
  out += buf;
}

}  // namespace

const char* CallErrorName(CallError error) {
  switch (error) {
    case CallError::kNone:
      return "none";
    case CallError::kDeclared:
      return "declared";
    case CallError::kApplication:
      return "application";
    case CallError::kTimeout:
      return "timeout";
    case CallError::kTransport:
      return "transport";
    case CallError::kProtocol:
      return "protocol";
    case CallError::kOverload:
      return "overload";
    case CallError::kCancelled:
      return "cancelled";
  }
  return "unknown";
}

// ---- LatencyHistogram ----

uint64_t LatencyHistogram::count() const noexcept {
  uint64_t n = 0;
  for (const auto& b : buckets_) n += b.load(std::memory_order_relaxed);
  return n;
}

HistogramSnapshot LatencyHistogram::Snapshot() const {
  HistogramSnapshot s;
  s.sum_ns = sum_ns_.load(std::memory_order_relaxed);
  s.max_ns = max_ns_.load(std::memory_order_relaxed);
  for (size_t i = 0; i < kBuckets; ++i) {
    s.buckets[i] = buckets_[i].load(std::memory_order_relaxed);
    s.count += s.buckets[i];
  }
  // Cumulative counts from the copied buckets, so they agree with `count`.
  uint64_t cum = 0;
  size_t next = 0;
  for (size_t j = 0; j < kLatencyBoundsNs.size(); ++j) {
    const size_t last = BucketIndex(kLatencyBoundsNs[j]);
    for (; next <= last; ++next) cum += s.buckets[next];
    s.le_counts[j] = cum;
  }
  s.le_counts.back() = s.count;
  return s;
}

double HistogramSnapshot::Percentile(double q) const {
  if (count == 0) return 0.0;
  q = std::clamp(q, 0.0, 1.0);
  const double target = q * static_cast<double>(count);
  uint64_t cum = 0;
  for (size_t i = 0; i < buckets.size(); ++i) {
    if (buckets[i] == 0) continue;
    const uint64_t before = cum;
    cum += buckets[i];
    if (static_cast<double>(cum) < target) continue;
    const double lo = static_cast<double>(LatencyHistogram::BucketLowerNs(i));
    // The last bucket has no upper edge: the max bounds it.
    const double hi = i == buckets.size() - 1
                          ? std::max(lo, static_cast<double>(max_ns))
                          : static_cast<double>(LatencyHistogram::BucketUpperNs(i));
    const double frac = (target - static_cast<double>(before)) / static_cast<double>(buckets[i]);
    const double est = lo + frac * (hi - lo);
    // max_ns is read apart from the buckets, so under concurrent Records it
    // may lag them; never answer below the bucket's own lower edge.
    const double max = static_cast<double>(max_ns);
    return est > max ? std::max(max, lo) : est;
  }
  return static_cast<double>(max_ns);  // unreachable: cum reaches count
}

// ---- MethodMetrics ----

MethodMetrics::MethodMetrics(std::string_view side, std::string_view service,
                             std::string_view method)
    : side_(side), service_(service), method_(method) {}

uint64_t MethodMetrics::errors(CallError kind) const noexcept {
  const auto k = static_cast<size_t>(kind);
  if (k == 0 || k >= kCallErrorKinds) return 0;
  return errors_[k].load(std::memory_order_acquire);
}

uint64_t MethodMetrics::errors() const noexcept {
  uint64_t n = 0;
  for (size_t k = 1; k < kCallErrorKinds; ++k) n += errors_[k].load(std::memory_order_acquire);
  return n;
}

// ---- Gauge ----

Gauge::Gauge(std::string_view name, std::string_view help)
    : name_(SanitizeMetricName(name)), help_(help) {}

// ---- MetricsSnapshot ----

const MethodSnapshot* MetricsSnapshot::Find(std::string_view side, std::string_view service,
                                            std::string_view method) const {
  for (const MethodSnapshot& m : methods) {
    if (m.side == side && m.service == service && m.method == method) return &m;
  }
  return nullptr;
}

const GaugeSnapshot* MetricsSnapshot::FindGauge(std::string_view name) const {
  for (const GaugeSnapshot& g : gauges) {
    if (g.name == name) return &g;
  }
  return nullptr;
}

std::string MetricsSnapshot::PrometheusText() const {
  std::string out;
  out.reserve(256 + methods.size() * 3000 + gauges.size() * 128);
  if (!methods.empty()) {
    AppendFamilyHeader(out, "tern_rpc_calls_total",
                       "RPC calls completed, by side, service and method.", "counter");
    for (const MethodSnapshot& m : methods) {
      out += "tern_rpc_calls_total";
      AppendMethodLabels(out, m);
      out += "} ";
      out += std::to_string(m.calls);
      out += '\n';
    }
    AppendFamilyHeader(out, "tern_rpc_errors_total",
                       "RPC calls that failed, by kind (every kind is listed, zero or not).",
                       "counter");
    for (const MethodSnapshot& m : methods) {
      for (size_t k = 1; k < kCallErrorKinds; ++k) {
        out += "tern_rpc_errors_total";
        AppendMethodLabels(out, m);
        out += ",kind=\"";
        out += CallErrorName(static_cast<CallError>(k));
        out += "\"} ";
        out += std::to_string(m.errors[k]);
        out += '\n';
      }
    }
    AppendFamilyHeader(out, "tern_rpc_latency_seconds",
                       "RPC latency in seconds, failed calls included.", "histogram");
    for (const MethodSnapshot& m : methods) {
      const HistogramSnapshot& h = m.latency;
      for (size_t j = 0; j < h.le_counts.size(); ++j) {
        out += "tern_rpc_latency_seconds_bucket";
        AppendMethodLabels(out, m);
        out += ",le=\"";
        out += j < kLeLabels.size() ? kLeLabels[j] : "+Inf";
        out += "\"} ";
        out += std::to_string(h.le_counts[j]);
        out += '\n';
      }
      out += "tern_rpc_latency_seconds_sum";
      AppendMethodLabels(out, m);
      out += "} ";
      AppendSeconds(out, h.sum_ns);
      out += '\n';
      out += "tern_rpc_latency_seconds_count";
      AppendMethodLabels(out, m);
      out += "} ";
      out += std::to_string(h.count);
      out += '\n';
    }
  }
  for (const GaugeSnapshot& g : gauges) {
    AppendFamilyHeader(out, g.name, g.help, "gauge");
    out += g.name;
    out += ' ';
    out += std::to_string(g.value);
    out += '\n';
  }
  return out;
}

std::string MetricsSnapshot::SummaryText() const {
  std::string out;
  for (const MethodSnapshot& m : methods) {
    out += m.side;
    out += ' ';
    out += m.service;
    out += '.';
    out += m.method;
    out += " calls=";
    out += std::to_string(m.calls);
    const uint64_t errors = m.total_errors();
    out += " errors=";
    out += std::to_string(errors);
    if (errors != 0) {
      out += " (";
      bool first = true;
      for (size_t k = 1; k < kCallErrorKinds; ++k) {
        if (m.errors[k] == 0) continue;
        if (!first) out += ' ';
        first = false;
        out += CallErrorName(static_cast<CallError>(k));
        out += '=';
        out += std::to_string(m.errors[k]);
      }
      out += ')';
    }
    if (m.latency.count != 0) {
      AppendMicros(out, "p50", m.latency.Percentile(0.50));
      AppendMicros(out, "p99", m.latency.Percentile(0.99));
      AppendMicros(out, "p999", m.latency.Percentile(0.999));
      AppendMicros(out, "max", static_cast<double>(m.latency.max_ns));
    }
    out += '\n';
  }
  if (!gauges.empty()) {
    out += "gauges:";
    for (const GaugeSnapshot& g : gauges) {
      out += ' ';
      out += g.name;
      out += '=';
      out += std::to_string(g.value);
    }
    out += '\n';
  }
  return out;
}

// ---- MetricsRegistry ----

namespace {

struct MethodKey {
  std::string side, service, method;
};
struct MethodKeyView {
  std::string_view side, service, method;
};
struct MethodKeyLess {
  using is_transparent = void;
  template <class K>
  static std::tuple<std::string_view, std::string_view, std::string_view> View(const K& k) {
    return {k.side, k.service, k.method};
  }
  template <class A, class B>
  bool operator()(const A& a, const B& b) const {
    return View(a) < View(b);
  }
};

}  // namespace

struct MetricsRegistry::Impl {
  mutable std::mutex mu;
  // unique_ptr: the pointers handed out never move.
  std::map<MethodKey, std::unique_ptr<MethodMetrics>, MethodKeyLess> methods;
  std::map<std::string, std::unique_ptr<Gauge>, std::less<>> gauges;
};

MetricsRegistry::MetricsRegistry() : impl_(std::make_unique<Impl>()) {}
MetricsRegistry::~MetricsRegistry() = default;

MethodMetrics* MetricsRegistry::Method(std::string_view side, std::string_view service,
                                       std::string_view method) {
  std::lock_guard lock(impl_->mu);
  const MethodKeyView key{side, service, method};
  auto it = impl_->methods.find(key);
  if (it == impl_->methods.end()) {
    it = impl_->methods
             .emplace(MethodKey{std::string(side), std::string(service), std::string(method)},
                      std::make_unique<MethodMetrics>(side, service, method))
             .first;
  }
  return it->second.get();
}

Gauge* MetricsRegistry::GetGauge(std::string_view name, std::string_view help) {
  const std::string clean = SanitizeMetricName(name);
  std::lock_guard lock(impl_->mu);
  auto it = impl_->gauges.find(clean);
  if (it == impl_->gauges.end()) {
    it = impl_->gauges.emplace(clean, std::make_unique<Gauge>(clean, help)).first;
  }
  return it->second.get();
}

MetricsSnapshot MetricsRegistry::Snapshot() const {
  MetricsSnapshot s;
  std::lock_guard lock(impl_->mu);
  s.methods.reserve(impl_->methods.size());
  for (const auto& [key, m] : impl_->methods) {
    MethodSnapshot& ms = s.methods.emplace_back();
    ms.side = key.side;
    ms.service = key.service;
    ms.method = key.method;
    // Errors first (acquire), then the buckets: the calls they count are
    // then already in the buckets.
    for (size_t k = 1; k < kCallErrorKinds; ++k)
      ms.errors[k] = m->errors(static_cast<CallError>(k));
    ms.latency = m->latency();
    ms.calls = ms.latency.count;
  }
  s.gauges.reserve(impl_->gauges.size());
  for (const auto& [name, g] : impl_->gauges) {
    s.gauges.push_back(GaugeSnapshot{g->name(), g->help(), g->value()});
  }
  return s;
}

std::string MetricsRegistry::PrometheusText() const { return Snapshot().PrometheusText(); }
std::string MetricsRegistry::SummaryText() const { return Snapshot().SummaryText(); }

}  // namespace tern::rpc
