// Structs, unions and enums as set elements and map keys: legal Thrift that
// needs an ordering on generated structs (std::set / std::map).
namespace cpp tern.test.keys

enum Tier { FREE = 0, PRO = 1, TEAM = 7 }

struct Point {
  1: i32 x
  2: i32 y
  3: optional string label
}

union Id {
  1: i64 number
  2: string name
  3: Point at
}

struct Cell {
  1: Point where
  2: optional Cell & next
  3: list<Point> path
}

struct Board {
  1: set<Point> points
  2: map<Point, string> labels
  3: map<Id, list<Point>> by_id
  4: set<Id> ids
  5: map<Tier, set<Point>> tiers
  6: set<Cell> cells
  7: map<string, map<Point, Id>> nested
  8: optional set<set<Point>> groups
}
