namespace cpp tern.test.shared

include "base.thrift"

enum Shape {
  CIRCLE = 1
  SQUARE = 2
}

struct Point {
  1: i32 x
  2: i32 y
  3: base.Tag tag
}

service SharedService {
  Point where(1: string name)
}
