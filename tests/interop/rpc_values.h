// Values and checks of the RPC interop tests (rpc_interop.thrift), for both
// type families that the schema generates: Apache Thrift's (`thrift --gen
// cpp`, optional fields tracked in `__isset.x`, set with `__set_x(v)`) and
// Tern's (`tern gen`, `has_x()` / `set_x(v)`). Field names are the same in
// both, so every function here is a template over the generated type and
// picks the optional-field accessors with `if constexpr (requires ...)`.
//
// What it gives:
//   MakeAllTypes<T>(seed)     the deterministic value number `seed`; many(n)
//                             returns MakeAllTypes(0) .. MakeAllTypes(n - 1)
//   MakeEmptyAllTypes<T>()    a default-constructed value: empty strings and
//                             containers, both optionals unset, defaults kept
//   MakeLargeAllTypes<T>(n)   a value of a few MB (n-byte string and binary)
//   MakeChoice<T>(seed), MakeBlob(size), PingReply(who), AddResult(a, b),
//   FailMessage(code)         the other answers that every server gives
//   Diff(want, got)           "" when equal, otherwise where and how the
//                             first difference is, e.g.
//                             `AllTypes.inners[2].name: want "x", got "y"`.
//                             want and got may come from different families.
// Diff compares optional fields by isset first and by value only when both
// are set (Apache's operator== would ignore an unset optional on one side),
// doubles by their bits (so -0.0 and NaN payloads must survive), and enums
// by their integer value.
//
// Header-only, standard library only, no Tern or Apache header: include it
// after the generated types. All functions are reentrant.
#pragma once

#include <bit>
#include <cstdint>
#include <cstdio>
#include <limits>
#include <string>
#include <type_traits>
#include <utility>

