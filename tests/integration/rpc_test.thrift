// The service of the runtime's client <-> server tests.
namespace cpp tern.test.rpc

exception CalcError {
  1: i32 code,
  2: string message,
}

struct Pair {
  1: string key,
  2: list<i64> values,
  3: optional map<string, i32> extra,
}

service Base {
  string ping(1: string who),
}

// Semantics: add(a, b) = a + b; fail(0) = "ok", fail(c) throws CalcError{c};
// sleep(ms) sleeps (so run it on workers); notify records a token that
// last() returns; big(n) returns n bytes; boom() throws an undeclared
// exception; echoPair returns its argument.
service Calc extends Base {
  i64 add(1: i32 a, 2: i64 b),
  string fail(1: i32 code) throws (1: CalcError err),
  void sleep(1: i32 ms),
  oneway void notify(1: i64 token),
  i64 last(),
  binary big(1: i32 size),
  string boom(),
  Pair echoPair(1: Pair p),
}
