// The IDL compiler front end: source -> lexer -> parser -> AST -> semantic
// checks, for a file and everything it includes.
//
//   Diagnostics diags;
//   Compiler compiler({"idl/include/dir"});
//   Program* p = compiler.ParseFile("service.thrift", diags);
//   if (p == nullptr || diags.has_errors()) { print diags.ToString(); }
//   for (const Definition* s : DependencyOrder(*p, diags)) { ... }
//
// Includes resolve relative to the including file's directory, then against
// each include directory in order; each file is parsed once per Compiler (a
// diamond include gives one Program), and an include cycle is an error at
// the `include` that closes it. Included files are checked before the files
// that include them.
//
// Errors: never throws, never crashes, never hangs on bad input, and uses
// bounded recursion (nesting deeper than kMaxNesting is an error); every
// problem is a Diagnostic with file:line:col. A Program is returned even when
// it has errors (as far as parsing got), so tools can show partial results;
// generators must not run on it then.
//
// Ownership: the Compiler owns every Program (and so every Definition);
// pointers stay valid while it lives. [NOT thread-safe]; independent
// Compilers may run on different threads.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "tern/idl/ast.h"
#include "tern/idl/diagnostics.h"

namespace tern::idl {

class Compiler {
 public:
  // Deepest nesting of types (list<list<...>>), constant values ([[...]])
  // and xsd_attrs field lists.
  static constexpr int kMaxNesting = 64;

  explicit Compiler(std::vector<std::string> include_dirs = {});
  ~Compiler();
  Compiler(const Compiler&) = delete;
  Compiler& operator=(const Compiler&) = delete;

  // Parses and checks `path` and everything it includes. Returns the
  // program, or null when the file cannot be read (reported).
  Program* ParseFile(const std::string& path, Diagnostics& diags);
  // Parses and checks `text` as a file named `name` (diagnostics use the
  // name). Its relative includes resolve against the include directories
  // only (text has no directory of its own). Each call parses anew, even for a name seen before.
  // Returns the program (never null).
  Program* ParseString(const std::string& name, const std::string& text, Diagnostics& diags);

  // Every program parsed, in the order they were finished (includes first).
  const std::vector<std::unique_ptr<Program>>& programs() const { return programs_; }

 private:
  Program* Load(const std::string& path, const std::string* text, Diagnostics& diags,
                std::vector<std::string>& stack);
  std::vector<std::string> include_dirs_;
  std::vector<std::unique_ptr<Program>> programs_;
};

// Returns the structs, unions and exceptions of `p`, each once, in an order
// where each comes after every one of them it holds by value, directly or
// through typedefs. Elements of containers are placed first when that is
// possible but never make a cycle an error (C++ containers of an incomplete
// type are fine); `&`/cpp.ref fields and definitions of other files (which
// come from their own headers) do not order at all. Otherwise IDL order is
// kept. A by-value cycle (struct A { 1: B b } struct B { 1: A a }) is an
// error at the field that closes it. Runs without recursion, so chains of
// any length are fine.
std::vector<const Definition*> DependencyOrder(const Program& p, Diagnostics& diags);

}  // namespace tern::idl
