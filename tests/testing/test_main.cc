// main() for every Tern gtest binary: logs go to stderr (never to files in
// /tmp), then the tests run.
#include <gtest/gtest.h>

#include "tern/init.h"

int main(int argc, char** argv) {
  testing::InitGoogleTest(&argc, argv);
  tern::InitLogging(argv[0]);
  return RUN_ALL_TESTS();
}
