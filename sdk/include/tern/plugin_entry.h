// TERN_PLUGIN: the one exported symbol of a Tern plugin (see plugin.h).
// Include this in exactly one file of the plugin, compiled for baseline x86-64.
#pragma once

#include <boost/dll/alias.hpp>

#include "tern/plugin.h"

// Declares the plugin's entry point. Use once per plugin, at namespace scope
// in a file compiled for baseline x86-64:
//
//   constexpr tern::PluginInfo kInfo = {tern::kPluginAbiVersion, sizeof(tern::PluginInfo),
//                                       tern::BuildFingerprint(), ...};
//   TERN_PLUGIN(kInfo)
//
// The alias name differs from the function's, as Boost.DLL requires (an alias
// named like an unqualified function silently points to itself). The alias
// is TERN_PLUGIN_SYMBOL.
#define TERN_PLUGIN(info)                                                \
  namespace tern_plugin_entry {                                          \
  const ::tern::PluginInfo* GetPluginInfo() noexcept { return &(info); } \
  }                                                                      \
  BOOST_DLL_ALIAS(tern_plugin_entry::GetPluginInfo, tern_plugin_info)
