// Lowering: a checked IDL Program -> the generator's model (model.h). Names
// are escaped for C++ (keywords, macros, names the generated code reserves),
// types qualified with their file's C++ namespace, typedefs resolved, default
// and constant values rendered as C++ expressions (other constants inlined,
// so declaration order never matters), structs put in dependency order.
#pragma once

#include "idl/gen/cpp/model.h"
#include "tern/idl/ast.h"
#include "tern/idl/diagnostics.h"

namespace tern::gen {

File Lower(const idl::Program& program, idl::Diagnostics& diags);

// `name` made safe as a C++ identifier (appends '_' to keywords and macros).
std::string EscapeCpp(const std::string& name);

}  // namespace tern::gen
