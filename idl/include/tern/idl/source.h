// A source file of the IDL compiler: its name, its bytes, and the mapping
// from byte offsets to line:column positions that every diagnostic uses.
//
// Lines and columns are 1-based; a column counts bytes (a tab or a UTF-8
// sequence advances it by its byte count), which is what editors that jump
// to `file:line:col` expect. Line breaks are '\n'; a '\r' before it belongs
// to the line's text.
//
// Ownership: a SourceFile owns its text. string_views returned by Line() are
// valid while the SourceFile lives. [thread-safe] for concurrent reads; it is
// immutable after construction.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace tern::idl {

// A position in a source file. {0, 0} means "the file as a whole" (e.g. a
// file that cannot be read).
struct Loc {
  int line = 0;
  int col = 0;

  friend bool operator==(const Loc&, const Loc&) = default;
};

class SourceFile {
 public:
  SourceFile(std::string name, std::string text);

  const std::string& name() const { return name_; }
  const std::string& text() const { return text_; }

  // Returns the position of byte `offset`; an offset at or past the end is
  // the position just after the last byte (where "end of file" is reported).
  Loc LocAt(size_t offset) const;
  // Returns line `line` (1-based) without its '\n', or "" when out of range.
  std::string_view Line(int line) const;
  int line_count() const { return static_cast<int>(line_starts_.size()); }

 private:
  std::string name_;
  std::string text_;
  std::vector<size_t> line_starts_;  // offset of the first byte of each line
};

}  // namespace tern::idl
