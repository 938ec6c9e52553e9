// The thrift_fast codec plugin's entry point, compiled for baseline x86-64
// like every entry file. The codec itself lives in tern_thrift_fast_impl so
// that tests link it without loading the .so.
#include "plugins/thrift_fast/binary_codec.h"
#include "tern/plugin_entry.h"

namespace tern::thrift_fast {
namespace {

constexpr PluginConfigKey kConfigKeys[] = {kFramingConfigKey};

constexpr PluginInfo kInfo = {
    kPluginAbiVersion,
    sizeof(PluginInfo),
    BuildFingerprint(),
    PluginKind::kCodec,
    /*priority=*/0,
    "thrift_fast",
    "0.1.0",
    "Thrift Binary (strict and non-strict), framed or buffered, via generated fast code",
    /*required_cpu=*/0,
    /*capabilities=*/0,
    kConfigKeys,
    sizeof(kConfigKeys) / sizeof(kConfigKeys[0]),
    nullptr,
    &CreateBinaryCodec,
    nullptr,
    {},
};

}  // namespace
}  // namespace tern::thrift_fast

TERN_PLUGIN(tern::thrift_fast::kInfo)
