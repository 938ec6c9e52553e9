#include "tools/loadgen/loadgen.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstddef>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <memory>
#include <sstream>
#include <thread>

namespace tern::loadgen {

// ---- Histogram -----------------------------------------------------------------

Histogram::Histogram() : counts_(kBuckets, 0) {}

size_t Histogram::BucketOf(uint64_t v) {
  if (v < kSub) return static_cast<size_t>(v);
  const int e = 63 - __builtin_clzll(v);
  const int shift = e - kSubBits;
  const uint64_t m = v >> shift;  // in [kSub, 2 * kSub)
  return static_cast<size_t>((shift + 1) * kSub + (m - kSub));
}

uint64_t Histogram::BucketLower(size_t b) {
  if (b < kSub) return b;
  const int shift = static_cast<int>(b / kSub) - 1;
  return (kSub + b % kSub) << shift;
}

uint64_t Histogram::BucketUpper(size_t b) {
  if (b + 1 >= kBuckets) return UINT64_MAX;
  return BucketLower(b + 1) - 1;
}

void Histogram::Record(uint64_t v) {
  ++counts_[BucketOf(v)];
  ++count_;
  sum_ += v;
  max_ = std::max(max_, v);
  min_ = std::min(min_, v);
}

void Histogram::Merge(const Histogram& o) {
  for (size_t i = 0; i < kBuckets; ++i) counts_[i] += o.counts_[i];
  count_ += o.count_;
  sum_ += o.sum_;
  max_ = std::max(max_, o.max_);
  min_ = std::min(min_, o.min_);
}

uint64_t Histogram::Percentile(double q) const {
  if (count_ == 0) return 0;
  q = std::clamp(q, 0.0, 1.0);
  const uint64_t rank =
      std::max<uint64_t>(1, static_cast<uint64_t>(std::ceil(q * static_cast<double>(count_))));
  uint64_t seen = 0;
  for (size_t b = 0; b < kBuckets; ++b) {
    seen += counts_[b];
    if (seen >= rank) return std::min(BucketUpper(b), max_);
  }
  return max_;
}

// ---- /proc ---------------------------------------------------------------------

Result<CpuTicks> ParseProcStat(std::string_view text) {
  // "pid (comm) state ppid ...": comm may contain anything, so fields are
  // counted from the last ')'. utime and stime are fields 14 and 15.
  const size_t paren = text.rfind(')');
  if (paren == std::string_view::npos) return InvalidArgument("proc stat: no ')' in the line");
  std::string_view rest = text.substr(paren + 1);
  CpuTicks t;
  int field = 2;
  while (!rest.empty() && field < 15) {
    const size_t start = rest.find_first_not_of(' ');
    if (start == std::string_view::npos) break;
    rest = rest.substr(start);
    const size_t end = std::min(rest.find(' '), rest.size());
    const std::string_view token = rest.substr(0, end);
    rest = rest.substr(end);
    ++field;
    if (field == 14 || field == 15) {
      uint64_t v = 0;
      auto [p, ec] = std::from_chars(token.data(), token.data() + token.size(), v);
      if (ec != std::errc() || p != token.data() + token.size()) {
        return InvalidArgument("proc stat: field " + std::to_string(field) + " is not a number");
      }
      (field == 14 ? t.utime : t.stime) = v;
    }
  }
  if (field < 15) return InvalidArgument("proc stat: too few fields");
  return t;
}

Result<CpuTicks> ReadProcCpu(pid_t pid) {
  const std::string path = "/proc/" + std::to_string(pid) + "/stat";
  std::ifstream in(path);
  if (!in) return Status(StatusCode::kNotFound, "cannot open " + path);
  std::string line;
  std::getline(in, line);
  return ParseProcStat(line);
}

double MicrosPerTick() {
  const long hz = ::sysconf(_SC_CLK_TCK);
  return 1e6 / static_cast<double>(hz > 0 ? hz : 100);
}

// ---- the load loop -------------------------------------------------------------

namespace {

int64_t NowNs() {
  timespec ts;
  ::clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

struct Address {
  sockaddr_storage ss{};
  socklen_t len = 0;
  bool tcp = true;
};

Result<Address> ParseAddress(std::string_view text) {
  Address a;
  if (text.substr(0, 5) == "unix:") {
    sockaddr_un un{};
    const std::string_view path = text.substr(5);
    if (path.empty() || path.size() >= sizeof(un.sun_path)) {
      return InvalidArgument("loadgen: bad unix socket path in '" + std::string(text) + "'");
    }
    un.sun_family = AF_UNIX;
    std::memcpy(un.sun_path, path.data(), path.size());
    std::memcpy(&a.ss, &un, sizeof(un));
    a.len = sizeof(un);
    a.tcp = false;
    return a;
  }
  std::string host;
  std::string_view port;
  if (!text.empty() && text[0] == '[') {
    const size_t close = text.find("]:");
    if (close == std::string_view::npos) return InvalidArgument("loadgen: bad address");
    host = std::string(text.substr(1, close - 1));
    port = text.substr(close + 2);
  } else {
    const size_t colon = text.rfind(':');
    if (colon == std::string_view::npos) return InvalidArgument("loadgen: address needs a port");
    host = std::string(text.substr(0, colon));
    port = text.substr(colon + 1);
    if (host == "localhost") host = "127.0.0.1";
  }
  unsigned p = 0;
  auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), p);
  if (ec != std::errc() || end != port.data() + port.size() || p == 0 || p > 65535) {
    return InvalidArgument("loadgen: bad port in '" + std::string(text) + "'");
  }
  sockaddr_in in4{};
  sockaddr_in6 in6{};
  if (::inet_pton(AF_INET, host.c_str(), &in4.sin_addr) == 1) {
    in4.sin_family = AF_INET;
    in4.sin_port = htons(static_cast<uint16_t>(p));
    std::memcpy(&a.ss, &in4, sizeof(in4));
    a.len = sizeof(in4);
  } else if (::inet_pton(AF_INET6, host.c_str(), &in6.sin6_addr) == 1) {
    in6.sin6_family = AF_INET6;
    in6.sin6_port = htons(static_cast<uint16_t>(p));
    std::memcpy(&a.ss, &in6, sizeof(in6));
    a.len = sizeof(in6);
  } else {
    return InvalidArgument("loadgen: '" + host + "' is not a numeric address");
  }
  return a;
}

struct Conn {
  int index = 0;
  int fd = -1;
  uint64_t seq = 0;
  std::string scratch;
  std::string_view out;  // the unsent rest of the current request
  int64_t sent_at = 0;
  std::vector<uint8_t> in;
  size_t in_begin = 0;
  size_t in_end = 0;
  bool want_out = false;
};

enum Phase : int { kWarmup = 0, kMeasure = 1, kDone = 2 };

struct Shared {
  const Options* options;
  const BuildFn* build;
  const CheckFn* check;
  Address addr;
  std::atomic<int> phase{kWarmup};
  std::atomic<int> ready{0};
  std::atomic<int> failed_connects{0};
  std::atomic<int> connect_errno{0};  // why the first failed connect failed
};

struct alignas(64) ThreadState {
  Histogram latency;
  std::atomic<uint64_t> measured{0};
  std::atomic<uint64_t> warmup_replies{0};  // for Options::progress
  std::atomic<uint64_t> live_errors{0};     // errors_total, readable while running
  uint64_t errors = 0;
  uint64_t errors_total = 0;
};

class Worker {
 public:
  Worker(Shared* shared, ThreadState* state, std::vector<int> conn_indexes)
      : s_(shared), st_(state) {
    for (int i : conn_indexes) {
      auto c = std::make_unique<Conn>();
      c->index = i;
      conns_.push_back(std::move(c));
    }
  }

