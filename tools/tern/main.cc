// tern: the command-line tool of the Tern RPC framework.
//
//   tern gen [-o DIR] [-I DIR]... [-r] FILE.thrift
//   tern new NAME --idl FILE.thrift [--service SERVICE] [-I DIR]... [-o DIR] [--force]
//   tern plugins [--config=FILE] [-- --section.key=value ...]
//   tern bench [--address=A] [--connections=N] [--size=S] [--duration=S | --requests=N]
//              [--warmup=S] [--server-pid=PID]
#include <gflags/gflags.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "tern/init.h"
#include "tools/tern/commands.h"

namespace {

constexpr const char* kUsage =
    "tern <command> [flags] [-- --section.key=value ...]\n"
    "\n"
    "commands:\n"
    "  gen       generate C++ from a .thrift file: tern gen [-o DIR] [-I DIR]... [-r] FILE\n"
    "  new       scaffold a service project from a .thrift file: tern new NAME --idl FILE\n"
    "            [--service SERVICE] [-I DIR]... [-o DIR] [--force]\n"
    "  plugins   list the plugins found, refused (and why) and selected on this machine\n"
    "  bench     closed-loop load on an echo service: tern bench --address=127.0.0.1:9090\n"
    "            [--connections=10] [--size=1k] [--duration=10 | --requests=N] [--warmup=2]\n"
    "            [--server-pid=PID] [--threads=1] [--json]\n";

}  // namespace

int main(int argc, char** argv) {
  // `gen` and `new` take compiler-style options (-I DIR, repeated) that
  // gflags cannot parse: they get their arguments untouched.
  if (argc >= 2 && std::strcmp(argv[1], "gen") == 0) {
    tern::InitLogging(argv[0]);
    return tern::cli::CmdGen(std::vector<std::string>(argv + 2, argv + argc));
  }
  if (argc >= 2 && std::strcmp(argv[1], "new") == 0) {
    tern::InitLogging(argv[0]);
    return tern::cli::CmdNew(std::vector<std::string>(argv + 2, argv + argc));
  }
  // Keep what follows `--` (config overrides) away from gflags.
  std::vector<std::string> overrides;
  int gflags_argc = argc;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--") == 0) {
      for (int j = i + 1; j < argc; ++j) overrides.emplace_back(argv[j]);
      gflags_argc = i;
      break;
    }
  }
  // gflags spells flags with underscores; accept dashes too (--server-pid).
  std::vector<std::string> spelled(argv, argv + gflags_argc);
  std::vector<char*> flag_argv;
  for (auto& a : spelled) {
    if (a.size() > 2 && a[0] == '-') {
      const size_t start = a[1] == '-' ? 2 : 1;
      const size_t stop = std::min(a.find('='), a.size());
      for (size_t k = start; k < stop; ++k) {
        if (a[k] == '-') a[k] = '_';
      }
    }
    flag_argv.push_back(a.data());
  }
  flag_argv.push_back(nullptr);
  char** flag_args = flag_argv.data();
  tern::InitProcess(&gflags_argc, &flag_args, kUsage);
  if (gflags_argc < 2) {
    std::fputs(kUsage, stderr);
    return 2;
  }
  const std::string command = flag_args[1];
  std::vector<std::string> args;
  for (int i = 2; i < gflags_argc; ++i) args.emplace_back(flag_args[i]);
  if (!overrides.empty()) {
    args.emplace_back("--");
    args.insert(args.end(), overrides.begin(), overrides.end());
  }
  if (command == "plugins") return tern::cli::CmdPlugins(args);
  if (command == "bench") return tern::cli::CmdBench(args);
  std::fprintf(stderr, "tern: unknown command '%s'\n\n%s", command.c_str(), kUsage);
  return 2;
}
