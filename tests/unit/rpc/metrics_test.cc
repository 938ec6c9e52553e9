#include "tern/rpc/metrics.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <map>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

namespace tern::rpc {
namespace {

using H = LatencyHistogram;

// The bucket of `ns` found the slow way: the first upper edge >= ns.
size_t ReferenceIndex(uint64_t ns) {
  for (size_t i = 0; i < H::kBuckets; ++i) {
    if (ns <= H::BucketUpperNs(i)) return i;
  }
  return H::kBuckets - 1;
}

// The nearest-rank q-quantile of sorted samples.
uint64_t ExactQuantile(const std::vector<uint64_t>& sorted, double q) {
  size_t rank = static_cast<size_t>(std::ceil(q * static_cast<double>(sorted.size())));
  rank = std::clamp<size_t>(rank, 1, sorted.size());
  return sorted[rank - 1];
}

void ExpectPercentilesWithinBucketError(const std::vector<uint64_t>& samples) {
  H h;
  for (uint64_t v : samples) h.Record(v);
  std::vector<uint64_t> sorted = samples;
  std::sort(sorted.begin(), sorted.end());
  const HistogramSnapshot s = h.Snapshot();
  ASSERT_EQ(s.count, samples.size());
  for (double q : {0.5, 0.9, 0.99, 0.999}) {
    const double exact = static_cast<double>(ExactQuantile(sorted, q));
    EXPECT_NEAR(s.Percentile(q), exact, exact * 0.10) << "q=" << q;
  }
  EXPECT_EQ(s.max_ns, sorted.back());
  EXPECT_LE(s.Percentile(1.0), static_cast<double>(sorted.back()));
}

TEST(CallErrorTest, NamesAreTheLabelValues) {
  EXPECT_STREQ(CallErrorName(CallError::kNone), "none");
  EXPECT_STREQ(CallErrorName(CallError::kDeclared), "declared");
  EXPECT_STREQ(CallErrorName(CallError::kApplication), "application");
  EXPECT_STREQ(CallErrorName(CallError::kTimeout), "timeout");
  EXPECT_STREQ(CallErrorName(CallError::kTransport), "transport");
  EXPECT_STREQ(CallErrorName(CallError::kProtocol), "protocol");
  EXPECT_STREQ(CallErrorName(CallError::kOverload), "overload");
  EXPECT_STREQ(CallErrorName(CallError::kCancelled), "cancelled");
  EXPECT_STREQ(CallErrorName(static_cast<CallError>(200)), "unknown");
}

TEST(LatencyHistogramTest, BucketEdgesIncreaseAndAreAtMostTenPercentWide) {
  for (size_t i = 1; i + 1 < H::kBuckets; ++i) {
    const uint64_t lo = H::BucketLowerNs(i);
    const uint64_t hi = H::BucketUpperNs(i);
    ASSERT_LT(lo, hi) << i;
    EXPECT_LE(static_cast<double>(hi - lo), 0.10 * static_cast<double>(lo) + 1e-9) << i;
  }
  EXPECT_EQ(H::BucketUpperNs(0), H::kMinNs);
  EXPECT_EQ(H::BucketLowerNs(H::kBuckets - 1), H::kMaxNs);
}

TEST(LatencyHistogramTest, BucketIndexMatchesTheEdges) {
  std::vector<uint64_t> values = {0, 1, 99, 100, 101, UINT64_MAX, UINT64_MAX - 1};
  for (uint64_t p = 1; p <= 1'000'000'000'000ull; p *= 10) {
    for (int64_t d = -2; d <= 2; ++d) values.push_back(p + d);
  }
  for (int b = 1; b < 64; ++b) {
    const uint64_t p = uint64_t{1} << b;
    for (int64_t d = -1; d <= 1; ++d) values.push_back(p + d);
  }
  for (size_t i = 0; i < H::kBuckets; ++i) {
    const uint64_t hi = H::BucketUpperNs(i);
    values.push_back(hi);
    if (hi != UINT64_MAX) values.push_back(hi + 1);
  }
  std::mt19937_64 rng(42);
  for (int i = 0; i < 20000; ++i) values.push_back(rng() >> (rng() % 64));
  for (uint64_t v : values) ASSERT_EQ(H::BucketIndex(v), ReferenceIndex(v)) << v;
}

TEST(LatencyHistogramTest, PrometheusBoundsAreEdgesAndCountInclusively) {
  H h;
  for (uint64_t b : kLatencyBoundsNs) {
    EXPECT_EQ(H::BucketUpperNs(H::BucketIndex(b)), b);
  }
  h.Record(50'000);          // exactly le=50µs
  h.Record(50'001);          // just above
  h.Record(20'000'000'000);  // above the last bound
  const HistogramSnapshot s = h.Snapshot();
  EXPECT_EQ(s.le_counts[0], 1u);
  EXPECT_EQ(s.le_counts[1], 2u);
  EXPECT_EQ(s.le_counts[kLatencyBoundsNs.size() - 1], 2u);
  EXPECT_EQ(s.le_counts.back(), 3u);
  EXPECT_EQ(s.count, 3u);
  EXPECT_EQ(s.sum_ns, 50'000u + 50'001u + 20'000'000'000u);
}

TEST(LatencyHistogramTest, EmptyHistogramHasZeroPercentiles) {
  H h;
  const HistogramSnapshot s = h.Snapshot();
  EXPECT_EQ(s.count, 0u);
  EXPECT_EQ(s.Percentile(0.5), 0.0);
  EXPECT_EQ(s.MeanNs(), 0.0);
}

TEST(LatencyHistogramTest, PercentilesOfUniformDistribution) {
  std::vector<uint64_t> samples;
  for (uint64_t k = 1; k <= 100'000; ++k) samples.push_back(k * 1000);  // 1 µs .. 100 ms
  ExpectPercentilesWithinBucketError(samples);
}

TEST(LatencyHistogramTest, PercentilesOfLogNormalDistribution) {
  std::mt19937_64 rng(7);
  std::lognormal_distribution<double> dist(std::log(200'000.0), 1.0);  // median 200 µs
  std::vector<uint64_t> samples;
  for (int i = 0; i < 200'000; ++i) samples.push_back(static_cast<uint64_t>(dist(rng)) + 1);
  ExpectPercentilesWithinBucketError(samples);
}

TEST(LatencyHistogramTest, PercentilesOfBimodalDistribution) {
  // 99% fast (around 30 µs), 1% slow (around 40 ms): p99 sits on the edge.
  std::mt19937_64 rng(11);
  std::uniform_int_distribution<uint64_t> fast(25'000, 35'000), slow(35'000'000, 45'000'000);
  std::vector<uint64_t> samples;
  for (int i = 0; i < 100'000; ++i) samples.push_back(i % 100 == 0 ? slow(rng) : fast(rng));
  ExpectPercentilesWithinBucketError(samples);
}

TEST(LatencyHistogramTest, ConstantSamplesNeverReportAboveTheMax) {
  H h;
  for (int i = 0; i < 1000; ++i) h.Record(123'456);
  const HistogramSnapshot s = h.Snapshot();
  for (double q : {0.0, 0.5, 0.99, 1.0}) {
    EXPECT_NEAR(s.Percentile(q), 123'456.0, 12'346.0);
    EXPECT_LE(s.Percentile(q), 123'456.0);
  }
  EXPECT_DOUBLE_EQ(s.MeanNs(), 123'456.0);
}

TEST(LatencyHistogramTest, OverflowBucketIsBoundedByTheMax) {
  H h;
  h.Record(500'000'000'000);  // 500 s
  const HistogramSnapshot s = h.Snapshot();
  EXPECT_EQ(s.buckets[H::kBuckets - 1], 1u);
  EXPECT_LE(s.Percentile(0.5), 500'000'000'000.0);
  EXPECT_GE(s.Percentile(0.5), static_cast<double>(H::kMaxNs));
}

TEST(MethodMetricsTest, ConcurrentRecordsSumExactly) {
  MethodMetrics m("server", "Echo", "echo");
  constexpr int kThreads = 4;
  constexpr uint64_t kPerThread = 200'000;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&m, t] {
      for (uint64_t i = 0; i < kPerThread; ++i) {
        const uint64_t ns = 1000 + (i % 1000) * 100 + static_cast<uint64_t>(t);
        m.Record(ns, i % 10 == 0 ? CallError::kTimeout : CallError::kNone);
      }
    });
  }
  for (auto& th : threads) th.join();
  uint64_t expected_sum = 0;
  for (int t = 0; t < kThreads; ++t) {
    for (uint64_t i = 0; i < kPerThread; ++i) expected_sum += 1000 + (i % 1000) * 100 + t;
  }
  const HistogramSnapshot s = m.latency();
  EXPECT_EQ(m.calls(), kThreads * kPerThread);
  EXPECT_EQ(s.count, kThreads * kPerThread);
  EXPECT_EQ(s.sum_ns, expected_sum);
  EXPECT_EQ(s.max_ns, uint64_t{1000 + 999 * 100 + kThreads - 1});
  EXPECT_EQ(m.errors(CallError::kTimeout), kThreads * kPerThread / 10);
  EXPECT_EQ(m.errors(), kThreads * kPerThread / 10);
}

TEST(MethodMetricsTest, ErrorKindsAreCountedApart) {
  MethodMetrics m("client", "Echo", "echo");
  m.Record(1000, CallError::kNone);
  m.Record(2000, CallError::kDeclared);
  m.Record(3000, CallError::kDeclared);
  m.Record(4000, CallError::kApplication);
  m.Record(5000, CallError::kTimeout);
  m.Record(6000, CallError::kTransport);
  m.Record(7000, CallError::kProtocol);
  m.Record(8000, CallError::kOverload);
  m.Record(9000, CallError::kCancelled);
  m.Record(9000, static_cast<CallError>(99));  // out of range: a call, no error
  EXPECT_EQ(m.calls(), 10u);
  EXPECT_EQ(m.errors(CallError::kNone), 0u);
  EXPECT_EQ(m.errors(CallError::kDeclared), 2u);
  EXPECT_EQ(m.errors(CallError::kApplication), 1u);
  EXPECT_EQ(m.errors(CallError::kTimeout), 1u);
  EXPECT_EQ(m.errors(CallError::kTransport), 1u);
  EXPECT_EQ(m.errors(CallError::kProtocol), 1u);
  EXPECT_EQ(m.errors(CallError::kOverload), 1u);
  EXPECT_EQ(m.errors(CallError::kCancelled), 1u);
  EXPECT_EQ(m.errors(), 8u);
  EXPECT_EQ(m.latency().sum_ns, 54'000u);
}

TEST(MetricsRegistryTest, SameKeySamePointerDifferentKeysDifferent) {
  MetricsRegistry reg;
  MethodMetrics* a = reg.Method("server", "Echo", "echo");
  EXPECT_EQ(reg.Method("server", "Echo", "echo"), a);
  EXPECT_NE(reg.Method("client", "Echo", "echo"), a);
  EXPECT_NE(reg.Method("server", "Echo2", "echo"), a);
  EXPECT_NE(reg.Method("server", "Echo", "echo2"), a);
  // Keys are compared field by field, not concatenated.
  EXPECT_NE(reg.Method("server", "Ec", "hoecho"), reg.Method("server", "Echo", "echo"));
  for (int i = 0; i < 1000; ++i) reg.Method("server", "Svc", "m" + std::to_string(i));
  EXPECT_EQ(reg.Method("server", "Echo", "echo"), a);
  EXPECT_EQ(a->side(), "server");
  EXPECT_EQ(a->service(), "Echo");
  EXPECT_EQ(a->method(), "echo");
  EXPECT_EQ(reg.Snapshot().methods.size(), 1005u);
}

TEST(MetricsRegistryTest, ConcurrentGetOrCreateAgrees) {
  MetricsRegistry reg;
  std::vector<MethodMetrics*> seen(4);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&reg, &seen, t] {
      for (int i = 0; i < 200; ++i) reg.Method("server", "S", "m" + std::to_string(i));
      seen[t] = reg.Method("server", "S", "m7");
      seen[t]->Record(1000, CallError::kNone);
    });
  }
  for (auto& th : threads) th.join();
  for (int t = 1; t < 4; ++t) EXPECT_EQ(seen[t], seen[0]);
  EXPECT_EQ(seen[0]->calls(), 4u);
  EXPECT_EQ(reg.Snapshot().methods.size(), 200u);
}

TEST(MetricsRegistryTest, GaugesAreSharedByName) {
  MetricsRegistry reg;
  Gauge* conns = reg.GetGauge("tern_server_connections", "Open connections.");
  Gauge* inflight = reg.GetGauge("tern_server_inflight", "Calls being handled.");
  EXPECT_NE(conns, inflight);
  EXPECT_EQ(reg.GetGauge("tern_server_connections", "ignored"), conns);
  EXPECT_EQ(conns->help(), "Open connections.");
  conns->Add(3);
  conns->Add(-1);
  inflight->Set(-2);
  EXPECT_EQ(conns->value(), 2);
  const MetricsSnapshot s = reg.Snapshot();
  ASSERT_EQ(s.gauges.size(), 2u);
  EXPECT_EQ(s.gauges[0].name, "tern_server_connections");  // sorted by name
  EXPECT_EQ(s.FindGauge("tern_server_connections")->value, 2);
  EXPECT_EQ(s.FindGauge("tern_server_inflight")->value, -2);
  EXPECT_EQ(s.FindGauge("nope"), nullptr);
  const std::string text = s.PrometheusText();
  EXPECT_NE(text.find("# HELP tern_server_connections Open connections.\n"
                      "# TYPE tern_server_connections gauge\n"
                      "tern_server_connections 2\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("\ntern_server_inflight -2\n"), std::string::npos) << text;
}

// ---- Prometheus text, parsed line by line ----

struct Sample {
  std::string name;
  std::map<std::string, std::string> labels;
  std::string value;
};

// Parses `name{k="v",...} value` or `name value`, unescaping label values.
// Returns false on any deviation from the format.
bool ParseSample(const std::string& line, Sample* out) {
  size_t i = 0;
  auto name_char = [](char c, bool first) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':' ||
           (!first && c >= '0' && c <= '9');
  };
  while (i < line.size() && name_char(line[i], i == 0)) ++i;
  if (i == 0) return false;
  out->name = line.substr(0, i);
  out->labels.clear();
  if (i < line.size() && line[i] == '{') {
    ++i;
    while (true) {
      const size_t start = i;
      while (i < line.size() && name_char(line[i], i == start)) ++i;
      if (i == start || i + 1 >= line.size() || line[i] != '=' || line[i + 1] != '"') return false;
      const std::string key = line.substr(start, i - start);
      i += 2;
      std::string value;
      while (true) {
        if (i >= line.size() || line[i] == '\n') return false;
        const char c = line[i++];
        if (c == '"') break;
        if (c != '\\') {
          value += c;
          continue;
        }
        if (i >= line.size()) return false;
        const char e = line[i++];
        if (e == '\\')
          value += '\\';
        else if (e == '"')
          value += '"';
        else if (e == 'n')
          value += '\n';
        else
          return false;
      }
      if (out->labels.count(key) != 0) return false;
      out->labels[key] = value;
      if (i < line.size() && line[i] == ',') {
        ++i;
        continue;
      }
      if (i < line.size() && line[i] == '}') {
        ++i;
        break;
      }
      return false;
    }
  }
  if (i >= line.size() || line[i] != ' ') return false;
  out->value = line.substr(i + 1);
  if (out->value.empty()) return false;
  char* end = nullptr;
  std::strtod(out->value.c_str(), &end);
  return *end == '\0';
}

struct Exposition {
  std::vector<Sample> samples;
  std::map<std::string, std::string> types;  // family -> type
  std::map<std::string, std::string> helps;
};

Exposition ParseExposition(const std::string& text) {
  Exposition e;
  EXPECT_TRUE(!text.empty() && text.back() == '\n');
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("# TYPE ", 0) == 0) {
      const std::string rest = line.substr(7);
      const size_t sp = rest.find(' ');
      EXPECT_NE(sp, std::string::npos) << line;
      EXPECT_EQ(e.types.count(rest.substr(0, sp)), 0u) << "family declared twice: " << line;
      e.types[rest.substr(0, sp)] = rest.substr(sp + 1);
      continue;
    }
    if (line.rfind("# HELP ", 0) == 0) {
      const std::string rest = line.substr(7);
      const size_t sp = rest.find(' ');
      EXPECT_NE(sp, std::string::npos) << line;
      e.helps[rest.substr(0, sp)] = rest.substr(sp + 1);
      continue;
    }
    EXPECT_NE(line.rfind('#', 0), 0u) << "unexpected comment: " << line;
    Sample s;
    EXPECT_TRUE(ParseSample(line, &s)) << "malformed sample: " << line;
    e.samples.push_back(s);
  }
  return e;
}

TEST(PrometheusTextTest, EveryLineParsesAndHistogramsAreConsistent) {
  MetricsRegistry reg;
  const std::string nasty = "Odd\"Svc\\with\nnewline";
  MethodMetrics* echo = reg.Method("server", "Echo", "echo");
  MethodMetrics* odd = reg.Method("client", nasty, "get");
  reg.Method("server", "Echo", "idle");  // no calls: still exported, all zero
  reg.GetGauge("tern_server_inflight", "Calls being handled.")->Set(1);
  const std::vector<uint64_t> echo_ns = {40'000,  50'000,    90'000,        100'000,
                                         300'000, 7'000'000, 2'000'000'000, 60'000'000'000};
  for (uint64_t ns : echo_ns) echo->Record(ns, CallError::kNone);
  echo->Record(1'500'000, CallError::kTimeout);
  odd->Record(1'000'000, CallError::kDeclared);

  const Exposition e = ParseExposition(reg.PrometheusText());
  EXPECT_EQ(e.types.at("tern_rpc_calls_total"), "counter");
  EXPECT_EQ(e.types.at("tern_rpc_errors_total"), "counter");
  EXPECT_EQ(e.types.at("tern_rpc_latency_seconds"), "histogram");
  EXPECT_EQ(e.types.at("tern_server_inflight"), "gauge");
  EXPECT_EQ(e.helps.at("tern_server_inflight"), "Calls being handled.");

  // Group the samples by (side, service, method).
  using Key = std::tuple<std::string, std::string, std::string>;
  std::map<Key, std::vector<const Sample*>> by_method;
  for (const Sample& s : e.samples) {
    if (s.name == "tern_server_inflight") {
      EXPECT_TRUE(s.labels.empty());
      EXPECT_EQ(s.value, "1");
      continue;
    }
    ASSERT_EQ(s.name.rfind("tern_rpc_", 0), 0u) << s.name;
    by_method[{s.labels.at("side"), s.labels.at("service"), s.labels.at("method")}].push_back(&s);
  }
  ASSERT_EQ(by_method.size(), 3u);
  ASSERT_EQ(by_method.count({"client", nasty, "get"}), 1u) << "label escaping did not round-trip";

  for (const auto& [key, samples] : by_method) {
    std::vector<std::pair<std::string, uint64_t>> buckets;
    std::map<std::string, uint64_t> errors;
    std::string calls, count, sum;
    for (const Sample* s : samples) {
      if (s->name == "tern_rpc_calls_total") {
        calls = s->value;
      } else if (s->name == "tern_rpc_errors_total") {
        errors[s->labels.at("kind")] = std::stoull(s->value);
      } else if (s->name == "tern_rpc_latency_seconds_bucket") {
        buckets.emplace_back(s->labels.at("le"), std::stoull(s->value));
      } else if (s->name == "tern_rpc_latency_seconds_count") {
        count = s->value;
      } else if (s->name == "tern_rpc_latency_seconds_sum") {
        sum = s->value;
      } else {
        ADD_FAILURE() << "unexpected metric " << s->name;
      }
    }
    // Every kind, zero or not.
    EXPECT_EQ(errors.size(), kCallErrorKinds - 1);
    ASSERT_EQ(buckets.size(), kLatencyBoundsNs.size() + 1);
    EXPECT_EQ(buckets.back().first, "+Inf");
    EXPECT_EQ(std::to_string(buckets.back().second), count);
    EXPECT_EQ(calls, count);
    double prev_le = 0;
    for (size_t j = 0; j < buckets.size(); ++j) {
      if (j > 0) {
        EXPECT_LE(buckets[j - 1].second, buckets[j].second) << buckets[j].first;
      }
      if (j + 1 < buckets.size()) {
        const double le = std::stod(buckets[j].first);
        EXPECT_GT(le, prev_le);
        EXPECT_DOUBLE_EQ(le, static_cast<double>(kLatencyBoundsNs[j]) / 1e9);
        prev_le = le;
      }
    }
    if (key == Key{"server", "Echo", "echo"}) {
      EXPECT_EQ(count, "9");
      EXPECT_EQ(errors.at("timeout"), 1u);
      EXPECT_EQ(errors.at("declared"), 0u);
      EXPECT_EQ(sum, "62.009080000");  // exact, from the integer nanoseconds
      // le=50µs holds 40µs and 50µs exactly; le=100µs adds 90µs and 100µs.
      EXPECT_EQ(buckets[0].second, 2u);
      EXPECT_EQ(buckets[1].second, 4u);
      EXPECT_EQ(buckets[kLatencyBoundsNs.size() - 1].second, 8u);  // all but the 60 s one
    } else if (key == Key{"client", nasty, "get"}) {
      EXPECT_EQ(count, "1");
      EXPECT_EQ(errors.at("declared"), 1u);
      EXPECT_EQ(sum, "0.001000000");
    } else {
      EXPECT_EQ(count, "0");
      EXPECT_EQ(sum, "0.000000000");
    }
  }
}

TEST(PrometheusTextTest, EmptyRegistryIsEmptyText) {
  MetricsRegistry reg;
  EXPECT_EQ(reg.PrometheusText(), "");
  EXPECT_EQ(reg.SummaryText(), "");
}

TEST(SummaryTextTest, OneLinePerMethodWithPercentiles) {
  MetricsRegistry reg;
  MethodMetrics* m = reg.Method("server", "Echo", "echo");
  for (int i = 0; i < 1000; ++i) m->Record(100'000, i < 3 ? CallError::kTimeout : CallError::kNone);
  reg.Method("client", "Echo", "echo");
  reg.GetGauge("tern_server_connections", "Open connections.")->Set(5);
  const std::string text = reg.SummaryText();
  std::istringstream in(text);
  std::string client, server, gauges, extra;
  ASSERT_TRUE(std::getline(in, client));
  ASSERT_TRUE(std::getline(in, server));
  ASSERT_TRUE(std::getline(in, gauges));
  EXPECT_FALSE(std::getline(in, extra));
  EXPECT_EQ(client, "client Echo.echo calls=0 errors=0");
  EXPECT_EQ(server.rfind("server Echo.echo calls=1000 errors=3 (timeout=3) p50=", 0), 0u) << server;
  EXPECT_NE(server.find(" p99="), std::string::npos);
  EXPECT_NE(server.find(" p999="), std::string::npos);
  EXPECT_NE(server.find(" max=100.0us"), std::string::npos) << server;
  EXPECT_EQ(gauges, "gauges: tern_server_connections=5");
}

TEST(MetricsSnapshotTest, ErrorsNeverExceedCallsUnderConcurrentRecords) {
  MetricsRegistry reg;
  MethodMetrics* m = reg.Method("server", "S", "m");
  std::atomic<bool> stop{false};
  std::vector<std::thread> writers;
  for (int t = 0; t < 2; ++t) {
    writers.emplace_back([&] {
      while (!stop.load(std::memory_order_relaxed)) m->Record(5000, CallError::kOverload);
    });
  }
  for (int i = 0; i < 2000; ++i) {
    const MetricsSnapshot s = reg.Snapshot();
    ASSERT_LE(s.methods[0].total_errors(), s.methods[0].calls);
    ASSERT_EQ(s.methods[0].latency.le_counts.back(), s.methods[0].latency.count);
  }
  stop = true;
  for (auto& th : writers) th.join();
  EXPECT_EQ(m->errors(), m->calls());
}

}  // namespace
}  // namespace tern::rpc
