// The Compiler entry point over real files: include resolution, the IDLs in
// testdata/ (every feature, realistic services, the benchmark IDLs),
// DependencyOrder, agreement with Apache's compiler, and bad input.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <unistd.h>
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>

#include "tern/idl/compiler.h"
#include "test_util.h"

namespace tern::idl {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using testing_util::Errors;
using testing_util::ErrorsOf;
using testing_util::FirstError;
using testing_util::ParseText;
using testing_util::TestData;

std::vector<std::string> Names(const std::vector<const Definition*>& defs) {
  std::vector<std::string> out;
  for (const Definition* d : defs) out.push_back(d->name);
  return out;
}

// A scratch directory removed at the end of the test.
class ScratchDir {
 public:
  ScratchDir() {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    path_ = fs::temp_directory_path() /
            ("tern_idl_" + std::string(info->name()) + "_" + std::to_string(::getpid()));
    fs::remove_all(path_);
    fs::create_directories(path_);
  }
  ~ScratchDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  std::string Write(const std::string& name, const std::string& text) const {
    const fs::path p = path_ / name;
    fs::create_directories(p.parent_path());
    std::ofstream(p, std::ios::binary) << text;
    return p.string();
  }
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

TEST(CompilerTest, IncludesResolveAndADiamondIsParsedOnce) {
  Compiler c;
  Diagnostics d;
  Program* top = c.ParseFile(TestData("diamond_top.thrift"), d);
  ASSERT_NE(top, nullptr);
  ASSERT_FALSE(d.has_errors()) << d.ToString();
  EXPECT_EQ(c.programs().size(), 4u) << "base.thrift once, left, right, top";
  EXPECT_EQ(c.programs().back().get(), top) << "includes finish first";
  ASSERT_EQ(top->includes.size(), 2u);
  const Program* left_base = top->includes[0].program->includes[0].program;
  const Program* right_base = top->includes[1].program->includes[0].program;
  EXPECT_EQ(left_base, right_base);
  EXPECT_EQ(left_base->name, "base");
  const Definition* t = top->Find("Top");
  EXPECT_EQ(t->fields[0].type.resolved, top->includes[0].program->Find("Left"));
}

TEST(CompilerTest, IncludeCycleIsAnErrorAtTheIncludeThatClosesIt) {
  Compiler c;
  Diagnostics d;
  c.ParseFile(TestData("cycle_a.thrift"), d);
  ASSERT_EQ(d.error_count(), 1u) << d.ToString();
  EXPECT_THAT(d.ToString(), HasSubstr("cycle_b.thrift:1:1: error: include cycle: 'cycle_a.thrift' "
                                      "(directly or indirectly) includes this file"));
}

TEST(CompilerTest, MissingIncludeAndMissingFileAreErrors) {
  Compiler c;
  Diagnostics d;
  c.ParseString("t.thrift", "include \"nowhere.thrift\"\n", d);
  EXPECT_EQ(d.ToString(), "t.thrift:1:1: error: cannot find included file 'nowhere.thrift'\n");
  Diagnostics d2;
  EXPECT_EQ(c.ParseFile("/nonexistent/x.thrift", d2), nullptr);
  EXPECT_EQ(d2.ToString(), "/nonexistent/x.thrift: error: cannot read file\n");
  Diagnostics d3;
  EXPECT_EQ(c.ParseFile(TERN_IDL_TESTDATA, d3), nullptr);
  EXPECT_THAT(d3.ToString(), HasSubstr("it is a directory"));
}

TEST(CompilerTest, IncludeDirectoriesAreSearchedAfterTheIncludingFilesDirectory) {
  Compiler c({TERN_IDL_TESTDATA});
  Diagnostics d;
  Program* p = c.ParseString("t.thrift", "include \"base.thrift\"\nstruct S { 1: base.Tag t }", d);
  ASSERT_FALSE(d.has_errors()) << d.ToString();
  EXPECT_EQ(p->Find("S")->fields[0].type.resolved, p->includes[0].program->Find("Tag"));

  ScratchDir dir;
  // A base.thrift beside the including file wins over the include directory.
  dir.Write("local/base.thrift", "struct Local {}\n");
  const std::string top =
      dir.Write("local/top.thrift", "include \"base.thrift\"\nstruct S { 1: base.Local l }\n");
  Compiler c2({TERN_IDL_TESTDATA});
  Diagnostics d2;
  Program* q = c2.ParseFile(top, d2);
  ASSERT_FALSE(d2.has_errors()) << d2.ToString();
  EXPECT_NE(q->includes[0].program->Find("Local"), nullptr);
}

TEST(CompilerTest, SubdirectoryIncludesAndDottedProgramNames) {
  ScratchDir dir;
  dir.Write("api/shared.v2.thrift", "enum Kind { A = 1 }\nstruct P { 1: i32 x }\n");
  const std::string top = dir.Write("main.thrift",
                                    "include \"api/shared.v2.thrift\"\n"
                                    "struct S {\n"
                                    "  1: shared.v2.P p\n"
                                    "  2: shared.v2.Kind k = shared.v2.Kind.A\n"
                                    "}\n");
  Compiler c;
  Diagnostics d;
  Program* p = c.ParseFile(top, d);
  ASSERT_FALSE(d.has_errors()) << d.ToString();
  EXPECT_EQ(p->includes[0].program->name, "shared.v2");
  const Definition* s = p->Find("S");
  EXPECT_NE(s->fields[0].type.resolved, nullptr);
  EXPECT_NE(s->fields[1].value->ref_enum, nullptr);
}

TEST(CompilerTest, TwoIncludedFilesWithOneBaseNameAreAmbiguous) {
  ScratchDir dir;
  dir.Write("a/x.thrift", "struct A {}\n");
  dir.Write("b/x.thrift", "struct B {}\n");
  const std::string top =
      dir.Write("top.thrift", "include \"a/x.thrift\"\ninclude \"b/x.thrift\"\n");
  Compiler c;
  Diagnostics d;
  c.ParseFile(top, d);
  EXPECT_THAT(d.ToString(), HasSubstr("top.thrift:2:1: error: 'b/x.thrift' and 'a/x.thrift' have "
                                      "the same name 'x', so 'x.X' would be ambiguous"));
}

TEST(CompilerTest, ErrorsInIncludedFilesNameThatFile) {
  ScratchDir dir;
  dir.Write("bad.thrift", "struct B {\n  1: Nope n\n}\n");
  const std::string top = dir.Write("top.thrift", "include \"bad.thrift\"\n");
  Compiler c;
  Diagnostics d;
  c.ParseFile(top, d);
  ASSERT_EQ(d.all().size(), 1u);
  EXPECT_EQ(d.all()[0].file, (dir.path() / "bad.thrift").string());
  EXPECT_EQ(d.all()[0].loc, (Loc{2, 6}));
}

TEST(CompilerTest, ParseStringParsesAnewEachTime) {
  Compiler c;
  Diagnostics d;
  Program* a = c.ParseString("same.thrift", "struct A {}", d);
  Program* b = c.ParseString("same.thrift", "struct B {}", d);
  EXPECT_NE(a, b);
  EXPECT_NE(b->Find("B"), nullptr);
  EXPECT_EQ(b->Find("A"), nullptr);
}

TEST(CompilerTest, EverythingParsesAndChecksClean) {
  Compiler c({TERN_IDL_TESTDATA});
  Diagnostics d;
  Program* p = c.ParseFile(TestData("everything.thrift"), d);
  ASSERT_NE(p, nullptr);
  ASSERT_FALSE(d.has_errors()) << d.ToString();
  const Definition* svc = p->Find("UserService");
  ASSERT_NE(svc, nullptr);
  ASSERT_NE(svc->extends_def, nullptr);
  EXPECT_EQ(svc->extends_def->name, "Base");
  const Definition* other = p->Find("Other");
  ASSERT_NE(other->extends_def, nullptr);
  EXPECT_EQ(other->extends_def->program->name, "shared") << "extends across an include";
  EXPECT_EQ(p->Find("User")->doc, "A user, with every kind of field.");
  const Definition* account = p->Find("AccountId");
  EXPECT_EQ(TrueType(account->type).base, Base::kI64) << "typedef chain AccountId -> UserId -> i64";
  const auto& implicit = p->Find("Implicit")->fields;
  EXPECT_EQ(implicit[0].id, -1);
  EXPECT_EQ(implicit[1].id, -2);
  EXPECT_EQ(implicit[2].id, 3);
}

TEST(CompilerTest, RealisticServiceIdlParsesWithEveryLink) {
  Compiler c({TERN_IDL_TESTDATA});
  Diagnostics d;
  Program* p = c.ParseFile(TestData("shop.thrift"), d);
  ASSERT_NE(p, nullptr);
  ASSERT_FALSE(d.has_errors()) << d.ToString();
  EXPECT_EQ(c.programs().size(), 3u) << "base, common/types, shop";
  EXPECT_EQ(p->namespaces.size(), 7u);
  EXPECT_EQ(p->CppNamespace(), (std::vector<std::string>{"shop", "api", "v1"}));
  const Program* types = p->includes[0].program;
  EXPECT_EQ(types->name, "types");
  // Ref -> types.Reference -> OrderId -> Uuid -> string, across files.
  const Definition* ref = p->Find("Ref");
  EXPECT_EQ(ref->type.resolved, types->Find("Reference"));
  EXPECT_EQ(TrueType(ref->type).base, Base::kString);
  EXPECT_EQ(p->Find("EURO_CODE")->value.enum_value->value, 978);
  const Definition* orders = p->Find("OrderService");
  EXPECT_EQ(orders->extends_def, p->Find("Health"));
  ASSERT_EQ(orders->functions.size(), 6u);
  const Function& list = orders->functions[1];
  EXPECT_EQ(list.args[1].value->ref_const, p->Find("PAGE_SIZE"));
  EXPECT_EQ(list.args[2].req, Req::kDefault) << "optional is ignored on arguments";
  EXPECT_EQ(orders->annotations, (Annotations{{"deprecated", "use v2"}}));
  EXPECT_TRUE(p->Find("Order")->fields[7].is_ref);
  EXPECT_EQ(p->Find("Health")->functions[0].doc,
            "Returns \"ok\" when the service can take traffic.");
  EXPECT_EQ(p->Find("OrderState")->values[5].value, 101);
}

TEST(CompilerTest, SeventyFieldStructKeepsEveryFieldInOrder) {
  Compiler c;
  Diagnostics d;
  Program* p = c.ParseFile(TestData("wide70.thrift"), d);
  ASSERT_FALSE(d.has_errors()) << d.ToString();
  const auto& f = p->Find("Record70")->fields;
  ASSERT_EQ(f.size(), 70u);
  for (int i = 0; i < 70; ++i) {
    EXPECT_EQ(f[i].id, i + 1);
    EXPECT_EQ(f[i].name, "field_" + std::to_string(i + 1));
  }
  EXPECT_EQ(f[0].req, Req::kOptional);
  EXPECT_EQ(f[1].req, Req::kRequired);
  EXPECT_EQ(f[2].req, Req::kDefault);
  ASSERT_TRUE(f[1].value.has_value()) << "2: required string field_2 = \"f2\"";
  EXPECT_EQ(f[1].value->s, "f2");
}

TEST(CompilerTest, BenchmarkIdlsParse) {
  for (const char* name : {"serde.thrift", "echo.thrift"}) {
    Compiler c;
    Diagnostics d;
    Program* p = c.ParseFile(TestData(name), d);
    ASSERT_NE(p, nullptr) << name;
    EXPECT_FALSE(d.has_errors()) << d.ToString();
    EXPECT_EQ(d.warning_count(), 0u) << d.ToString();
  }
}

TEST(DependencyOrderTest, SerdeOrdersAnoBeforeMyTestThoughDeclaredAfter) {
  Compiler c;
  Diagnostics d;
  Program* p = c.ParseFile(TestData("serde.thrift"), d);
  ASSERT_FALSE(d.has_errors()) << d.ToString();
  const Definition* my_test = p->Find("MyTest");
  ASSERT_NE(my_test, nullptr);
  const Field* ano_field = nullptr;
  for (const auto& f : my_test->fields) {
    if (f.name == "Ano") ano_field = &f;
  }
  ASSERT_NE(ano_field, nullptr) << "the field named like its type: 2: Ano Ano";
  EXPECT_EQ(ano_field->type.resolved, p->Find("Ano"));
  const auto order = Names(DependencyOrder(*p, d));
  EXPECT_FALSE(d.has_errors()) << d.ToString();
  auto pos = [&](const std::string& n) {
    return std::find(order.begin(), order.end(), n) - order.begin();
  };
  EXPECT_LT(pos("Ano"), pos("MyTest")) << "MyTest holds Ano by value, though declared first";
  EXPECT_LT(pos("Item"), pos("Mixed"));
  EXPECT_EQ(order.size(), 7u);
}

TEST(DependencyOrderTest, ByValueThroughTypedefsOrdersButContainersAndRefsKeepIdlOrder) {
  auto p = ParseText(
      "struct A { 1: T b, 2: list<C> cs, 3: optional D & d }\n"
      "typedef B T\n"
      "struct B { 1: i32 x }\n"
      "struct C { 1: i32 y }\n"
      "struct D { 1: A a }\n");
  ASSERT_EQ(Errors(*p), "");
  Diagnostics d;
  EXPECT_EQ(Names(DependencyOrder(*p->program, d)), (std::vector<std::string>{"B", "C", "A", "D"}))
      << "B by value (through T); C is ordered when it can be; D is behind a ref";
  EXPECT_FALSE(d.has_errors()) << d.ToString();
}

TEST(DependencyOrderTest, TypedefChainFileOrdersTheHolderLast) {
  Compiler c;
  Diagnostics d;
  Program* p = c.ParseFile(TestData("typedef_chain.thrift"), d);
  ASSERT_FALSE(d.has_errors()) << d.ToString();
  EXPECT_EQ(Names(DependencyOrder(*p, d)), (std::vector<std::string>{"Leaf", "Holder"}));
}

TEST(DependencyOrderTest, ByValueCycleIsAnErrorAndRefsBreakIt) {
  auto p = ParseText("struct A { 1: B b }\nstruct B {\n  1: A a\n}");
  ASSERT_EQ(Errors(*p), "");
  Diagnostics d;
  const auto order = DependencyOrder(*p->program, d);
  EXPECT_EQ(testing_util::Lines(d, Diagnostic::kError),
            "3:8: 'B' holds 'A' by value in field 'a', and 'A' (directly or indirectly) holds 'B' "
            "by value: mark one of the fields with & (cpp.ref)\n");
  EXPECT_EQ(order.size(), 2u) << "every struct is still listed once";

  auto self = ParseText("struct N { 1: N next }");
  Diagnostics d_self;
  DependencyOrder(*self->program, d_self);
  EXPECT_TRUE(d_self.has_errors()) << "a struct cannot hold itself by value";

  auto q = ParseText(
      "struct A { 1: B b }\nstruct B { 1: optional A & a\n 2: list<B> bs\n 3: A a2 (cpp.ref = "
      "\"true\") }");
  ASSERT_EQ(Errors(*q), "");
  Diagnostics d2;
  EXPECT_EQ(Names(DependencyOrder(*q->program, d2)), (std::vector<std::string>{"B", "A"}));
  EXPECT_FALSE(d2.has_errors()) << d2.ToString();
}

TEST(DependencyOrderTest, LongByValueChainNeedsNoDeepRecursion) {
  // S0 holds S1 holds ... S9999, declared in that order: the order is the
  // reverse, reached without recursing 10,000 levels deep.
  std::string text;
  const int n = 10000;
  for (int i = 0; i < n; ++i) {
    text += "struct S" + std::to_string(i) + " { 1: ";
    text += i + 1 < n ? "S" + std::to_string(i + 1) : std::string("i32");
    text += " x }\n";
  }
  auto p = ParseText(text);
  ASSERT_EQ(Errors(*p), "");
  Diagnostics d;
  const auto order = DependencyOrder(*p->program, d);
  ASSERT_EQ(order.size(), static_cast<size_t>(n));
  EXPECT_EQ(order.front()->name, "S" + std::to_string(n - 1));
  EXPECT_EQ(order.back()->name, "S0");
}

// ---- agreement with Apache Thrift ---------------------------------------------------

// Runs Apache's compiler on `file`. Returns its output and sets `ok` when it
// accepted the file. Reserved words (a generator rule, not a parser rule) do
// not count as rejection: Tern's generator escapes them.
std::string RunApacheThrift(const std::string& file, const std::string& include_dir, bool* ok) {
  ScratchDir out;
  const std::string cmd = "/usr/bin/thrift -I '" + include_dir + "' -out '" + out.path().string() +
                          "' --gen json '" + file + "' 2>&1";
  FILE* pipe = ::popen(cmd.c_str(), "r");
  if (pipe == nullptr) {
    *ok = false;
    return "popen failed";
  }
  std::string text;
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof(buf), pipe)) > 0) text.append(buf, n);
  const int status = ::pclose(pipe);
  *ok = status == 0 || text.find("Cannot use reserved language keyword") != std::string::npos;
  return text;
}

