// Struct bytes both ways for the interop tests: Tern's FastWrite, and
// Apache Thrift's TBinaryProtocol over a TMemoryBuffer.
#pragma once

#include <gtest/gtest.h>
#include <thrift/protocol/TBinaryProtocol.h>
#include <thrift/transport/TBufferTransports.h>

#include <cstdint>
#include <memory>
#include <string>

namespace tern {

using apache::thrift::protocol::TBinaryProtocol;
using apache::thrift::transport::TMemoryBuffer;

template <class Tern>
std::string TernBytes(const Tern& v) {
  std::string s(v.BLength(), '\0');
  v.FastWrite(reinterpret_cast<uint8_t*>(s.data()));
  return s;
}

template <class Apache>
Apache ApacheRead(const std::string& bytes) {
  auto buf =
      std::make_shared<TMemoryBuffer>(reinterpret_cast<uint8_t*>(const_cast<char*>(bytes.data())),
                                      static_cast<uint32_t>(bytes.size()), TMemoryBuffer::COPY);
  TBinaryProtocol proto(buf);
  Apache v;
  v.read(&proto);
  EXPECT_EQ(buf->available_read(), 0u) << "Apache must consume exactly the struct";
  return v;
}

template <class Apache>
std::string ApacheBytes(const Apache& v) {
  auto buf = std::make_shared<TMemoryBuffer>();
  TBinaryProtocol proto(buf);
  v.write(&proto);
  return buf->getBufferAsString();
}

}  // namespace tern