  void Run() {
    epfd_ = ::epoll_create1(EPOLL_CLOEXEC);
    for (auto& c : conns_) {
      if (!Open(*c)) s_->failed_connects.fetch_add(1);
    }
    s_->ready.fetch_add(1);
    for (auto& c : conns_) {
      if (c->fd >= 0) StartRequest(*c);
    }
    epoll_event events[256];
    while (s_->phase.load(std::memory_order_relaxed) != kDone) {
      const int n = ::epoll_wait(epfd_, events, 256, 50);
      for (int i = 0; i < n; ++i) {
        Conn& c = *static_cast<Conn*>(events[i].data.ptr);
        if (c.fd < 0) continue;
        if ((events[i].events & EPOLLOUT) != 0 && c.want_out) WriteSome(c);
        if (c.fd >= 0 && (events[i].events & (EPOLLIN | EPOLLHUP | EPOLLERR)) != 0) ReadSome(c);
      }
    }
    for (auto& c : conns_) {
      if (c->fd >= 0) ::close(c->fd);
    }
    ::close(epfd_);
  }

 private:
  bool Open(Conn& c) {
    const int fd = ::socket(s_->addr.ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0 ||
        ::connect(fd, reinterpret_cast<const sockaddr*>(&s_->addr.ss), s_->addr.len) != 0) {
      int none = 0;
      s_->connect_errno.compare_exchange_strong(none, errno);
      if (fd >= 0) ::close(fd);
      return false;
    }
    if (s_->addr.tcp) {
      const int one = 1;
      ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    }
    ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.ptr = &c;
    ::epoll_ctl(epfd_, EPOLL_CTL_ADD, fd, &ev);
    c.fd = fd;
    c.in_begin = c.in_end = 0;
    c.want_out = false;
    return true;
  }

