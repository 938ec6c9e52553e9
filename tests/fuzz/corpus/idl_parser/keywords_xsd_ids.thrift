enum E { A = 1, B }
struct S xsd_all {
  1: string list xsd_optional xsd_attrs { 1: i32 lang }
  2: E e = E.B (cpp.ref = "false")
  3: optional S & next
  0: i32 zero
  i64 implicit
}
