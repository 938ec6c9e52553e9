// Diagnostics of the IDL compiler: every error and warning with its
// file:line:column, printed as `file:line:col: error: message`.
//
// The compiler never throws or aborts on bad input: each phase reports into
// a Diagnostics and carries on as far as it sensibly can, so one run shows
// every independent mistake. Callers check has_errors() after a phase.
// Collection is bounded (kMaxErrors errors, kMaxWarnings warnings), because
// input that is not IDL at all would otherwise produce one error per byte.
//
// [NOT thread-safe]: one Diagnostics per compilation.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "tern/idl/source.h"

namespace tern::idl {

struct Diagnostic {
  enum Severity { kError, kWarning };
  Severity severity = kError;
  std::string file;
  Loc loc;
  std::string message;
  // Returns "file:line:col: error: message" ("file: error: message" when the
  // position is unknown, e.g. an unreadable file).
  std::string ToString() const;
};

class Diagnostics {
 public:
  static constexpr size_t kMaxErrors = 100;
  static constexpr size_t kMaxWarnings = 400;

  void Error(const std::string& file, Loc loc, std::string message);
  void Warning(const std::string& file, Loc loc, std::string message);

  bool has_errors() const { return errors_ > 0; }
  size_t error_count() const { return errors_; }
  size_t warning_count() const { return warnings_; }
  // True once kMaxErrors errors were collected: phases stop early then.
  bool full() const { return errors_ >= kMaxErrors; }
  // Every diagnostic in the order reported.
  const std::vector<Diagnostic>& all() const { return list_; }
  // Every diagnostic, one per line (each ending in '\n').
  std::string ToString() const;

 private:
  std::vector<Diagnostic> list_;
  size_t errors_ = 0;
  size_t warnings_ = 0;
};

}  // namespace tern::idl
