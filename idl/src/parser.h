// The IDL parser: tokens -> one Program's AST (names unresolved). Recursive
// descent with a nesting limit, so deep input is an error, not a crash.
#pragma once

#include <string>

#include "tern/idl/ast.h"
#include "tern/idl/diagnostics.h"

namespace tern::idl {

void Parse(const std::string& text, Program& program, Diagnostics& diags, int max_nesting);

}  // namespace tern::idl
