#include "lexer.h"

#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstdlib>

namespace tern::idl {

namespace {

bool IsIdentStart(char c) { return std::isalpha(static_cast<unsigned char>(c)) || c == '_'; }
bool IsIdentChar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.';
}

// Strips the comment markers of a doc comment and the leading `*` of lines.
std::string CleanDoc(const std::string& raw) {
  std::string out;
  size_t pos = 0;
  while (pos <= raw.size()) {
    size_t end = raw.find('\n', pos);
    if (end == std::string::npos) end = raw.size();
    std::string line = raw.substr(pos, end - pos);
    size_t s = line.find_first_not_of(" \t");
    if (s != std::string::npos && line[s] == '*') line = line.substr(s + 1);
    s = line.find_first_not_of(" \t");
    line = s == std::string::npos ? "" : line.substr(s);
    while (!line.empty() && (line.back() == ' ' || line.back() == '\t' || line.back() == '\r')) {
      line.pop_back();
    }
    if (!line.empty() || !out.empty()) out += line + "\n";
    pos = end + 1;
  }
  while (!out.empty() && out.back() == '\n') out.pop_back();
  return out;
}

}  // namespace

std::vector<Token> Lex(const std::string& file, const std::string& src, Diagnostics& diags) {
  std::vector<Token> out;
  size_t i = 0;
  int line = 1, col = 1;
  std::string pending_doc;
  auto advance = [&](size_t n) {
    for (size_t k = 0; k < n && i < src.size(); ++k, ++i) {
      if (src[i] == '\n') {
        ++line;
        col = 1;
      } else {
        ++col;
      }
    }
  };
  while (i < src.size() && !diags.full()) {
    const char c = src[i];
    if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
      advance(1);
      continue;
    }
    const Loc loc{line, col};
    if (c == '#' || (c == '/' && i + 1 < src.size() && src[i + 1] == '/')) {
      while (i < src.size() && src[i] != '\n') advance(1);
      continue;
    }
    if (c == '/' && i + 1 < src.size() && src[i + 1] == '*') {
      const bool doc =
          i + 2 < src.size() && src[i + 2] == '*' && !(i + 3 < src.size() && src[i + 3] == '/');
      const size_t end = src.find("*/", i + 2);
      if (end == std::string::npos) {
        diags.Error(file, loc, "unterminated comment");
        advance(src.size() - i);
        break;
      }
      if (doc) pending_doc = CleanDoc(src.substr(i + 3, end - (i + 3)));
      advance(end + 2 - i);
      continue;
    }
    Token t;
    t.loc = loc;
    if (IsIdentStart(c)) {
      size_t j = i;
      while (j < src.size() && IsIdentChar(src[j])) ++j;
      t.kind = Token::kIdent;
      t.text = src.substr(i, j - i);
      advance(j - i);
    } else if (std::isdigit(static_cast<unsigned char>(c)) ||
               ((c == '-' || c == '+') && i + 1 < src.size() &&
                (std::isdigit(static_cast<unsigned char>(src[i + 1])) || src[i + 1] == '.'))) {
      size_t j = i;
      if (src[j] == '-' || src[j] == '+') ++j;
      bool is_double = false;
      if (j + 1 < src.size() && src[j] == '0' && (src[j + 1] == 'x' || src[j + 1] == 'X')) {
        j += 2;
        while (j < src.size() && std::isxdigit(static_cast<unsigned char>(src[j]))) ++j;
      } else {
        while (j < src.size() && std::isdigit(static_cast<unsigned char>(src[j]))) ++j;
        if (j < src.size() && src[j] == '.') {
          is_double = true;
          ++j;
          while (j < src.size() && std::isdigit(static_cast<unsigned char>(src[j]))) ++j;
        }
        if (j < src.size() && (src[j] == 'e' || src[j] == 'E')) {
          size_t k = j + 1;
          if (k < src.size() && (src[k] == '+' || src[k] == '-')) ++k;
          if (k < src.size() && std::isdigit(static_cast<unsigned char>(src[k]))) {
            is_double = true;
            j = k;
            while (j < src.size() && std::isdigit(static_cast<unsigned char>(src[j]))) ++j;
          }
        }
      }
      const std::string text = src.substr(i, j - i);
      t.text = text;
      errno = 0;
      if (is_double) {
        t.kind = Token::kDouble;
        t.d = std::strtod(text.c_str(), nullptr);
      } else {
        t.kind = Token::kInt;
        const bool neg = text[0] == '-';
        const char* digits = text.c_str() + ((text[0] == '-' || text[0] == '+') ? 1 : 0);
        errno = 0;
        const unsigned long long u = std::strtoull(digits, nullptr, 0);
        if (errno == ERANGE || (!neg && u > static_cast<unsigned long long>(INT64_MAX)) ||
            (neg && u > static_cast<unsigned long long>(INT64_MAX) + 1)) {
          t.int_overflow = true;
        } else {
          t.i = neg ? static_cast<int64_t>(0 - u) : static_cast<int64_t>(u);
        }
      }
      advance(j - i);
    } else if (c == '"' || c == '\'') {
      size_t j = i + 1;
      std::string s;
      bool closed = false;
      while (j < src.size()) {
        if (src[j] == c) {
          closed = true;
          break;
        }
        if (src[j] == '\n') break;
        if (src[j] == '\\' && j + 1 < src.size()) {
          const char e = src[j + 1];
          switch (e) {
            case 'n':
              s += '\n';
              break;
            case 't':
              s += '\t';
              break;
            case 'r':
              s += '\r';
              break;
            case '\\':
              s += '\\';
              break;
            case '"':
              s += '"';
              break;
            case '\'':
              s += '\'';
              break;
            default:
              s += '\\';
              s += e;
              break;
          }
          j += 2;
          continue;
        }
        s += src[j++];
      }
      if (!closed) {
        diags.Error(file, loc, "unterminated string literal");
        advance(j - i);
        continue;
      }
      t.kind = Token::kString;
      t.text = std::move(s);
      advance(j + 1 - i);
    } else if (std::string("{}[]()<>,;:=*&").find(c) != std::string::npos) {
      t.kind = Token::kPunct;
      t.text = std::string(1, c);
      advance(1);
    } else {
      char buf[64];
      std::snprintf(buf, sizeof(buf), "unexpected character '%c' (0x%02x)",
                    std::isprint(static_cast<unsigned char>(c)) ? c : '?',
                    static_cast<unsigned char>(c));
      diags.Error(file, loc, buf);
      advance(1);
      continue;
    }
    t.doc = std::move(pending_doc);
    pending_doc.clear();
    out.push_back(std::move(t));
  }
  Token eof;
  eof.kind = Token::kEof;
  eof.loc = {line, col};
  out.push_back(eof);
  return out;
}

}  // namespace tern::idl