TEST(ApacheAgreementTest, FilesTernAcceptsApacheAcceptsToo) {
  if (!fs::exists("/usr/bin/thrift")) {
    GTEST_SKIP() << "Apache Thrift's compiler (/usr/bin/thrift) is not installed";
  }
  for (const char* name : {"everything.thrift", "shop.thrift", "common/types.thrift",
                           "wide70.thrift", "wide.thrift", "typedef_chain.thrift", "serde.thrift",
                           "echo.thrift", "diamond_top.thrift", "shared.thrift"}) {
    Compiler c({TERN_IDL_TESTDATA});
    Diagnostics d;
    c.ParseFile(TestData(name), d);
    ASSERT_FALSE(d.has_errors()) << name << "\n" << d.ToString();
    bool ok = false;
    const std::string out = RunApacheThrift(TestData(name), TERN_IDL_TESTDATA, &ok);
    EXPECT_TRUE(ok) << name << ": Apache rejects what Tern accepts:\n" << out;
  }
}

TEST(ApacheAgreementTest, InputsBothRejectAreRejectedByTern) {
  if (!fs::exists("/usr/bin/thrift")) {
    GTEST_SKIP() << "Apache Thrift's compiler (/usr/bin/thrift) is not installed";
  }
  const char* bad[] = {
      "struct A {}\nstruct A {}",
      "struct S { 1: Missing m }",
      "const i32 X = \"s\"",
      "enum E { A = 1 }\nconst E x = 5",
      "struct A {}\nnamespace cpp x",
      "const string S = \"a\\qb\"",
      "const i64 A = -0x8000000000000000",
      "enum E { A = 2147483647, B }",
      "service S { void f(), void f() }",
      "service A { void f() }\nservice B extends A { void f() }",
      "exception E {}\nstruct N {}\nservice S { void f() throws (1: N n) }",
      "union U { 1: i32 a = 1, 2: i32 b = 2 }",
      "cpp_namespace foo",
      "struct P { 1: i32 x }\nconst P p = {\"y\": 1}",
      "service S extends Nope {}",
  };
  ScratchDir dir;
  int i = 0;
  for (const char* text : bad) {
    const std::string file = dir.Write("bad" + std::to_string(i++) + ".thrift", text);
    bool apache_ok = true;
    const std::string out = RunApacheThrift(file, dir.path().string(), &apache_ok);
    EXPECT_FALSE(apache_ok) << "Apache accepts: " << text << "\n" << out;
    EXPECT_NE(ErrorsOf(text), "") << "Tern accepts: " << text;
  }
}

