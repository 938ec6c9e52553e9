// Replays a libFuzzer corpus as an ordinary gtest under any compiler: each
// file in the corpus directory (and each path given on the command line after
// --) is fed once to LLVMFuzzerTestOneInput. A crash or sanitizer report fails
// the test; the target itself asserts its invariants.
#include <gtest/gtest.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "tern/init.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

namespace {

std::vector<uint8_t> ReadFile(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::vector<uint8_t>(std::istreambuf_iterator<char>(in), {});
}

TEST(FuzzCorpus, ReplaysEveryFile) {
  const std::filesystem::path dir = TERN_FUZZ_CORPUS;
  ASSERT_TRUE(std::filesystem::is_directory(dir)) << dir;
  size_t n = 0;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(dir)) {
    if (!entry.is_regular_file()) continue;
    std::vector<uint8_t> bytes = ReadFile(entry.path());
    SCOPED_TRACE(entry.path().string());
    EXPECT_EQ(LLVMFuzzerTestOneInput(bytes.data(), bytes.size()), 0);
    ++n;
  }
  EXPECT_GT(n, 0u) << "empty corpus " << dir;
}

}  // namespace

int main(int argc, char** argv) {
  testing::InitGoogleTest(&argc, argv);
  tern::InitLogging(argv[0]);
  return RUN_ALL_TESTS();
}
