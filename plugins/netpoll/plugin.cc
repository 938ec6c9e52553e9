// The netpoll transport plugin's entry point.
#include <memory>

#include "plugins/netpoll/netpoll.h"
#include "tern/plugin_entry.h"

namespace tern::netpoll {
namespace {

Status CreateTransport(const ConfigView& section, std::unique_ptr<Transport>* out) noexcept {
  try {
    auto options = NetpollOptionsFromConfig(section);
    if (!options.ok()) return options.status();
    *out = std::make_unique<NetpollTransport>(*options);
    return Status::OK();
  } catch (const std::exception& e) {
    return Internal(std::string("netpoll: ") + e.what());
  } catch (...) {
    return Internal("netpoll: unknown exception");
  }
}

const PluginInfo kInfo = {
    kPluginAbiVersion,
    sizeof(PluginInfo),
    BuildFingerprint(),
    PluginKind::kTransport,
    /*priority=*/0,
    "netpoll",
    "0.1.0",
    "epoll transport: N pollers, readv/writev over LinkBuffers, adaptive wait",
    /*required_cpu=*/0,
    /*capabilities=*/0,
    kNetpollConfigKeys,
    kNumNetpollConfigKeys,
    &CreateTransport,
    nullptr,
    nullptr,
    {},
};

}  // namespace
}  // namespace tern::netpoll

TERN_PLUGIN(tern::netpoll::kInfo)