// ---- bad input ------------------------------------------------------------------

TEST(BadInputTest, DeepNestingIsAnErrorNotAStackOverflow) {
  const int n = 100000;
  std::string deep_type = "struct D { 1: ";
  for (int i = 0; i < n; ++i) deep_type += "list<";
  deep_type += "i32";
  for (int i = 0; i < n; ++i) deep_type += ">";
  deep_type += " x }";
  EXPECT_EQ(FirstError(*ParseText(deep_type)), "1:340: types nested deeper than 64 levels");

  EXPECT_THAT(FirstError(*ParseText("const list<i32> X = " + std::string(n, '['))),
              HasSubstr("1:86: constant values nested deeper than 64 levels"));

  std::string deep_map = "const map<i32, i32> M = ";
  for (int i = 0; i < n / 10; ++i) deep_map += "{1: ";
  EXPECT_THAT(FirstError(*ParseText(deep_map)),
              HasSubstr("constant values nested deeper than 64 levels"));

  std::string deep_attrs = "struct S { ";
  for (int i = 0; i < n / 10; ++i) deep_attrs += "1: i32 a xsd_attrs { ";
  EXPECT_THAT(FirstError(*ParseText(deep_attrs)),
              HasSubstr("field lists nested deeper than 64 levels"));

  std::string deep_map_type = "typedef ";
  for (int i = 0; i < n / 10; ++i) deep_map_type += "map<i32, ";
  EXPECT_THAT(FirstError(*ParseText(deep_map_type)), HasSubstr("types nested deeper than 64"));
}

