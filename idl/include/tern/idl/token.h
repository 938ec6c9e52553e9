// Tokens of the Thrift IDL, as Apache Thrift 0.17's lexer (thriftl.ll) forms
// them:
//   identifier  [a-zA-Z_](\.[a-zA-Z_0-9]|[a-zA-Z_0-9])*   e.g. shared.Point
//   keyword     an identifier spelled like a Thrift keyword (IsKeyword)
//   integer     [+-]?[0-9]+ or [+-]?0x[0-9A-Fa-f]+, decimal even with a
//               leading 0; `true` and `false` are the integers 1 and 0
//   double      [+-]?[0-9]*(\.[0-9]+)?([eE][+-]?[0-9]+)? with a '.' or an
//               exponent
//   string      "..." or '...' on one line; escapes \n \r \t \" \' \\ only
//   punctuation one of { } [ ] ( ) < > , ; : = * &
// Comments (# ..., // ..., /* ... */) are skipped; a doc comment
// (/** ... */) is attached to the token that follows it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "tern/idl/source.h"

namespace tern::idl {

struct Token {
  enum Kind { kIdent, kKeyword, kInt, kDouble, kString, kPunct, kEof };
  Kind kind = kEof;
  // kIdent/kKeyword: the word; kString: the decoded contents; kInt/kDouble:
  // the literal as written; kPunct: the character.
  std::string text;
  int64_t i = 0;              // kInt
  bool int_overflow = false;  // kInt that does not fit in i64 (i is 0)
  double d = 0;               // kDouble
  Loc loc;
  size_t offset = 0;  // byte offset of the first character
  std::string doc;    // the doc comment just before this token, cleaned
};

// Returns true for the words Apache Thrift 0.17 reserves as tokens
// (struct, list, i32, required, ...), including the removed namespace
// declarations (cpp_namespace, php_namespace, ...) it reports as errors.
bool IsKeyword(std::string_view word);

// A short description for messages: 'foo', number '12', a string literal,
// end of file.
std::string Describe(const Token& t);

}  // namespace tern::idl
