// The IDL lexer: source text -> tokens (token.h describes them).
//
// Errors (an unterminated string or comment, a bad escape, a character that
// starts no token) are reported with their position and lexing continues
// after them, so the parser still sees the rest of the file. Doc comments
// are cleaned (comment markers and the leading '*' of each line removed)
// and attached to the next token. Runs in time linear in the input.
#pragma once

#include <vector>

#include "tern/idl/diagnostics.h"
#include "tern/idl/source.h"
#include "tern/idl/token.h"

namespace tern::idl {

// Returns the tokens of `src`, always ending with one kEof token (placed
// just after the last byte).
std::vector<Token> Lex(const SourceFile& src, Diagnostics& diags);

}  // namespace tern::idl
