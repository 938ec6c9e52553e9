// The schema of Tern's codec conformance suite
// (tern/testing/codec_conformance.h). Installed with the SDK, so a codec
// plugin built out of tree runs the same checks as the in-tree codecs: every
// Thrift type, every container shape, every requiredness, unions,
// exceptions, recursion, and field ids that are sparse, large or negative.

namespace cpp tern.conformance

enum Color {
  RED = 1,
  GREEN = 2,
  BLUE = 4,
  NEGATIVE = -7,
}

struct Scalars {
  1: bool b
  2: byte i8v
  3: i16 i16v
  4: i32 i32v
  5: i64 i64v
  6: double d
  7: string s
  8: binary bin
  9: Color color
}

struct Defaults {
  1: i32 answer = 42
  2: string greeting = "hello"
  3: double ratio = 0.5
  4: Color color = Color.GREEN
  5: list<i32> primes = [2, 3, 5, 7]
  6: bool flag = true
}

struct Requiredness {
  1: required i64 id
  2: optional string note
  3: optional i32 count
  4: string plain
  5: optional list<string> tags
  6: required string name
}

struct Numbers {
  1: list<i16> i16s
  2: list<i32> i32s
  3: list<i64> i64s
  4: list<double> doubles
  5: list<byte> bytes
  6: list<bool> bools
  7: set<i32> ids
  8: list<Color> colors
}

struct Containers {
  1: list<string> strings
  2: set<string> string_set
  3: map<string, i64> counts
  4: map<i32, string> names
  5: list<list<i32>> matrix
  6: map<string, list<Scalars>> groups
  7: list<map<i16, set<string>>> nested
  8: map<Color, double> weights
  9: list<binary> blobs
}

union Choice {
  1: i32 number
  2: string text
  3: Scalars scalars
  4: list<i64> values
}

exception Failure {
  1: string message
  2: i32 code
}

struct Tree {
  1: string label
  2: list<Tree> children
  3: optional Tree & left
  4: optional Tree & right
}

struct Sparse {
  1: i32 one
  100: string hundred
  32767: i64 max_id
}

// A required recursive (`&`) field is on the wire even when null: as an
// empty struct, which is what Apache Thrift's C++ writes, and reads back as
// a default value.
struct RequiredRef {
  1: required Sparse & sparse
  2: i32 n
  3: optional Tree & tree
}

struct Everything {
  1: Scalars scalars
  2: Defaults defaults
  3: Requiredness req
  4: Numbers numbers
  5: Containers containers
  6: Choice choice
  7: Failure failure
  8: Tree tree
  9: Sparse sparse
  10: optional Choice maybe_choice
  11: list<Choice> choices
}

// An older version of Scalars: reading Scalars' bytes must skip the fields
// it does not know.
struct ScalarsV1 {
  1: bool b
  5: i64 i64v
  7: string s
}
