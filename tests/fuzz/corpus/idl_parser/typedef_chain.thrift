namespace cpp tern.test.chain

struct Leaf {
  1: i32 value
}

// Each typedef names the previous one; TrueType sees through all of them.
typedef Leaf L1
typedef L1 L2
typedef L2 L3
typedef list<L3> LeafList
typedef LeafList LeafList2
typedef map<string, LeafList2> LeafIndex

// Declared before the typedefs it needs complete: by value through L3.
struct Holder {
  1: L3 leaf
  2: LeafIndex index
}
