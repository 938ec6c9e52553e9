// libFuzzer target for the IDL front end (lexer, parser, sema,
// DependencyOrder): any bytes must parse or fail with diagnostics — never
// crash, hang, or recurse without bound — and the diagnostics list stays
// bounded. Built with clang's -fsanitize=fuzzer; under g++ the seed corpus
// replays through the same entry point as an ordinary test.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "tern/idl/compiler.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  // Larger inputs only slow the fuzzer down; the code paths are the same.
  if (size > (1 << 16)) return 0;
  const std::string text(reinterpret_cast<const char*>(data), size);
  tern::idl::Compiler compiler;  // no include directories: input never names real files
  tern::idl::Diagnostics diags;
  tern::idl::Program* p = compiler.ParseString("fuzz.thrift", text, diags);
  if (p == nullptr) std::abort();  // text always yields a program
  if (diags.error_count() > tern::idl::Diagnostics::kMaxErrors ||
      diags.warning_count() > tern::idl::Diagnostics::kMaxWarnings) {
    std::abort();
  }
  for (const auto& d : diags.all()) {
    // Every diagnostic has a position inside the input (or none at all).
    if (d.loc.line < 0 || d.loc.col < 0 || (d.loc.line == 0) != (d.loc.col == 0)) std::abort();
    if (d.ToString().empty()) std::abort();
  }
  if (!diags.has_errors()) {
    const auto order = tern::idl::DependencyOrder(*p, diags);
    size_t structs = 0;
    for (const auto& def : p->definitions) structs += def->IsStructLike() ? 1 : 0;
    if (order.size() != structs) std::abort();  // each struct exactly once
  }
  return 0;
}
