// Message bodies for the thrift_fast codec tests: every wire type the
// framer must walk (strings, nested structs, lists, sets, maps of fixed and
// variable elements, optional fields), and a binary big enough to go by
// reference.

namespace cpp tern.thrift_fast.test

struct Point {
  1: i32 x
  2: i32 y
}

struct Payload {
  1: i64 id
  2: string name
  3: binary blob
  4: list<i32> nums
  5: Point origin
  6: map<string, i16> tags
  7: optional bool flag
  8: list<Point> path
  9: set<string> labels
  10: double ratio
}
