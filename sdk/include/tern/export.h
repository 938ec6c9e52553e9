// Symbol visibility for libtern_core.so.
//
// Tern is built with -fvisibility=hidden: only what is marked TERN_EXPORT is
// visible to plugins, tools and tests that link Tern::core. Mark classes whose
// vtables, typeinfo or out-of-line members cross the library boundary.
#pragma once

#define TERN_EXPORT __attribute__((visibility("default")))
#define TERN_HIDDEN __attribute__((visibility("hidden")))

#if defined(__GNUC__)
#define TERN_LIKELY(x) (__builtin_expect(!!(x), 1))
#define TERN_UNLIKELY(x) (__builtin_expect(!!(x), 0))
#define TERN_NOINLINE __attribute__((noinline))
#define TERN_ALWAYS_INLINE inline __attribute__((always_inline))
#else
#define TERN_LIKELY(x) (x)
#define TERN_UNLIKELY(x) (x)
#define TERN_NOINLINE
#define TERN_ALWAYS_INLINE inline
#endif
