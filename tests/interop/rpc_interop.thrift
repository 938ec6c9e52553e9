// The schema of the RPC interop tests (issue 8): an Apache Thrift 0.17 C++
// client against a Tern server, and a Tern client against Apache's
// TNonblockingServer and TThreadedServer, Binary protocol, Framed and
// Buffered. It uses every Thrift type, a declared exception, a void method,
// a oneway method, a union and `extends`.
//
// Every server of these tests (Apache's and Tern's) implements the same
// semantics, and the clients check them value by value:
//   ping(who)          returns "pong " + who
//   roundTrip(v)       returns v unchanged (optional fields keep their isset)
//   noop()             returns nothing
//   add(a, b)          returns a + b (as i64, wrapping like two's complement)
//   fail(code)         throws InteropError{code, "failed " + code} when
//                      code != 0, returns "ok" when code == 0
//   notify(token)      oneway: records token as the last notified token
//   lastNotified()     returns the last recorded token, 0 if none; because a
//                      connection's requests are handled in order, a
//                      lastNotified() sent after notify(t) on the same
//                      connection returns t
//   many(n)            returns [MakeAllTypes(0), ..., MakeAllTypes(n - 1)]
//                      (tests/interop/rpc_values.h); n < 0 returns []
//   blob(size)         returns size bytes, byte i = (i * 7) mod 256;
//                      size < 0 returns an empty binary
//   echoChoice(c)      returns c unchanged
// The recorded token is per server process, not per connection.

namespace cpp tern.interop.rpc

enum Mood {
  CALM = 1,
  HAPPY = 2,
  GRUMPY = 7,
  ODD = -3,
}

struct Inner {
  1: i32 id
  2: string name
}

struct AllTypes {
  1: bool b
  2: i8 i8v
  3: i16 i16v
  4: i32 i32v
  5: i64 i64v
  6: double d
  7: string s
  8: binary bin
  9: Mood mood
  10: Inner inner
  11: list<i32> ints
  12: list<string> strings
  13: list<Inner> inners
  14: set<i64> longs
  15: set<string> tags
  16: map<string, i32> counts
  17: map<i32, list<string>> groups
  18: optional string opt_set
  19: optional i32 opt_unset
  20: i32 with_default = 42
}

union Choice {
  1: i32 number
  2: string text
  3: Inner inner
}

exception InteropError {
  1: i32 code
  2: string message
}

service InteropBase {
  string ping(1: string who)
}

service Interop extends InteropBase {
  AllTypes roundTrip(1: AllTypes v)
  void noop()
  i64 add(1: i32 a, 2: i64 b)
  string fail(1: i32 code) throws (1: InteropError err)
  oneway void notify(1: i64 token)
  i64 lastNotified()
  list<AllTypes> many(1: i32 n)
  binary blob(1: i32 size)
  Choice echoChoice(1: Choice c)
}
