include "diamond_left.thrift"
include "diamond_right.thrift"

struct Top {
  1: diamond_left.Left left
  2: diamond_right.Right right
}
