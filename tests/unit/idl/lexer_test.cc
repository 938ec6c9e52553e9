// The lexer and the source map: every token kind of Thrift 0.17, comments,
// doc comments, and lexical errors with their positions.
#include "tern/idl/lexer.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "tern/idl/source.h"

namespace tern::idl {
namespace {

using ::testing::HasSubstr;

struct Lexed {
  std::vector<Token> tokens;
  Diagnostics diags;
};

Lexed LexText(const std::string& text) {
  Lexed out;
  SourceFile src("t.thrift", text);
  out.tokens = Lex(src, out.diags);
  return out;
}

std::string Errors(const Lexed& l) {
  std::string s;
  for (const auto& d : l.diags.all()) {
    if (d.severity == Diagnostic::kError) {
      s += std::to_string(d.loc.line) + ":" + std::to_string(d.loc.col) + ": " + d.message + "\n";
    }
  }
  return s;
}

TEST(SourceFileTest, MapsOffsetsToOneBasedLinesAndColumns) {
  SourceFile src("a.thrift", "ab\ncd\r\n\nx");
  EXPECT_EQ(src.line_count(), 4);
  EXPECT_EQ(src.LocAt(0), (Loc{1, 1}));
  EXPECT_EQ(src.LocAt(1), (Loc{1, 2}));
  EXPECT_EQ(src.LocAt(2), (Loc{1, 3})) << "the newline belongs to its line";
  EXPECT_EQ(src.LocAt(3), (Loc{2, 1}));
  EXPECT_EQ(src.LocAt(8), (Loc{4, 1}));
  EXPECT_EQ(src.LocAt(9), (Loc{4, 2})) << "end of file is just after the last byte";
  EXPECT_EQ(src.LocAt(1000), (Loc{4, 2}));
  EXPECT_EQ(src.Line(1), "ab");
  EXPECT_EQ(src.Line(2), "cd\r");
  EXPECT_EQ(src.Line(3), "");
  EXPECT_EQ(src.Line(4), "x");
  EXPECT_EQ(src.Line(0), "");
  EXPECT_EQ(src.Line(5), "");
}

TEST(SourceFileTest, EmptyFileHasOneEmptyLine) {
  SourceFile src("e.thrift", "");
  EXPECT_EQ(src.line_count(), 1);
  EXPECT_EQ(src.LocAt(0), (Loc{1, 1}));
}

TEST(LexerTest, IdentifiersMayHoldDotsButNotEndInOne) {
  auto l = LexText("shared.SharedStruct a_b.c9 _x Foo.");
  ASSERT_EQ(l.tokens.size(), 5u);
  EXPECT_EQ(l.tokens[0].kind, Token::kIdent);
  EXPECT_EQ(l.tokens[0].text, "shared.SharedStruct");
  EXPECT_EQ(l.tokens[1].text, "a_b.c9");
  EXPECT_EQ(l.tokens[2].text, "_x");
  EXPECT_EQ(l.tokens[3].text, "Foo") << "a trailing dot is not part of the identifier";
  EXPECT_THAT(Errors(l), HasSubstr("1:34: unexpected character '.'"));
  EXPECT_EQ(l.tokens.back().kind, Token::kEof);
}

TEST(LexerTest, AByteOrderMarkAtTheStartIsSkipped) {
  auto l = LexText("\xEF\xBB\xBFstruct S {}");
  EXPECT_EQ(Errors(l), "");
  ASSERT_EQ(l.tokens.size(), 5u);
  EXPECT_EQ(l.tokens[0].text, "struct");
  // Elsewhere those bytes are not IDL text.
  EXPECT_THAT(Errors(LexText("struct \xEF\xBB\xBFS {}")), HasSubstr("unexpected byte 0xef"));
}

TEST(LexerTest, KeywordsAreTheirOwnKind) {
  auto l = LexText("struct list i32 required oneway cpp_include uuid structure");
  ASSERT_EQ(l.tokens.size(), 9u);
  for (int i = 0; i < 6; ++i) EXPECT_EQ(l.tokens[i].kind, Token::kKeyword) << l.tokens[i].text;
  EXPECT_EQ(l.tokens[6].kind, Token::kIdent) << "uuid is no keyword in Thrift 0.17";
  EXPECT_EQ(l.tokens[7].kind, Token::kIdent);
  EXPECT_TRUE(IsKeyword("senum"));
  EXPECT_TRUE(IsKeyword("cpp_namespace"));
  EXPECT_FALSE(IsKeyword("Struct"));
}

TEST(LexerTest, IntegerLiteralsDecimalHexSignedAndBooleans) {
  auto l = LexText("0 42 -7 +8 010 0x1F -0xff 0x7fffffffffffffff -9223372036854775808 true false");
  ASSERT_TRUE(l.diags.all().empty()) << l.diags.ToString();
  const int64_t want[] = {0, 42, -7, 8, 10, 31, -255, INT64_MAX, INT64_MIN, 1, 0};
  ASSERT_EQ(l.tokens.size(), std::size(want) + 1);
  for (size_t i = 0; i < std::size(want); ++i) {
    EXPECT_EQ(l.tokens[i].kind, Token::kInt) << i;
    EXPECT_EQ(l.tokens[i].i, want[i]) << l.tokens[i].text;
    EXPECT_FALSE(l.tokens[i].int_overflow) << l.tokens[i].text;
  }
  EXPECT_EQ(l.tokens[4].text, "010") << "leading zero is decimal, as in Apache, not octal";
  EXPECT_EQ(l.tokens[9].text, "true");
}

TEST(LexerTest, IntegerOverflowIsFlaggedNotWrapped) {
  auto l = LexText(
      "9223372036854775808 -9223372036854775809 0x8000000000000000 -0x8000000000000000 "
      "99999999999999999999999999");
  ASSERT_EQ(l.tokens.size(), 6u);
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(l.tokens[i].kind, Token::kInt);
    EXPECT_TRUE(l.tokens[i].int_overflow) << l.tokens[i].text;
  }
}

TEST(LexerTest, DoubleLiteralsWithFractionOrExponent) {
  auto l = LexText("1.5 -0.25 .5 +1e3 6.022E23 1e-9 -.5e+2");
  ASSERT_TRUE(l.diags.all().empty()) << l.diags.ToString();
  const double want[] = {1.5, -0.25, 0.5, 1e3, 6.022e23, 1e-9, -50};
  ASSERT_EQ(l.tokens.size(), std::size(want) + 1);
  for (size_t i = 0; i < std::size(want); ++i) {
    EXPECT_EQ(l.tokens[i].kind, Token::kDouble) << l.tokens[i].text;
    EXPECT_DOUBLE_EQ(l.tokens[i].d, want[i]) << l.tokens[i].text;
  }
}

TEST(LexerTest, NumberFollowedByLettersSplitsLikeApache) {
  // "e10" alone is an identifier (THRIFT-3477); "5e" is 5 then e.
  auto l = LexText("e10 5e");
  ASSERT_EQ(l.tokens.size(), 4u);
  EXPECT_EQ(l.tokens[0].kind, Token::kIdent);
  EXPECT_EQ(l.tokens[1].kind, Token::kInt);
  EXPECT_EQ(l.tokens[2].kind, Token::kIdent);
}

TEST(LexerTest, StringsWithBothQuotesAndEveryEscape) {
  auto l = LexText(R"("a\"b" 'it\'s' "tab\tnl\ncr\rbs\\" 'mixed "quotes"' "")");
  ASSERT_TRUE(l.diags.all().empty()) << l.diags.ToString();
  ASSERT_EQ(l.tokens.size(), 6u);
  EXPECT_EQ(l.tokens[0].text, "a\"b");
  EXPECT_EQ(l.tokens[1].text, "it's");
  EXPECT_EQ(l.tokens[2].text, "tab\tnl\ncr\rbs\\");
  EXPECT_EQ(l.tokens[3].text, "mixed \"quotes\"");
  EXPECT_EQ(l.tokens[4].kind, Token::kString);
  EXPECT_EQ(l.tokens[4].text, "");
}

TEST(LexerTest, BadEscapeIsAnErrorAtTheBackslash) {
  auto l = LexText("const string S = \"a\\qb\"");
  EXPECT_EQ(Errors(l),
            "1:20: bad escape '\\q' in string literal (allowed: \\n \\r \\t \\\" \\' \\\\)\n");
  EXPECT_EQ(l.tokens[4].kind, Token::kString) << "the literal is still a token";
}

TEST(LexerTest, UnterminatedStringsAndCommentsSayWhereTheyStart) {
  EXPECT_EQ(Errors(LexText("x = \"abc")), "1:5: unterminated string literal (end of file)\n");
  EXPECT_EQ(Errors(LexText("x = 'abc\ny")), "1:5: unterminated string literal (end of line)\n");
  EXPECT_EQ(Errors(LexText("a\n  /* open\n\n")),
            "2:3: unterminated comment: '/*' has no matching '*/'\n");
  EXPECT_EQ(Errors(LexText("/** doc")), "1:1: unterminated comment: '/*' has no matching '*/'\n");
  EXPECT_EQ(Errors(LexText("\"ends in backslash\\")),
            "1:1: unterminated string literal (end of file)\n");
}

TEST(LexerTest, AllThreeCommentStylesAreSkipped) {
  auto l = LexText("a # hash\nb // slashes\nc /* block\n over lines */ d /**/ e");
  ASSERT_TRUE(l.diags.all().empty()) << l.diags.ToString();
  ASSERT_EQ(l.tokens.size(), 6u);
  EXPECT_EQ(l.tokens[3].text, "d");
  EXPECT_EQ(l.tokens[3].loc, (Loc{4, 16}));
  EXPECT_EQ(l.tokens[4].doc, "") << "/**/ is an empty comment, not a doc comment";
}

TEST(LexerTest, DocCommentsAreCleanedAndAttachedToTheNextToken) {
  auto l = LexText(
      "/**\n"
      " * First line.\n"
      " *   indented\n"
      " */\n"
      "struct S {}\n"
      "/** one-liner */ // a plain comment in between does not detach it\n"
      "enum E {}\n");
  ASSERT_TRUE(l.diags.all().empty()) << l.diags.ToString();
  EXPECT_EQ(l.tokens[0].text, "struct");
  EXPECT_EQ(l.tokens[0].doc, "First line.\n  indented");
  EXPECT_EQ(l.tokens[1].doc, "") << "a doc comment attaches once";
  EXPECT_EQ(l.tokens[4].text, "enum");
  EXPECT_EQ(l.tokens[4].doc, "one-liner");
}

TEST(LexerTest, PunctuationAndPositions) {
  auto l = LexText("{}[]()<>,;:=*&\n  x");
  ASSERT_EQ(l.tokens.size(), 16u);
  for (int i = 0; i < 14; ++i) {
    EXPECT_EQ(l.tokens[i].kind, Token::kPunct);
    EXPECT_EQ(l.tokens[i].loc, (Loc{1, i + 1}));
  }
  EXPECT_EQ(l.tokens[14].loc, (Loc{2, 3}));
  EXPECT_EQ(l.tokens[14].offset, 17u);
  EXPECT_EQ(l.tokens[15].kind, Token::kEof);
  EXPECT_EQ(l.tokens[15].loc, (Loc{2, 4}));
}

TEST(LexerTest, StrayCharactersAndBytesAreReportedAndSkipped) {
  auto l = LexText("a @ b \x01 c \xff");
  EXPECT_EQ(Errors(l),
            "1:3: unexpected character '@'\n"
            "1:7: unexpected byte 0x01\n"
            "1:11: unexpected byte 0xff\n");
  ASSERT_EQ(l.tokens.size(), 4u) << "a, b, c and end of file";
}

TEST(LexerTest, GarbageStopsAtTheErrorLimit) {
  auto l = LexText(std::string(1 << 20, '@'));
  EXPECT_EQ(l.diags.error_count(), Diagnostics::kMaxErrors);
  EXPECT_THAT(l.diags.all().back().message, HasSubstr("too many errors"));
}

}  // namespace
}  // namespace tern::idl
