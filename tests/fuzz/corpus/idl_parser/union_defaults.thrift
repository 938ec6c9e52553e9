union U {
  1: required i32 a = 1
  2: string b = "x"
}
