// Helpers for the thrift_copyfree tests: decoding a frame into a generated
// view (Foo::View) through Codec::DecodeView, and into a struct through
// DecodeBody, for comparison.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <type_traits>

#include "tern/codec.h"
#include "tern/status.h"
#include "tern/thrift/view.h"

namespace tern::thrift_copyfree::testing {

// The storage DecodeView fills: a generated view is a ViewCore followed by
// one uint32_t slot per field (tern/thrift/view.h), all private, so a
// standard-layout class whose first member sits at its address. The
// assertions catch a generator change that breaks this layout.
template <class T>
struct ViewStorage {
  using View = typename T::View;
  static_assert(std::is_standard_layout_v<View>);
  static_assert(alignof(View) == alignof(view::ViewCore));
  static constexpr size_t kSlotsAt = sizeof(view::ViewCore);

  static view::ViewCore* Core(View* v) { return reinterpret_cast<view::ViewCore*>(v); }
  static uint32_t* Slots(View* v) {
    return reinterpret_cast<uint32_t*>(reinterpret_cast<unsigned char*>(v) + kSlotsAt);
  }
  // The generated view has exactly the type's slots.
  static bool LayoutMatches() {
    const size_t raw = kSlotsAt + sizeof(uint32_t) * T::kTernTypeInfo.num_fields;
    const size_t align = alignof(View);
    return sizeof(View) == (raw + align - 1) / align * align;
  }
};

// DecodeView of the body at frame.pos into *out, reading *bytes.
template <class T>
Status DecodeViewOf(const Codec& codec, FrameView& frame, view::Bytes* bytes, typename T::View* out,
                    ReadContext& ctx) {
  EXPECT_TRUE(ViewStorage<T>::LayoutMatches()) << T::kTernTypeInfo.name;
  return codec.DecodeView(frame, T::kTernTypeInfo, bytes, ViewStorage<T>::Core(out),
                          ViewStorage<T>::Slots(out), ctx);
}

template <class T>
Status DecodeViewOf(const Codec& codec, FrameView& frame, view::Bytes* bytes, typename T::View* out,
                    const Limits& limits = DefaultLimits()) {
  ReadContext ctx{limits};
  return DecodeViewOf<T>(codec, frame, bytes, out, ctx);
}

// True when every slot of the view is absent and it reads no bytes: what an
// error must leave behind.
template <class T>
bool IsEmptyView(typename T::View* v) {
  const view::ViewCore* core = ViewStorage<T>::Core(v);
  if (core->bytes != nullptr || core->begin != 0 || core->end != 0) return false;
  const uint32_t* slots = ViewStorage<T>::Slots(v);
  for (uint32_t i = 0; i < T::kTernTypeInfo.num_fields; ++i) {
    if (slots[i] != view::kAbsent) return false;
  }
  return true;
}

template <class T>
std::string FastBytes(const T& v) {
  std::string s(v.BLength(), '\0');
  v.FastWrite(reinterpret_cast<uint8_t*>(s.data()));
  return s;
}

}  // namespace tern::thrift_copyfree::testing
