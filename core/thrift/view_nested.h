// Indexing nested structs in the same validating pass as their parent: the
// alternative to the lazy indexing generated views use (a nested struct is
// validated in its parent's pass, and indexed again when its accessor is
// read). Issue 9 asked which is faster; serde_bench's BM_View_Nested*
// measure both on tests/bench/nested.thrift. This is the measured
// alternative, not used by generated code: see the benchmark's comment for
// the result and why views stay lazy.
//
// The index of a root type is one fixed table laid out from the schema: a
// record (ViewCore, then one slot per field, as a generated view stores
// them) for the root and, recursively, for every struct-typed field that is
// not recursive (`&`) — the fields a same-pass design can index without
// allocating. Structs inside containers are not in it (their count is not
// fixed): those are indexed lazily in either design.
//
// Thread: a layout is immutable once made; tables are the caller's.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "tern/export.h"
#include "tern/status.h"
#include "tern/thrift/view.h"
#include "tern/type_info.h"

namespace tern::view::nested {

struct Plan {
  const TypeInfo* type;
  size_t record;               // byte offset of this struct's record in the table
  std::vector<int32_t> child;  // per field: the nested struct's plan, or -1
};

struct Layout {
  std::vector<Plan> plans;  // plans[0] is the root
  size_t bytes = 0;         // the table's size
};

// The layout for `root`; nested struct fields deeper than max_depth levels
// are left to lazy indexing.
TERN_EXPORT Layout MakeLayout(const TypeInfo& root, int max_depth = 8);

// One validating pass over the struct at `begin` (the same checks and
// errors as IndexStruct) that fills every record of `table` (layout.bytes
// bytes, 8-byte aligned): an absent nested struct's record has no bytes and
// every slot absent.
TERN_EXPORT Status Index(const Bytes& b, uint32_t begin, const Layout& layout, void* table,
                         ReadContext& ctx);

// The record of plan `plan` in `table`: a ViewCore followed by its slots,
// the storage a generated View::TernFrom reads.
inline const void* Record(const Layout& layout, const void* table, int32_t plan) {
  return static_cast<const char*>(table) + layout.plans[static_cast<size_t>(plan)].record;
}

}  // namespace tern::view::nested