TEST(BadInputTest, NestingUpToTheLimitIsAccepted) {
  std::string type = "i32";
  for (int i = 0; i < Compiler::kMaxNesting; ++i) type = "list<" + type + ">";
  std::string value = "1";
  for (int i = 0; i < Compiler::kMaxNesting; ++i) value = "[" + value + "]";
  EXPECT_EQ(ErrorsOf("const " + type + " X = " + value), "");
}

TEST(BadInputTest, UnterminatedEverythingIsReportedWithAPosition) {
  const char* cases[] = {
      "struct S {",
      "struct S { 1: i32 x",
      "enum E {",
      "enum E { A = ",
      "service S {",
      "service S { void f(",
      "service S { void f() throws (",
      "const list<i32> L = [",
      "const map<i32,i32> M = {1:",
      "struct S { 1: map<i32",
      "struct S {} (a = ",
      "const string S = \"abc",
      "const string S = 'abc",
      "/* comment",
      "/** doc",
      "typedef",
      "include",
      "namespace cpp",
      "struct S { 1: list<i32> cpp_type",
  };
  for (const char* text : cases) {
    auto p = ParseText(text);
    ASSERT_TRUE(p->diags.has_errors()) << text;
    const Diagnostic& first = p->diags.all()[0];
    EXPECT_GE(first.loc.line, 1) << text;
    EXPECT_GE(first.loc.col, 1) << text;
    EXPECT_EQ(first.file, "t.thrift");
  }
}

