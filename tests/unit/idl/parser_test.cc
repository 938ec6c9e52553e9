// The parser: every construct of the Thrift 0.17 grammar, the AST it builds,
// and syntax errors with their exact positions.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "tern/idl/compiler.h"
#include "test_util.h"

namespace tern::idl {
namespace {

using ::testing::HasSubstr;
using testing_util::Errors;
using testing_util::FirstError;
using testing_util::ParseText;
using testing_util::Warnings;

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
  EXPECT_EQ(color->kind, Definition::kEnum);
  ASSERT_EQ(color->values.size(), 3u);
  EXPECT_EQ(color->values[1].value, 2) << "implicit enum values continue from the last";
  EXPECT_FALSE(color->values[1].explicit_value);
  EXPECT_EQ(color->values[2].value, 10);
  const Definition* s = prog.Find("S");
  ASSERT_EQ(s->fields.size(), 3u);
  EXPECT_EQ(s->fields[0].req, Req::kRequired);
  EXPECT_EQ(s->fields[1].req, Req::kOptional);
  EXPECT_EQ(s->fields[2].req, Req::kDefault);
  ASSERT_TRUE(s->fields[1].value.has_value());
  EXPECT_EQ(s->fields[1].value->s, "x");
  EXPECT_EQ(s->fields[2].type.kind, TypeRef::kList);
  EXPECT_EQ(s->fields[2].type.elem->kind, TypeRef::kMap);
  EXPECT_EQ(s->fields[2].type.elem->key->base, Base::kString);
  EXPECT_EQ(s->fields[2].type.elem->elem->kind, TypeRef::kSet);
  EXPECT_EQ(s->fields[2].type.elem->elem->elem->resolved, color);
  EXPECT_EQ(prog.Find("U")->kind, Definition::kUnion);
  EXPECT_EQ(prog.Find("E")->kind, Definition::kException);
  const Definition* svc = prog.Find("Svc");
  ASSERT_EQ(svc->functions.size(), 3u);
  EXPECT_TRUE(svc->functions[0].returns_void);
  EXPECT_FALSE(svc->functions[0].oneway);
  EXPECT_TRUE(svc->functions[1].oneway);
  ASSERT_EQ(svc->functions[1].args.size(), 1u);
  EXPECT_EQ(svc->functions[1].args[0].id, 1);
  ASSERT_EQ(svc->functions[2].throws.size(), 1u);
  EXPECT_EQ(svc->functions[2].result.resolved, s);
  EXPECT_EQ(TrueType(s->fields[0].type).name, "i32") << "typedefs resolve";
}

TEST(ParserTest, DefinitionsKeepIdlOrderAndPositions) {
  auto p = ParseText("struct B {}\n\n  enum A {}\nconst i32 C = 1\ntypedef B D\nservice E {}");
  ASSERT_FALSE(p->diags.has_errors()) << p->diags.ToString();
  const auto& defs = p->program->definitions;
  ASSERT_EQ(defs.size(), 5u);
  EXPECT_EQ(defs[0]->name, "B");
  EXPECT_EQ(defs[0]->loc, (Loc{1, 8})) << "a definition's position is its name";
  EXPECT_EQ(defs[1]->name, "A");
  EXPECT_EQ(defs[1]->loc, (Loc{3, 8}));
  EXPECT_EQ(defs[2]->loc, (Loc{4, 11}));
  EXPECT_EQ(defs[3]->loc, (Loc{5, 11}));
  EXPECT_EQ(defs[4]->loc, (Loc{6, 9}));
  for (const auto& d : defs) EXPECT_EQ(d->program, p->program);
}

TEST(ParserTest, ImplicitFieldIdsCountDownFromMinusOne) {
  auto p = ParseText("struct S { string a\n i32 b\n 5: i64 c\n double d }");
  ASSERT_FALSE(p->diags.has_errors()) << p->diags.ToString();
  const auto& f = p->program->Find("S")->fields;
  EXPECT_EQ(f[0].id, -1);
  EXPECT_EQ(f[1].id, -2);
  EXPECT_EQ(f[2].id, 5);
  EXPECT_EQ(f[3].id, -3);
  EXPECT_FALSE(f[0].explicit_id);
  EXPECT_TRUE(f[2].explicit_id);
  EXPECT_EQ(Warnings(*p),
            "1:19: field 'a' has no id; it gets id -1 (give ids explicitly: implicit ones change "
            "when fields move)\n"
            "2:6: field 'b' has no id; it gets id -2 (give ids explicitly: implicit ones change "
            "when fields move)\n"
            "4:9: field 'd' has no id; it gets id -3 (give ids explicitly: implicit ones change "
            "when fields move)\n");
}

TEST(ParserTest, ImplicitIdsRestartInEachFieldList) {
  auto p = ParseText("service S { void f(i32 a, i32 b) throws (E e) }\nexception E {}");
  ASSERT_FALSE(p->diags.has_errors()) << p->diags.ToString();
  const Function& f = p->program->Find("S")->functions[0];
  EXPECT_EQ(f.args[0].id, -1);
  EXPECT_EQ(f.args[1].id, -2);
  EXPECT_EQ(f.throws[0].id, -1);
}

TEST(ParserTest, NonPositiveOrOversizedIdsAreReassignedWithAWarningLikeApache) {
  auto p = ParseText("struct S {\n 0: i32 a\n -4: i32 b\n 70000: i32 c\n 1: i32 d }");
  ASSERT_FALSE(p->diags.has_errors()) << p->diags.ToString();
  const auto& f = p->program->Find("S")->fields;
  EXPECT_EQ(f[0].id, -1);
  EXPECT_EQ(f[1].id, -2);
  EXPECT_EQ(f[2].id, -3);
  EXPECT_EQ(f[3].id, 1);
  EXPECT_EQ(Warnings(*p),
            "2:2: field id 0 is not positive; field 'a' gets id -1\n"
            "3:2: field id -4 is not positive; field 'b' gets id -2\n"
            "4:2: field id 70000 is out of range (1..32767); field 'c' gets id -3\n");
}

TEST(ParserTest, HeadersNamespacesAndIncludes) {
  auto p = ParseText(R"(
    cpp_include "<unordered_map>"
    namespace * everything
    namespace cpp tern.a.b
    namespace java com.example (package.annotation = "x")
    namespace py.twisted tw
  )");
  ASSERT_FALSE(p->diags.has_errors()) << p->diags.ToString();
  const Program& prog = *p->program;
  EXPECT_EQ(prog.namespaces.at("*"), "everything");
  EXPECT_EQ(prog.namespaces.at("cpp"), "tern.a.b");
  EXPECT_EQ(prog.namespaces.at("java"), "com.example");
  EXPECT_EQ(prog.namespaces.at("py.twisted"), "tw");
  EXPECT_EQ(prog.cpp_includes, (std::vector<std::string>{"<unordered_map>"}));
  EXPECT_EQ(prog.CppNamespace(), (std::vector<std::string>{"tern", "a", "b"}));
}

TEST(ParserTest, StarNamespaceIsTheCppNamespaceWhenNoCppOneIsGiven) {
  auto p = ParseText("namespace * x.y");
  EXPECT_EQ(p->program->CppNamespace(), (std::vector<std::string>{"x", "y"}));
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
/** The enum. */
enum E {
  /** First. */
  A (deprecated = "yes"),
  B
} (e = "1")
/** The service. */
service Svc {
  /** Pings. */
  void ping() (priority = "high")
} (svc = "x";)
typedef list<i32> (cpp.template = "std::deque") Deque (td = "1")
)");
  ASSERT_FALSE(p->diags.has_errors()) << p->diags.ToString();
  const Program& prog = *p->program;
  const Definition* s = prog.Find("S");
  EXPECT_EQ(s->doc, "The doc\nof S.");
  EXPECT_EQ(s->fields[0].doc, "field doc");
  ASSERT_EQ(s->fields[0].annotations.size(), 2u);
  EXPECT_EQ(s->fields[0].annotations[0], (std::pair<std::string, std::string>{"key", "value"}));
  EXPECT_EQ(s->fields[0].annotations[1], (std::pair<std::string, std::string>{"flag", "1"}))
      << "an annotation without a value is \"1\", as Apache records it";
  EXPECT_EQ(s->annotations, (Annotations{{"cpp.name", "T"}}));
  const Definition* e = prog.Find("E");
  EXPECT_EQ(e->doc, "The enum.");
  EXPECT_EQ(e->values[0].doc, "First.");
  EXPECT_EQ(e->values[0].annotations, (Annotations{{"deprecated", "yes"}}));
  EXPECT_EQ(e->annotations, (Annotations{{"e", "1"}}));
  const Definition* svc = prog.Find("Svc");
  EXPECT_EQ(svc->doc, "The service.");
  EXPECT_EQ(svc->functions[0].doc, "Pings.");
  EXPECT_EQ(svc->functions[0].annotations, (Annotations{{"priority", "high"}}));
  EXPECT_EQ(svc->annotations, (Annotations{{"svc", "x"}}));
  const Definition* deque = prog.Find("Deque");
  EXPECT_EQ(deque->type.annotations, (Annotations{{"cpp.template", "std::deque"}}));
  EXPECT_EQ(deque->annotations, (Annotations{{"td", "1"}}));
}

