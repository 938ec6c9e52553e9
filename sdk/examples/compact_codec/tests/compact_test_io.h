// Struct bytes both ways for the Compact tests: Tern's Compact writer, and
// Apache Thrift's TCompactProtocol over a TMemoryBuffer.
#pragma once

#include <thrift/protocol/TCompactProtocol.h>
#include <thrift/transport/TBufferTransports.h>

#include <cstdint>
#include <memory>
#include <string>

#include "compact_protocol.h"

namespace tern {

template <class Tern>
std::string TernBytes(const Tern& v) {
  std::string s(compact::EncodedSize(Tern::kTernTypeInfo, &v), '\0');
  compact::Write(Tern::kTernTypeInfo, &v, reinterpret_cast<uint8_t*>(s.data()));
  return s;
}

// A copy of bytes for Apache to read. (Apache's COPY constructor memcpy()s
// into a null buffer when there are no bytes, which UBSan reports.)
inline std::shared_ptr<apache::thrift::transport::TMemoryBuffer> ApacheBuffer(
    const std::string& bytes) {
  using apache::thrift::transport::TMemoryBuffer;
  if (bytes.empty()) return std::make_shared<TMemoryBuffer>();
  return std::make_shared<TMemoryBuffer>(
      reinterpret_cast<uint8_t*>(const_cast<char*>(bytes.data())),
      static_cast<uint32_t>(bytes.size()), TMemoryBuffer::COPY);
}

template <class Apache>
std::string ApacheBytes(const Apache& v) {
  auto buf = std::make_shared<apache::thrift::transport::TMemoryBuffer>();
  apache::thrift::protocol::TCompactProtocol proto(buf);
  v.write(&proto);
  return buf->getBufferAsString();
}

}  // namespace tern
