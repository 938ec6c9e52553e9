#include "tern/config_view.h"

#include <cerrno>
#include <cstdlib>
#include <string>

namespace tern {

Result<int64_t> ParseConfigInt(std::string_view text) {
  std::string s(text);
  if (s.empty()) return InvalidArgument("empty value where an integer is expected");
  errno = 0;
  char* end = nullptr;
  const long long v = std::strtoll(s.c_str(), &end, 0);
  if (errno == ERANGE) return InvalidArgument("integer out of range: '" + s + "'");
  // Allow size suffixes: 64k, 16m, 1g (binary multiples).
  int64_t mult = 1;
  if (end != nullptr && *end != '\0') {
    const char c = *end;
    if ((c == 'k' || c == 'K') && end[1] == '\0')
      mult = int64_t{1} << 10;
    else if ((c == 'm' || c == 'M') && end[1] == '\0')
      mult = int64_t{1} << 20;
    else if ((c == 'g' || c == 'G') && end[1] == '\0')
      mult = int64_t{1} << 30;
    else
      return InvalidArgument("not an integer: '" + s + "'");
  }
  if (end == s.c_str()) return InvalidArgument("not an integer: '" + s + "'");
  __int128 r = static_cast<__int128>(v) * mult;
  if (r > INT64_MAX || r < INT64_MIN) return InvalidArgument("integer out of range: '" + s + "'");
  return static_cast<int64_t>(r);
}

Result<bool> ParseConfigBool(std::string_view t) {
  if (t == "true" || t == "yes" || t == "on" || t == "1") return true;
  if (t == "false" || t == "no" || t == "off" || t == "0") return false;
  return InvalidArgument("not a boolean (true/false): '" + std::string(t) + "'");
}

std::optional<std::string_view> ConfigView::Get(std::string_view key) const {
  for (const auto& [k, v] : entries_) {
    if (k == key) return std::string_view(v);
  }
  return std::nullopt;
}

Result<std::string> ConfigView::GetString(std::string_view key, std::string_view fallback) const {
  auto v = Get(key);
  return std::string(v ? *v : fallback);
}

Result<int64_t> ConfigView::GetInt(std::string_view key, int64_t fallback) const {
  auto v = Get(key);
  if (!v) return fallback;
  auto r = ParseConfigInt(*v);
  if (!r.ok()) return r.status().WithContext(section_ + "." + std::string(key));
  return r;
}

Result<bool> ConfigView::GetBool(std::string_view key, bool fallback) const {
  auto v = Get(key);
  if (!v) return fallback;
  auto r = ParseConfigBool(*v);
  if (!r.ok()) return r.status().WithContext(section_ + "." + std::string(key));
  return r;
}

}  // namespace tern
