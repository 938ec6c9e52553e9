// `tern bench` end to end: every reply checked against a real server, a
// clear failure when nothing listens, and errors counted (with their
// reason) when a server answers wrongly.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstring>
#include <fstream>
#include <thread>

#include "testing/process.h"

namespace {

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

TEST(TernBenchTest, ChecksEveryReplyOfTheEchoServer) {
  TempDir dir;
  const pid_t pid = ::fork();
  if (pid == 0) {
    std::freopen((dir / "server.log").c_str(), "w", stdout);
    ::execl(TERN_ECHO_SERVER, TERN_ECHO_SERVER, "--describe=false",
            ("--port_file=" + (dir / "port")).c_str(), "--", "--server.address=127.0.0.1:0",
            "--netpoll.pollers=1", static_cast<char*>(nullptr));
    ::_exit(127);
  }
  std::string address;
  for (int i = 0; i < 200 && address.empty(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(25));
    address = ReadFile(dir / "port");
  }
  ASSERT_FALSE(address.empty()) << ReadFile(dir / "server.log");
  const auto r = RunCommand(std::string("timeout 60 ") + TERN_BIN + " bench --address=" + address +
                            " --connections=4 --size=4k --requests=2000 --warmup=0.2 "
                            "--server-pid=" + std::to_string(pid) + " --progress=false");
  ::kill(pid, SIGINT);
  int status = 0;
  ::waitpid(pid, &status, 0);
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("\"errors\":0,"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("\"size\":4096"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("server CPU"), std::string::npos) << r.output;
  const size_t at = r.output.find("\"requests\":");
  ASSERT_NE(at, std::string::npos) << r.output;
  EXPECT_GE(std::stoull(r.output.substr(at + 11)), 2000u) << r.output;
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << ReadFile(dir / "server.log");
}

TEST(TernBenchTest, FailsClearlyWhenNoServerListens) {
  const auto r = RunCommand(std::string("timeout 30 ") + TERN_BIN +
                            " bench --address=127.0.0.1:" + std::to_string(FreePort()) +
                            " --requests=10 --warmup=0");
  EXPECT_NE(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("cannot connect"), std::string::npos) << r.output;
}

TEST(TernBenchTest, CountsWrongAnswersAsErrors) {
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
  const auto r = RunCommand(std::string("timeout 30 ") + TERN_BIN +
                            " bench --address=127.0.0.1:" + std::to_string(ntohs(a.sin_port)) +
                            " --connections=1 --duration=0.3 --warmup=0 --progress=false");
  stop.store(true);
  ::shutdown(lfd, SHUT_RDWR);
  ::close(lfd);
  server.join();
  EXPECT_NE(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("TApplicationException type 6: refused"), std::string::npos)
      << r.output;
}

}  // namespace