TEST(ParserTest, LiteralsOfEveryKind) {
  auto p = ParseText(R"(
    const i64 H = 0x7fffffffffffffff
    const i64 N = -9223372036854775808
    const double D = -1.5e-3
    const double I = 7
    const string S1 = "a\"b\n"
    const string S2 = 'single'
    const bool T = true
    const map<string, list<i32>> M = {"k": [1, 2; 3], 'j': []}
    const list<map<i32, string>> LM = [{1: "a"}, {}]
  )");
  ASSERT_FALSE(p->diags.has_errors()) << p->diags.ToString();
  const Program& prog = *p->program;
  EXPECT_EQ(prog.Find("H")->value.i, INT64_MAX);
  EXPECT_EQ(prog.Find("N")->value.i, INT64_MIN);
  EXPECT_EQ(prog.Find("D")->value.kind, ConstValue::kDouble);
  EXPECT_DOUBLE_EQ(prog.Find("D")->value.d, -1.5e-3);
  EXPECT_EQ(prog.Find("I")->value.kind, ConstValue::kInt);
  EXPECT_EQ(prog.Find("S1")->value.s, "a\"b\n");
  EXPECT_EQ(prog.Find("S2")->value.s, "single");
  EXPECT_EQ(prog.Find("T")->value.kind, ConstValue::kInt) << "true is the integer 1";
  EXPECT_EQ(prog.Find("T")->value.i, 1);
  const ConstValue& m = prog.Find("M")->value;
  ASSERT_EQ(m.map.size(), 2u);
  EXPECT_EQ(m.map[0].key.s, "k");
  EXPECT_EQ(m.map[0].value.list.size(), 3u) << "',' and ';' both separate";
  EXPECT_EQ(m.map[1].value.list.size(), 0u);
  EXPECT_EQ(prog.Find("LM")->value.list.size(), 2u);
}