TEST(BadInputTest, RandomBytesNeverCrashOrHang) {
  std::mt19937_64 rng(20240611);
  for (int i = 0; i < 3000; ++i) {
    std::string text(rng() % 300, '\0');
    for (auto& c : text) c = static_cast<char>(rng());
    auto p = ParseText(text);
    ASSERT_NE(p->program, nullptr);
    EXPECT_LE(p->diags.error_count(), Diagnostics::kMaxErrors);
  }
}

TEST(BadInputTest, RandomTokenSoupNeverCrashesOrHangs) {
  // Mostly-valid vocabulary reaches the parser and sema far more often than
  // raw bytes do.
  const std::vector<std::string> vocab = {
      "struct",    "union",   "exception", "enum",   "service", "typedef",  "const",     "include",
      "namespace", "extends", "throws",    "oneway", "void",    "required", "optional",  "list",
      "set",       "map",     "i32",       "i64",    "string",  "binary",   "bool",      "byte",
      "double",    "A",       "B",         "C",      "E.X",     "x",        "y",         "1:",
      "2:",        "-1",      "0x10",      "1.5",    "\"s\"",   "'t'",      "{",         "}",
      "[",         "]",       "(",         ")",      "<",       ">",        ",",         ";",
      ":",         "=",       "&",         "*",      "cpp.ref", "true",     "xsd_attrs", "\n",
      "/**d*/"};
  std::mt19937_64 rng(7);
  for (int i = 0; i < 4000; ++i) {
    std::string text;
    const size_t n = rng() % 80;
    for (size_t k = 0; k < n; ++k) text += vocab[rng() % vocab.size()] + " ";
    auto p = ParseText(text);
    ASSERT_NE(p->program, nullptr);
    if (!p->diags.has_errors()) {
      Diagnostics d;
      DependencyOrder(*p->program, d);
    }
  }
}

