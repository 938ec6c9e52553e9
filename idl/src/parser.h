// The IDL parser: tokens -> one Program's AST, names unresolved (sema.h
// resolves them). Recursive descent over Apache Thrift 0.17's grammar
// (thrifty.yy); nesting of types, constant values and xsd_attrs is limited
// to `max_nesting`, so deep input is an error, not a stack overflow.
// Syntax errors are reported and parsing resumes at the next definition.
#pragma once

#include "tern/idl/ast.h"
#include "tern/idl/diagnostics.h"
#include "tern/idl/source.h"

namespace tern::idl {

void Parse(const SourceFile& src, Program& program, Diagnostics& diags, int max_nesting);

}  // namespace tern::idl
