// tiny_app: a program built with find_package(Tern) + tern_generate(). It
// round-trips a generated struct through its fast methods, through the
// generic TypeInfo walker (what a third-party codec uses), and checks that
// both agree byte for byte. Exits non-zero naming the failed check.
#include <cstdio>
#include <string>

#include "tern/thrift/generic.h"
#include "tern/type_info.h"
#include "tiny_services.h"
#include "tiny_types.h"

int main() {
  int failures = 0;
  auto check = [&](bool ok, const char* what) {
    if (!ok) {
      std::fprintf(stderr, "FAILED: %s\n", what);
      ++failures;
    }
  };

  consumer::Point p;
  p.x = 3;
  p.y = -4;
  p.set_label("origin+1");
  p.history = {1, -2, 1LL << 40};

  std::string fast(p.BLength(), '\0');
  uint8_t* end = p.FastWrite(reinterpret_cast<uint8_t*>(fast.data()));
  check(end == reinterpret_cast<uint8_t*>(fast.data()) + fast.size(), "FastWrite wrote BLength()");

  const tern::TypeInfo& ti = consumer::Point::kTernTypeInfo;
  check(std::string(ti.name) == "Point" && ti.num_fields == 4, "TypeInfo describes Point");
  std::string walked(tern::generic::BLength(ti, &p), '\0');
  tern::generic::Write(ti, &p, reinterpret_cast<uint8_t*>(walked.data()));
  check(walked == fast, "the generic walker writes the fast path's bytes");

  consumer::Point back;
  auto n = back.FastRead(reinterpret_cast<const uint8_t*>(fast.data()), fast.size());
  check(n.ok() && *n == fast.size(), "FastRead consumed the whole encoding");
  check(back == p && back.has_label(), "FastRead gives back an equal value");

  consumer::Point walked_back;
  tern::ReadContext ctx{tern::DefaultLimits()};
  auto m = tern::generic::Read(ti, &walked_back, reinterpret_cast<const uint8_t*>(fast.data()),
                               fast.size(), ctx);
  check(m.ok() && walked_back == p, "the generic walker reads it back");

  auto cut = back.FastRead(reinterpret_cast<const uint8_t*>(fast.data()), fast.size() - 1);
  check(!cut.ok(), "a truncated encoding is an error");

  if (failures != 0) return 1;
  std::printf("tiny_app: OK (%zu bytes)\n", fast.size());
  return 0;
}
