// `tern bench` end to end: every reply checked against real servers (the
// hand-written Thrift limit server and Tern's demo echo server), a clear
// failure when nothing listens, and errors counted (with their reason, and
// a non-zero exit) when a server answers wrongly.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "testing/process.h"

namespace {

using tern::testing::CommandResult;
using tern::testing::RunCommand;
using tern::testing::TempDir;

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::string s((std::istreambuf_iterator<char>(in)), {});
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

// A loopback port that nothing listens on (bound, read back, closed).
int FreePort() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  socklen_t len = sizeof a;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  ::close(fd);
  return ntohs(a.sin_port);
}

// A server child process that writes its bound address to a port file;
// stopped with SIGINT (and reaped) by Stop() or the destructor.
class Server {
 public:
  // `args` follow the program name; "--port_file=..." is added.
  Server(const TempDir& dir, const std::string& program, std::vector<std::string> args)
      : log_(dir / "server.log") {
    const std::string port_file = dir / "port";
    args.insert(args.begin(), "--port_file=" + port_file);
    args.insert(args.begin(), program);
    pid_ = ::fork();
    if (pid_ == 0) {
      std::freopen(log_.c_str(), "w", stdout);
      std::freopen(log_.c_str(), "a", stderr);
      std::vector<char*> argv;
      for (auto& a : args) argv.push_back(a.data());
      argv.push_back(nullptr);
      ::execv(program.c_str(), argv.data());
      ::_exit(127);
    }
    for (int i = 0; i < 400 && address_.empty(); ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(25));
      address_ = ReadFile(port_file);
    }
  }
  ~Server() { Stop(); }

  // Returns: the wait status of the stopped server.
  int Stop() {
    if (pid_ > 0) {
      ::kill(pid_, SIGINT);
      ::waitpid(pid_, &status_, 0);
      pid_ = -1;
    }
    return status_;
  }

  const std::string& address() const { return address_; }
  pid_t pid() const { return pid_; }
  std::string log() const { return ReadFile(log_); }

 private:
  std::string log_;
  std::string address_;
  pid_t pid_ = -1;
  int status_ = 0;
};

// The last line of `output` that is a JSON object.
std::string JsonLine(const std::string& output) {
  size_t end = output.size();
  while (end > 0) {
    const size_t start = output.rfind('\n', end - 1);
    const size_t from = start == std::string::npos ? 0 : start + 1;
    if (output.compare(from, 1, "{") == 0) return output.substr(from, end - from);
    if (start == std::string::npos) break;
    end = start;
  }
  return "";
}

// The number after "key": in a JSON line; -1 when absent.
double JsonNumber(const std::string& json, const std::string& key) {
  const size_t at = json.find("\"" + key + "\":");
  if (at == std::string::npos) return -1;
  return std::strtod(json.c_str() + at + key.size() + 3, nullptr);
}

CommandResult Bench(const std::string& flags) {
  return RunCommand(std::string("timeout 60 ") + TERN_BIN + " bench " + flags);
}

TEST(TernBenchTest, ChecksEveryReplyOfTheLimitServer) {
  TempDir dir;
  Server server(dir, TERN_LIMIT_SERVER, {"--address=127.0.0.1:0"});
  ASSERT_FALSE(server.address().empty()) << server.log();
  const auto r = Bench("--address=" + server.address() +
                       " --requests=2000 --connections=4 --size=1k --warmup=0.2"
                       " --server-pid=" +
                       std::to_string(server.pid()));
  EXPECT_EQ(r.exit_code, 0) << r.output;
  const std::string json = JsonLine(r.output);
  ASSERT_FALSE(json.empty()) << r.output;
  EXPECT_GE(JsonNumber(json, "requests"), 2000) << json;
  EXPECT_EQ(JsonNumber(json, "errors"), 0) << json;
  EXPECT_EQ(JsonNumber(json, "size"), 1024) << json;
  EXPECT_EQ(JsonNumber(json, "connections"), 4) << json;
  EXPECT_GE(JsonNumber(json, "server_cpu_us"), 0) << json;  // -1 when unknown
  EXPECT_NE(r.output.find("p999"), std::string::npos) << r.output;
  const int status = server.Stop();
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << server.log();
}

TEST(TernBenchTest, JsonFlagPrintsOnlyTheJsonLine) {
  TempDir dir;
  Server server(dir, TERN_LIMIT_SERVER, {"--address=127.0.0.1:0"});
  ASSERT_FALSE(server.address().empty()) << server.log();
  // Only stdout: the progress lines (stderr) are dropped.
  const auto r = RunCommand(std::string("timeout 60 ") + TERN_BIN +
                            " bench --json --address=" + server.address() +
                            " --requests=200 --connections=2 --size=4k --warmup=0 2>/dev/null");
  EXPECT_EQ(r.exit_code, 0) << r.output;
  ASSERT_FALSE(r.output.empty());
  EXPECT_EQ(r.output.front(), '{') << r.output;
  EXPECT_EQ(r.output.find('\n'), r.output.size() - 1) << r.output;
  EXPECT_EQ(JsonNumber(r.output, "size"), 4096) << r.output;
}

