/**
 * Every construct of the Thrift IDL that Apache Thrift 0.17 accepts, the way
 * real service IDLs use them.
 */
include "shared.thrift"
cpp_include "<vector>"

namespace cpp tern.test.everything
namespace java com.example.everything
namespace * everything

# hash comment
// line comment
/* block comment */

typedef i64 UserId
typedef UserId AccountId  // a typedef chain
typedef list<map<string, set<i32>>> Nested
typedef shared.Point SharedPoint

/** The state of an account. */
enum Status {
  ACTIVE = 1,
  SUSPENDED = 2 (deprecated = "true"),
  DELETED,  // 3
  NEGATIVE = -5,
  AFTER_NEGATIVE  // -4
}

const i32 MAX_USERS = 1000;
const i64 BIG = 0x7fffffffffffffff
const i64 SMALLEST = -9223372036854775808
const double PI = 3.14159
const double AVOGADRO = 6.022e23
const string GREETING = "hello \"world\"\n"
const string SINGLE = 'single quoted'
const bool ENABLED = true
const bool DISABLED = 0
const list<string> NAMES = ["a", "b", 'c']
const set<i16> SMALL_PRIMES = [2, 3, 5, 7]
const map<string, i32> AGES = {"alice": 30, "bob": 25}
const map<i32, list<string>> GROUPS = {1: ["x"], 2: []}
const Status DEFAULT_STATUS = Status.ACTIVE
const shared.Point ORIGIN = {"x": 0, "y": 0}
const AccountId ROOT = MAX_USERS

enum Empty {
}

struct Address {
  1: required string street,
  2: optional string city = "Springfield";
  3: i32 zip (annotation = "x")
  4: list<string> lines
}

/** A user, with every kind of field. */
struct User {
  1: required UserId id
  2: required string name
  3: optional string email
  4: Status status = Status.ACTIVE
  5: list<Address> addresses
  6: map<string, string> attributes
  7: set<i64> friends
  8: optional Address primary
  9: binary avatar
  10: double score = 1.5
  11: bool admin = false
  12: byte level = -1
  13: i8 small
  14: i16 medium = 1000
  15: Nested nested
  16: SharedPoint location
  17: optional User & manager
  18: map<Status, list<Address>> by_status
  19: list<list<i64>> matrix
  20: AccountId account = ROOT
  21: string class          // a C++ keyword
  22: i32 BLength           // a name the generated code uses
  23: shared.Shape shape = shared.Shape.SQUARE
} (cpp.type_annotation = "x")

union Value {
  1: i64 int_value
  2: double double_value
  3: string string_value
  4: list<Value> list_value
  5: map<string, Value> map_value
}

exception NotFound {
  1: string message
  2: UserId id
}

exception Invalid {
  1: string message,
  2: list<string> fields,
}

struct Implicit {
  string first
  i32 second
  3: i64 third
}

struct Node {
  1: i32 value
  2: optional Node next (cpp.ref = "true")
  3: list<Node> children
}

struct WithDefaults {
  1: Address address = {"street": "Main", "zip": 12345, "lines": ["a"]}
  2: list<Status> statuses = [Status.ACTIVE, 2]
  3: map<string, double> weights = {"a": 1, "b": 2.5}
  // `{}` is an empty set or list too, as Apache's ThriftTest.thrift writes.
  4: optional set<binary> tags = {}
  5: list<i32> none = {}
}

struct Forward {
  1: Later later
}

struct Later {
  1: i32 x
}

service Base {
  void ping()
  i32 version()
}

service UserService extends Base {
  /** Looks a user up. */
  User get(1: UserId id) throws (1: NotFound not_found, 2: Invalid invalid)
  list<User> find(1: string query, 2: i32 limit = 10)
  oneway void log(1: string line)
  void update(1: User user) throws (1: Invalid invalid);
  map<string, Value> stats(),
  Status status(1: UserId id, 2: optional bool verbose)
}

service Other extends shared.SharedService {
}
