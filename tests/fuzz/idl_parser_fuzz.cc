// libFuzzer target for the IDL front end: any bytes must parse or fail with
// diagnostics — never crash, hang, or recurse without bound. The error list
// is bounded too.
#include <cstdint>
#include <cstdlib>
#include <string>

#include "tern/idl/compiler.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > (1 << 16)) return 0;
  const std::string text(reinterpret_cast<const char*>(data), size);
  tern::idl::Compiler compiler;
  tern::idl::Diagnostics diags;
  tern::idl::Program* p = compiler.ParseString("fuzz.thrift", text, diags);
  if (p == nullptr) std::abort();  // text input always yields a program
  if (diags.all().size() > 5 * tern::idl::Diagnostics::kMaxErrors) std::abort();
  if (!diags.has_errors()) tern::idl::DependencyOrder(*p, diags);
  return 0;
}
