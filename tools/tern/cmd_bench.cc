// `tern bench`: a closed-loop load generator for the echo service of
// examples/echo/echo.thrift (or any service of the same shape), on the load
// generator core of tools/loadgen.
//
// Wire: Framed transport, strict Binary; CALL "echo" whose args struct holds
// field 1 = Request {1: action "echo", 2: msg}; the reply must be a REPLY
// named "echo" with the seqid sent, whose result struct holds field 0 =
// Response {action "echo", msg equal to what was sent}. Anything else (an
// EXCEPTION, a wrong seqid or type, a short or garbled reply) is an error,
// and the first distinct reasons are printed at the end. Messages are built
// by hand (no generated code): the bytes are the contract.
//
// The request's msg is the workload of tests/bench/README's echo_N: text
// drawn with splitmix64 from seed 0x6563686F00000000 + N, so every run and
// every server sees the same bytes.
#include <gflags/gflags.h>
#include <unistd.h>

#include <cerrno>
#include <cinttypes>
#include <cstdio>
#include <cstring>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "tools/loadgen/loadgen.h"
#include "tools/tern/commands.h"

DEFINE_string(address, "127.0.0.1:9090", "server: host:port, [v6]:port or unix:/path");
DEFINE_int32(connections, 10, "connections, each with one call in flight (closed loop)");
DEFINE_string(size, "1k", "msg bytes per request; suffixes k and m (1024-based)");
DEFINE_double(duration, 10, "measured seconds (unless --requests)");
DEFINE_uint64(requests, 0, "end the measured window after this many replies instead");
DEFINE_double(warmup, 2, "warm-up seconds before measuring");
DEFINE_int32(server_pid, 0, "the server's pid, for its CPU time per request");
DEFINE_int32(threads, 1, "load generator threads");
DEFINE_bool(json, false, "print only the JSON line");
DEFINE_bool(progress, true, "print a progress line every second (stderr)");

