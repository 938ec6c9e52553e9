namespace cpp tern.test.wide
// A struct with more than 64 fields, many optional and required: isset bits
// and required tracking span several words.
struct Wide {
  1: string f1
  2: i64 f2
  3: optional double f3
  4: bool f4
  5: list<i32> f5
  6: optional i32 f6
  7: required string f7
  8: i64 f8
  9: optional double f9
  10: bool f10
  11: list<i32> f11
  12: optional i32 f12
  13: string f13
  14: required i64 f14
  15: optional double f15
  16: bool f16
  17: list<i32> f17
  18: optional i32 f18
  19: string f19
  20: i64 f20
  21: required double f21
  22: bool f22
  23: list<i32> f23
  24: optional i32 f24
  25: string f25
  26: i64 f26
  27: optional double f27
  28: required bool f28
  29: list<i32> f29
  30: optional i32 f30
  31: string f31
  32: i64 f32
  33: optional double f33
  34: bool f34
  35: required list<i32> f35
  36: optional i32 f36
  37: string f37
  38: i64 f38
  39: optional double f39
  40: bool f40
  41: list<i32> f41
  42: required i32 f42
  43: string f43
  44: i64 f44
  45: optional double f45
  46: bool f46
  47: list<i32> f47
  48: optional i32 f48
  49: required string f49
  50: i64 f50
  51: optional double f51
  52: bool f52
  53: list<i32> f53
  54: optional i32 f54
  55: string f55
  56: required i64 f56
  57: optional double f57
  58: bool f58
  59: list<i32> f59
  60: optional i32 f60
  61: string f61
  62: i64 f62
  63: required double f63
  64: bool f64
  65: list<i32> f65
  66: optional i32 f66
  67: string f67
  68: i64 f68
  69: optional double f69
  70: required bool f70
}
