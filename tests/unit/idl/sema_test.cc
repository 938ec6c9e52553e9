#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "tern/idl/compiler.h"

namespace tern::idl {
namespace {

using ::testing::HasSubstr;

std::string Errors(const std::string& text) {
  Compiler c;
  Diagnostics d;
  c.ParseString("t.thrift", text, d);
  std::string out;
  for (const auto& x : d.all()) {
    if (x.severity == Diagnostic::kError) {
      out += std::to_string(x.loc.line) + ":" + std::to_string(x.loc.col) + ": " + x.message + "\n";
    }
  }
  return out;
}

TEST(SemaTest, EachSemanticErrorWithItsPosition) {
  struct Case {
    const char* text;
    const char* expect;
  } cases[] = {
      {"struct A {\n  1: i32 x\n  1: string y\n}",
       "3:13: field id 1 of 'y' is already used by 'x' in 'A'"},
      {"struct A {\n  1: i32 x\n  2: string x\n}", "3:13: field 'x' is defined twice in 'A'"},
      {"struct A { 1: Missing m }", "1:15: unknown type 'Missing'"},
      {"struct A { 1: other.T t }", "1:15: unknown type 'other.T' (is 'other.thrift' included?)"},
      {"typedef B C\ntypedef C B", "typedef 'C' refers to itself (a typedef cycle)"},
      {"struct A {}\nstruct A {}", "2:1: 'A' is already defined at line 1"},
      {"const i8 X = 300", "1:14: constant 'X': 300 is out of range for i8"},
      {"const i16 X = -40000", "constant 'X': -40000 is out of range for i16"},
      {"const i32 X = 2147483648", "constant 'X': 2147483648 is out of range for i32"},
      {"const string S = 5", "1:18: constant 'S': expected a string for type 'string'"},
      {"const list<i32> L = {1: 2}", "constant 'L': expected a list [ ... ] for type 'list<i32>'"},
      {"const map<i32, i32> M = [1]",
       "constant 'M': expected a map { k: v } for type 'map<i32,i32>'"},
      {"enum E { A }\nconst E X = E.NOPE",
       "2:13: constant 'X': unknown constant or enum value 'E.NOPE'"},
      {"struct S { 1: i32 x = \"str\" }", "default value of field 'x': expected an integer"},
      {"struct P { 1: i32 x }\nconst P p = {\"y\": 1}", "constant 'p': 'P' has no field 'y'"},
      {"service S { oneway i32 f() }", "oneway function 'f' must return void"},
      {"exception E {}\nservice S { oneway void f() throws (1: E e) }",
       "oneway function 'f' cannot throw exceptions"},
      {"struct NotExc {}\nservice S { void f() throws (1: NotExc e) }",
       "'e' in throws of 'f' is not an exception"},
      {"struct X {}\nservice S extends X {}", "service 'S' extends 'X', which is not a service"},
      {"service S extends Nope {}", "service 'S' extends unknown service 'Nope'"},
      {"service S { void f()\n void f() }", "function 'f' is defined twice in service 'S'"},
      {"union U { 1: required i32 a }", "union 'U' cannot have a required field ('a')"},
      {"const i32 C = 1\nstruct S { 1: C c }", "'C' is a constant, not a type"},
      {"enum E { A, A }", "enum value 'A' is defined twice in enum 'E'"},
  };
  for (const auto& c : cases) {
    EXPECT_THAT(Errors(c.text), HasSubstr(c.expect)) << c.text;
  }
}

TEST(SemaTest, ValidConstantsPass) {
  EXPECT_EQ(Errors(R"(
    enum E { A = 1, B = 2 }
    struct P { 1: i32 x, 2: optional string s, 3: list<E> es }
    const i32 N = 5
    const i64 M = N
    const E e1 = E.A
    const E e2 = 2
    const bool T = true
    const bool F = 0
    const double D = 3
    const P p = {"x": 1, "s": "a", "es": [E.B, 1]}
    const map<string, P> mp = {"k": {"x": 2}}
  )"),
            "");
}

TEST(CompilerTest, IncludesResolveAndADiamondIsParsedOnce) {
  Compiler c;
  Diagnostics d;
  Program* top = c.ParseFile(std::string(TERN_IDL_TESTDATA) + "/diamond_top.thrift", d);
  ASSERT_NE(top, nullptr);
  ASSERT_FALSE(d.has_errors()) << d.ToString();
  EXPECT_EQ(c.programs().size(), 4u) << "base.thrift once, left, right, top";
  ASSERT_EQ(top->includes.size(), 2u);
  const Program* left_base = top->includes[0].program->includes[0].program;
  const Program* right_base = top->includes[1].program->includes[0].program;
  EXPECT_EQ(left_base, right_base);
}

TEST(CompilerTest, IncludeCycleIsAnError) {
  Compiler c;
  Diagnostics d;
  c.ParseFile(std::string(TERN_IDL_TESTDATA) + "/cycle_a.thrift", d);
  EXPECT_THAT(d.ToString(), HasSubstr("include cycle"));
}

TEST(CompilerTest, MissingIncludeAndMissingFileAreErrors) {
  Compiler c;
  Diagnostics d;
  c.ParseString("t.thrift", "include \"nowhere.thrift\"\n", d);
  EXPECT_THAT(d.ToString(),
              HasSubstr("t.thrift:1:1: error: cannot find included file 'nowhere.thrift'"));
  Diagnostics d2;
  EXPECT_EQ(c.ParseFile("/nonexistent/x.thrift", d2), nullptr);
  EXPECT_THAT(d2.ToString(), HasSubstr("cannot read file"));
}

TEST(CompilerTest, IncludeDirectoriesAreSearched) {
  Compiler c({TERN_IDL_TESTDATA});
  Diagnostics d;
  Program* p = c.ParseString("t.thrift", "include \"base.thrift\"\nstruct S { 1: base.Tag t }", d);
  ASSERT_FALSE(d.has_errors()) << d.ToString();
  EXPECT_NE(p->Find("S")->fields[0].type.resolved, nullptr);
}

TEST(CompilerTest, EverythingParsesAndChecksClean) {
  Compiler c({TERN_IDL_TESTDATA});
  Diagnostics d;
  Program* p = c.ParseFile(std::string(TERN_IDL_TESTDATA) + "/everything.thrift", d);
  ASSERT_NE(p, nullptr);
  EXPECT_FALSE(d.has_errors()) << d.ToString();
  const Definition* svc = p->Find("UserService");
  ASSERT_NE(svc, nullptr);
  ASSERT_NE(svc->extends_def, nullptr);
  EXPECT_EQ(svc->extends_def->name, "Base");
}

TEST(DependencyOrderTest, ByValueMembersComeFirst) {
  Compiler c;
  Diagnostics d;
  Program* p = c.ParseFile(std::string(TERN_IDL_TESTDATA) + "/serde.thrift", d);
  ASSERT_FALSE(d.has_errors()) << d.ToString();
  std::vector<std::string> order;
  for (const Definition* def : DependencyOrder(*p, d)) order.push_back(def->name);
  auto pos = [&](const std::string& n) {
    return std::find(order.begin(), order.end(), n) - order.begin();
  };
  EXPECT_LT(pos("Ano"), pos("MyTest")) << "MyTest holds Ano by value, though declared first";
  EXPECT_LT(pos("Item"), pos("Mixed"));
  EXPECT_EQ(order.size(), 7u);
}

TEST(DependencyOrderTest, ByValueCycleIsAnErrorAndRefsBreakIt) {
  Compiler c;
  Diagnostics d;
  Program* p = c.ParseString("t.thrift", "struct A { 1: B b }\nstruct B { 1: A a }", d);
  ASSERT_FALSE(d.has_errors());
  DependencyOrder(*p, d);
  EXPECT_THAT(d.ToString(), HasSubstr("mark one field with & (cpp.ref)"));
  Diagnostics d2;
  Program* q = c.ParseString(
      "u.thrift", "struct A { 1: B b }\nstruct B { 1: optional A & a\n 2: list<B> bs }", d2);
  ASSERT_FALSE(d2.has_errors());
  auto order = DependencyOrder(*q, d2);
  EXPECT_FALSE(d2.has_errors()) << d2.ToString();
  ASSERT_EQ(order.size(), 2u);
  EXPECT_EQ(order[0]->name, "B");
}

}  // namespace
}  // namespace tern::idl
