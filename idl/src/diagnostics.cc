#include "tern/idl/diagnostics.h"

namespace tern::idl {

std::string Diagnostic::ToString() const {
  std::string s = file;
  if (loc.line > 0) s += ":" + std::to_string(loc.line) + ":" + std::to_string(loc.col);
  s += severity == kError ? ": error: " : ": warning: ";
  return s + message;
}

void Diagnostics::Error(const std::string& file, Loc loc, std::string message) {
  if (full()) return;
  if (errors_ + 1 == kMaxErrors) {
    // The last slot says why the list ends, so a reader does not take the
    // first hundred errors for all of them.
    message = "too many errors (" + std::to_string(kMaxErrors) + "); stopping here";
  }
  list_.push_back({Diagnostic::kError, file, loc, std::move(message)});
  ++errors_;
}

void Diagnostics::Warning(const std::string& file, Loc loc, std::string message) {
  if (warnings_ >= kMaxWarnings) return;
  list_.push_back({Diagnostic::kWarning, file, loc, std::move(message)});
  ++warnings_;
}

std::string Diagnostics::ToString() const {
  std::string s;
  for (const auto& d : list_) s += d.ToString() + "\n";
  return s;
}

}  // namespace tern::idl
