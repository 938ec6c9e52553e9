// Test support: a generated struct's Thrift Binary bytes (FastWrite), a
// seeded random value of any generated struct, and a whole-buffer FastRead.
#pragma once

#include <cstdint>
#include <string>

#include "tern/status.h"
#include "tern/testing/random_value.h"

namespace tern::testing {

template <class T>
std::string Encode(const T& v) {
  std::string s(v.BLength(), '\0');
  v.FastWrite(reinterpret_cast<uint8_t*>(s.data()));
  return s;
}

template <class T>
T Random(uint64_t seed) {
  T v;
  RandomValue(seed).Fill(T::kTernTypeInfo, &v);
  return v;
}

// FastRead of exactly `bytes` (trailing bytes are an error).
template <class T>
Result<T> Decode(const std::string& bytes) {
  T v;
  auto r = v.FastRead(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size());
  if (!r.ok()) return r.status();
  if (*r != bytes.size()) return DataLoss("trailing bytes");
  return v;
}

}  // namespace tern::testing