namespace tern::cli {

namespace {

constexpr uint64_t kEchoSeedBase = 0x6563686F00000000ull;
constexpr size_t kMaxReply = size_t{1} << 30;
// Offset of the seqid in a request frame: length, version, name length, "echo".
constexpr size_t kSeqidAt = 4 + 4 + 4 + 4;

uint64_t SplitMix(uint64_t& s) {
  uint64_t z = (s += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

void Put32(std::string& s, uint32_t v) {
  const uint32_t be = __builtin_bswap32(v);
  s.append(reinterpret_cast<const char*>(&be), 4);
}
uint32_t Get32(const uint8_t* p) {
  uint32_t v;
  std::memcpy(&v, p, 4);
  return __builtin_bswap32(v);
}

bool ParseSize(const std::string& text, size_t* out) {
  if (text.empty()) return false;
  char* end = nullptr;
  errno = 0;
  const unsigned long long v = std::strtoull(text.c_str(), &end, 10);
  if (errno != 0 || end == text.c_str()) return false;
  size_t mult = 1;
  const std::string rest(end);
  if (rest == "k" || rest == "K") {
    mult = 1024;
  } else if (rest == "m" || rest == "M") {
    mult = 1024 * 1024;
  } else if (!rest.empty()) {
    return false;
  }
  *out = static_cast<size_t>(v) * mult;
  return *out <= (size_t{256} << 20);
}

// The CALL frame; its msg starts at `msg_at`.
std::string BuildCall(size_t n, size_t* msg_at) {
  static constexpr char kAlphabet[] =
      "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 _-.,:/";
  std::string f;
  f.reserve(n + 64);
  Put32(f, 0);  // length, patched below
  Put32(f, 0x80010001u);
  Put32(f, 4);
  f += "echo";
  Put32(f, 0);  // seqid, patched per request
  f += '\x0c';  // args field 1: Request
  f.append("\x00\x01", 2);
  f += '\x0b';  // Request field 1: action
  f.append("\x00\x01", 2);
  Put32(f, 4);
  f += "echo";
  f += '\x0b';  // Request field 2: msg
  f.append("\x00\x02", 2);
  Put32(f, static_cast<uint32_t>(n));
  *msg_at = f.size();
  uint64_t seed = kEchoSeedBase + n;
  for (size_t i = 0; i < n; ++i) f += kAlphabet[SplitMix(seed) % 69];
  f += '\x00';  // Request stop
  f += '\x00';  // args stop
  const uint32_t be = __builtin_bswap32(static_cast<uint32_t>(f.size() - 4));
  std::memcpy(f.data(), &be, 4);
  return f;
}

// A cursor over one reply frame; every read is bounds-checked.
struct Cursor {
  const uint8_t* p;
  const uint8_t* end;
  bool ok = true;
  bool Need(size_t n) {
    if (static_cast<size_t>(end - p) < n) ok = false;
    return ok;
  }
  uint8_t U8() { return Need(1) ? *p++ : 0; }
  int16_t I16() {
    if (!Need(2)) return 0;
    const int16_t v = static_cast<int16_t>((p[0] << 8) | p[1]);
    p += 2;
    return v;
  }
  uint32_t U32() {
    if (!Need(4)) return 0;
    const uint32_t v = Get32(p);
    p += 4;
    return v;
  }
  // A string's bytes (length-checked); null on error.
  const uint8_t* Str(uint32_t* len) {
    *len = U32();
    if (!ok || !Need(*len)) return nullptr;
    const uint8_t* s = p;
    p += *len;
    return s;
  }
  // Skips a value of a fixed-size type or a string; false for others.
  bool SkipSimple(uint8_t type) {
    switch (type) {
      case 2:
      case 3:
        return Need(1) && (p += 1, true);
      case 4:
      case 10:
        return Need(8) && (p += 8, true);
      case 6:
        return Need(2) && (p += 2, true);
      case 8:
        return Need(4) && (p += 4, true);
      case 11: {
        uint32_t n;
        return Str(&n) != nullptr;
      }
      default:
        return false;
    }
  }
};

struct Bench {
  size_t size = 0;
  size_t msg_at = 0;
  std::vector<std::string> frames;  // one per connection (its seqid patched in place)
  std::mutex mu;
  std::set<std::string> reasons;  // the first few distinct error reasons

  loadgen::Check Invalid(std::string why, size_t length) {
    std::lock_guard<std::mutex> lock(mu);
    if (reasons.size() < 5) reasons.insert(std::move(why));
    return {loadgen::Verdict::kInvalid, length};
  }

  loadgen::Check CheckReply(int conn, uint64_t seq, const uint8_t* data, size_t size_now) {
    if (size_now < 4) return {};
    const uint32_t len = Get32(data);
    if (len < 12 || len > kMaxReply) {
      return Invalid("reply frame length " + std::to_string(static_cast<int32_t>(len)), 0);
    }
    if (size_now < 4 + size_t{len}) return {loadgen::Verdict::kNeedMore, 4 + size_t{len}};
    const size_t total = 4 + size_t{len};
    Cursor c{data + 4, data + total};
    const uint32_t version = c.U32();
    if ((version & 0xffff0000u) != 0x80010000u) {
      return Invalid("not a strict Binary message (version word " + std::to_string(version) + ")",
                     total);
    }
    const uint8_t type = static_cast<uint8_t>(version & 0xff);
    uint32_t name_len = 0;
    const uint8_t* name = c.Str(&name_len);
    const uint32_t seqid = c.U32();
    if (!c.ok) return Invalid("truncated envelope", total);
    if (name_len != 4 || std::memcmp(name, "echo", 4) != 0) {
      return Invalid(
          "reply names method '" + std::string(reinterpret_cast<const char*>(name), name_len) + "'",
          total);
    }
    if (seqid != static_cast<uint32_t>(seq)) return Invalid("wrong seqid", total);
    if (type == 3) return Invalid("EXCEPTION: " + AppExceptionText(c), total);
    if (type != 2) return Invalid("message type " + std::to_string(type), total);
    // Result struct: field 0 = Response.
    bool have_response = false;
    for (;;) {
      const uint8_t ft = c.U8();
      if (!c.ok) return Invalid("truncated result", total);
      if (ft == 0) break;
      const int16_t id = c.I16();
      if (ft != 12 || id != 0) return Invalid("result field " + std::to_string(id), total);
      bool action_ok = false, msg_ok = false;
      for (;;) {
        const uint8_t t = c.U8();
        if (!c.ok) return Invalid("truncated Response", total);
        if (t == 0) break;
        const int16_t fid = c.I16();
        if (t == 11 && (fid == 1 || fid == 2)) {
          uint32_t n = 0;
          const uint8_t* s = c.Str(&n);
          if (s == nullptr) return Invalid("truncated string in Response", total);
          if (fid == 1) {
            action_ok = n == 4 && std::memcmp(s, "echo", 4) == 0;
          } else {
            const std::string& sent = frames[static_cast<size_t>(conn)];
            msg_ok = n == size && std::memcmp(s, sent.data() + msg_at, n) == 0;
            if (n != size) {
              return Invalid("msg of " + std::to_string(n) + " bytes, sent " + std::to_string(size),
                             total);
            }
          }
        } else if (!c.SkipSimple(t)) {
          return Invalid("unexpected field type " + std::to_string(t) + " in Response", total);
        }
      }
      if (!action_ok) return Invalid("Response.action is not \"echo\"", total);
      if (!msg_ok) return Invalid("Response.msg differs from the msg sent", total);
      have_response = true;
    }
    if (!have_response) return Invalid("REPLY without a result", total);
    if (c.p != c.end) return Invalid("bytes after the result struct", total);
    return {loadgen::Verdict::kValid, total};
  }

  static std::string AppExceptionText(Cursor& c) {
    std::string message = "(no message)";
    int32_t kind = 0;
    for (;;) {
      const uint8_t t = c.U8();
      if (!c.ok || t == 0) break;
      const int16_t id = c.I16();
      if (t == 11 && id == 1) {
        uint32_t n = 0;
        const uint8_t* s = c.Str(&n);
        if (s == nullptr) break;
        message.assign(reinterpret_cast<const char*>(s), std::min<uint32_t>(n, 200));
      } else if (t == 8 && id == 2) {
        kind = static_cast<int32_t>(c.U32());
      } else if (!c.SkipSimple(t)) {
        break;
      }
    }
    return "TApplicationException type " + std::to_string(kind) + ": " + message;
  }
};

std::string JsonString(const std::string& text) {
  std::string out = "\"";
  for (const char ch : text) {
    if (ch == '"' || ch == '\\') out += '\\';
    if (static_cast<unsigned char>(ch) < 0x20) continue;
    out += ch;
  }
  return out + "\"";
}

std::string Group(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.0f", v);
  std::string s(buf), out;
  int n = 0;
  for (auto it = s.rbegin(); it != s.rend(); ++it) {
    if (n != 0 && n % 3 == 0 && *it != '-') out.insert(out.begin(), ',');
    out.insert(out.begin(), *it);
    ++n;
  }
  return out;
}

}  // namespace

int CmdBench(const std::vector<std::string>& args) {
  if (!args.empty()) {
    std::fprintf(stderr, "tern bench: unexpected argument '%s'\n", args[0].c_str());
    return 2;
  }
  Bench b;
  if (!ParseSize(FLAGS_size, &b.size)) {
    std::fprintf(stderr, "tern bench: --size=%s: want bytes, e.g. 1024, 4k, 1m (at most 256m)\n",
                 FLAGS_size.c_str());
    return 2;
  }
  if (FLAGS_connections <= 0 || FLAGS_threads <= 0 || FLAGS_duration <= 0 || FLAGS_warmup < 0) {
    std::fprintf(stderr,
                 "tern bench: --connections and --threads must be positive, --duration > 0, "
                 "--warmup >= 0\n");
    return 2;
  }
  for (int i = 0; i < FLAGS_connections; ++i) b.frames.push_back(BuildCall(b.size, &b.msg_at));

  loadgen::Options o;
  o.address = FLAGS_address;
  o.connections = FLAGS_connections;
  o.threads = FLAGS_threads;
  o.warmup_seconds = FLAGS_warmup;
  o.duration_seconds = FLAGS_duration;
  o.requests = FLAGS_requests;
  o.server_pid = FLAGS_server_pid;
  o.extra = {{"tool", "\"tern bench\""},
             {"address", JsonString(FLAGS_address)},
             {"size", std::to_string(b.size)}};
  const bool tty = ::isatty(2) != 0;
  if (FLAGS_progress && !FLAGS_json) {
    o.progress = [&](const loadgen::Progress& p) {
      const double rate = p.seconds > 0 ? static_cast<double>(p.replies) / p.seconds : 0;
      std::fprintf(stderr, "%s[%s %5.1f s] %s replies, %s QPS, %" PRIu64 " errors%s",
                   tty ? "\r" : "", p.measuring ? "measure" : "warm-up", p.seconds,
                   Group(static_cast<double>(p.replies)).c_str(), Group(rate).c_str(), p.errors,
                   tty ? "   " : "\n");
      std::fflush(stderr);
    };
  }
  auto build = [&](int conn, uint64_t seq, std::string&) {
    std::string& f = b.frames[static_cast<size_t>(conn)];
    const uint32_t be = __builtin_bswap32(static_cast<uint32_t>(seq));
    std::memcpy(f.data() + kSeqidAt, &be, 4);
    return std::string_view(f);
  };
  auto check = [&](int conn, uint64_t seq, const uint8_t* data, size_t size) {
    return b.CheckReply(conn, seq, data, size);
  };
  if (!FLAGS_json) {
    char window[64];
    if (FLAGS_requests > 0) {
      std::snprintf(window, sizeof window, "%" PRIu64 " replies", FLAGS_requests);
    } else {
      std::snprintf(window, sizeof window, "%g s", FLAGS_duration);
    }
    std::printf("tern bench: %s, %d connection(s), %zu-byte msg, %s (+%g s warm-up)\n",
                FLAGS_address.c_str(), FLAGS_connections, b.size, window, FLAGS_warmup);
    std::fflush(stdout);
  }
  auto report = loadgen::Run(o, build, check);
  if (tty && FLAGS_progress && !FLAGS_json) std::fprintf(stderr, "\n");
  if (!report.ok()) {
    const std::string why(report.status().message());
    if (report.status().code() == StatusCode::kUnavailable) {
      std::fprintf(stderr, "tern bench: cannot connect to %s: %s (is the server running?)\n",
                   FLAGS_address.c_str(), why.c_str());
    } else if (report.status().code() == StatusCode::kResourceExhausted) {
      std::fprintf(stderr, "tern bench: cannot connect to %s: %s\n", FLAGS_address.c_str(),
                   why.c_str());
    } else {
      std::fprintf(stderr, "tern bench: %s\n", why.c_str());
    }
    return 1;
  }
  const loadgen::Report& r = *report;
  if (!FLAGS_json) {
    const auto us = [&](double q) { return r.latency_ns.Percentile(q) / 1e3; };
    std::printf("  requests    %s in %.2f s, errors %" PRIu64 " (%" PRIu64 " with warm-up)\n",
                Group(static_cast<double>(r.requests)).c_str(), r.seconds, r.errors,
                r.errors_total);
    std::printf("  QPS         %s\n", Group(r.qps).c_str());
    std::printf("  latency us  mean %.1f  p50 %.1f  p90 %.1f  p99 %.1f  p999 %.1f  max %.1f\n",
                r.latency_ns.Mean() / 1e3, us(0.50), us(0.90), us(0.99), us(0.999),
                static_cast<double>(r.latency_ns.max()) / 1e3);
    if (r.server_cpu_us_per_req >= 0) {
      std::printf("  server CPU  %.2f us per request (pid %d, %.0f%% of one CPU)\n",
                  r.server_cpu_us_per_req, FLAGS_server_pid,
                  r.seconds > 0 ? r.server_cpu_us / (r.seconds * 1e4) : 0.0);
    }
  }
  if (!b.reasons.empty()) {
    // With --json, stdout holds only the JSON line: the reasons go to stderr.
    FILE* to = FLAGS_json ? stderr : stdout;
    std::fprintf(to, "%serrors were:\n", FLAGS_json ? "tern bench: " : "  ");
    for (const auto& why : b.reasons) std::fprintf(to, "    %s\n", why.c_str());
  }
  std::printf("%s\n", r.ToJson().c_str());
  std::fflush(stdout);
  if (r.requests == 0) {
    std::fprintf(stderr, "tern bench: no valid reply in the measured window\n");
    return 1;
  }
  return r.errors == 0 ? 0 : 1;
}

}  // namespace tern::cli
