// Apache Thrift's copy of serde.thrift, for the benchmark peers only: the
// same field ids and types (so the same wire bytes), with MyTest's Ano moved
// before it and its `2: Ano Ano` field renamed `ano` — Apache's C++ generator
// cannot take the original (structs are emitted in IDL order; `Ano Ano;`
// changes the meaning of Ano in g++). The namespace is rewritten per build.
// Serialization workloads for Tern's codec benchmarks. The shapes follow the
// workloads of the Kitex performance write-up (a ~20 KB and a ~6 MB mixed
// struct, MyTest with a 1 MB list<i64>, echo messages of growing size).
// README.md beside this file says how each is filled.
//
// Note: MyTest is declared before Ano and names its field after its type
// (`2: Ano Ano`), exactly as in the write-up. Apache Thrift's C++ generator
// fails on both (structs emitted in IDL order: "incomplete type"; and
// `Ano Ano;` "changes meaning of 'Ano'"), so the Apache copy used as a
// benchmark peer is reordered and renamed (README.md). `tern gen` must take
// this file as it is: order structs by dependency, qualify type names.

namespace cpp apache_serde

struct Item {
  1: i64 id
  2: string name
  3: i32 quantity
  4: double price
  5: bool in_stock
  6: string sku
  7: string note
}

struct Mixed {
  1: i32 version
  2: i64 request_id
  3: i64 user_id
  4: i64 created_at_ms
  5: bool is_test
  6: bool has_more
  7: double score
  8: double ratio
  9: string trace_id
  10: string user_name
  11: string locale
  12: string region
  13: string title
  14: string description
  15: string body_html
  16: string extra_json
  17: string signature
  18: list<i64> ids
  19: map<string, string> attrs
  20: list<Item> items
}

struct Ano {
  1: i64 Num,
}

struct MyTest {
  1: i64 Num,
  2: Ano ano,
  3: list<i64> Nums,  // 131072 elements, 1 MB
}



struct MyTest32 {
  1: i64 Num,
  2: Ano ano,
  3: list<i32> Nums,  // 262144 elements, 1 MB
}

struct MyTestF64 {
  1: i64 Num,
  2: Ano ano,
  3: list<double> Nums,  // 131072 elements, 1 MB
}

struct Request {
  1: required string action
  2: required string msg
}
