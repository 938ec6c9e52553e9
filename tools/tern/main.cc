// tern: the command-line tool of the Tern RPC framework.
//
//   tern gen [-o DIR] [-I DIR]... [-r] FILE.thrift
//   tern plugins [--config=FILE] [-- --section.key=value ...]
#include <gflags/gflags.h>

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
    "  plugins   list the plugins found, refused (and why) and selected on this machine\n";

}  // namespace

int main(int argc, char** argv) {
  // `gen` takes compiler-style options (-I DIR, repeated) that gflags cannot
  // parse: it gets its arguments untouched.
  if (argc >= 2 && std::strcmp(argv[1], "gen") == 0) {
    tern::InitLogging(argv[0]);
    return tern::cli::CmdGen(std::vector<std::string>(argv + 2, argv + argc));
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
  tern::InitProcess(&gflags_argc, &argv, kUsage);
  if (gflags_argc < 2) {
    std::fputs(kUsage, stderr);
    return 2;
  }
  const std::string command = argv[1];
  std::vector<std::string> args;
  for (int i = 2; i < gflags_argc; ++i) args.emplace_back(argv[i]);
  if (!overrides.empty()) {
    args.emplace_back("--");
    args.insert(args.end(), overrides.begin(), overrides.end());
  }
  if (command == "plugins") return tern::cli::CmdPlugins(args);
  std::fprintf(stderr, "tern: unknown command '%s'\n\n%s", command.c_str(), kUsage);
  return 2;
}
