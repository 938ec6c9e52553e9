include "base.thrift"
struct Right {
  1: base.Tag tag
}
