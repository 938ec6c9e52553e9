// The subcommands of the `tern` CLI. Each returns the process exit code.
// argv holds what follows the subcommand name (flags already parsed by
// gflags; config overrides after `--` are kept).
#pragma once

#include <string>
#include <vector>

namespace tern::cli {

int CmdPlugins(const std::vector<std::string>& args);
int CmdGen(const std::vector<std::string>& args);
int CmdNew(const std::vector<std::string>& args);
int CmdBench(const std::vector<std::string>& args);

}  // namespace tern::cli
