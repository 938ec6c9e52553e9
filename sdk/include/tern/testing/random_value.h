// Seeded random values for any generated struct, filled by walking its
// TypeInfo (tern/type_info.h): every field, optional fields set or not,
// unions with one member chosen, containers of random sizes, recursion
// bounded by depth. Used by the conformance suite and by fuzz-style
// round-trip tests; the same seed gives the same value.
#pragma once

#include <cstdint>
#include <cstring>
#include <random>
#include <string>

#include "tern/type_info.h"

namespace tern::testing {

class RandomValue {
 public:
  explicit RandomValue(uint64_t seed, size_t max_container = 8, int max_depth = 4)
      : rng_(seed), max_container_(max_container), max_depth_(max_depth) {}

  // Fills obj (a constructed value of type t).
  void Fill(const TypeInfo& t, void* obj) { FillStruct(t, obj, 0); }

 private:
  uint64_t Next() { return rng_(); }

  void FillStruct(const TypeInfo& t, void* obj, int depth) {
    if (t.kind == StructKind::kUnion) {
      if (t.num_fields == 0 || Next() % 8 == 0) return;  // sometimes empty
      const FieldInfo& f = t.fields[Next() % t.num_fields];
      FillField(f, obj, depth);
      std::memcpy(static_cast<char*>(obj) + t.union_tag_offset, &f.id, 2);
      return;
    }
    for (uint32_t i = 0; i < t.num_fields; ++i) {
      const FieldInfo& f = t.fields[i];
      if (f.req == Requiredness::kOptional) {
        if (Next() % 3 == 0) continue;
        SetFieldIsSet(f, obj);
      }
      // A required indirect field is made (a null one would be written as
      // an empty struct and read back as one, not null) unless a type that
      // requires itself would never end.
      const bool null =
          f.indirect && (f.req == Requiredness::kRequired ? depth >= 2 * max_depth_
                                                          : depth >= max_depth_ || Next() % 2 == 0);
      if (null) {
        // A null indirect field is not written; keep the isset bit honest.
        if (f.req == Requiredness::kOptional) {
          auto* w = reinterpret_cast<uint32_t*>(static_cast<char*>(obj) + f.isset_offset);
          *w &= ~f.isset_mask;
        }
        continue;
      }
      FillField(f, obj, depth);
    }
  }

  void FillField(const FieldInfo& f, void* obj, int depth) {
    void* m = static_cast<char*>(obj) + f.offset;
    if (f.indirect) m = f.indirect_get(m, true);
    FillValue(f.type, m, depth + 1);
  }

  void FillValue(const ValueType& v, void* p, int depth) {
    switch (v.cpp) {
      case CppType::kBool:
        *static_cast<bool*>(p) = Next() & 1;
        break;
      case CppType::kI8:
        *static_cast<int8_t*>(p) = static_cast<int8_t>(Next());
        break;
      case CppType::kI16:
        *static_cast<int16_t*>(p) = static_cast<int16_t>(Next());
        break;
      case CppType::kI32:
        *static_cast<int32_t*>(p) = static_cast<int32_t>(Next());
        break;
      case CppType::kI64:
        *static_cast<int64_t*>(p) = static_cast<int64_t>(Next());
        break;
      case CppType::kDouble: {
        // Finite values only: NaN != NaN would make equality checks useless.
        const double d = static_cast<double>(static_cast<int64_t>(Next() >> 11)) / 1024.0 -
                         static_cast<double>(1ull << 40);
        *static_cast<double*>(p) = d;
        break;
      }
      case CppType::kUuid:
        for (int i = 0; i < 16; ++i) static_cast<uint8_t*>(p)[i] = static_cast<uint8_t>(Next());
        break;
      case CppType::kString:
      case CppType::kPmrString: {
        char buf[40];
        const size_t n = Next() % 40;
        for (size_t i = 0; i < n; ++i) {
          buf[i] = static_cast<char>(v.is_binary ? Next() : 'a' + Next() % 26);
        }
        AssignString(v.cpp, p, buf, n);
        break;
      }
      case CppType::kStruct:
        FillStruct(*v.strct, p, depth);
        break;
      case CppType::kList:
      case CppType::kSet:
      case CppType::kMap:
        FillContainer(*v.container, p, depth);
        break;
    }
  }

  void FillContainer(const ContainerInfo& c, void* p, int depth) {
    c.clear(p);
    if (depth >= max_depth_) return;
    const size_t n = Next() % (max_container_ + 1);
    for (size_t i = 0; i < n; ++i) {
      Temp elem(c.elem_size, c.elem_align, c.construct_elem, c.destruct_elem);
      FillValue(c.elem, elem.get(), depth + 1);
      if (c.kind == TType::kMap) {
        Temp key(c.key_size, c.key_align, c.construct_key, c.destruct_key);
        FillValue(c.key, key.get(), depth + 1);
        c.add(p, key.get(), elem.get());
      } else {
        c.add(p, nullptr, elem.get());
      }
    }
  }

  class Temp {
   public:
    Temp(size_t size, size_t align, void (*construct)(void*), void (*destruct)(void*))
        : p_(::operator new(size, std::align_val_t(align))), align_(align), destruct_(destruct) {
      construct(p_);
    }
    ~Temp() {
      destruct_(p_);
      ::operator delete(
          p_, std::align_val_t(align_));  // unsized: clang disables sized deallocation by default
    }
    void* get() { return p_; }

   private:
    void* p_;
    size_t align_;
    void (*destruct_)(void*);
  };

  std::mt19937_64 rng_;
  size_t max_container_;
  int max_depth_;
};

}  // namespace tern::testing
