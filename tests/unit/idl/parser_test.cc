#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <random>
#include <string>

#include "tern/idl/compiler.h"

namespace tern::idl {
namespace {

using ::testing::HasSubstr;

struct Parsed {
  Compiler compiler;
  Diagnostics diags;
  Program* program = nullptr;
};

std::unique_ptr<Parsed> ParseText(const std::string& text) {
  auto p = std::make_unique<Parsed>();
  p->program = p->compiler.ParseString("t.thrift", text, p->diags);
  return p;
}

// The first error, as "line:col: message".
std::string FirstError(const Parsed& p) {
  for (const auto& d : p.diags.all()) {
    if (d.severity == Diagnostic::kError) {
      return std::to_string(d.loc.line) + ":" + std::to_string(d.loc.col) + ": " + d.message;
    }
  }
  return "<no error>";
}

TEST(ParserTest, ParsesEveryDefinitionKind) {
  auto p = ParseText(R"(
    namespace cpp a.b.c
    typedef i32 Id
    const Id ANSWER = 42
    enum Color { RED = 1, GREEN, BLUE = 10 }
    struct S { 1: required Id id; 2: optional string s = "x", 3: list<map<string, set<Color>>> n }
    union U { 1: i32 a 2: string b }
    exception E { 1: string message }
    service Svc { void ping(), oneway void fire(1: i32 x), S get(1: Id id) throws (1: E e) }
  )");
  ASSERT_FALSE(p->diags.has_errors()) << p->diags.ToString();
  const Program& prog = *p->program;
  EXPECT_EQ(prog.CppNamespace(), (std::vector<std::string>{"a", "b", "c"}));
  ASSERT_EQ(prog.definitions.size(), 7u);
  const Definition* color = prog.Find("Color");
  ASSERT_NE(color, nullptr);
  ASSERT_EQ(color->values.size(), 3u);
  EXPECT_EQ(color->values[1].value, 2) << "implicit enum values continue from the last";
  EXPECT_EQ(color->values[2].value, 10);
  const Definition* s = prog.Find("S");
  ASSERT_EQ(s->fields.size(), 3u);
  EXPECT_EQ(s->fields[0].req, Req::kRequired);
  EXPECT_EQ(s->fields[1].req, Req::kOptional);
  ASSERT_TRUE(s->fields[1].value.has_value());
  EXPECT_EQ(s->fields[1].value->s, "x");
  EXPECT_EQ(s->fields[2].type.kind, TypeRef::kList);
  EXPECT_EQ(s->fields[2].type.elem->kind, TypeRef::kMap);
  EXPECT_EQ(s->fields[2].type.elem->elem->elem->resolved, color);
  const Definition* svc = prog.Find("Svc");
  ASSERT_EQ(svc->functions.size(), 3u);
  EXPECT_TRUE(svc->functions[0].returns_void);
  EXPECT_TRUE(svc->functions[1].oneway);
  ASSERT_EQ(svc->functions[2].throws.size(), 1u);
  EXPECT_EQ(TrueType(s->fields[0].type).name, "i32") << "typedefs resolve";
}

TEST(ParserTest, ImplicitFieldIdsCountDownFromMinusOneWithAWarning) {
  auto p = ParseText("struct S { string a\n i32 b\n 5: i64 c }");
  ASSERT_FALSE(p->diags.has_errors()) << p->diags.ToString();
  const auto& f = p->program->Find("S")->fields;
  EXPECT_EQ(f[0].id, -1);
  EXPECT_EQ(f[1].id, -2);
  EXPECT_EQ(f[2].id, 5);
  EXPECT_FALSE(f[0].explicit_id);
  ASSERT_FALSE(p->diags.all().empty());
  EXPECT_EQ(p->diags.all()[0].severity, Diagnostic::kWarning);
}

TEST(ParserTest, CommentsDocCommentsAndAnnotations) {
  auto p = ParseText(R"(# hash
// slashes
/* block
   comment */
/** The doc
 * of S. */
struct S {
  /** field doc */
  1: i32 x (key = "value", flag)
} (cpp.name = "T")
)");
  ASSERT_FALSE(p->diags.has_errors()) << p->diags.ToString();
  const Definition* s = p->program->Find("S");
  EXPECT_EQ(s->doc, "The doc\nof S.");
  EXPECT_EQ(s->fields[0].doc, "field doc");
  ASSERT_EQ(s->fields[0].annotations.size(), 2u);
  EXPECT_EQ(s->fields[0].annotations[0], (std::pair<std::string, std::string>{"key", "value"}));
  ASSERT_EQ(s->annotations.size(), 1u);
}

TEST(ParserTest, LiteralsOfEveryKind) {
  auto p = ParseText(R"(
    const i64 H = 0x7fffffffffffffff
    const i64 N = -9223372036854775808
    const double D = -1.5e-3
    const string S1 = "a\"b\n"
    const string S2 = 'single'
    const map<string, list<i32>> M = {"k": [1, 2; 3], 'j': []}
  )");
  ASSERT_FALSE(p->diags.has_errors()) << p->diags.ToString();
  EXPECT_EQ(p->program->Find("H")->value.i, INT64_MAX);
  EXPECT_EQ(p->program->Find("N")->value.i, INT64_MIN);
  EXPECT_DOUBLE_EQ(p->program->Find("D")->value.d, -1.5e-3);
  EXPECT_EQ(p->program->Find("S1")->value.s, "a\"b\n");
  EXPECT_EQ(p->program->Find("M")->value.map.size(), 2u);
}

TEST(ParserTest, RefFieldsFromAmpersandAndAnnotation) {
  auto p = ParseText(
      "struct N { 1: optional N & a\n 2: optional N b (cpp.ref = \"true\")\n 3: optional N c }");
  ASSERT_FALSE(p->diags.has_errors()) << p->diags.ToString();
  const auto& f = p->program->Find("N")->fields;
  EXPECT_TRUE(f[0].is_ref);
  EXPECT_TRUE(f[1].is_ref);
  EXPECT_FALSE(f[2].is_ref);
}

struct ErrorCase {
  const char* text;
  const char* expect;  // "line:col: message substring"
};

TEST(ParserTest, SyntaxErrorsSayWhereAndWhat) {
  const ErrorCase cases[] = {
      {"struct S {\n  1: i32\n}", "3:1: expected a field name, found '}'"},
      {"struct S { 1: list<i32 x }", "1:24: expected '>' to close 'list<', found 'x'"},
      {"struct S { 1: map<i32 i32> x }",
       "1:23: expected ',' between the map's key and value types"},
      {"struct { }", "1:8: expected a name for the struct, found '{'"},
      {"const i32 X 5", "1:13: expected '=' after the constant's name"},
      {"struct S { 1: i32 x", "1:20: unterminated field list: expected '}'"},
      {"const string S = \"abc", "1:18: unterminated string literal"},
      {"/* never closed", "1:1: unterminated comment"},
      {"struct S { 1: i32 x } @", "1:23: unexpected character '@'"},
      {"bogus Foo {}",
       "1:1: expected a definition (struct, union, exception, enum, const, typedef, service), "
       "found 'bogus'"},
      {"struct S { 70000: i32 x }", "1:12: field id 70000 does not fit in i16"},
      {"struct S { 0: i32 x }", "1:12: field id 0 is reserved"},
      {"const i64 X = 99999999999999999999",
       "1:15: integer constant 99999999999999999999 does not fit in i64"},
      {"enum E { A = 3000000000 }", "1:14: enum value 'A' = 3000000000 does not fit in i32"},
      {"struct S { 1: void x }", "1:15: 'void' is only allowed as a function's return type"},
      {"senum S { \"a\" }", "1:1: 'senum' is not supported"},
  };
  for (const auto& c : cases) {
    auto p = ParseText(c.text);
    EXPECT_TRUE(p->diags.has_errors()) << c.text;
    EXPECT_THAT(FirstError(*p), HasSubstr(c.expect)) << c.text;
  }
}

TEST(ParserTest, DeepNestingIsAnErrorNotAStackOverflow) {
  std::string deep_type = "struct D { 1: ";
  for (int i = 0; i < 100000; ++i) deep_type += "list<";
  deep_type += "i32";
  for (int i = 0; i < 100000; ++i) deep_type += ">";
  deep_type += " x }";
  auto p = ParseText(deep_type);
  EXPECT_THAT(FirstError(*p), HasSubstr("types nested deeper than 64 levels"));

  std::string deep_value = "const list<i32> X = ";
  for (int i = 0; i < 100000; ++i) deep_value += "[";
  auto q = ParseText(deep_value);
  EXPECT_THAT(FirstError(*q), HasSubstr("constant values nested deeper than 64 levels"));
}

TEST(ParserTest, RandomBytesNeverCrashOrHang) {
  std::mt19937_64 rng(99);
  const std::string alphabet = "struct{}[]<>()=:;,&\"' \n\tabcxyz0123456789-+.*/#";
  for (int i = 0; i < 3000; ++i) {
    std::string text(rng() % 200, '\0');
    for (auto& c : text) {
      c = (rng() % 4 == 0) ? static_cast<char>(rng()) : alphabet[rng() % alphabet.size()];
    }
    auto p = ParseText(text);
    (void)p;
  }
  SUCCEED();
}

TEST(ParserTest, ErrorCountIsBounded) {
  std::string garbage(100000, '@');
  auto p = ParseText(garbage);
  EXPECT_LE(p->diags.all().size(), Diagnostics::kMaxErrors);
}

}  // namespace
}  // namespace tern::idl
