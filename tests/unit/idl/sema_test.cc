// Semantic checks: each error and warning with its exact position, and the
// links sema sets in the AST (resolved types, constants, enum values,
// extends).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "tern/idl/compiler.h"
#include "test_util.h"

namespace tern::idl {
namespace {

using ::testing::HasSubstr;
using testing_util::Errors;
using testing_util::ErrorsOf;
using testing_util::ParseText;
using testing_util::Warnings;

TEST(SemaTest, EachSemanticErrorWithItsPosition) {
  const struct {
    const char* text;
    const char* expect;  // "line:col: message" (a substring of the errors)
  } cases[] = {
      // Duplicates.
      {"struct A {\n  1: i32 x\n  1: string y\n}",
       "3:13: field id 1 of 'y' is already used by 'x' in 'A'"},
      {"struct A {\n  1: i32 x\n  2: string x\n}", "3:13: field 'x' is defined twice in 'A'"},
      {"service S { void f(1: i32 a, 1: i32 b) }",
       "1:37: field id 1 of 'b' is already used by 'a' in 'S.f'"},
      {"exception E {}\nservice S { void f() throws (1: E a, 2: E a) }",
       "2:43: field 'a' is defined twice in 'S.f throws'"},
      {"struct A {}\nstruct A {}", "2:8: 'A' is already defined at line 1 (as a struct)"},
      {"enum A { X }\nconst i32 A = 1", "2:11: 'A' is already defined at line 1 (as an enum)"},
      {"enum E { A, A }", "1:13: enum value 'A' is defined twice in enum 'E'"},
      {"service S { void f()\n void f() }",
       "2:7: function 'f' is defined twice in service 'S' (first at line 1)"},
      {"service A { void f() }\nservice B extends A { i32 f() }",
       "2:27: function 'f' of service 'B' is already defined in the service it extends, 'A'"},
      // Unknown and wrong names.
      {"struct A { 1: Missing m }", "1:15: unknown type 'Missing'"},
      {"struct A { 1: other.T t }", "1:15: unknown type 'other.T' (is 'other.thrift' included?)"},
      {"struct A { 1: uuid u }",
       "1:15: unknown type 'uuid' (uuid is a base type from Thrift 0.19 on; Tern follows 0.17)"},
      {"const i32 C = 1\nstruct S { 1: C c }", "2:15: 'C' is a constant, not a type"},
      {"service X {}\nstruct S { 1: list<X> c }", "2:20: 'X' is a service, not a type"},
      {"struct X {}\nservice S extends X {}",
       "2:19: service 'S' extends 'X', which is a struct, not a service"},
      {"service S extends Nope {}", "1:19: service 'S' extends unknown service 'Nope'"},
      {"service A extends B {}\nservice B extends A {}",
       "1:19: service 'A' extends itself (through 'B')"},
      {"service A extends A {}", "1:19: service 'A' extends itself (through 'A')"},
      // Typedefs.
      {"typedef B C\ntypedef C B",
       "1:11: typedef 'C' refers to itself (a typedef cycle: 'C' -> 'B' -> 'C')"},
      {"typedef T T", "1:11: typedef 'T' refers to itself (a typedef cycle: 'T' -> 'T')"},
      // Constants and defaults that do not fit their type.
      {"const i8 X = 300", "1:14: constant 'X': 300 is out of range for i8 (-128..127)"},
      {"const byte X = -129", "1:16: constant 'X': -129 is out of range for byte (-128..127)"},
      {"const i16 X = -40000", "1:15: constant 'X': -40000 is out of range for i16"},
      {"const i32 X = 2147483648", "1:15: constant 'X': 2147483648 is out of range for i32"},
      {"const bool B = 2", "1:16: constant 'B': 2 is not a bool (use true, false, 0 or 1)"},
      {"const string S = 5",
       "1:18: constant 'S': expected a string for type 'string', found an integer"},
      {"const i32 X = 1.5",
       "1:15: constant 'X': expected an integer for type 'i32', found a double"},
      {"const double D = \"x\"", "1:18: constant 'D': expected a number for type 'double'"},
      {"const set<i32> S = {1: 2}",
       "1:20: constant 'S': expected a list [ ... ] for type 'set<i32>', found a map"},
      {"const list<i32> L = {1: 2}",
       "1:21: constant 'L': expected a list [ ... ] for type 'list<i32>', found a map"},
      {"const map<i32, i32> M = [1]",
       "1:25: constant 'M': expected a map { key: value } for type 'map<i32,i32>', found a list"},
      {"const list<i32> L = [1, \"two\"]",
       "1:25: constant 'L': expected an integer for type 'i32', found a string"},
      {"const map<string, i16> M = {\"a\": 99999}",
       "1:34: constant 'M': 99999 is out of range for i16"},
      {"struct S { 1: i32 x = \"str\" }",
       "1:23: default value of field 'x': expected an integer for type 'i32', found a string"},
      {"struct S { 1: list<string> x = [1] }",
       "1:33: default value of field 'x': expected a string"},
      // Enum values.
      {"enum E { A }\nconst E X = E.NOPE", "2:13: enum 'E' has no value 'NOPE'"},
      {"enum E { A = 1 }\nconst E X = 5", "2:13: constant 'X': enum 'E' has no value 5"},
      {"enum E { A = 1 }\nconst E X = A",
       "2:13: unknown constant or enum value 'A' (enum values are qualified: write 'E.A')"},
      {"enum E { A = 1 }\nenum F { A = 1 }\nconst E X = F.A",
       "3:13: constant 'X': 'F.A' is a value of enum 'F', not of 'E'"},
      {"enum E { A }\nconst string S = E.A",
       "2:18: constant 'S': expected a value of type 'string', found enum value 'E.A'"},
      {"enum E { A = 300 }\nconst i8 X = E.A", "2:14: constant 'X': 300 is out of range for i8"},
      {"enum E { A }\nconst E X = \"A\"", "2:13: constant 'X': expected an enum value"},
      // References to other constants.
      {"const i32 X = NOPE", "1:15: unknown constant or enum value 'NOPE'"},
      {"struct P {}\nconst i32 X = P", "2:15: 'P' is a struct, not a constant"},
      {"const string S = \"x\"\nconst i32 A = S",
       "2:15: constant 'A' (via 'S'): expected an integer for type 'i32', found a string"},
      {"const i64 BIG = 5000000000\nconst i32 A = BIG",
       "2:15: constant 'A' (via 'BIG'): 5000000000 is out of range for i32"},
      {"const list<string> L = [\"a\"]\nconst list<i32> M = L",
       "2:21: constant 'M': 'L' is a constant of type 'list<string>', which does not fit type "
       "'list<i32>'"},
      {"const i32 A = B\nconst i32 B = A", "constant 'A' is defined in terms of itself"},
      {"const list<i32> A = [B]\nconst i32 B = C\nconst i32 C = B",
       "constant 'B' is defined in terms of itself (through 'C')"},
      // Struct literals.
      {"struct P { 1: i32 x }\nconst P p = {\"y\": 1}", "2:14: constant 'p': 'P' has no field 'y'"},
      {"struct P { 1: i32 x }\nconst P p = {x: 1}",
       "2:14: constant 'p': struct literal keys must be field names in quotes, found 'x'"},
      {"struct P { 1: i32 x }\nconst P p = {\"x\": 1, \"x\": 2}",
       "2:22: constant 'p': field 'x' is given twice"},
      {"struct P { 1: i32 x }\nconst P p = {\"x\": \"s\"}",
       "2:19: constant 'p', field 'x': expected an integer for type 'i32', found a string"},
      {"struct P { 1: i32 x }\nconst P p = [1]",
       "2:13: constant 'p': expected a struct literal { \"field\": value } for 'P', found a list"},
      // Services.
      {"service S { oneway i32 f() }", "1:24: oneway function 'f' must return void"},
      {"exception E {}\nservice S { oneway void f() throws (1: E e) }",
       "2:25: oneway function 'f' cannot throw exceptions"},
      {"struct NotExc {}\nservice S { void f() throws (1: NotExc e) }",
       "2:33: 'e' in the throws of 'f' has type 'NotExc', which is not an exception"},
      {"service S { void f() throws (1: i32 code) }",
       "1:33: 'code' in the throws of 'f' has type 'i32', which is not an exception"},
      // Unions.
      {"union U { 1: i32 a = 1, 2: i32 b = 2 }",
       "1:32: union 'U' field 'b' gives a second default value (the first is 'a')"},
      {"union U { 1: i32 a, 2: i32 b }\nconst U X = {\"a\": 1, \"b\": 2}",
       "2:13: constant 'X': a value of union 'U' sets 2 fields; a union holds one"},
      {"union U { 1: i32 a, 2: i32 b }\nstruct S { 1: U u = {\"a\": 5, \"b\": 6} }",
       "a value of union 'U' sets 2 fields; a union holds one"},
  };
  for (const auto& c : cases) {
    EXPECT_THAT(ErrorsOf(c.text), HasSubstr(c.expect)) << c.text;
  }
}

TEST(SemaTest, ValidConstantsPassAndLinkToWhatTheyName) {
  auto p = ParseText(R"(
    enum E { A = 1, B = 2 }
    struct P { 1: i32 x, 2: optional string s, 3: list<E> es }
    const i32 N = 5
    const i64 M = N
    const i64 FWD = LATER
    const i64 LATER = 7
    const E e1 = E.A
    const E e2 = 2
    const i32 e3 = E.B
    const bool T = true
    const bool F = 0
    const double D = 3
    const binary BIN = "bytes"
    const P p = {"x": 1, "s": "a", "es": [E.B, 1]}
    const map<string, P> mp = {"k": {"x": 2}}
    const set<string> SET_FROM_LIST = ["a", "b"]
    const list<i32> L1 = [1, 2]
    const list<i64> L2 = L1
  )");
  ASSERT_EQ(Errors(*p), "");
  const Program& prog = *p->program;
  EXPECT_EQ(prog.Find("M")->value.ref_const, prog.Find("N"));
  EXPECT_EQ(prog.Find("FWD")->value.ref_const, prog.Find("LATER")) << "forward references resolve";
  const ConstValue& e1 = prog.Find("e1")->value;
  EXPECT_EQ(e1.ref_enum, prog.Find("E"));
  ASSERT_NE(e1.enum_value, nullptr);
  EXPECT_EQ(e1.enum_value->value, 1);
  EXPECT_EQ(prog.Find("e3")->value.enum_value->name, "B");
  EXPECT_EQ(prog.Find("p")->value.map[2].value.list[0].ref_enum, prog.Find("E"));
}

TEST(SemaTest, UnionRequiredFieldIsAWarningAndBecomesOptional) {
  auto p = ParseText("union U { 1: required i32 a, 2: string b }");
  EXPECT_EQ(Errors(*p), "");
  EXPECT_EQ(Warnings(*p),
            "1:27: union 'U' field 'a' cannot be required (union members are optional); "
            "treating it as optional\n");
  EXPECT_EQ(p->program->Find("U")->fields[0].req, Req::kOptional);
  EXPECT_EQ(p->program->Find("U")->fields[1].req, Req::kDefault);
}

TEST(SemaTest, TypeGraphCategoriesAndTrueType) {
  auto p = ParseText(R"(
    typedef i32 Id
    typedef Id Id2
    enum E { A }
    struct S {}
    union U {}
    exception X {}
    struct All { 1: Id2 a, 2: E b, 3: S c, 4: U d, 5: X e, 6: list<i32> f, 7: set<i32> g,
                 8: map<i32, i32> h, 9: i32 i }
  )");
  ASSERT_EQ(Errors(*p), "");
  const auto& f = p->program->Find("All")->fields;
  EXPECT_EQ(Category(f[0].type), TypeCategory::kTypedef) << "a typedef keeps its name";
  EXPECT_EQ(f[0].type.name, "Id2");
  const TypeRef& real = TrueType(f[0].type);
  EXPECT_EQ(Category(real), TypeCategory::kBase);
  EXPECT_EQ(real.base, Base::kI32);
  EXPECT_EQ(Category(f[1].type), TypeCategory::kEnum);
  EXPECT_EQ(Category(f[2].type), TypeCategory::kStruct);
  EXPECT_EQ(Category(f[3].type), TypeCategory::kUnion);
  EXPECT_EQ(Category(f[4].type), TypeCategory::kException);
  EXPECT_EQ(Category(f[5].type), TypeCategory::kList);
  EXPECT_EQ(Category(f[6].type), TypeCategory::kSet);
  EXPECT_EQ(Category(f[7].type), TypeCategory::kMap);
  EXPECT_EQ(Category(f[8].type), TypeCategory::kBase);
  EXPECT_EQ(&TrueType(f[8].type), &f[8].type) << "TrueType of a non-typedef is itself";
}

TEST(SemaTest, TypedefCycleIsCutSoTrueTypeTerminates) {
  auto p = ParseText("typedef B A\ntypedef C B\ntypedef A C\nstruct S { 1: A a }");
  EXPECT_THAT(
      Errors(*p),
      HasSubstr("1:11: typedef 'A' refers to itself (a typedef cycle: 'A' -> 'B' -> 'C' -> 'A')"));
  const TypeRef& t = p->program->Find("S")->fields[0].type;
  const TypeRef& real = TrueType(t);  // must return
  EXPECT_NE(Category(real), TypeCategory::kStruct);
}

TEST(SemaTest, TypedefChainsCannotNestContainersPastTheLimit) {
  std::string text = "typedef i32 T0\n";
  for (int i = 1; i <= 70; ++i) {
    text += "typedef list<T" + std::to_string(i - 1) + "> T" + std::to_string(i) + "\n";
  }
  EXPECT_EQ(ErrorsOf(text),
            "66:19: typedef 'T65' nests containers more than 64 levels deep (through other "
            "typedefs)\n");
}

TEST(SemaTest, LongChainsOfTypedefsAndConstantsAreFine) {
  std::string text = "typedef i32 T0\nconst i32 C0 = 1\n";
  for (int i = 1; i <= 5000; ++i) {
    const std::string n = std::to_string(i), prev = std::to_string(i - 1);
    text += "typedef T" + prev + " T" + n + "\nconst T" + n + " C" + n + " = C" + prev + "\n";
  }
  auto p = ParseText(text);
  ASSERT_EQ(Errors(*p), "");
  EXPECT_EQ(TrueType(p->program->Find("T5000")->type).base, Base::kI32);
}

TEST(SemaTest, ConstantsDoublingThroughReferencesCheckInLinearTime) {
  // Each list holds the previous one twice: walking values would take 2^60
  // steps; checking by declared type takes 60.
  std::string text = "const list<i32> L0 = [1]\n";
  std::string type = "list<i32>";
  for (int i = 1; i <= 60; ++i) {
    const std::string prev = "L" + std::to_string(i - 1);
    type = "list<" + type + ">";
    text += "const " + type + " L" + std::to_string(i) + " = [" + prev + ", " + prev + "]\n";
  }
  EXPECT_EQ(ErrorsOf(text), "");
}

TEST(SemaTest, WarningsDoNotCountAsErrors) {
  auto p = ParseText("struct S { string a }");
  EXPECT_FALSE(p->diags.has_errors());
  EXPECT_EQ(p->diags.warning_count(), 1u);
  EXPECT_EQ(p->diags.all()[0].ToString(),
            "t.thrift:1:19: warning: field 'a' has no id; it gets id -1 (give ids explicitly: "
            "implicit ones change when fields move)");
}

}  // namespace
}  // namespace tern::idl
