// The C++ generator, checked on its output text and through the CLI. The
// generated code itself is compiled (with -Werror) and exercised by the
// tests in tests/unit/gen.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "idl/gen/cpp/cpp_generator.h"
#include "idl/gen/cpp/lower.h"
#include "tern/idl/compiler.h"
#include "testing/process.h"

namespace tern::gen {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

std::string Slurp(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::map<std::string, std::string> Generate(const std::string& text) {
  idl::Compiler c;
  idl::Diagnostics d;
  idl::Program* p = c.ParseString("t.thrift", text, d);
  EXPECT_FALSE(d.has_errors()) << d.ToString();
  std::map<std::string, std::string> out;
  for (auto& f : GenerateCpp(Lower(*p, d))) out[f.name] = f.text;
  return out;
}

// The diagnostics of parsing text (which must parse), lowering it and, when
// that succeeds, generating it.
std::string Diagnose(const std::string& text) {
  idl::Compiler c;
  idl::Diagnostics d;
  idl::Program* p = c.ParseString("t.thrift", text, d);
  EXPECT_FALSE(d.has_errors()) << d.ToString();
  if (p == nullptr) return d.ToString();
  const auto lowered = Lower(*p, d);
  if (!d.has_errors()) GenerateCpp(lowered);
  return d.ToString();
}

TEST(GeneratorTest, OutputIsDeterministicThroughTheCli) {
  tern::testing::TempDir a, b;
  const std::string idl = std::string(TERN_IDL_TESTDATA) + "/everything.thrift";
  for (const auto* dir : {&a, &b}) {
    auto r = tern::testing::RunCommand(std::string(TERN_CLI) + " gen -r -I " + TERN_IDL_TESTDATA +
                                       " -o " + dir->path().string() + " " + idl);
    ASSERT_EQ(r.exit_code, 0) << r.output;
  }
  size_t files = 0;
  for (const auto& e : std::filesystem::directory_iterator(a.path())) {
    const auto other = b.path() / e.path().filename();
    ASSERT_TRUE(std::filesystem::exists(other)) << other;
    EXPECT_EQ(Slurp(e.path()), Slurp(other)) << e.path().filename();
    ++files;
  }
  EXPECT_EQ(files, 10u)
      << "_types.h/.cc for everything, shared and base; _services.h/.cc for the two with services";
}

TEST(GeneratorTest, CliReportsErrorsWithPositions) {
  tern::testing::TempDir dir;
  std::ofstream(dir / "bad.thrift") << "struct S {\n  1: Nope x\n}\n";
  auto r = tern::testing::RunCommand(std::string(TERN_CLI) + " gen -o " + dir.path().string() +
                                     " " + (dir / "bad.thrift"));
  EXPECT_NE(r.exit_code, 0);
  EXPECT_THAT(r.output, HasSubstr("bad.thrift:2:6: error: unknown type 'Nope'"));
  EXPECT_FALSE(std::filesystem::exists(dir / "bad_types.h"));
}

TEST(GeneratorTest, ANameAnIncludedFileOfTheSameNamespaceDefinesIsRefused) {
  tern::testing::TempDir dir;
  std::ofstream(dir / "inner.thrift") << "namespace cpp one\nstruct Foo { 1: i32 a }\n"
                                      << "service T { void u() }\n";
  std::ofstream(dir / "mid.thrift") << "include \"inner.thrift\"\nnamespace cpp two\n";
  std::ofstream(dir / "top.thrift")
      << "include \"mid.thrift\"\nnamespace cpp one\nstruct Foo { 1: string b }\n"
      << "struct T_u_args {}\nstruct Bar { 1: i32 c }\nstruct TClient {}\n";
  auto r = tern::testing::RunCommand(std::string(TERN_CLI) + " gen -r -o " + dir.path().string() +
                                     " " + (dir / "top.thrift"));
  EXPECT_NE(r.exit_code, 0);
  EXPECT_THAT(r.output, HasSubstr("top.thrift:3:8: error: 'Foo' is '::one::Foo' in C++, which "));
  EXPECT_THAT(r.output, HasSubstr("inner.thrift (included, same C++ namespace) also defines"));
  EXPECT_THAT(r.output, HasSubstr("top.thrift:4:8: error: 'T_u_args' is '::one::T_u_args'"));
  EXPECT_THAT(r.output, HasSubstr("top.thrift:6:8: error: 'TClient' is '::one::TClient'"));
  EXPECT_THAT(r.output, Not(HasSubstr("'Bar'")));
  // The same names in another namespace are fine.
  std::ofstream(dir / "top.thrift", std::ios::trunc)
      << "include \"mid.thrift\"\nnamespace cpp three\nstruct Foo { 1: string b }\n";
  r = tern::testing::RunCommand(std::string(TERN_CLI) + " gen -r -o " + dir.path().string() + " " +
                                (dir / "top.thrift"));
  EXPECT_EQ(r.exit_code, 0) << r.output;
}

TEST(GeneratorTest, TwoIncludedFilesOfOneNameAreRefusedWithR) {
  tern::testing::TempDir dir;
  std::filesystem::create_directories(dir / "a");
  std::filesystem::create_directories(dir / "b");
  std::ofstream(dir / "a/common.thrift") << "namespace cpp a\nstruct Base { 1: i32 x }\n";
  std::ofstream(dir / "b/common.thrift") << "namespace cpp b\nstruct Other { 1: i32 y }\n";
  std::ofstream(dir / "x.thrift") << "include \"a/common.thrift\"\nstruct X { 1: common.Base b }\n";
  std::ofstream(dir / "y.thrift")
      << "include \"b/common.thrift\"\nstruct Y { 1: common.Other o }\n";
  std::ofstream(dir / "top.thrift")
      << "include \"x.thrift\"\ninclude \"y.thrift\"\nstruct M { 1: x.X x, 2: y.Y y }\n";
  const std::string out = dir / "out";
  auto r = tern::testing::RunCommand(std::string(TERN_CLI) + " gen -r -o " + out + " " +
                                     (dir / "top.thrift"));
  EXPECT_NE(r.exit_code, 0);
  EXPECT_THAT(r.output, HasSubstr("are both named 'common'"));
  EXPECT_FALSE(std::filesystem::exists(dir / "out/common_types.h"));
}

TEST(GeneratorTest, StructsAreDeclaredInDependencyOrderWithQualifiedTypes) {
  auto out = Generate(
      "namespace cpp x.y\nstruct MyTest { 1: i64 Num, 2: Ano Ano }\nstruct Ano { 1: i64 Num }");
  const std::string& h = out["t_types.h"];
  EXPECT_LT(h.find("struct Ano {"), h.find("struct MyTest {"));
  EXPECT_THAT(h, HasSubstr("::x::y::Ano Ano;")) << "a field named like its type";
}

TEST(GeneratorTest, KeywordsAndReservedNamesAreEscaped) {
  auto out = Generate(
      "enum E { delete = 1, EOF = 2 }\nstruct class { 1: i32 new, 2: i32 BLength, 3: i32 tern_x }");
  const std::string& h = out["t_types.h"];
  EXPECT_THAT(h, HasSubstr("delete_ = 1"));
  EXPECT_THAT(h, HasSubstr("EOF_ = 2"));
  EXPECT_THAT(h, HasSubstr("struct class_ {"));
  EXPECT_THAT(h, HasSubstr("int32_t new_{};"));
  EXPECT_THAT(h, HasSubstr("int32_t BLength_{};"));
  EXPECT_THAT(h, HasSubstr("int32_t tern_x_{};"));
}

TEST(GeneratorTest, NamesThatAreMacrosOrHideStdAreEscaped) {
  auto out = Generate(
      "namespace cpp a.std.tern\nenum E { EINVAL = 1, AF_INET = 2, NAN = 3 }\n"
      "struct S { 1: i32 offsetof, 2: string allocator_type, 3: string get_allocator }");
  const std::string& h = out["t_types.h"];
  EXPECT_THAT(h, HasSubstr("namespace a::std_::tern_ {"));
  EXPECT_THAT(h, HasSubstr("EINVAL_ = 1"));
  EXPECT_THAT(h, HasSubstr("AF_INET_ = 2"));
  EXPECT_THAT(h, HasSubstr("NAN_ = 3"));
  EXPECT_THAT(h, HasSubstr("int32_t offsetof_{};"));
  EXPECT_THAT(h, HasSubstr("std::string allocator_type_;"));
  EXPECT_THAT(h, HasSubstr("std::string get_allocator_;"));
}

TEST(GeneratorTest, ADefaultOnARecursiveFieldIsReportedAsIgnored) {
  const std::string d =
      Diagnose("struct In { 1: i32 v }\nstruct S {\n  1: In & x = {\"v\": 9}\n}\n");
  EXPECT_THAT(d, Not(HasSubstr("error")));
  EXPECT_THAT(d, HasSubstr("t.thrift:3:"));
  EXPECT_THAT(d, HasSubstr("default value of 'x' is ignored"));
}

// ::tern and the runtime's namespaces under it hold Tern's own types: an
// IDL's types go to tern_ instead (tern.conformance and the like stay).
TEST(GeneratorTest, TheRuntimesNamespacesAreEscaped) {
  EXPECT_THAT(Generate("namespace cpp tern\nstruct Status { 1: i32 code }")["t_types.h"],
              HasSubstr("namespace tern_ {"));
  EXPECT_THAT(Generate("namespace cpp tern.rpc\nstruct Server { 1: i32 s }")["t_types.h"],
              HasSubstr("namespace tern_::rpc {"));
  EXPECT_THAT(Generate("namespace cpp tern.shop\nstruct Item { 1: i32 s }")["t_types.h"],
              HasSubstr("namespace tern::shop {"));
  EXPECT_THAT(Generate("namespace cpp tern.rpc.test\nstruct Server { 1: i32 s }")["t_types.h"],
              HasSubstr("namespace tern::rpc::test {"));
}

TEST(GeneratorTest, DocCommentsCannotReachTheCodeAfterThem) {
  // A doc line ending in a backslash would splice the next line into the
  // comment; a CR alone ends a line for the compiler.
  auto out = Generate(
      "/** Windows path C:\\ */\nstruct S { 1: i32 a }\n"
      "/** one\rstruct Injected {};\r\ntwo\x01 */\nenum E { A = 1 }");
  const std::string& h = out["t_types.h"];
  EXPECT_THAT(h, HasSubstr("// Windows path C:\\ (a backslash ends this line)\nstruct S {"));
  EXPECT_THAT(h, HasSubstr("one\n// struct Injected {};\n// two\nenum class E"));
  EXPECT_THAT(h, Not(HasSubstr("\r")));
}

TEST(GeneratorTest, AFieldNamedLikeItsStructTakesTheFirstFreeSpelling) {
  // Foo_ is field 2's name, and Foo__ would be reserved in C++ ("__").
  auto out = Generate("struct Foo { 1: bool Foo, 2: bool Foo_, 3: bool Foo__ }");
  const std::string& h = out["t_types.h"];
  EXPECT_THAT(h, HasSubstr("bool Foo_2{};"));
  EXPECT_THAT(h, HasSubstr("bool Foo_{};"));
  EXPECT_THAT(h, HasSubstr("bool Foo_u_{};"));
}

TEST(GeneratorTest, NamesThatEscapeToOneCppNameAreRefused) {
  const std::string d =
      Diagnose("enum operator { A }\nstruct operator_ { 1: i32 class, 2: i32 class_ }");
  EXPECT_THAT(d,
              HasSubstr("2:8: error: 'operator_' and 'operator' both become 'operator_' in C++"));
  EXPECT_THAT(d, HasSubstr("error: 'class_' and 'class' both become 'class_' in C++"));
}

TEST(GeneratorTest, MethodStructsThatClashWithAnotherNameAreRefused) {
  const std::string d = Diagnose(
      "struct S_m_args { 1: i32 a }\n"
      "service S { void m(1: i32 b) }\n"
      "service A { void b_c() }\n"
      "service A_b { void c() }\n"
      "service O { oneway void x() }\n"
      "struct O_x_result {}\n"
      "struct UserClient { 1: string ip }\n"
      "service User { UserClient whoami() }");
  EXPECT_THAT(d, HasSubstr("2:18: error: the args of S.m is generated as 'S_m_args', "
                           "which 'S_m_args' already is in C++; rename one"));
  EXPECT_THAT(d, HasSubstr("4:20: error: the args of A_b.c is generated as "
                           "'A_b_c_args', which the args of A.b_c already is"));
  // A oneway method has no result struct.
  EXPECT_THAT(d, Not(HasSubstr("O_x_result")));
  EXPECT_THAT(d, HasSubstr("8:9: error: the Client class of service User is generated "
                           "as 'UserClient', which 'UserClient' already is in C++"));
}

TEST(GeneratorTest, AnExceptionTypeThrownTwiceIsCaughtOnce) {
  auto out = Generate(
      "exception X { 1: string message }\n"
      "service S { void f() throws (1: X a, 2: X b) }");
  const std::string& cc = out["t_services.cc"];
  const size_t first = cc.find("} catch (const ::X& x) {");
  ASSERT_NE(first, std::string::npos);
  EXPECT_EQ(cc.find("} catch (const ::X& x) {", first + 1), std::string::npos);
}

TEST(GeneratorTest, NumericListsUseTheKernelsOncePerList) {
  auto out = Generate("struct S { 1: list<i64> a, 2: list<double> d }");
  const std::string& cc = out["t_types.cc"];
  EXPECT_THAT(cc, HasSubstr("::tern::Kernels().i64_to_be("));
  EXPECT_THAT(cc,
              HasSubstr("::tern::gen::ReadNumbers(this->d, p, c0, ::tern::Kernels().be_to_f64);"));
  EXPECT_THAT(cc, Not(HasSubstr("for (const auto& e0 : this->a)"))) << "no per-element loop";
}

TEST(GeneratorTest, FixedSizeFieldsAreWrittenFirst) {
  auto out = Generate("struct S { 1: string s, 2: i32 n, 3: list<i32> l, 4: double d }");
  const std::string& cc = out["t_types.cc"];
  const size_t write = cc.find("FastWrite(uint8_t* p) const {");
  ASSERT_NE(write, std::string::npos);
  const std::string body = cc.substr(write, cc.find("return ::tern::wire::PutStop", write) - write);
  EXPECT_LT(body.find("kI32, 2"), body.find("kString, 1"));
  EXPECT_LT(body.find("kDouble, 4"), body.find("kString, 1"));
  EXPECT_LT(body.find("kString, 1"), body.find("kList, 3"));
}

TEST(GeneratorTest, OptionalFieldsGetIssetBitsAcrossWords) {
  std::string idl = "struct W {";
  for (int i = 1; i <= 40; ++i)
    idl += " " + std::to_string(i) + ": optional i32 f" + std::to_string(i);
  idl += " }";
  auto out = Generate(idl);
  const std::string& h = out["t_types.h"];
  EXPECT_THAT(h, HasSubstr("uint32_t tern_isset_[2] = {0u, 0u};"));
  EXPECT_THAT(
      h, HasSubstr("bool has_f40() const { return (tern_isset_[1] & (uint32_t{1} << 7)) != 0; }"));
}

TEST(GeneratorTest, OptionalFieldsWithADefaultStartSet) {
  // As Apache's __isset constructor does: they are written unless cleared.
  std::string idl = "struct W {";
  for (int i = 1; i <= 34; ++i) {
    idl += " " + std::to_string(i) + ": optional i32 f" + std::to_string(i);
    if (i == 2 || i == 33) idl += " = 7";
  }
  idl += " }";
  auto out = Generate(idl);
  EXPECT_THAT(out["t_types.h"], HasSubstr("uint32_t tern_isset_[2] = {2u, 1u};"));
}

TEST(GeneratorTest, DefaultsAndConstantsBecomeCppValues) {
  auto out = Generate(R"(
    enum E { A = 1, B = 2 }
    const i32 LIMIT = 7
    const list<string> NAMES = ["x", "y"]
    struct S { 1: i32 n = LIMIT, 2: E e = E.B, 3: string s = "q\"", 4: double d = 2 }
  )");
  const std::string& h = out["t_types.h"];
  EXPECT_THAT(h, HasSubstr("int32_t n = int32_t{7};")) << "constants are inlined";
  EXPECT_THAT(h, HasSubstr("::E e = ::E::B;"));
  EXPECT_THAT(h, HasSubstr("double d = 2.0;"));
  EXPECT_THAT(h, HasSubstr("inline const std::vector<std::string> NAMES"));
  EXPECT_THAT(h, HasSubstr("inline constexpr int32_t LIMIT = int32_t{7};"));
}

}  // namespace
}  // namespace tern::gen
