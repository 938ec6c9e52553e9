// A message of nested structs, for the copy-free views' question of when to
// index a nested struct: lazily (when its accessor is read) or in its
// parent's pass (view_nested_bench.cc). Three levels, eight nested structs,
// no containers of structs (those are indexed lazily in either design).
namespace cpp tern.bench.nested

struct Address {
  1: string street
  2: string city
  3: string zip
  4: string country
  5: double lat
  6: double lon
}

struct Customer {
  1: i64 id
  2: string name
  3: string email
  4: Address home
  5: Address work
  6: i32 tier
}

struct Money {
  1: i64 units
  2: i32 nanos
  3: string currency
}

struct Order {
  1: i64 id
  2: Customer customer
  3: Address ship_to
  4: Address bill_to
  5: Money total
  6: Money tax
  7: string note
  8: i64 created_ms
  9: list<i64> item_ids
}