namespace tern::interop {

// ---- the answers of the servers ------------------------------------------

inline std::string PingReply(const std::string& who) { return "pong " + who; }

inline std::string FailMessage(int32_t code) { return "failed " + std::to_string(code); }

// a + b with two's-complement wrap-around (the sum of an i32 and an i64 can
// overflow an i64; signed overflow is undefined in C++).
inline int64_t AddResult(int32_t a, int64_t b) {
  return static_cast<int64_t>(static_cast<uint64_t>(static_cast<int64_t>(a)) +
                              static_cast<uint64_t>(b));
}

// blob(size): byte i = (i * 7) mod 256; size <= 0 is empty.
inline std::string MakeBlob(int32_t size) {
  std::string out(size > 0 ? static_cast<size_t>(size) : 0, '\0');
  for (size_t i = 0; i < out.size(); ++i) out[i] = static_cast<char>((i * 7) & 0xff);
  return out;
}

// ---- optional fields and union members, for both families ----------------

// Defines Has<Name>(const T&) and Set<Name>(T&, V) for the field `field`.
#define TERN_INTEROP_OPTIONAL(Name, field)                         \
  template <class T>                                               \
  bool Has##Name(const T& v) {                                     \
    if constexpr (requires { v.has_##field(); }) {                 \
      return v.has_##field();                                      \
    } else {                                                       \
      return v.__isset.field;                                      \
    }                                                              \
  }                                                                \
  template <class T, class V>                                      \
  void Set##Name(T& v, V value) {                                  \
    if constexpr (requires { v.set_##field(std::move(value)); }) { \
      v.set_##field(std::move(value));                             \
    } else {                                                       \
      v.__set_##field(std::move(value));                           \
    }                                                              \
  }

// AllTypes' optional fields.
TERN_INTEROP_OPTIONAL(OptSet, opt_set)
TERN_INTEROP_OPTIONAL(OptUnset, opt_unset)
// Choice's members (a union: exactly one is set in a valid value).
TERN_INTEROP_OPTIONAL(Number, number)
TERN_INTEROP_OPTIONAL(Text, text)
TERN_INTEROP_OPTIONAL(Inner, inner)

#undef TERN_INTEROP_OPTIONAL

// The id of the member a Choice holds: 0 none, 1 number, 2 text, 3 inner;
// -1 when Apache's value claims more than one.
template <class Choice>
int ChoiceKind(const Choice& c) {
  const int n = int{HasNumber(c)} + int{HasText(c)} + int{HasInner(c)};
  if (n > 1) return -1;
  return HasNumber(c) ? 1 : HasText(c) ? 2 : HasInner(c) ? 3 : 0;
}

// ---- values ---------------------------------------------------------------

namespace detail {

template <class T>
T Wrap(uint64_t bits) {
  return static_cast<T>(bits);  // modulo 2^N since C++20
}

template <class Enum>
Enum MoodFor(int seed) {
  static constexpr int kMoods[] = {1, 2, 7, -3};  // CALM HAPPY GRUMPY ODD
  return static_cast<Enum>(kMoods[static_cast<unsigned>(seed) % 4]);
}

}  // namespace detail

template <class Inner>
Inner MakeInner(int seed) {
  Inner v;
  v.id = detail::Wrap<int32_t>(static_cast<uint64_t>(seed) * 2654435761u);
  v.name = "inner #" + std::to_string(seed);
  return v;
}

// Value number `seed` (>= 0). Consecutive seeds cover: each enum value;
// minimum, maximum and ordinary integers; -0.0, infinity and a subnormal
// double; container sizes 0.. a few (seed 0 has empty containers); the
// default of `with_default` kept (even seeds) or overwritten (odd seeds).
// opt_set is always set, opt_unset never.
template <class AllTypes>
AllTypes MakeAllTypes(int seed) {
  using Inner = std::remove_cvref_t<decltype(std::declval<AllTypes>().inner)>;
  const uint64_t u = static_cast<uint64_t>(seed);
  AllTypes v;
  v.b = seed % 2 == 1;
  switch (seed % 4) {
    case 1:
      v.i8v = std::numeric_limits<int8_t>::min();
      v.i16v = std::numeric_limits<int16_t>::min();
      v.i32v = std::numeric_limits<int32_t>::min();
      v.i64v = std::numeric_limits<int64_t>::min();
      break;
    case 2:
      v.i8v = std::numeric_limits<int8_t>::max();
      v.i16v = std::numeric_limits<int16_t>::max();
      v.i32v = std::numeric_limits<int32_t>::max();
      v.i64v = std::numeric_limits<int64_t>::max();
      break;
    default:
      v.i8v = detail::Wrap<int8_t>(u * 37 + 3);
      v.i16v = detail::Wrap<int16_t>(u * 1009 + 11);
      v.i32v = detail::Wrap<int32_t>(u * 2654435761u + 7);
      v.i64v = detail::Wrap<int64_t>(u * 0x9E3779B97F4A7C15ull + 13);
  }
  switch (seed % 5) {
    case 1:
      v.d = -0.0;
      break;
    case 2:
      v.d = std::numeric_limits<double>::infinity();
      break;
    case 3:
      v.d = std::numeric_limits<double>::denorm_min();
      break;
    default:
      v.d = seed * 1.5 - 1e6 / 3;
  }
  v.s = "value #" + std::to_string(seed) + " \xc3\xbc\xc3\xb1\xc3\xaf\xc3\xa7\xc3\xb8\x64\xc3\xa9";
  v.bin.resize(256);  // every byte value, rotated by seed
  for (size_t i = 0; i < 256; ++i) v.bin[i] = static_cast<char>((i + u) & 0xff);
  v.mood = detail::MoodFor<std::remove_cvref_t<decltype(v.mood)>>(seed);
  v.inner = MakeInner<Inner>(seed);
  for (int i = 0; i < seed % 6; ++i) {
    v.ints.push_back(i == 0 ? std::numeric_limits<int32_t>::min()
                            : detail::Wrap<int32_t>(u * 100 + static_cast<uint64_t>(i) - 250));
  }
  for (int i = 0; i < seed % 4; ++i) {
    v.strings.push_back(i == 0 ? std::string()
                               : "s" + std::to_string(seed) + "." + std::to_string(i));
  }
  for (int i = 0; i < seed % 3; ++i) v.inners.push_back(MakeInner<Inner>(seed * 10 + i));
  for (int i = 0; i < seed % 5; ++i) {
    v.longs.insert(i == 0 ? std::numeric_limits<int64_t>::max()
                          : detail::Wrap<int64_t>((u << 33) - static_cast<uint64_t>(i) * 1000003));
  }
  for (int i = 0; i < seed % 4; ++i) v.tags.insert("tag" + std::to_string(i * seed));
  for (int i = 0; i < seed % 4; ++i) {
    v.counts["k" + std::to_string(i)] = detail::Wrap<int32_t>(u * 31 - static_cast<uint64_t>(i));
  }
  for (int i = 0; i < seed % 3; ++i) {
    auto& group = v.groups[seed * 3 - i * 1000];
    for (int j = 0; j < i; ++j) group.push_back("g" + std::to_string(j));  // group 0 is empty
  }
  SetOptSet(v, "optional #" + std::to_string(seed));
  if (seed % 2 == 1) v.with_default = -seed;
  return v;
}

// A default-constructed value: every string and container empty, both
// optional fields unset, with_default == 42, mood == 0 (not a declared
// value, which Thrift passes through unchanged).
template <class AllTypes>
AllTypes MakeEmptyAllTypes() {
  return AllTypes();
}

// MakeAllTypes(7) grown to a few MB: `bytes`-byte string and binary, 64 Ki
// ints, and thousands of strings, structs, set and map entries.
template <class AllTypes>
AllTypes MakeLargeAllTypes(size_t bytes = size_t{1} << 20) {
  using Inner = std::remove_cvref_t<decltype(std::declval<AllTypes>().inner)>;
  AllTypes v = MakeAllTypes<AllTypes>(7);
  v.s.resize(bytes);
  for (size_t i = 0; i < bytes; ++i) v.s[i] = static_cast<char>('a' + i % 26);
  v.bin.resize(bytes);
  for (size_t i = 0; i < bytes; ++i) v.bin[i] = static_cast<char>((i * 13 + 5) & 0xff);
  for (uint64_t i = 0; i < 65536; ++i) v.ints.push_back(detail::Wrap<int32_t>(i * 40503 - 1000000));
  for (int i = 0; i < 2000; ++i)
    v.strings.push_back(std::string(static_cast<size_t>(i % 100), 'x') + std::to_string(i));
  for (int i = 0; i < 2000; ++i) v.inners.push_back(MakeInner<Inner>(i));
  for (int i = 0; i < 10000; ++i) v.longs.insert(static_cast<int64_t>(i) * -7777777777LL);
  for (int i = 0; i < 2000; ++i) v.tags.insert("tag-" + std::to_string(i));
  for (int i = 0; i < 2000; ++i) v.counts["count-" + std::to_string(i)] = i - 1000;
  for (int i = 0; i < 64; ++i) {
    auto& group = v.groups[i * 1000 - 32000];
    for (int j = 0; j < 16; ++j) group.push_back("member " + std::to_string(j));
  }
  return v;
}

// Choice number `seed`: seed % 3 picks number, text or inner.
template <class Choice>
Choice MakeChoice(int seed) {
  using Inner = std::remove_cvref_t<decltype(std::declval<Choice>().inner)>;
  Choice c;
  switch (seed % 3) {
    case 0:
      SetNumber(c, detail::Wrap<int32_t>(static_cast<uint64_t>(seed) * 99991u - 5));
      break;
    case 1:
      SetText(c, "choice #" + std::to_string(seed));
      break;
    default:
      SetInner(c, MakeInner<Inner>(seed));
      break;
  }
  return c;
}

// ---- comparison -------------------------------------------------------------

namespace detail {

template <class T>
inline constexpr bool kIsString = std::is_same_v<std::remove_cvref_t<T>, std::string>;

template <class T>
concept MapLike = requires {
  typename T::key_type;
  typename T::mapped_type;
};
template <class T>
concept SetLike = requires {
  typename T::key_type;
}
&&!MapLike<T>;
template <class T>
concept SequenceLike = !kIsString<T> && requires(const T& t) {
  typename T::value_type;
  t.size();
  t[0];
};
template <class T>
concept AllTypesLike = requires(const T& t) {
  t.inners;
  t.groups;
  t.opt_set;
};
template <class T>
concept ChoiceLike = requires(const T& t) {
  t.number;
  t.text;
  t.inner;
};
template <class T>
concept InnerLike = requires(const T& t) {
  t.id;
  t.name;
};
template <class T>
concept ErrorLike = requires(const T& t) {
  t.code;
  t.message;
};

// A short, printable rendering of a string: quoted with escapes when short,
// otherwise its size and first bytes.
inline std::string Quote(const std::string& s) {
  constexpr size_t kShown = 48;
  std::string out = "\"";
  for (size_t i = 0; i < s.size() && i < kShown; ++i) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c >= 0x20 && c < 0x7f) {
      out += static_cast<char>(c);
    } else {
      char buf[8];
      std::snprintf(buf, sizeof(buf), "\\x%02x", c);
      out += buf;
    }
  }
  out += '"';
  if (s.size() > kShown) out += "... (" + std::to_string(s.size()) + " bytes)";
  return out;
}

