#include "tern/init.h"

#include <gflags/gflags.h>
#include <glog/logging.h>

#include <mutex>
#include <string>

namespace tern {

namespace {
std::once_flag g_logging_once;

void InitLoggingOnce(const char* argv0) {
  std::call_once(g_logging_once, [argv0] {
    // Log to stderr by default: glog otherwise writes files into /tmp from
    // every process. --log_dir (or GLOG_log_dir) switches back to files.
    if (FLAGS_log_dir.empty()) FLAGS_logtostderr = true;
    google::InitGoogleLogging(argv0 != nullptr ? argv0 : "tern");
  });
}
}  // namespace

void InitProcess(int* argc, char*** argv, const char* usage) {
  static std::once_flag once;
  std::call_once(once, [&] {
    if (usage != nullptr) gflags::SetUsageMessage(usage);
    gflags::SetVersionString("0.1.0");
    gflags::ParseCommandLineFlags(argc, argv, /*remove_flags=*/true);
  });
  InitLoggingOnce((*argv)[0]);
}

void InitLogging(const char* argv0) { InitLoggingOnce(argv0); }

}  // namespace tern
