// Where AVX instructions may live. Core and every plugin entry point must run
// on baseline x86-64; only the kernel functions of the ISA files may use VEX
// or EVEX encodings. The failure this guards against is silent until a
// customer's older CPU raises SIGILL: an inline or template function compiled
// in an -mavx2 file, kept by the linker as the one COMDAT copy and then called
// from baseline code (TOOLCHAIN.md, pitfall 4). objdump shows it: we list
// every function that holds a VEX/EVEX instruction or names a ymm, zmm or
// opmask register.
#include <gtest/gtest.h>
#include <unistd.h>

#include <climits>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "tern/kernels.h"
#include "testing/process.h"

namespace tern {
namespace {

// Mnemonics that start with 'v' but are not AVX (segment verification and
// VMX/SVM), which a baseline compiler never emits anyway.
const std::set<std::string, std::less<>> kNotAvx = {
    "verr",   "verw",   "vmcall",  "vmlaunch", "vmresume", "vmxoff",
    "vmxon",  "vmread", "vmwrite", "vmptrld",  "vmptrst",  "vmclear",
    "vmfunc", "vmrun",  "vmload",  "vmsave",   "vmmcall",
};

bool IsAvxInstruction(std::string_view insn) {
  const size_t end = insn.find_first_of(" \t");
  const std::string_view mnemonic = insn.substr(0, end);
  if (!mnemonic.empty() && mnemonic[0] == 'v' && !kNotAvx.contains(mnemonic)) return true;
  return insn.find("%ymm") != std::string_view::npos ||
         insn.find("%zmm") != std::string_view::npos || insn.find("{%k") != std::string_view::npos;
}

struct Disassembly {
  std::string error;  // non-empty: objdump failed
  size_t functions = 0;
  std::map<std::string, size_t> avx;  // demangled function -> AVX instructions in it
};

// Parses `objdump -d --no-show-raw-insn -C`: "<addr> <function>:" headers,
// then "  <addr>:\t<insn>" lines.
Disassembly Disassemble(const std::string& objdump, const std::string& file) {
  Disassembly d;
  const auto r = testing::RunCommand(objdump + " -d --no-show-raw-insn -C '" + file + "'");
  if (r.exit_code != 0) {
    d.error = "objdump exited " + std::to_string(r.exit_code) + ": " + r.output.substr(0, 500);
    return d;
  }
  std::istringstream in(r.output);
  std::string line, function;
  while (std::getline(in, line)) {
    if (line.size() > 3 && line.back() == ':' && line.find(" <") != std::string::npos &&
        line[0] != ' ') {
      const size_t open = line.find(" <");
      function = line.substr(open + 2, line.size() - open - 4);  // drop " <" and ">:"
      ++d.functions;
      continue;
    }
    const size_t tab = line.find(":\t");
    if (tab == std::string::npos || line.empty() || line[0] != ' ') continue;
    if (IsAvxInstruction(std::string_view(line).substr(tab + 2))) ++d.avx[function];
  }
  return d;
}

std::string ObjdumpOrEmpty() {
  const std::string objdump = TERN_OBJDUMP;
  if (objdump.empty() || ::access(objdump.c_str(), X_OK) != 0) return "";
  return objdump;
}

bool StartsWithAny(const std::string& s, const std::vector<std::string>& prefixes) {
  for (const auto& p : prefixes) {
    if (s.rfind(p, 0) == 0) return true;
  }
  return false;
}

// Every function with AVX code in `file` is a kernel (its name starts with
// one of `allowed`), and the kernels `expected` are among them: the second
// half keeps the test from passing because the parser saw nothing.
void ExpectAvxOnlyIn(const std::string& file, const std::vector<std::string>& allowed,
                     const std::vector<std::string>& expected) {
  const std::string objdump = ObjdumpOrEmpty();
  if (objdump.empty()) GTEST_SKIP() << "objdump not found (CMAKE_OBJDUMP='" TERN_OBJDUMP "')";
  const Disassembly d = Disassemble(objdump, file);
  ASSERT_EQ(d.error, "") << file;
  ASSERT_GT(d.functions, 0u) << "no functions parsed in " << file;
  for (const auto& [function, count] : d.avx) {
    EXPECT_TRUE(StartsWithAny(function, allowed))
        << count << " AVX instructions in " << function << " in " << file
        << ": baseline code would raise SIGILL on a CPU without AVX";
  }
  for (const auto& want : expected) {
    bool found = false;
    for (const auto& [function, count] : d.avx) found = found || function.rfind(want, 0) == 0;
    EXPECT_TRUE(found) << "no AVX code found in " << want << " in " << file;
  }
}

TEST(IsaPlacementTest, CoreHasNoAvxInstructions) {
  // This file is compiled for baseline x86-64 and runs the scalar table, as
  // any program on any x86-64 CPU does.
  const int64_t v = 0x0102030405060708;
  uint8_t wire[8];
  ScalarKernels().i64_to_be(&v, 1, wire);
  EXPECT_EQ(wire[0], 0x01);
  const std::string objdump = ObjdumpOrEmpty();
  if (objdump.empty()) GTEST_SKIP() << "objdump not found (CMAKE_OBJDUMP='" TERN_OBJDUMP "')";
  const Disassembly d = Disassemble(objdump, TERN_CORE_LIB);
  ASSERT_EQ(d.error, "");
  ASSERT_GT(d.functions, 100u) << "objdump output not understood";
  for (const auto& [function, count] : d.avx) {
    ADD_FAILURE() << count << " AVX instructions in " << function << " in " TERN_CORE_LIB;
  }
}

TEST(IsaPlacementTest, TestBinaryHasAvxOnlyInKernels) {
  // This binary links both kernel object libraries next to baseline code
  // (gtest, the tests): the layout where a leaked COMDAT copy would show.
  char self[PATH_MAX];
  const ssize_t len = ::readlink("/proc/self/exe", self, sizeof(self) - 1);
  ASSERT_GT(len, 0);
  self[len] = '\0';
  ExpectAvxOnlyIn(self, {"tern::simd_avx2::", "tern::simd_avx512::"},
                  {"tern::simd_avx2::I64ToBe", "tern::simd_avx512::I64ToBe"});
}

TEST(IsaPlacementTest, Avx2PluginHasAvxOnlyInKernels) {
  ExpectAvxOnlyIn(TERN_AVX2_PLUGIN, {"tern::simd_avx2::"}, {"tern::simd_avx2::I64ToBe"});
}

TEST(IsaPlacementTest, Avx512PluginHasAvxOnlyInKernels) {
  ExpectAvxOnlyIn(TERN_AVX512_PLUGIN, {"tern::simd_avx512::"}, {"tern::simd_avx512::I64ToBe"});
}

}  // namespace
}  // namespace tern
