struct A { 1: i32 x }
namespace cpp late
include "x.thrift"
