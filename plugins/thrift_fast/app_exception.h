// TApplicationException on the Binary wire, byte for byte what Apache
// Thrift writes:
//
//   struct TApplicationException { 1: string message, 2: i32 type }
//
// in that field order (message first, always present), then the stop byte.
// Reading accepts any order, skips unknown fields (with the depth and size
// limits), and keeps the defaults (empty message, UNKNOWN) for fields that
// are absent, like Apache's TApplicationException::read.
//
// Errors: DATA_LOSS for malformed input, RESOURCE_EXHAUSTED for a limit.
// Thread: stateless.
#pragma once

#include <cstddef>
#include <cstdint>

#include "tern/codec.h"
#include "tern/status.h"
#include "tern/thrift/types.h"

namespace tern::thrift_fast {

// Encoded size of the struct, stop byte included.
size_t AppExceptionSize(const AppException& ex);
// Writes exactly AppExceptionSize(ex) bytes; returns the end. The message
// must fit an i32 length (the codec checks before calling).
uint8_t* WriteAppException(uint8_t* p, const AppException& ex);
// Reads the struct from [p, p + n); returns the bytes it took.
Result<size_t> ReadAppException(const uint8_t* p, size_t n, const Limits& limits,
                                AppException* out);

}  // namespace tern::thrift_fast
