// Process start-up: logging and command-line flags, initialised in one place.
//
// Tools and servers call InitProcess() first thing in main(). It parses the
// gflags that precede `--` (removing them; Tern's config overrides that follow
// `--` are left for the config loader) and initialises glog once, logging to
// stderr unless --log_dir is given. Plugins never call it: they log through
// the host's glog.
//
// Thread: call once, from main(), before starting threads. A second call is a
// no-op.
#pragma once

#include "tern/export.h"

namespace tern {

TERN_EXPORT void InitProcess(int* argc, char*** argv, const char* usage = nullptr);

// Initialises glog only (tests and benchmarks that own their argv).
TERN_EXPORT void InitLogging(const char* argv0);

}  // namespace tern
