// The base service of tern_new's test IDL: a service in an included file
// (one directory down) that shop.thrift's Shop extends.
namespace cpp tern_new_test.common

struct Health {
  1: bool ok,
  2: string detail,
  3: map<string, i64> counters,
}

exception Unavailable {
  1: string reason,
}

service Pinger {
  bool ping(),
  Health health(1: i32 verbose) throws (1: Unavailable unavailable),
  oneway void poke(1: i32 n),
}
