include "base.thrift"
struct Left {
  1: base.Tag tag
}
