// The thrift_copyfree codec plugin's entry point, compiled for baseline
// x86-64 like every entry file. The codec lives in tern_thrift_copyfree_impl
// (over tern_thrift_fast_impl) so that tests link it without loading the .so.
#include "plugins/thrift_copyfree/copyfree_codec.h"
#include "tern/plugin_entry.h"

namespace tern::thrift_copyfree {
namespace {

constexpr PluginConfigKey kConfigKeys[] = {thrift_fast::kFramingConfigKey};

constexpr PluginInfo kInfo = {
    kPluginAbiVersion,
    sizeof(PluginInfo),
    BuildFingerprint(),
    PluginKind::kCodec,
    /*priority=*/0,
    "thrift_copyfree",
    "0.1.0",
    "Thrift Binary as thrift_fast, plus copy-free views of message bodies (DecodeView)",
    /*required_cpu=*/0,
    /*capabilities=*/kCapDecodesViews,
    kConfigKeys,
    sizeof(kConfigKeys) / sizeof(kConfigKeys[0]),
    nullptr,
    &CreateCopyFreeCodec,
    nullptr,
    {},
};

}  // namespace
}  // namespace tern::thrift_copyfree

TERN_PLUGIN(tern::thrift_copyfree::kInfo)
