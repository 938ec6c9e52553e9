// Test support for differential tests against Apache Thrift 0.17, which
// does not know the UUID type (16) of Thrift 0.19 that Tern reads.
#pragma once

#include <cstdint>

namespace tern::testing {

// Whether the Binary value of type `type` at *p (well-formed: Tern read it)
// holds a UUID (type 16, Thrift 0.19) anywhere: a field, an element type.
inline bool HoldsUuid(const uint8_t*& p, const uint8_t* end, uint8_t type) {
  auto u32 = [&] {
    const uint32_t v = uint32_t{p[0]} << 24 | uint32_t{p[1]} << 16 | uint32_t{p[2]} << 8 | p[3];
    p += 4;
    return v;
  };
  bool uuid = false;
  switch (type) {
    case 2:
    case 3:
      p += 1;
      break;
    case 6:
      p += 2;
      break;
    case 8:
      p += 4;
      break;
    case 4:
    case 10:
      p += 8;
      break;
    case 16:
      p += 16;
      return true;
    case 11:
      p += u32();
      break;
    case 12:
      while (p < end && *p != 0) {
        const uint8_t t = *p;
        p += 3;
        uuid |= HoldsUuid(p, end, t);
      }
      ++p;
      break;
    case 13: {
      const uint8_t kt = p[0], vt = p[1];
      p += 2;
      const uint32_t n = u32();
      uuid = kt == 16 || vt == 16;
      for (uint32_t i = 0; i < n && p < end; ++i) {
        uuid |= HoldsUuid(p, end, kt);
        uuid |= HoldsUuid(p, end, vt);
      }
      break;
    }
    case 14:
    case 15: {
      const uint8_t et = *p++;
      const uint32_t n = u32();
      uuid = et == 16;
      for (uint32_t i = 0; i < n && p < end; ++i) uuid |= HoldsUuid(p, end, et);
      break;
    }
    default:
      break;
  }
  return uuid;
}

}  // namespace tern::testing
