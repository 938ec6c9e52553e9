// Diagnostics of the IDL compiler: every error and warning with its
// file:line:column. The compiler collects them and never throws or aborts on
// bad input; callers check has_errors() after each phase.
#pragma once

#include <string>
#include <vector>

namespace tern::idl {

struct Loc {
  int line = 0;
  int col = 0;
};

struct Diagnostic {
  enum Severity { kError, kWarning };
  Severity severity = kError;
  std::string file;
  Loc loc;
  std::string message;
  // "file:line:col: error: message"
  std::string ToString() const;
};

class Diagnostics {
 public:
  // Past this many errors the compiler stops collecting (input that is not
  // IDL at all would otherwise produce one error per token).
  static constexpr size_t kMaxErrors = 100;

  void Error(const std::string& file, Loc loc, std::string message);
  void Warning(const std::string& file, Loc loc, std::string message);
  bool has_errors() const { return errors_ > 0; }
  bool full() const { return errors_ >= kMaxErrors; }
  const std::vector<Diagnostic>& all() const { return list_; }
  // Every diagnostic, one per line.
  std::string ToString() const;

 private:
  std::vector<Diagnostic> list_;
  size_t errors_ = 0;
};

}  // namespace tern::idl
