// The load generator's pieces that decide the reported numbers: histogram
// percentiles and the /proc stat parser; and one short run against a tiny
// echo server made here.
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cstring>
#include <thread>

#include "tools/loadgen/loadgen.h"

namespace tern::loadgen {
namespace {

TEST(HistogramTest, SmallValuesAreExact) {
  Histogram h;
  for (uint64_t v = 0; v < Histogram::kSub; ++v) {
    EXPECT_EQ(Histogram::BucketOf(v), v);
    EXPECT_EQ(Histogram::BucketLower(v), v);
    EXPECT_EQ(Histogram::BucketUpper(v), v);
  }
  for (uint64_t v = 1; v <= 10; ++v) h.Record(v);
  EXPECT_EQ(h.count(), 10u);
  EXPECT_EQ(h.min(), 1u);
  EXPECT_EQ(h.max(), 10u);
  EXPECT_EQ(h.Percentile(0.5), 5u);
  EXPECT_EQ(h.Percentile(0.9), 9u);
  EXPECT_EQ(h.Percentile(1.0), 10u);
  EXPECT_DOUBLE_EQ(h.Mean(), 5.5);
}

TEST(HistogramTest, BucketsTileTheRangeWithBoundedRelativeError) {
  for (size_t b = 0; b + 1 < Histogram::kBuckets; ++b) {
    ASSERT_EQ(Histogram::BucketUpper(b) + 1, Histogram::BucketLower(b + 1)) << b;
    ASSERT_EQ(Histogram::BucketOf(Histogram::BucketLower(b)), b);
    ASSERT_EQ(Histogram::BucketOf(Histogram::BucketUpper(b)), b);
    const double lo = static_cast<double>(Histogram::BucketLower(b));
    const double width = static_cast<double>(Histogram::BucketUpper(b)) - lo;
    if (lo >= Histogram::kSub) {
      ASSERT_LE(width / lo, 1.0 / 64) << b;
    }
  }
  EXPECT_EQ(Histogram::BucketOf(UINT64_MAX), Histogram::kBuckets - 1);
}

TEST(HistogramTest, PercentilesOfAUniformSpreadAreWithinTheBucketError) {
  Histogram a, b;
  for (uint64_t v = 1; v <= 100000; ++v) (v % 2 ? a : b).Record(v * 1000);
  a.Merge(b);
  EXPECT_EQ(a.count(), 100000u);
  EXPECT_EQ(a.max(), 100000000u);
  EXPECT_EQ(a.min(), 1000u);
  for (double q : {0.5, 0.9, 0.99, 0.999}) {
    const double want = q * 100000 * 1000;
    const double got = static_cast<double>(a.Percentile(q));
    EXPECT_GE(got, want) << q;
    EXPECT_LE(got, want * (1 + 1.0 / 64) + 1000) << q;
  }
  EXPECT_EQ(a.Percentile(1.0), a.max());
  EXPECT_EQ(Histogram().Percentile(0.99), 0u);
}

TEST(ProcStatTest, ParsesUtimeAndStimeAfterAnAwkwardCommandName) {
  const char* line =
      "4242 (my (odd) server) S 1 4242 4242 0 -1 4194560 1234 0 0 0 731 266 0 0 20 0 3 0 "
      "100 200 300";
  auto t = ParseProcStat(line);
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_EQ(t->utime, 731u);
  EXPECT_EQ(t->stime, 266u);
  EXPECT_EQ(t->total(), 997u);
}

TEST(ProcStatTest, RejectsTruncatedOrGarbledLines) {
  EXPECT_FALSE(ParseProcStat("").ok());
  EXPECT_FALSE(ParseProcStat("12 (x) S 1 2 3").ok());
  EXPECT_FALSE(ParseProcStat("12 (x) S 1 2 3 4 5 6 7 8 9 10 abc 5").ok());
}

TEST(ProcStatTest, ReadsThisProcess) {
  auto t = ReadProcCpu(::getpid());
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_GT(MicrosPerTick(), 0);
}

// A blocking echo of 4-byte-length frames on one connection at a time.
class TinyEchoServer {
 public:
  TinyEchoServer() {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof(a));
    ::listen(fd_, 16);
    socklen_t len = sizeof(a);
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len);
    port_ = ntohs(a.sin_port);
    thread_ = std::thread([this] { Serve(); });
  }
  ~TinyEchoServer() {
    ::shutdown(fd_, SHUT_RDWR);
    thread_.join();
    ::close(fd_);
  }
  int port() const { return port_; }

 private:
  void Serve() {
    for (;;) {
      const int c = ::accept(fd_, nullptr, nullptr);
      if (c < 0) return;
      char buf[4096];
      ssize_t n;
      while ((n = ::recv(c, buf, sizeof(buf), 0)) > 0) {
        if (::send(c, buf, static_cast<size_t>(n), MSG_NOSIGNAL) != n) break;
      }
      ::close(c);
    }
  }
  int fd_;
  int port_ = 0;
  std::thread thread_;
};

TEST(LoadgenTest, ClosedLoopCountsValidRepliesAndErrors) {
  TinyEchoServer server;
  Options o;
  o.address = "127.0.0.1:" + std::to_string(server.port());
  o.connections = 1;
  o.threads = 1;
  o.warmup_seconds = 0.01;
  o.requests = 200;
  o.server_pid = ::getpid();
  o.extra = {{"label", "\"tiny\""}};
  const std::string frame = std::string("\0\0\0\5hello", 9);
  std::atomic<int> checks{0};
  auto build = [&](int, uint64_t, std::string&) { return std::string_view(frame); };
  // Every 10th reply is judged invalid (by sequence number) to check that
  // errors are counted and the loop goes on.
  auto check = [&](int, uint64_t seq, const uint8_t* data, size_t size) {
    checks.fetch_add(1);
    if (size < frame.size()) return Check{Verdict::kNeedMore, 0};
    if (std::memcmp(data, frame.data(), frame.size()) != 0) return Check{Verdict::kInvalid, 0};
    return Check{seq % 10 == 9 ? Verdict::kInvalid : Verdict::kValid, frame.size()};
  };
  auto r = loadgen::Run(o, build, check);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_GE(r->requests, 200u);
  EXPECT_GT(r->errors, 0u);
  EXPECT_GE(r->latency_ns.Percentile(0.99), r->latency_ns.Percentile(0.5));
  EXPECT_GE(r->server_cpu_us, 0);
  const std::string json = r->ToJson();
  EXPECT_EQ(json.front(), '{');
  EXPECT_EQ(json.back(), '}');
  EXPECT_NE(json.find("\"label\":\"tiny\""), std::string::npos) << json;
  EXPECT_NE(json.find("\"p999_us\":"), std::string::npos) << json;
}

TEST(LoadgenTest, RefusesWhenNothingListens) {
  Options o;
  o.address = "127.0.0.1:1";
  o.warmup_seconds = 0;
  o.duration_seconds = 0.01;
  auto r = loadgen::Run(
      o, [](int, uint64_t, std::string&) { return std::string_view("x"); },
      [](int, uint64_t, const uint8_t*, size_t) { return Check{}; });
  EXPECT_FALSE(r.ok());
  o.address = "nowhere";
  EXPECT_FALSE(loadgen::Run(o, nullptr, nullptr).ok());
}

}  // namespace
}  // namespace tern::loadgen
