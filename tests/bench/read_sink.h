// What the "read every field" benchmarks fold the fields they read into, so
// the compiler cannot drop the reads: scalars by value, strings by where
// they are and how long (a string is "read" once it can be used, view or
// copy), list elements into a plain sum (not a serial multiply chain that
// would hide the cost of reading them).
#pragma once

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

#include "tern/thrift/view.h"

namespace tern::bench {

struct ReadSink {
  uint64_t v = 0;
  uint64_t total = 0;
  void Sum(uint64_t x) { total += x; }
  void Add(uint64_t x) { v = v * 31 + x; }
  void Add(double d) {
    uint64_t u;
    std::memcpy(&u, &d, 8);
    Add(u);
  }
  void Add(std::string_view s) { Add(reinterpret_cast<uintptr_t>(s.data()) + s.size()); }
  void Add(const tern::view::String& s) { Add(s.view()); }
  void Add(const std::string& s) { Add(std::string_view(s)); }
};

}  // namespace tern::bench
