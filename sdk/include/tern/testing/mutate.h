// Seeded edits of encoded bytes, for differential tests of a decoder against
// a peer's (Apache Thrift's): bytes that are almost right, where readers
// differ most. One to three edits of the kinds that break a Thrift reader:
// a byte changed (to anything; to a value that flips a continuation bit, a
// type nibble or a length's high byte; one bit flipped), the end cut, bytes
// inserted, a run repeated or removed. The same seed gives the same edits.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>

namespace tern::testing {

class Mutator {
 public:
  explicit Mutator(uint64_t seed) : s_(seed) {}

  std::string Mutate(std::string s) {
    static constexpr uint8_t kInteresting[] = {0x00, 0x01, 0x02, 0x0c, 0x0f, 0x7f,
                                               0x80, 0x81, 0xfe, 0xff, 0x19, 0x0b};
    const size_t edits = 1 + Below(3);
    for (size_t e = 0; e < edits && !s.empty(); ++e) {
      const size_t at = Below(s.size());
      switch (Below(7)) {
        case 0:
          s[at] = static_cast<char>(Next());
          break;
        case 1:
          s[at] = static_cast<char>(kInteresting[Below(sizeof(kInteresting))]);
          break;
        case 2:
          s[at] = static_cast<char>(static_cast<uint8_t>(s[at]) ^ (1u << Below(8)));
          break;
        case 3:
          s.resize(at);
          break;
        case 4:
          s.insert(at, 1 + Below(4), static_cast<char>(Next()));
          break;
        case 5: {
          const size_t n = 1 + Below(std::min<size_t>(16, s.size() - at));
          s.insert(at, s.substr(at, n));
          break;
        }
        default: {
          const size_t n = 1 + Below(std::min<size_t>(16, s.size() - at));
          s.erase(at, n);
          break;
        }
      }
    }
    return s;
  }

  // splitmix64.
  uint64_t Next() {
    s_ += 0x9E3779B97F4A7C15ull;
    uint64_t z = s_;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  size_t Below(size_t n) { return n == 0 ? 0 : static_cast<size_t>(Next() % n); }

 private:
  uint64_t s_;
};

// The first 256 bytes of s in hex, for failure messages.
inline std::string Hex(const std::string& s) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  for (size_t i = 0; i < s.size() && i < 256; ++i) {
    const auto ch = static_cast<unsigned char>(s[i]);
    out += kDigits[ch >> 4];
    out += kDigits[ch & 15];
  }
  if (s.size() > 256) out += "...";
  return out;
}

}  // namespace tern::testing