template <class T>
std::string Describe(const T& v) {
  if constexpr (kIsString<T>) {
    return Quote(v);
  } else if constexpr (std::is_same_v<T, bool>) {
    return v ? "true" : "false";
  } else if constexpr (std::is_enum_v<T>) {
    return std::to_string(static_cast<int64_t>(v));
  } else if constexpr (std::is_floating_point_v<T>) {
    char buf[64];
    std::snprintf(buf, sizeof(buf), "%.17g (bits 0x%016llx)", v,
                  static_cast<unsigned long long>(std::bit_cast<uint64_t>(v)));
    return buf;
  } else if constexpr (std::is_arithmetic_v<T>) {
    return std::to_string(static_cast<int64_t>(v));
  } else {
    return "(value)";
  }
}

inline std::string Mismatch(const std::string& path, const std::string& want,
                            const std::string& got) {
  return path + ": want " + want + ", got " + got;
}

template <class A, class B>
std::string DiffValue(const std::string& path, const A& want, const B& got);

inline std::string DiffString(const std::string& path, const std::string& want,
                              const std::string& got) {
  if (want == got) return {};
  if (want.size() <= 48 && got.size() <= 48) return Mismatch(path, Quote(want), Quote(got));
  size_t i = 0;
  while (i < want.size() && i < got.size() && want[i] == got[i]) ++i;
  std::string at = path + " (" + std::to_string(want.size()) + " bytes wanted, " +
                   std::to_string(got.size()) + " received)";
  if (i == want.size() || i == got.size()) return at + ": equal up to the shorter length";
  char buf[96];
  std::snprintf(buf, sizeof(buf), ": first difference at byte %zu: want 0x%02x, got 0x%02x", i,
                static_cast<unsigned char>(want[i]), static_cast<unsigned char>(got[i]));
  return at + buf;
}