TEST(BadInputTest, EveryPrefixAndSingleByteCorruptionOfAValidFileIsHandled) {
  std::ifstream in(TestData("everything.thrift"), std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  const std::string text = ss.str();
  ASSERT_GT(text.size(), 1000u);
  std::mt19937_64 rng(3);
  for (size_t cut = 0; cut < text.size(); cut += 1 + rng() % 15) {
    Compiler c({TERN_IDL_TESTDATA});
    Diagnostics d;
    ASSERT_NE(c.ParseString("cut.thrift", text.substr(0, cut), d), nullptr);
  }
  for (int i = 0; i < 500; ++i) {
    std::string bad = text;
    bad[rng() % bad.size()] = "{}[]<>()\"'/*:;=&x1\n\0"[rng() % 21];
    Compiler c({TERN_IDL_TESTDATA});
    Diagnostics d;
    ASSERT_NE(c.ParseString("bad.thrift", bad, d), nullptr);
  }
}

TEST(BadInputTest, ErrorCountIsBoundedAndSaysSo) {
  auto p = ParseText(std::string(100000, '@'));
  EXPECT_EQ(p->diags.all().size(), Diagnostics::kMaxErrors);
  EXPECT_THAT(p->diags.all().back().message, HasSubstr("too many errors (100); stopping here"));
  std::string many_unknown;
  for (int i = 0; i < 1000; ++i)
    many_unknown += "struct S" + std::to_string(i) + " { 1: Nope x }\n";
  auto q = ParseText(many_unknown);
  EXPECT_EQ(q->diags.error_count(), Diagnostics::kMaxErrors);
}

}  // namespace
}  // namespace tern::idl
