// The IDL compiler front end: lexer -> parser -> AST -> semantic checks.
//
//   Diagnostics diags;
//   Compiler c({"include/dir"});
//   Program* p = c.ParseFile("service.thrift", diags);
//   if (diags.has_errors()) { print diags.ToString(); }
//
// Includes are resolved relative to the including file, then each include
// directory; each file is parsed once (a diamond include gives one Program),
// and an include cycle is an error. The Compiler owns every Program.
// Never throws, never crashes or hangs on bad input: nesting is limited
// (kMaxNesting) and every error is a Diagnostic.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "tern/idl/ast.h"
#include "tern/idl/diagnostics.h"

namespace tern::idl {

class Compiler {
 public:
  // Deepest nesting of types (list<list<...>>) and const values.
  static constexpr int kMaxNesting = 64;

  explicit Compiler(std::vector<std::string> include_dirs = {});
  ~Compiler();

  // Parses and checks `path` and everything it includes. Returns the
  // program (even with errors, as far as it got), or null when the file
  // cannot be read.
  Program* ParseFile(const std::string& path, Diagnostics& diags);
  // Parses and checks text as a file named `name` (includes resolve against
  // the include directories).
  Program* ParseString(const std::string& name, const std::string& text, Diagnostics& diags);

  // Every program parsed, in the order they were finished (includes first).
  const std::vector<std::unique_ptr<Program>>& programs() const { return programs_; }

 private:
  Program* Load(const std::string& path, const std::string* text, Diagnostics& diags,
                std::vector<std::string>& stack);
  std::vector<std::string> include_dirs_;
  std::vector<std::unique_ptr<Program>> programs_;
};

// Structs of `p` ordered so that each comes after every struct of `p` it
// holds by value (directly, through typedefs, or as a map key/set element —
// those need complete types). Containers of a struct (std::vector of an
// incomplete type is fine), `&`/cpp.ref fields and structs of other files do
// not order. A by-value cycle is an error.
std::vector<const Definition*> DependencyOrder(const Program& p, Diagnostics& diags);

}  // namespace tern::idl