  void Fail(Conn& c) {
    CountError();
    ::close(c.fd);
    c.fd = -1;
    if (s_->phase.load(std::memory_order_relaxed) != kDone && Open(c)) StartRequest(c);
  }

  void CountError() {
    ++st_->errors_total;
    st_->live_errors.store(st_->errors_total, std::memory_order_relaxed);
    if (s_->phase.load(std::memory_order_relaxed) == kMeasure) ++st_->errors;
  }

  void StartRequest(Conn& c) {
    c.out = (*s_->build)(c.index, c.seq, c.scratch);
    c.sent_at = NowNs();
    WriteSome(c);
  }

  void SetWantOut(Conn& c, bool on) {
    if (c.want_out == on) return;
    c.want_out = on;
    epoll_event ev{};
    ev.events = on ? (EPOLLIN | EPOLLOUT) : EPOLLIN;
    ev.data.ptr = &c;
    ::epoll_ctl(epfd_, EPOLL_CTL_MOD, c.fd, &ev);
  }

  void WriteSome(Conn& c) {
    while (!c.out.empty()) {
      const ssize_t n = ::send(c.fd, c.out.data(), c.out.size(), MSG_NOSIGNAL);
      if (n > 0) {
        c.out.remove_prefix(static_cast<size_t>(n));
        continue;
      }
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
        SetWantOut(c, true);
        return;
      }
      Fail(c);
      return;
    }
    SetWantOut(c, false);
  }

  void ReadSome(Conn& c) {
    for (;;) {
      if (c.in.size() - c.in_end < 16384) {
        if (c.in_begin > 0) {
          std::memmove(c.in.data(), c.in.data() + c.in_begin, c.in_end - c.in_begin);
          c.in_end -= c.in_begin;
          c.in_begin = 0;
        }
        if (c.in.size() - c.in_end < 16384) c.in.resize(std::max<size_t>(65536, c.in.size() * 2));
      }
      const size_t room = c.in.size() - c.in_end;
      const ssize_t n = ::recv(c.fd, c.in.data() + c.in_end, room, 0);
      if (n > 0) {
        c.in_end += static_cast<size_t>(n);
        if (static_cast<size_t>(n) < room) break;  // drained for now
        continue;
      }
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
      Fail(c);  // EOF or error
      return;
    }
    while (c.in_end > c.in_begin) {
      const Check r = (*s_->check)(c.index, c.seq, c.in.data() + c.in_begin, c.in_end - c.in_begin);
      if (r.verdict == Verdict::kNeedMore) return;
      const int64_t now = NowNs();
      if (r.verdict == Verdict::kInvalid || r.length == 0 || r.length > c.in_end - c.in_begin) {
        if (r.length == 0 || r.length > c.in_end - c.in_begin) {
          Fail(c);
          return;
        }
        CountError();
      } else if (s_->phase.load(std::memory_order_relaxed) == kMeasure) {
        st_->latency.Record(static_cast<uint64_t>(now - c.sent_at));
        st_->measured.fetch_add(1, std::memory_order_relaxed);
      } else {
        st_->warmup_replies.fetch_add(1, std::memory_order_relaxed);
      }
      c.in_begin += r.length;
      if (c.in_begin == c.in_end) c.in_begin = c.in_end = 0;
      ++c.seq;
      if (s_->phase.load(std::memory_order_relaxed) == kDone) return;
      StartRequest(c);
      if (c.fd < 0) return;
    }
  }

  Shared* s_;
  ThreadState* st_;
  std::vector<std::unique_ptr<Conn>> conns_;
  int epfd_ = -1;
};

std::string Num(double v) {
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%.3f", v);
  return buf;
}

}  // namespace

std::string Report::ToJson() const {
  std::ostringstream o;
  o << "{";
  for (const auto& [k, v] : extra) o << "\"" << k << "\":" << v << ",";
  o << "\"connections\":" << connections << ",\"threads\":" << threads
    << ",\"requests\":" << requests << ",\"errors\":" << errors
    << ",\"errors_total\":" << errors_total << ",\"seconds\":" << Num(seconds)
    << ",\"qps\":" << Num(qps) << ",\"mean_us\":" << Num(latency_ns.Mean() / 1e3)
    << ",\"p50_us\":" << Num(latency_ns.Percentile(0.50) / 1e3)
    << ",\"p90_us\":" << Num(latency_ns.Percentile(0.90) / 1e3)
    << ",\"p99_us\":" << Num(latency_ns.Percentile(0.99) / 1e3)
    << ",\"p999_us\":" << Num(latency_ns.Percentile(0.999) / 1e3)
    << ",\"max_us\":" << Num(static_cast<double>(latency_ns.max()) / 1e3)
    << ",\"server_cpu_us\":" << Num(server_cpu_us)
    << ",\"server_cpu_us_per_req\":" << Num(server_cpu_us_per_req) << "}";
  return o.str();
}