TEST(ParserTest, SeparatorsAreOptionalCommaOrSemicolon) {
  auto p = ParseText(
      "enum E { A; B, C }\n"
      "struct S { 1: i32 a; 2: i32 b, 3: i32 c }\n"
      "service X { void f(); void g(), void h() }\n"
      "const list<i32> L = [1; 2, 3];\n"
      "typedef i32 T;");
  ASSERT_FALSE(p->diags.has_errors()) << p->diags.ToString();
  EXPECT_EQ(p->program->Find("E")->values.size(), 3u);
  EXPECT_EQ(p->program->Find("S")->fields.size(), 3u);
  EXPECT_EQ(p->program->Find("X")->functions.size(), 3u);
}

TEST(ParserTest, RefFieldsFromAmpersandAndAnnotations) {
  auto p = ParseText(
      "struct N {\n"
      " 1: optional N & a\n"
      " 2: optional N b (cpp.ref = \"true\")\n"
      " 3: optional N c (cpp2.ref_type = \"shared\")\n"
      " 4: optional N d (cpp.ref = \"false\")\n"
      " 5: list<N> e }");
  ASSERT_FALSE(p->diags.has_errors()) << p->diags.ToString();
  const auto& f = p->program->Find("N")->fields;
  EXPECT_TRUE(f[0].is_ref);
  EXPECT_TRUE(f[1].is_ref);
  EXPECT_TRUE(f[2].is_ref);
  EXPECT_FALSE(f[3].is_ref);
  EXPECT_FALSE(f[4].is_ref);
}

