// tern::Endpoint (declared in tern/transport.h). Defined here until the
// transport SDK types move into core; nothing in it is Netpoll-specific.
#include <arpa/inet.h>

#include <charconv>
#include <cstddef>
#include <cstring>

#include "tern/transport.h"

namespace tern {

namespace {

Result<uint16_t> ParsePort(std::string_view text, std::string_view whole) {
  unsigned value = 0;
  const char* end = text.data() + text.size();
  auto [p, ec] = std::from_chars(text.data(), end, value);
  if (text.empty() || ec != std::errc() || p != end || value > 65535) {
    return InvalidArgument("endpoint '" + std::string(whole) + "': bad port '" + std::string(text) +
                           "'");
  }
  return static_cast<uint16_t>(value);
}

}  // namespace

Result<Endpoint> Endpoint::Parse(std::string_view text) {
  Endpoint ep;
  if (text.substr(0, 5) == "unix:") {
    const std::string_view path = text.substr(5);
    sockaddr_un un{};
    if (path.empty()) return InvalidArgument("endpoint '" + std::string(text) + "': empty path");
    if (path.size() >= sizeof(un.sun_path)) {
      return InvalidArgument("endpoint '" + std::string(text) + "': path longer than " +
                             std::to_string(sizeof(un.sun_path) - 1) + " bytes");
    }
    un.sun_family = AF_UNIX;
    std::memcpy(un.sun_path, path.data(), path.size());
    std::memcpy(&ep.addr_, &un, sizeof(un));
    ep.len_ = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + path.size() + 1);
    return ep;
  }
  std::string host;
  std::string_view port_text;
  bool v6 = false;
  if (!text.empty() && text[0] == '[') {
    const size_t close = text.find("]:");
    if (close == std::string_view::npos) {
      return InvalidArgument("endpoint '" + std::string(text) + "': expected [address]:port");
    }
    host = std::string(text.substr(1, close - 1));
    port_text = text.substr(close + 2);
    v6 = true;
  } else {
    const size_t colon = text.rfind(':');
    if (colon == std::string_view::npos) {
      return InvalidArgument("endpoint '" + std::string(text) +
                             "': expected host:port, [v6 address]:port or unix:/path");
    }
    host = std::string(text.substr(0, colon));
    port_text = text.substr(colon + 1);
    if (host.find(':') != std::string::npos) {
      return InvalidArgument("endpoint '" + std::string(text) +
                             "': write an IPv6 address in brackets, [address]:port");
    }
    if (host == "localhost") host = "127.0.0.1";
  }
  TERN_ASSIGN_OR_RETURN(const uint16_t port, ParsePort(port_text, text));
  if (v6) {
    sockaddr_in6 in6{};
    in6.sin6_family = AF_INET6;
    in6.sin6_port = htons(port);
    if (::inet_pton(AF_INET6, host.c_str(), &in6.sin6_addr) != 1) {
      return InvalidArgument("endpoint '" + std::string(text) + "': bad IPv6 address '" + host +
                             "'");
    }
    std::memcpy(&ep.addr_, &in6, sizeof(in6));
    ep.len_ = sizeof(in6);
  } else {
    sockaddr_in in4{};
    in4.sin_family = AF_INET;
    in4.sin_port = htons(port);
    if (::inet_pton(AF_INET, host.c_str(), &in4.sin_addr) != 1) {
      return InvalidArgument("endpoint '" + std::string(text) + "': bad IPv4 address '" + host +
                             "' (names are not resolved here)");
    }
    std::memcpy(&ep.addr_, &in4, sizeof(in4));
    ep.len_ = sizeof(in4);
  }
  return ep;
}

Result<Endpoint> Endpoint::FromSockaddr(const sockaddr* addr, socklen_t len) {
  if (addr == nullptr || len < static_cast<socklen_t>(sizeof(sa_family_t)) ||
      len > static_cast<socklen_t>(sizeof(sockaddr_storage))) {
    return InvalidArgument("socket address of bad length");
  }
  switch (addr->sa_family) {
    case AF_INET:
    case AF_INET6:
    case AF_UNIX:
      break;
    default:
      return InvalidArgument("socket address family " + std::to_string(addr->sa_family) +
                             " is not supported");
  }
  Endpoint ep;
  std::memcpy(&ep.addr_, addr, len);
  ep.len_ = len;
  return ep;
}

Endpoint::Family Endpoint::family() const {
  if (len_ == 0) return Family::kNone;
  switch (addr_.ss_family) {
    case AF_INET:
      return Family::kIpv4;
    case AF_INET6:
      return Family::kIpv6;
    case AF_UNIX:
      return Family::kUnix;
    default:
      return Family::kNone;
  }
}

uint16_t Endpoint::port() const {
  switch (family()) {
    case Family::kIpv4:
      return ntohs(reinterpret_cast<const sockaddr_in*>(&addr_)->sin_port);
    case Family::kIpv6:
      return ntohs(reinterpret_cast<const sockaddr_in6*>(&addr_)->sin6_port);
    default:
      return 0;
  }
}

Endpoint Endpoint::WithPort(uint16_t port) const {
  Endpoint ep = *this;
  switch (family()) {
    case Family::kIpv4:
      reinterpret_cast<sockaddr_in*>(&ep.addr_)->sin_port = htons(port);
      break;
    case Family::kIpv6:
      reinterpret_cast<sockaddr_in6*>(&ep.addr_)->sin6_port = htons(port);
      break;
    default:
      break;
  }
  return ep;
}

std::string Endpoint::ToString() const {
  char buf[INET6_ADDRSTRLEN] = {};
  switch (family()) {
    case Family::kIpv4:
      ::inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in*>(&addr_)->sin_addr, buf,
                  sizeof(buf));
      return std::string(buf) + ":" + std::to_string(port());
    case Family::kIpv6:
      ::inet_ntop(AF_INET6, &reinterpret_cast<const sockaddr_in6*>(&addr_)->sin6_addr, buf,
                  sizeof(buf));
      return "[" + std::string(buf) + "]:" + std::to_string(port());
    case Family::kUnix: {
      const auto* un = reinterpret_cast<const sockaddr_un*>(&addr_);
      const size_t max = len_ > offsetof(sockaddr_un, sun_path)
                             ? static_cast<size_t>(len_) - offsetof(sockaddr_un, sun_path)
                             : 0;
      return "unix:" + std::string(un->sun_path, ::strnlen(un->sun_path, max));
    }
    default:
      return "(none)";
  }
}

}  // namespace tern
