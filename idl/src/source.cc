#include "tern/idl/source.h"

#include <algorithm>

namespace tern::idl {

SourceFile::SourceFile(std::string name, std::string text)
    : name_(std::move(name)), text_(std::move(text)) {
  line_starts_.push_back(0);
  for (size_t i = 0; i < text_.size(); ++i) {
    if (text_[i] == '\n') line_starts_.push_back(i + 1);
  }
}

Loc SourceFile::LocAt(size_t offset) const {
  offset = std::min(offset, text_.size());
  // The last line start <= offset.
  const auto it = std::upper_bound(line_starts_.begin(), line_starts_.end(), offset) - 1;
  const size_t line = static_cast<size_t>(it - line_starts_.begin());
  return Loc{static_cast<int>(line + 1), static_cast<int>(offset - *it + 1)};
}

std::string_view SourceFile::Line(int line) const {
  if (line < 1 || line > line_count()) return {};
  const size_t begin = line_starts_[line - 1];
  size_t end = line < line_count() ? line_starts_[line] - 1 : text_.size();
  return std::string_view(text_).substr(begin, end - begin);
}

}  // namespace tern::idl
