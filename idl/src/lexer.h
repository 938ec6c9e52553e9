// The IDL lexer: identifiers (dotted), integer and double literals, string
// literals with either quote, punctuation, and all three comment styles. A
// doc comment (/** ... */) is attached to the next token.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "tern/idl/diagnostics.h"

namespace tern::idl {

struct Token {
  enum Kind { kIdent, kInt, kDouble, kString, kPunct, kEof };
  Kind kind = kEof;
  std::string text;  // identifier / string contents / punctuation char
  int64_t i = 0;
  bool int_overflow = false;
  double d = 0;
  Loc loc;
  std::string doc;  // doc comment just before this token
};

// Tokenizes `src`. Errors (unterminated strings/comments, stray characters)
// go to diags; the result always ends with a kEof token.
std::vector<Token> Lex(const std::string& file, const std::string& src, Diagnostics& diags);

}  // namespace tern::idl
