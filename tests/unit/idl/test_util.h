// Helpers shared by the IDL front-end tests: parse text, list diagnostics
// as "line:col: message" lines.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "tern/idl/compiler.h"

namespace tern::idl::testing_util {

struct Parsed {
  explicit Parsed(std::vector<std::string> include_dirs = {}) : compiler(std::move(include_dirs)) {}
  Compiler compiler;
  Diagnostics diags;
  Program* program = nullptr;
};

inline std::unique_ptr<Parsed> ParseText(const std::string& text,
                                         std::vector<std::string> include_dirs = {}) {
  auto p = std::make_unique<Parsed>(std::move(include_dirs));
  p->program = p->compiler.ParseString("t.thrift", text, p->diags);
  return p;
}

inline std::string Lines(const Diagnostics& diags, Diagnostic::Severity severity) {
  std::string out;
  for (const auto& d : diags.all()) {
    if (d.severity == severity) {
      out += std::to_string(d.loc.line) + ":" + std::to_string(d.loc.col) + ": " + d.message + "\n";
    }
  }
  return out;
}

// Every error, one "line:col: message" per line.
inline std::string Errors(const Parsed& p) { return Lines(p.diags, Diagnostic::kError); }
inline std::string Warnings(const Parsed& p) { return Lines(p.diags, Diagnostic::kWarning); }

// The first error as "line:col: message", or "<no error>".
inline std::string FirstError(const Parsed& p) {
  const std::string all = Errors(p);
  return all.empty() ? "<no error>" : all.substr(0, all.find('\n'));
}

// Every error of parsing `text`.
inline std::string ErrorsOf(const std::string& text) { return Errors(*ParseText(text)); }

inline std::string TestData(const std::string& name) {
  return std::string(TERN_IDL_TESTDATA) + "/" + name;
}

}  // namespace tern::idl::testing_util