TEST(ParserTest, NestedContainersAndCppTypeHints) {
  auto p = ParseText(
      "struct S {\n"
      " 1: map<string, list<set<i32>>> a\n"
      " 2: list<i32> cpp_type \"std::deque<int32_t>\" b\n"
      " 3: map cpp_type \"std::unordered_map<int, int>\" <i32, i32> c\n"
      " 4: set cpp_type \"std::unordered_set<int>\" <binary> d\n"
      " 5: list<byte> e\n"
      "}");
  ASSERT_FALSE(p->diags.has_errors()) << p->diags.ToString();
  const auto& f = p->program->Find("S")->fields;
  EXPECT_EQ(TypeName(f[0].type), "map<string,list<set<i32>>>");
  EXPECT_EQ(TypeName(f[1].type), "list<i32>");
  EXPECT_EQ(TypeName(f[2].type), "map<i32,i32>");
  EXPECT_EQ(f[3].type.elem->base, Base::kBinary);
  EXPECT_EQ(f[4].type.elem->name, "byte");
  EXPECT_EQ(f[4].type.elem->base, Base::kI8) << "byte is i8";
}

TEST(ParserTest, ServicesWithExtendsOnewayThrowsAndArgumentIds) {
  auto p = ParseText(R"(
    exception Oops { 1: string why }
    service Base { void ping() }
    service Derived extends Base {
      oneway void fire(1: i32 a, 2: string b)
      async void old_style()
      i64 compute(5: i32 x = 3, 7: list<i32> ys) throws (1: Oops oops)
    }
  )");
  ASSERT_FALSE(p->diags.has_errors()) << p->diags.ToString();
  const Definition* d = p->program->Find("Derived");
  EXPECT_EQ(d->extends, "Base");
  EXPECT_EQ(d->extends_def, p->program->Find("Base"));
  EXPECT_TRUE(d->functions[0].oneway);
  EXPECT_TRUE(d->functions[1].oneway) << "async is the deprecated spelling of oneway";
  const Function& c = d->functions[2];
  EXPECT_EQ(c.args[0].id, 5);
  ASSERT_TRUE(c.args[0].value.has_value());
  EXPECT_EQ(c.args[0].value->i, 3);
  EXPECT_EQ(c.args[1].id, 7);
  EXPECT_EQ(c.result.base, Base::kI64);
  EXPECT_THAT(Warnings(*p), HasSubstr("6:7: 'async' is deprecated; use 'oneway'"));
}

// Apache Thrift 0.17 still reads the deprecated `senum` (its SmallTest.thrift
// uses one): a string whose listed values are not checked.
TEST(ParserTest, SenumIsAStringTypedefWithAWarning) {
  auto p = ParseText("senum Thinger { \"ASDFKJ\", \"r;kjdsf\"; \"x\" }\nstruct S { 1: Thinger t }");
  ASSERT_FALSE(p->diags.has_errors()) << p->diags.ToString();
  const Definition* d = p->program->Find("Thinger");
  ASSERT_NE(d, nullptr);
  EXPECT_EQ(d->kind, Definition::kTypedef);
  EXPECT_EQ(d->type.kind, TypeRef::kBase);
  EXPECT_EQ(d->type.base, Base::kString);
  EXPECT_EQ(p->program->Find("S")->fields[0].type.name, "Thinger");
  EXPECT_THAT(Warnings(*p),
              HasSubstr("1:1: 'senum' is deprecated in Thrift; 'Thinger' is a string"));
}

TEST(ParserTest, CppTypeAnnotationsAreIgnoredWithAWarning) {
  auto p = ParseText(
      "typedef list<i32> (cpp.template = \"std::list\") L\nstruct S { 1: i64 (cpp.type = "
      "\"long\") x }");
  ASSERT_FALSE(p->diags.has_errors()) << p->diags.ToString();
  EXPECT_EQ(Warnings(*p),
            "1:20: annotation 'cpp.template' is ignored: tern gen emits its own C++ types\n"
            "2:20: annotation 'cpp.type' is ignored: tern gen emits its own C++ types\n");
}

