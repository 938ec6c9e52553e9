enum E { A }
const E x = A
const E y = 7
const i8 big = 300
const bool b = 2
struct P { 1: i32 x }
const P p = {x: 1, "x": 2, "y": 3}
