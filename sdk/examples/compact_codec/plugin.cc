// The thrift_compact codec plugin's entry point. The codec lives in
// tern_compact_impl so that tests and benchmarks link it without loading the
// .so; this file is all that makes it a plugin.
#include "compact_codec.h"
#include "tern/plugin_entry.h"

namespace tern::compact {
namespace {

constexpr PluginConfigKey kConfigKeys[] = {
    {"framing", ConfigType::kString, "framed",
     "framed (4-byte length prefix, TFramedTransport) or buffered (none, TBufferedTransport)"},
};

constexpr PluginInfo kInfo = {
    kPluginAbiVersion,
    sizeof(PluginInfo),
    BuildFingerprint(),
    PluginKind::kCodec,
    /*priority=*/0,
    "thrift_compact",
    "0.1.0",
    "Thrift Compact protocol (TCompactProtocol), framed or buffered, via TypeInfo (an SDK example)",
    /*required_cpu=*/0,
    /*capabilities=*/0,
    kConfigKeys,
    sizeof(kConfigKeys) / sizeof(kConfigKeys[0]),
    nullptr,
    &CreateCompactCodec,
    nullptr,
    {},
};

}  // namespace
}  // namespace tern::compact

TERN_PLUGIN(tern::compact::kInfo)
