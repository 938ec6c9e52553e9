// Semantic checks: name resolution, typedef cycles, duplicates, constant and
// default values against their types, service rules.
#pragma once

#include "tern/idl/ast.h"
#include "tern/idl/diagnostics.h"

namespace tern::idl {

// Resolves and checks `p` (its includes must already be checked).
void Check(Program& p, Diagnostics& diags);

}  // namespace tern::idl