template <class A, class B>
std::string DiffOptional(const std::string& path, bool want_set, bool got_set, const A& want,
                         const B& got) {
  if (want_set != got_set) {
    return Mismatch(path, want_set ? "set" : "unset", got_set ? "set" : "unset");
  }
  return want_set ? DiffValue(path, want, got) : std::string();
}

#define TERN_INTEROP_DIFF_FIELD(f)                                           \
  if (std::string d = DiffValue(path + "." #f, want.f, got.f); !d.empty()) { \
    return d;                                                                \
  }

template <class A, class B>
std::string DiffValue(const std::string& path, const A& want, const B& got) {
  if constexpr (kIsString<A>) {
    return DiffString(path, want, got);
  } else if constexpr (std::is_enum_v<A> || std::is_enum_v<B>) {
    const auto w = static_cast<int64_t>(want);
    const auto g = static_cast<int64_t>(got);
    return w == g ? std::string() : Mismatch(path, std::to_string(w), std::to_string(g));
  } else if constexpr (std::is_floating_point_v<A>) {
    return std::bit_cast<uint64_t>(want) == std::bit_cast<uint64_t>(static_cast<A>(got))
               ? std::string()
               : Mismatch(path, Describe(want), Describe(got));
  } else if constexpr (std::is_arithmetic_v<A>) {
    return want == got ? std::string() : Mismatch(path, Describe(want), Describe(got));
  } else if constexpr (AllTypesLike<A>) {
    TERN_INTEROP_DIFF_FIELD(b)
    TERN_INTEROP_DIFF_FIELD(i8v)
    TERN_INTEROP_DIFF_FIELD(i16v)
    TERN_INTEROP_DIFF_FIELD(i32v)
    TERN_INTEROP_DIFF_FIELD(i64v)
    TERN_INTEROP_DIFF_FIELD(d)
    TERN_INTEROP_DIFF_FIELD(s)
    TERN_INTEROP_DIFF_FIELD(bin)
    TERN_INTEROP_DIFF_FIELD(mood)
    TERN_INTEROP_DIFF_FIELD(inner)
    TERN_INTEROP_DIFF_FIELD(ints)
    TERN_INTEROP_DIFF_FIELD(strings)
    TERN_INTEROP_DIFF_FIELD(inners)
    TERN_INTEROP_DIFF_FIELD(longs)
    TERN_INTEROP_DIFF_FIELD(tags)
    TERN_INTEROP_DIFF_FIELD(counts)
    TERN_INTEROP_DIFF_FIELD(groups)
    if (std::string d = DiffOptional(path + ".opt_set", HasOptSet(want), HasOptSet(got),
                                     want.opt_set, got.opt_set);
        !d.empty()) {
      return d;
    }
    if (std::string d = DiffOptional(path + ".opt_unset", HasOptUnset(want), HasOptUnset(got),
                                     want.opt_unset, got.opt_unset);
        !d.empty()) {
      return d;
    }
    TERN_INTEROP_DIFF_FIELD(with_default)
    return {};
  } else if constexpr (ChoiceLike<A>) {
    static const char* const kNames[] = {"none", "number", "text", "inner"};
    const int w = ChoiceKind(want);
    const int g = ChoiceKind(got);
    if (w < 0 || g < 0) {
      return Mismatch(path, w < 0 ? "several members" : kNames[w],
                      g < 0 ? "several members" : kNames[g]);
    }
    if (w != g) return Mismatch(path + " member", kNames[w], kNames[g]);
    if (w == 1) return DiffValue(path + ".number", want.number, got.number);
    if (w == 2) return DiffValue(path + ".text", want.text, got.text);
    if (w == 3) return DiffValue(path + ".inner", want.inner, got.inner);
    return {};
  } else if constexpr (InnerLike<A>) {
    TERN_INTEROP_DIFF_FIELD(id)
    TERN_INTEROP_DIFF_FIELD(name)
    return {};
  } else if constexpr (ErrorLike<A>) {
    TERN_INTEROP_DIFF_FIELD(code)
    TERN_INTEROP_DIFF_FIELD(message)
    return {};
  } else if constexpr (MapLike<A>) {
    if (want.size() != got.size()) {
      return Mismatch(path + ".size()", std::to_string(want.size()), std::to_string(got.size()));
    }
    auto g = got.begin();
    size_t i = 0;
    for (auto w = want.begin(); w != want.end(); ++w, ++g, ++i) {
      if (std::string d = DiffValue(path + " key #" + std::to_string(i), w->first, g->first);
          !d.empty()) {
        return d;
      }
      if (std::string d = DiffValue(path + "[" + Describe(w->first) + "]", w->second, g->second);
          !d.empty()) {
        return d;
      }
    }
    return {};
  } else if constexpr (SetLike<A>) {
    if (want.size() != got.size()) {
      return Mismatch(path + ".size()", std::to_string(want.size()), std::to_string(got.size()));
    }
    auto g = got.begin();
    size_t i = 0;
    for (auto w = want.begin(); w != want.end(); ++w, ++g, ++i) {
      if (std::string d = DiffValue(path + " element #" + std::to_string(i), *w, *g); !d.empty()) {
        return d;
      }
    }
    return {};
  } else if constexpr (SequenceLike<A>) {
    if (want.size() != got.size()) {
      return Mismatch(path + ".size()", std::to_string(want.size()), std::to_string(got.size()));
    }
    for (size_t i = 0; i < want.size(); ++i) {
      if (std::string d = DiffValue(path + "[" + std::to_string(i) + "]", want[i], got[i]);
          !d.empty()) {
        return d;
      }
    }
    return {};
  } else {
    static_assert(sizeof(A) == 0, "DiffValue: a type rpc_interop.thrift does not use");
  }
}

#undef TERN_INTEROP_DIFF_FIELD

template <class T>
const char* RootName() {
  if constexpr (AllTypesLike<T>)
    return "AllTypes";
  else if constexpr (ChoiceLike<T>)
    return "Choice";
  else if constexpr (InnerLike<T>)
    return "Inner";
  else if constexpr (ErrorLike<T>)
    return "InteropError";
  else
    return "value";
}

}  // namespace detail

// "" when want and got are equal, otherwise the path of the first difference
// and both values. Works for any value of rpc_interop.thrift (structs,
// unions, the exception, containers of them, scalars, strings); want and got
// may be of different families (an Apache value against a Tern value).
template <class A, class B>
std::string Diff(const A& want, const B& got) {
  return detail::DiffValue(detail::RootName<A>(), want, got);
}

}  // namespace tern::interop
