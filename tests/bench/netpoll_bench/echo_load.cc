// echo_load: closed-loop load for the framed echo servers, on tern_loadgen.
// Each connection sends a frame of --size payload bytes (4-byte big-endian
// length first; content fixed per connection, splitmix64 text) and checks
// that the reply is the same frame, byte for byte. Prints one JSON line.
//
//   echo_load --address=127.0.0.1:9000 --connections=100 --size=1024
//             --warmup=2 --duration=10 --server_pid=1234 --label=netpoll
#include <gflags/gflags.h>

#include <cstring>
#include <iostream>
#include <string>
#include <vector>

#include "tern/init.h"
#include "tools/loadgen/loadgen.h"

DEFINE_string(address, "127.0.0.1:9000", "server address");
DEFINE_int32(connections, 1, "connections, each with one request in flight");
DEFINE_int32(threads, 1, "load threads");
DEFINE_uint64(size, 1024, "payload bytes per frame");
DEFINE_double(warmup, 2, "warm-up seconds");
DEFINE_double(duration, 10, "measured seconds");
DEFINE_uint64(requests, 0, "end the measured window after this many replies instead");
DEFINE_int32(server_pid, 0, "server process, for its CPU time");
DEFINE_string(label, "", "server label for the JSON line");

namespace {

uint64_t SplitMix(uint64_t& s) {
  uint64_t z = (s += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

std::string Frame(uint64_t seed, size_t n) {
  static constexpr char kAlphabet[] =
      "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 _-.,:/";
  std::string f(4 + n, '\0');
  const uint32_t be = __builtin_bswap32(static_cast<uint32_t>(n));
  std::memcpy(f.data(), &be, 4);
  for (size_t i = 0; i < n; ++i) f[4 + i] = kAlphabet[SplitMix(seed) % 69];
  return f;
}

}  // namespace

int main(int argc, char** argv) {
  tern::InitProcess(&argc, &argv, "closed-loop load for framed echo servers");
  std::vector<std::string> frames;
  for (int i = 0; i < FLAGS_connections; ++i) {
    frames.push_back(Frame(0x6563686F00000000ull + FLAGS_size + i, FLAGS_size));
  }
  tern::loadgen::Options o;
  o.address = FLAGS_address;
  o.connections = FLAGS_connections;
  o.threads = FLAGS_threads;
  o.warmup_seconds = FLAGS_warmup;
  o.duration_seconds = FLAGS_duration;
  o.requests = FLAGS_requests;
  o.server_pid = FLAGS_server_pid;
  o.extra = {{"label", "\"" + FLAGS_label + "\""}, {"size", std::to_string(FLAGS_size)}};
  auto build = [&](int conn, uint64_t, std::string&) { return std::string_view(frames[conn]); };
  auto check = [&](int conn, uint64_t, const uint8_t* data, size_t size) {
    using tern::loadgen::Check;
    using tern::loadgen::Verdict;
    const std::string& want = frames[conn];
    if (size < 4) return Check{Verdict::kNeedMore, 0};
    if (std::memcmp(data, want.data(), 4) != 0) return Check{Verdict::kInvalid, 0};
    if (size < want.size()) return Check{Verdict::kNeedMore, 0};
    const bool same = std::memcmp(data + 4, want.data() + 4, want.size() - 4) == 0;
    return Check{same ? Verdict::kValid : Verdict::kInvalid, want.size()};
  };
  auto report = tern::loadgen::Run(o, build, check);
  if (!report.ok()) {
    std::cerr << report.status() << "\n";
    return 1;
  }
  std::cout << report->ToJson() << std::endl;
  return 0;
}
