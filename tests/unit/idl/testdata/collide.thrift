// Names that used to make `tern gen` emit C++ that does not compile or
// misbehaves: a namespace component named std (it would hide ::std), enum
// values and fields spelled like C and POSIX macros, fields named like the
// members of an allocator-aware struct, an exception type listed twice,
// exceptions named like the result's `success` and its accessors, arguments
// named like another argument's accessors, a method named like another
// method's args struct, an empty union, a constant map with a key given
// twice, a field named like its struct, and a cycle through a container
// with the container's struct first.
namespace cpp tern.test.collide.std

enum Errno { EINVAL = 22, ENOENT = 2, NAN = 3, INT32_MAX = 4, AF_INET = 5, SIZE_MAX = 6 }

struct allocator_type {
  1: string get_allocator
  2: string allocator_type
  3: i32 EOF
  4: list<string> stdin
  5: Errno offsetof = Errno.EINVAL
}

union Nothing {}

// A field named like its struct, beside fields named like the spellings it
// could be renamed to: each keeps a C++ name of its own, none with "__"
// (reserved in C++), and no field takes another's IDL name.
struct Twin {
  1: i32 Twin
  2: i32 Twin_
  3: i32 Twin__
}

// Expr holds Args through containers, an Arg holds an Expr by value: Expr
// comes after Arg in C++, whatever the order here.
struct Expr {
  1: string op
  2: list<Arg> params
  3: map<string, Arg> named
}
struct Arg {
  1: string name
  2: Expr value
}

exception Oops { 1: string message }
exception Other { 1: i32 what }

// The last value of a key given twice wins, as in Apache.
const map<i32, string> kTwice = {1: "first", 2: "two", 1: "last"}

service Collide {
  i32 twice(1: i32 x) throws (1: Oops a, 2: Oops b, 3: Other c)
  i32 success(1: i32 x, 2: i32 has_x, 3: i32 set_x)
      throws (1: Oops success, 2: Other has_success, 3: Oops set_success)
  void plain(1: i32 success) throws (1: Oops has_success, 2: Other success)
  i32 Collide_plain_args(1: allocator_type a, 2: Nothing n)
}