TEST(ParserTest, OptionalInArgumentListsIsIgnoredWithAWarning) {
  auto p = ParseText("service S { void f(1: optional i32 a, 2: required i32 b) }");
  ASSERT_FALSE(p->diags.has_errors()) << p->diags.ToString();
  const auto& args = p->program->Find("S")->functions[0].args;
  EXPECT_EQ(args[0].req, Req::kDefault);
  EXPECT_EQ(args[1].req, Req::kRequired);
  EXPECT_EQ(Warnings(*p), "1:23: 'optional' is ignored in argument lists\n");
}

TEST(ParserTest, KeywordsMayNameFieldsButNotDefinitions) {
  auto ok = ParseText("struct S { 1: string list, 2: i32 required, 3: bool service }");
  ASSERT_FALSE(ok->diags.has_errors()) << ok->diags.ToString();
  EXPECT_EQ(ok->program->Find("S")->fields[0].name, "list");
  EXPECT_EQ(FirstError(*ParseText("struct list {}")),
            "1:8: 'list' is a reserved word and cannot be used as a struct name");
  EXPECT_EQ(FirstError(*ParseText("enum E { struct }")),
            "1:10: 'struct' is a reserved word and cannot be used as an enum value name");
  EXPECT_EQ(FirstError(*ParseText("service S { void oneway() }")),
            "1:18: 'oneway' is a reserved word and cannot be used as a function name");
}

TEST(ParserTest, XsdLeftoversAreAcceptedAndIgnored) {
  auto p = ParseText(
      "struct S xsd_all { 1: i32 a xsd_optional xsd_nillable xsd_attrs { 1: string lang } }");
  ASSERT_FALSE(p->diags.has_errors()) << p->diags.ToString();
  ASSERT_EQ(p->program->Find("S")->fields.size(), 1u);
}

TEST(ParserTest, ForwardReferencesToLaterTypesResolve) {
  auto p = ParseText(
      "struct A { 1: B b, 2: list<C> cs }\ntypedef D C\nstruct B { 1: i32 x }\nstruct D {}");
  ASSERT_FALSE(p->diags.has_errors()) << p->diags.ToString();
  const auto& f = p->program->Find("A")->fields;
  EXPECT_EQ(f[0].type.resolved, p->program->Find("B"));
  EXPECT_EQ(TrueType(*f[1].type.elem).resolved, p->program->Find("D"));
}

