#include "tern/idl/lexer.h"

#include <array>
#include <cstdio>
#include <cstdlib>
#include <string>

namespace tern::idl {

namespace {

bool IsAlpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsAlnum(char c) { return IsAlpha(c) || IsDigit(c); }
bool IsHex(char c) { return IsDigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }

constexpr std::array<std::string_view, 47> kKeywords = {
    // Types.
    "bool", "byte", "i8", "i16", "i32", "i64", "double", "string", "binary", "slist", "map", "list",
    "set", "void",
    // Definitions and headers.
    "namespace", "include", "cpp_include", "cpp_type", "typedef", "const", "enum", "senum",
    "struct", "union", "exception", "service", "extends", "throws", "oneway", "async", "required",
    "optional",
    // XSD leftovers the grammar still has.
    "xsd_all", "xsd_optional", "xsd_nillable", "xsd_attrs",
    // Namespace declarations removed from the language; 0.17 reports them.
    "cpp_namespace", "java_package", "csharp_namespace", "delphi_namespace", "php_namespace",
    "py_module", "perl_package", "ruby_namespace", "smalltalk_category", "smalltalk_prefix",
    "xsd_namespace"};

// Strips the markers of a doc comment's body, the leading `*` of each line
// and the common indentation, so "/**\n * a\n *   b\n */" gives "a\n  b".
std::string CleanDoc(std::string_view raw) {
  std::vector<std::string> lines;
  size_t pos = 0;
  while (pos <= raw.size()) {
    size_t end = raw.find('\n', pos);
    if (end == std::string_view::npos) end = raw.size();
    std::string line(raw.substr(pos, end - pos));
    if (!line.empty() && line.back() == '\r') line.pop_back();
    const size_t star = line.find_first_not_of(" \t");
    if (star != std::string::npos && line[star] == '*') {
      line.erase(0, star + 1);
    } else if (star == std::string::npos) {
      line.clear();
    }
    while (!line.empty() && (line.back() == ' ' || line.back() == '\t')) line.pop_back();
    lines.push_back(std::move(line));
    pos = end + 1;
  }
  size_t indent = std::string::npos;
  for (const auto& l : lines) {
    if (!l.empty()) indent = std::min(indent, l.find_first_not_of(" \t"));
  }
  std::string out;
  for (auto& l : lines) {
    if (!l.empty()) l.erase(0, indent);
    if (l.empty() && out.empty()) continue;
    out += l;
    out += '\n';
  }
  while (!out.empty() && out.back() == '\n') out.pop_back();
  return out;
}

class Lexer {
 public:
  Lexer(const SourceFile& src, Diagnostics& d) : src_(src), s_(src.text()), d_(d) {}

  std::vector<Token> Run() {
    // A UTF-8 byte order mark, as some editors save files: not IDL text.
    if (s_.size() >= 3 && s_.compare(0, 3, "\xEF\xBB\xBF") == 0) i_ = 3;
    while (i_ < s_.size() && !d_.full()) {
      const char c = s_[i_];
      if (c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\v') {
        ++i_;
      } else if (c == '#' || (c == '/' && Next(1) == '/')) {
        while (i_ < s_.size() && s_[i_] != '\n') ++i_;
      } else if (c == '/' && Next(1) == '*') {
        BlockComment();
      } else if (IsAlpha(c)) {
        Word();
      } else if (IsDigit(c) || (c == '.' && IsDigit(Next(1))) ||
                 ((c == '-' || c == '+') &&
                  (IsDigit(Next(1)) || (Next(1) == '.' && IsDigit(Next(2)))))) {
        Number();
      } else if (c == '"' || c == '\'') {
        String();
      } else if (std::string_view("{}[]()<>,;:=*&").find(c) != std::string_view::npos) {
        Token& t = Emit(Token::kPunct, i_);
        t.text = std::string(1, c);
        ++i_;
      } else {
        const unsigned char u = static_cast<unsigned char>(c);
        char buf[48];
        if (u >= 0x21 && u < 0x7f) {
          std::snprintf(buf, sizeof(buf), "unexpected character '%c'", c);
        } else {
          std::snprintf(buf, sizeof(buf), "unexpected byte 0x%02x", u);
        }
        Error(i_, buf);
        ++i_;
      }
    }
    Token& eof = Emit(Token::kEof, s_.size());
    eof.doc.clear();
    return std::move(out_);
  }

 private:
  char Next(size_t k) const { return i_ + k < s_.size() ? s_[i_ + k] : '\0'; }
  void Error(size_t offset, std::string m) {
    d_.Error(src_.name(), src_.LocAt(offset), std::move(m));
  }

  Token& Emit(Token::Kind kind, size_t offset) {
    Token& t = out_.emplace_back();
    t.kind = kind;
    t.offset = offset;
    t.loc = src_.LocAt(offset);
    t.doc = std::move(pending_doc_);
    pending_doc_.clear();
    return t;
  }

  void BlockComment() {
    const size_t start = i_;
    const size_t end = s_.find("*/", i_ + 2);
    if (end == std::string::npos) {
      Error(start, "unterminated comment: '/*' has no matching '*/'");
      i_ = s_.size();
      return;
    }
    // "/**/" is an empty ordinary comment, not the start of a doc comment.
    if (Next(2) == '*' && end > i_ + 2) {
      pending_doc_ = CleanDoc(std::string_view(s_).substr(i_ + 3, end - (i_ + 3)));
    }
    i_ = end + 2;
  }

