#include "tern/idl/diagnostics.h"

namespace tern::idl {

std::string Diagnostic::ToString() const {
  return file + ":" + std::to_string(loc.line) + ":" + std::to_string(loc.col) + ": " +
         (severity == kError ? "error: " : "warning: ") + message;
}

void Diagnostics::Error(const std::string& file, Loc loc, std::string message) {
  if (full()) return;
  list_.push_back({Diagnostic::kError, file, loc, std::move(message)});
  ++errors_;
}

void Diagnostics::Warning(const std::string& file, Loc loc, std::string message) {
  if (list_.size() > 4 * kMaxErrors) return;
  list_.push_back({Diagnostic::kWarning, file, loc, std::move(message)});
}

std::string Diagnostics::ToString() const {
  std::string s;
  for (const auto& d : list_) s += d.ToString() + "\n";
  return s;
}

}  // namespace tern::idl
