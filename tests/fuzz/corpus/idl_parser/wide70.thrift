// A 70-field struct with mixed requiredness and defaults, as real
// request/response records grow to.
namespace cpp tern.test.wide70

struct Record70 {
  1: optional i64 field_1
  2: required string field_2 = "f2"
  3: double field_3
  4: optional bool field_4
  5: required list<i32> field_5
  6: map<string, i64> field_6
  7: optional binary field_7
  8: required i16 field_8
  9: byte field_9
  10: optional i32 field_10
  11: required i64 field_11
  12: string field_12 = "f12"
  13: optional double field_13
  14: required bool field_14
  15: list<i32> field_15
  16: optional map<string, i64> field_16
  17: required binary field_17
  18: i16 field_18
  19: optional byte field_19
  20: required i32 field_20 = 20
  21: i64 field_21
  22: optional string field_22 = "f22"
  23: required double field_23
  24: bool field_24
  25: optional list<i32> field_25
  26: required map<string, i64> field_26
  27: binary field_27
  28: optional i16 field_28
  29: required byte field_29
  30: i32 field_30 = 30
  31: optional i64 field_31
  32: required string field_32 = "f32"
  33: double field_33
  34: optional bool field_34
  35: required list<i32> field_35
  36: map<string, i64> field_36
  37: optional binary field_37
  38: required i16 field_38
  39: byte field_39
  40: optional i32 field_40
  41: required i64 field_41
  42: string field_42 = "f42"
  43: optional double field_43
  44: required bool field_44
  45: list<i32> field_45
  46: optional map<string, i64> field_46
  47: required binary field_47
  48: i16 field_48
  49: optional byte field_49
  50: required i32 field_50 = 50
  51: i64 field_51
  52: optional string field_52 = "f52"
  53: required double field_53
  54: bool field_54
  55: optional list<i32> field_55
  56: required map<string, i64> field_56
  57: binary field_57
  58: optional i16 field_58
  59: required byte field_59
  60: i32 field_60 = 60
  61: optional i64 field_61
  62: required string field_62 = "f62"
  63: double field_63
  64: optional bool field_64
  65: required list<i32> field_65
  66: map<string, i64> field_66
  67: optional binary field_67
  68: required i16 field_68
  69: byte field_69
  70: optional i32 field_70
}