TEST(TernBenchTest, ChecksEveryReplyOfTheEchoServer) {
  TempDir dir;
  Server server(dir, TERN_ECHO_SERVER,
                {"--describe=false", "--", "--server.address=127.0.0.1:0", "--netpoll.pollers=1"});
  ASSERT_FALSE(server.address().empty()) << server.log();
  const auto r = Bench("--address=" + server.address() +
                       " --connections=4 --size=4k --requests=2000 --warmup=0.2"
                       " --server_pid=" +
                       std::to_string(server.pid()) + " --progress=false");
  EXPECT_EQ(r.exit_code, 0) << r.output;
  const std::string json = JsonLine(r.output);
  EXPECT_GE(JsonNumber(json, "requests"), 2000) << r.output;
  EXPECT_EQ(JsonNumber(json, "errors"), 0) << r.output;
  EXPECT_EQ(JsonNumber(json, "size"), 4096) << r.output;
  EXPECT_NE(r.output.find("server CPU"), std::string::npos) << r.output;
  const int status = server.Stop();
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << server.log();
}

TEST(TernBenchTest, FailsClearlyWhenNoServerListens) {
  const std::string address = "127.0.0.1:" + std::to_string(FreePort());
  const auto r = Bench("--address=" + address + " --requests=10 --warmup=0");
  EXPECT_NE(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("tern bench: cannot connect to " + address +
                          ": connection refused (is the server running?)"),
            std::string::npos)
      << r.output;
}

TEST(TernBenchTest, CountsWrongSeqidsAsErrors) {
  TempDir dir;
  Server server(dir, TERN_LIMIT_SERVER, {"--address=127.0.0.1:0", "--corrupt"});
  ASSERT_FALSE(server.address().empty()) << server.log();
  const auto r = Bench("--address=" + server.address() +
                       " --connections=2 --size=1k --duration=0.3 --warmup=0 --progress=false");
  EXPECT_NE(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("wrong seqid"), std::string::npos) << r.output;
  const std::string json = JsonLine(r.output);
  EXPECT_GT(JsonNumber(json, "errors"), 0) << r.output;
  EXPECT_EQ(JsonNumber(json, "requests"), 0) << r.output;
}

TEST(TernBenchTest, CountsExceptionsAsErrorsAndSaysWhy) {
  // A server that answers each frame with a TApplicationException.
  int lfd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(lfd, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
  ASSERT_EQ(::listen(lfd, 16), 0);
  socklen_t len = sizeof a;
  ::getsockname(lfd, reinterpret_cast<sockaddr*>(&a), &len);
  std::atomic<bool> stop{false};
  std::thread server([&] {
    int fd = ::accept(lfd, nullptr, nullptr);
    if (fd < 0) return;
    std::string in;
    char buf[65536];
    while (!stop.load()) {
      ssize_t n = ::read(fd, buf, sizeof buf);
      if (n <= 0) break;
      in.append(buf, static_cast<size_t>(n));
      while (in.size() >= 4) {
        uint32_t flen;
        std::memcpy(&flen, in.data(), 4);
        flen = ntohl(flen);
        if (in.size() < 4 + flen) break;
        uint32_t seq;
        std::memcpy(&seq, in.data() + 4 + 4 + 4 + 4, 4);  // after "echo"
        in.erase(0, 4 + flen);
        std::string body;
        auto p32 = [&](uint32_t v) {
          v = htonl(v);
          body.append(reinterpret_cast<char*>(&v), 4);
        };
        p32(0x80010003u);
        p32(4);
        body += "echo";
        body.append(reinterpret_cast<char*>(&seq), 4);
        body += '\x0b';
        body.append("\x00\x01", 2);
        p32(7);
        body += "refused";
        body += '\x08';
        body.append("\x00\x02", 2);
        p32(6);
        body += '\x00';
        std::string frame;
        uint32_t blen = htonl(static_cast<uint32_t>(body.size()));
        frame.append(reinterpret_cast<char*>(&blen), 4);
        frame += body;
        if (::write(fd, frame.data(), frame.size()) < 0) break;
      }
    }
    ::close(fd);
  });
  const auto r = Bench("--address=127.0.0.1:" + std::to_string(ntohs(a.sin_port)) +
                       " --connections=1 --duration=0.3 --warmup=0 --progress=false");
  stop.store(true);
  ::shutdown(lfd, SHUT_RDWR);
  ::close(lfd);
  server.join();
  EXPECT_NE(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("TApplicationException type 6: refused"), std::string::npos) << r.output;
  EXPECT_GT(JsonNumber(JsonLine(r.output), "errors"), 0) << r.output;
}

}  // namespace
