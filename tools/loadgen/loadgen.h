// tern_loadgen: a closed-loop load generator for request/response protocols
// over TCP or Unix sockets, used by the transport benchmarks and by
// `tern bench`.
//
// Closed loop: each of N connections has one request in flight and sends
// the next when the reply is complete, so the offered load adapts to the
// server and latency is measured without queueing in the generator. The
// connections are spread over a few threads, each with its own small epoll
// loop; nothing here uses Tern's transport, so the transport under test is
// never measured with itself.
//
// The protocol is pluggable: a BuildFn produces the bytes of request `seq` on
// connection `conn`; a CheckFn looks at the bytes received so far and says
// need-more, a complete valid response of length L, or an invalid one
// (counted as an error; the connection is reopened when L is 0, since the
// stream can no longer be trusted).
//
// Measurement: a warm-up, then a window ended by time or by a request count.
// Latency (send of the first byte to the reply's last byte, in ns) goes into
// a log-linear Histogram; the server's CPU time over the window comes from
// /proc/<pid>/stat (utime + stime), so the cost per request can be compared
// between servers even when the generator saturates its own core.
//
// Thread: Run() blocks the caller and owns its threads; BuildFn and CheckFn
// are called concurrently from the generator's threads (for different
// connections). Histogram is a value type, [NOT thread-safe].
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "tern/status.h"

namespace tern::loadgen {

// Log-linear buckets: exact below 64, then 64 buckets per power of two
// (relative error under 1/64, about 1.6%).
class Histogram {
 public:
  static constexpr int kSubBits = 6;
  static constexpr uint64_t kSub = uint64_t{1} << kSubBits;
  static constexpr size_t kBuckets = (64 - kSubBits + 1) * kSub;

  Histogram();
  void Record(uint64_t value);
  void Merge(const Histogram& other);

  uint64_t count() const { return count_; }
  uint64_t max() const { return max_; }
  uint64_t min() const { return count_ == 0 ? 0 : min_; }
  double Mean() const { return count_ == 0 ? 0.0 : static_cast<double>(sum_) / count_; }
  // Returns: the smallest bucket bound at or below which a fraction `q` of
  // the values lie (clamped to max()); 0 when empty.
  uint64_t Percentile(double q) const;

  static size_t BucketOf(uint64_t value);
  static uint64_t BucketLower(size_t bucket);
  static uint64_t BucketUpper(size_t bucket);

 private:
  std::vector<uint64_t> counts_;
  uint64_t count_ = 0;
  uint64_t sum_ = 0;
  uint64_t max_ = 0;
  uint64_t min_ = UINT64_MAX;
};

struct CpuTicks {
  uint64_t utime = 0;
  uint64_t stime = 0;
  uint64_t total() const { return utime + stime; }
};
// Parses the text of /proc/<pid>/stat (the command name may hold spaces and
// parentheses). Returns: utime and stime in clock ticks, or INVALID_ARGUMENT.
Result<CpuTicks> ParseProcStat(std::string_view text);
// Returns: the process's CPU ticks, or an error when it cannot be read.
Result<CpuTicks> ReadProcCpu(pid_t pid);
// Microseconds per clock tick (sysconf(_SC_CLK_TCK)).
double MicrosPerTick();

// What Options::progress is told about once a second.
struct Progress {
  bool measuring = false;  // false: still warming up
  double seconds = 0;      // since the phase began
  uint64_t replies = 0;    // valid replies in this phase
  uint64_t errors = 0;     // errors since the start, warm-up included
};

struct Options {
  std::string address;  // "127.0.0.1:9000", "[::1]:9000" or "unix:/path"
  int connections = 1;
  int threads = 1;
  double warmup_seconds = 1.0;
  double duration_seconds = 5.0;  // the measured window, when requests == 0
  uint64_t requests = 0;          // or: end the window after this many replies
  pid_t server_pid = 0;           // 0: no server CPU figure
  // Extra "key": value pairs for the JSON line (values are raw JSON).
  std::vector<std::pair<std::string, std::string>> extra;
  // Called about once a second from Run's own thread (never concurrently).
  std::function<void(const Progress&)> progress;
};

enum class Verdict { kNeedMore, kValid, kInvalid };
struct Check {
  Verdict verdict = Verdict::kNeedMore;
  size_t length = 0;  // kValid/kInvalid: bytes the response took (kInvalid: 0 = unknown)
};

// Returns the bytes of request `seq` on connection `conn`: a view of
// `scratch` or of memory that outlives the run.
using BuildFn = std::function<std::string_view(int conn, uint64_t seq, std::string& scratch)>;
// Judges the bytes received so far on `conn` for request `seq`.
using CheckFn = std::function<Check(int conn, uint64_t seq, const uint8_t* data, size_t size)>;

struct Report {
  uint64_t requests = 0;      // valid replies in the measured window
  uint64_t errors = 0;        // invalid replies and broken connections in the window
  uint64_t errors_total = 0;  // including warm-up
  double seconds = 0;
  double qps = 0;
  Histogram latency_ns;
  double server_cpu_us = -1;          // over the window; -1 when unknown
  double server_cpu_us_per_req = -1;  // -1 when unknown
  int connections = 0;
  int threads = 0;
  std::vector<std::pair<std::string, std::string>> extra;

  // One line of JSON: the figures above, latencies in microseconds.
  std::string ToJson() const;
};

// Runs the load. Returns: the report, or why it could not start: a bad
// address (INVALID_ARGUMENT), no connection could be opened (UNAVAILABLE,
// the message is the connect error, e.g. "connection refused"), or only
// some could (RESOURCE_EXHAUSTED).
Result<Report> Run(const Options& options, const BuildFn& build, const CheckFn& check);

}  // namespace tern::loadgen
