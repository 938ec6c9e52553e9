// Names that collide with what `tern gen` itself emits: structs named like
// the nested view and builder classes, a method named like another method's
// Future-returning variant, arguments named like their method or like C++
// keywords, and C macros as enum values.
namespace cpp tern.test.names

enum Status { NULL = 0, EOF = 1, DOMAIN = 2, errno = 3 }

struct View { 1: i32 a }
struct Builder { 1: View v; 2: Status status = Status.EOF }
typedef View ViewAlias

struct Holder {
  1: map<ViewAlias, Builder> by_view
  2: optional View maybe
}

service Names {
  i32 foo(1: i32 x)
  i32 foo_async(1: i32 x)
  i32 async_foo(1: i32 x)
  View get(1: Builder b)
  View view(1: View view, 2: i32 success)
  bool delete(1: i32 new, 2: string class)
}

// Mutual recursion through `&` fields: each setter needs the other type
// complete.
struct Ping {
  1: optional Pong & pong
  2: list<Pong> pongs
}
struct Pong {
  1: optional Ping & ping
  2: i32 n
}

// Fields named like another field's accessors.
struct Accessors {
  1: i32 has_x
  2: optional i32 x
  3: i32 set_x
  4: i32 clear_x
}
union Tagged {
  1: i32 type
  2: bool has_type
  3: Ping ping
}
