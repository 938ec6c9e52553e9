// A tiny IDL for the find_package consumer: one struct with an optional
// field and a list, and a service (so tern_generate() also yields
// tiny_services.h/.cc, compiled against the installed headers).
namespace cpp consumer

struct Point {
  1: i32 x
  2: i32 y
  3: optional string label
  4: list<i64> history
}

service Plotter {
  Point Move(1: Point from, 2: i32 dx, 3: i32 dy)
}