TEST(ParserTest, SyntaxErrorsSayWhereAndWhat) {
  const struct {
    const char* text;
    const char* expect;  // the first error, "line:col: message"
  } cases[] = {
      {"struct S {\n  1: i32\n}", "3:1: expected a field name, found '}'"},
      {"struct S { 1: list<i32 x }", "1:24: expected '>' to close 'list<', found 'x'"},
      {"struct S { 1: map<i32 i32> x }",
       "1:23: expected ',' between the map's key and value types, found 'i32'"},
      {"struct { }", "1:8: expected a struct name, found '{'"},
      {"const i32 X 5", "1:13: expected '=' after the constant's name, found number '5'"},
      {"struct S { 1: i32 x", "1:20: unterminated field list: expected '}'"},
      {"enum E { A = 1", "1:15: unterminated enum 'E': expected '}'"},
      {"service S { void f()", "1:21: unterminated service 'S': expected '}'"},
      {"service S { void f(1: i32 a", "1:28: unterminated field list: expected ')'"},
      {"const list<i32> L = [1, 2", "1:26: unterminated list constant: expected ']'"},
      {"const map<i32,i32> M = {1: 2", "1:29: unterminated map constant: expected '}'"},
      {"const map<i32,i32> M = {1 2}", "1:27: expected ':' between a map constant's key and value"},
      {"struct S {} (a = \"b\"", "1:21: unterminated annotation list: expected ')'"},
      {"const string S = \"abc", "1:18: unterminated string literal (end of file)"},
      {"/* never closed", "1:1: unterminated comment: '/*' has no matching '*/'"},
      {"struct S { 1: i32 x } @", "1:23: unexpected character '@'"},
      {"bogus Foo {}",
       "1:1: expected a definition (struct, union, exception, enum, const, typedef, service), "
       "found 'bogus'"},
      {"const i64 X = 99999999999999999999",
       "1:15: integer constant 99999999999999999999 does not fit in i64"},
      {"enum E { A = 3000000000 }", "1:14: enum value 'A' = 3000000000 does not fit in i32"},
      {"enum E { A = 2147483647, B }",
       "1:26: enum value 'B' overflows i32 (the previous value is 2147483647)"},
      {"enum E { A = \"x\" }",
       "1:14: expected an integer for enum value 'A', found a string literal"},
      {"struct S { 1: void x }", "1:15: 'void' is only allowed as a function's return type"},
      {"service S { void f(1: void a) }",
       "1:23: 'void' is only allowed as a function's return type"},
      {"senum S { \"a\", 3 }", "1:16: expected a string value in senum 'S', found number '3'"},
      {"senum S { \"a\"", "expected a string value in senum 'S', found end of file"},
      {"struct S { 1: slist x }", "1:15: 'slist' is not supported"},
      {"cpp_namespace foo",
       "1:1: unsupported declaration 'cpp_namespace'; use 'namespace cpp <name>'"},
      {"php_namespace foo",
       "1:1: unsupported declaration 'php_namespace'; use 'namespace php <name>'"},
      {"struct A {}\nnamespace cpp x", "2:1: 'namespace' must come before the first definition"},
      {"struct A {}\ninclude \"b.thrift\"", "2:1: 'include' must come before the first definition"},
      {"include b.thrift", "1:9: expected a file name in quotes after 'include', found 'b.thrift'"},
      {"namespace 5 x", "1:11: expected a language (or '*') after 'namespace', found number '5'"},
      {"struct a.b {}", "1:8: 'a.b' cannot be used as a struct name: names must not contain '.'"},
      {"struct S { 1: i32 a.b }", "1:19: 'a.b' cannot be used as a field name"},
      {"typedef i32", "1:12: expected a typedef name, found end of file"},
      {"struct S { 1: i32 x = }", "1:23: expected a constant value, found '}'"},
      {"struct S { 1: 5 x }", "1:15: expected a type, found number '5'"},
      {"struct S { 1: struct x }", "1:15: expected a type, found keyword 'struct'"},
      {"service S extends { }", "1:19: expected a service name after 'extends', found '{'"},
      {"service S { void f() throws 1 }", "1:29: expected '(' after 'throws', found number '1'"},
      {"list<i32> x", "1:1: expected a definition"},
      {"struct S { 1: list<i32> cpp_type x }",
       "1:34: expected a type name in quotes after 'cpp_type'"},
  };
  for (const auto& c : cases) {
    auto p = ParseText(c.text);
    EXPECT_TRUE(p->diags.has_errors()) << c.text;
    EXPECT_THAT(FirstError(*p), HasSubstr(c.expect)) << c.text;
  }
}

TEST(ParserTest, ParsingResumesAtTheNextDefinitionAfterAnError) {
  auto p = ParseText(
      "struct Broken { 1: i32 }\n"
      "struct Good { 1: i32 x }\n"
      "const i32 = 5\n"
      "enum E { A }\n");
  EXPECT_EQ(Errors(*p),
            "1:24: expected a field name, found '}'\n"
            "3:11: expected a constant name, found '='\n");
  EXPECT_NE(p->program->Find("Good"), nullptr);
  EXPECT_NE(p->program->Find("E"), nullptr);
  EXPECT_NE(p->program->Find("Broken"), nullptr) << "a broken struct still defines its name";
}

TEST(ParserTest, EmptyAndCommentOnlyFilesAreValid) {
  for (const char* text : {"", "\n\n", "# nothing\n// here\n/* at all */\n", "/** orphan doc */"}) {
    auto p = ParseText(text);
    EXPECT_FALSE(p->diags.has_errors()) << p->diags.ToString();
    EXPECT_TRUE(p->program->definitions.empty());
  }
}

}  // namespace
}  // namespace tern::idl
