namespace cpp tern.test.base

struct Tag {
  1: string name
}
