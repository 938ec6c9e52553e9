// The test IDL of `tern new` (tests/integration/tern_new.cmake): two
// services, one extending a service of an included file; declared
// exceptions, oneway methods, containers and structs as arguments and results.
include "common/base.thrift"

namespace cpp tern_new_test.shop

enum Color {
  RED = 1,
  GREEN = 2,
}

struct Item {
  1: required string sku,
  2: i64 price,
  3: list<string> tags,
  4: optional Color color,
  5: base.Health origin,
}

exception OutOfStock {
  1: string sku,
  2: i32 wanted,
}

exception BadQuery {
  1: string why,
}

service Shop extends base.Pinger {
  Item get(1: string sku) throws (1: OutOfStock out_of_stock),
  list<Item> search(1: map<string, string> filters, 2: set<i32> ids, 3: Item example)
      throws (1: BadQuery bad, 2: OutOfStock out_of_stock),
  void restock(1: list<Item> items, 2: i64 when),
  oneway void audit(1: string note, 2: map<i32, list<string>> data),
  map<Color, set<string>> colors(1: byte b, 2: double d, 3: bool flag, 4: binary blob),
}

service Admin {
  void drain(),
}