  void Word() {
    const size_t start = i_;
    while (i_ < s_.size() && (IsAlnum(s_[i_]) || (s_[i_] == '.' && IsAlnum(Next(1))))) ++i_;
    std::string word = s_.substr(start, i_ - start);
    if (word == "true" || word == "false") {
      Token& t = Emit(Token::kInt, start);
      t.i = word == "true" ? 1 : 0;
      t.text = std::move(word);
      return;
    }
    Token& t = Emit(IsKeyword(word) ? Token::kKeyword : Token::kIdent, start);
    t.text = std::move(word);
  }

  void Number() {
    const size_t start = i_;
    const bool neg = s_[i_] == '-';
    if (s_[i_] == '-' || s_[i_] == '+') ++i_;
    if (s_[i_] == '0' && (Next(1) == 'x' || Next(1) == 'X') && IsHex(Next(2))) {
      i_ += 2;
      const size_t digits = i_;
      while (i_ < s_.size() && IsHex(s_[i_])) ++i_;
      Token& t = Emit(Token::kInt, start);
      t.text = s_.substr(start, i_ - start);
      // Like Apache: the magnitude must fit in i64, then the sign applies,
      // so -0x8000000000000000 is out of range.
      uint64_t v = 0;
      for (size_t k = digits; k < i_; ++k) {
        const char h = s_[k];
        const uint64_t nibble = IsDigit(h) ? h - '0' : (h | 0x20) - 'a' + 10;
        if (v > (static_cast<uint64_t>(INT64_MAX) - nibble) / 16) {
          t.int_overflow = true;
          break;
        }
        v = v * 16 + nibble;
      }
      if (!t.int_overflow) t.i = neg ? -static_cast<int64_t>(v) : static_cast<int64_t>(v);
      return;
    }
    const size_t int_begin = i_;
    while (i_ < s_.size() && IsDigit(s_[i_])) ++i_;
    const size_t int_end = i_;
    bool is_double = false;
    if (i_ < s_.size() && s_[i_] == '.' && IsDigit(Next(1))) {
      is_double = true;
      ++i_;
      while (i_ < s_.size() && IsDigit(s_[i_])) ++i_;
    }
    if (i_ < s_.size() && (s_[i_] == 'e' || s_[i_] == 'E')) {
      size_t k = i_ + 1;
      if (k < s_.size() && (s_[k] == '+' || s_[k] == '-')) ++k;
      if (k < s_.size() && IsDigit(s_[k])) {
        is_double = true;
        i_ = k;
        while (i_ < s_.size() && IsDigit(s_[i_])) ++i_;
      }
    }
    const std::string text = s_.substr(start, i_ - start);
    if (is_double) {
      Token& t = Emit(Token::kDouble, start);
      t.text = text;
      t.d = std::strtod(text.c_str(), nullptr);
      return;
    }
    Token& t = Emit(Token::kInt, start);
    t.text = text;
    // Decimal even with a leading zero (Apache uses base 10, not C's octal);
    // the magnitude may reach 2^63 only when negative.
    const uint64_t limit = static_cast<uint64_t>(INT64_MAX) + (neg ? 1 : 0);
    uint64_t v = 0;
    for (size_t k = int_begin; k < int_end; ++k) {
      const uint64_t digit = static_cast<uint64_t>(s_[k] - '0');
      if (v > (limit - digit) / 10) {
        t.int_overflow = true;
        return;
      }
      v = v * 10 + digit;
    }
    t.i = neg ? static_cast<int64_t>(0 - v) : static_cast<int64_t>(v);
  }

  void String() {
    const size_t start = i_;
    const char quote = s_[i_++];
    std::string value;
    while (true) {
      if (i_ >= s_.size() || s_[i_] == '\n') {
        Error(start, i_ >= s_.size() ? "unterminated string literal (end of file)"
                                     : "unterminated string literal (end of line)");
        break;  // the token is still emitted, so the parser does not report it again
      }
      const char c = s_[i_];
      if (c == quote) {
        ++i_;
        break;
      }
      if (c == '\\') {
        const char e = Next(1);
        switch (e) {
          case 'n':
            value += '\n';
            break;
          case 'r':
            value += '\r';
            break;
          case 't':
            value += '\t';
            break;
          case '"':
          case '\'':
          case '\\':
            value += e;
            break;
          default:
            if (e == '\n' || i_ + 1 >= s_.size()) {
              ++i_;  // the line end ends the literal above
              continue;
            }
            Error(i_, std::string("bad escape '\\") + e +
                          "' in string literal (allowed: \\n \\r \\t \\\" \\' \\\\)");
            value += e;
            break;
        }
        i_ += 2;
        continue;
      }
      value += c;
      ++i_;
    }
    Token& t = Emit(Token::kString, start);
    t.text = std::move(value);
  }

  const SourceFile& src_;
  const std::string& s_;
  Diagnostics& d_;
  size_t i_ = 0;
  std::string pending_doc_;
  std::vector<Token> out_;
};

}  // namespace

bool IsKeyword(std::string_view word) {
  for (std::string_view k : kKeywords) {
    if (k == word) return true;
  }
  return false;
}

std::string Describe(const Token& t) {
  switch (t.kind) {
    case Token::kEof:
      return "end of file";
    case Token::kIdent:
    case Token::kKeyword:
    case Token::kPunct:
      return "'" + t.text + "'";
    case Token::kString:
      return "a string literal";
    case Token::kInt:
    case Token::kDouble:
      return "number '" + t.text + "'";
  }
  return "?";
}

std::vector<Token> Lex(const SourceFile& src, Diagnostics& diags) {
  return Lexer(src, diags).Run();
}

}  // namespace tern::idl