Result<Report> Run(const Options& options, const BuildFn& build, const CheckFn& check) {
  if (options.connections <= 0 || options.threads <= 0) {
    return InvalidArgument("loadgen: connections and threads must be positive");
  }
  TERN_ASSIGN_OR_RETURN(Address addr, ParseAddress(options.address));
  Shared shared;
  shared.options = &options;
  shared.build = &build;
  shared.check = &check;
  shared.addr = addr;
  const int threads = std::min(options.threads, options.connections);
  std::vector<ThreadState> states(static_cast<size_t>(threads));
  std::vector<std::unique_ptr<Worker>> workers;
  for (int t = 0; t < threads; ++t) {
    std::vector<int> mine;
    for (int i = t; i < options.connections; i += threads) mine.push_back(i);
    workers.push_back(std::make_unique<Worker>(&shared, &states[t], std::move(mine)));
  }
  std::vector<std::thread> running;
  for (auto& w : workers) running.emplace_back([&w] { w->Run(); });
  while (shared.ready.load() < threads) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  if (const int failed = shared.failed_connects.load(); failed > 0) {
    // A run with fewer connections than asked would measure something else.
    shared.phase.store(kDone);
    for (auto& th : running) th.join();
    std::string why = std::strerror(shared.connect_errno.load());
    if (!why.empty()) why[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(why[0])));
    if (failed == options.connections) return Unavailable(why);
    return ResourceExhausted("only " + std::to_string(options.connections - failed) + " of " +
                             std::to_string(options.connections) +
                             " connections could be opened: " + why);
  }

  auto sum = [&](auto field) {
    uint64_t n = 0;
    for (auto& s : states) n += (s.*field).load(std::memory_order_relaxed);
    return n;
  };
  // Sleeps until `until` (or `done`), reporting progress about once a second.
  auto wait = [&](bool measuring, int64_t start, int64_t until, const auto& done) {
    int64_t next = start + 1'000'000'000;
    for (;;) {
      const int64_t now = NowNs();
      if ((until > 0 && now >= until) || done()) return;
      if (options.progress && now >= next) {
        Progress p;
        p.measuring = measuring;
        p.seconds = static_cast<double>(now - start) / 1e9;
        p.replies = measuring ? sum(&ThreadState::measured) : sum(&ThreadState::warmup_replies);
        p.errors = sum(&ThreadState::live_errors);
        options.progress(p);
        next += 1'000'000'000;
      }
      int64_t step = std::min<int64_t>(next - now, 2'000'000);
      if (until > 0) step = std::min<int64_t>(step, until - now);
      std::this_thread::sleep_for(std::chrono::nanoseconds(std::max<int64_t>(step, 100'000)));
    }
  };
  const int64_t w0 = NowNs();
  if (options.warmup_seconds > 0) {
    wait(false, w0, w0 + static_cast<int64_t>(options.warmup_seconds * 1e9), [] { return false; });
  }
  Result<CpuTicks> cpu0 = options.server_pid > 0 ? ReadProcCpu(options.server_pid)
                                                 : Result<CpuTicks>(NotFound("no server pid"));
  const int64_t t0 = NowNs();
  shared.phase.store(kMeasure);
  if (options.requests > 0) {
    wait(true, t0, 0, [&] { return sum(&ThreadState::measured) >= options.requests; });
  } else {
    wait(true, t0, t0 + static_cast<int64_t>(options.duration_seconds * 1e9), [] { return false; });
  }
  shared.phase.store(kDone);
  const int64_t t1 = NowNs();
  Result<CpuTicks> cpu1 = options.server_pid > 0 ? ReadProcCpu(options.server_pid)
                                                 : Result<CpuTicks>(NotFound("no server pid"));
  for (auto& th : running) th.join();

  Report r;
  r.connections = options.connections;
  r.threads = threads;
  r.extra = options.extra;
  for (auto& s : states) {
    r.latency_ns.Merge(s.latency);
    r.errors += s.errors;
    r.errors_total += s.errors_total;
  }
  r.requests = r.latency_ns.count();
  r.seconds = static_cast<double>(t1 - t0) / 1e9;
  r.qps = r.seconds > 0 ? static_cast<double>(r.requests) / r.seconds : 0;
  if (cpu0.ok() && cpu1.ok()) {
    r.server_cpu_us = static_cast<double>(cpu1->total() - cpu0->total()) * MicrosPerTick();
    if (r.requests > 0) r.server_cpu_us_per_req = r.server_cpu_us / static_cast<double>(r.requests);
  }
  return r;
}

}  // namespace tern::loadgen
