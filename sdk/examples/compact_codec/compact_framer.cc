#include "compact_framer.h"

#include <sys/uio.h>

#include <string>
#include <vector>

namespace tern::compact {

namespace {

// FrameState::words.
enum Word : size_t {
  kPos = 0,    // bytes of the message scanned
  kPhase = 1,  // what the next byte is
  kSkip = 2,   // bytes still to skip (kSkipping)
  kAcc = 3,    // varint being read: value so far
  kShift = 4,  // varint being read: its bytes so far
  kType = 5,   // the compact type waiting for its value / a list's element type
  kError = 6,  // failed: the StatusCode
};

enum Phase : uint64_t {
  kProtocolId = 0,
  kVersion,
  kSeqid,       // varint
  kNameLength,  // varint
  kSkipping,
  kFieldHeader,
  kFieldId,      // varint, then a value of words[kType] (field context)
  kVarintValue,  // varint
  kStringLength,
  kListHeader,
  kListSize,  // varint
  kMapSize,   // varint
  kMapTypes,
  kValue,  // a value of words[kType] in a container
  kDone,
  kFailed,
};

// Stack entries: kind in the low byte, then types and the elements left.
enum Kind : uint64_t { kStruct = 1, kList = 2, kMap = 3 };
inline uint64_t Entry(Kind k, uint64_t et, uint64_t kt, uint64_t left) {
  return k | (et << 8) | (kt << 12) | (left << 16);
}
inline Kind EntryKind(uint64_t e) { return static_cast<Kind>(e & 0xff); }
inline uint8_t EntryElem(uint64_t e) { return static_cast<uint8_t>((e >> 8) & 0xf); }
inline uint8_t EntryKey(uint64_t e) { return static_cast<uint8_t>((e >> 12) & 0xf); }
inline uint64_t EntryLeft(uint64_t e) { return e >> 16; }

class Scanner {
 public:
  Scanner(FrameState& s, const Limits& limits) : s_(s), limits_(limits) {}

  FrameResult Run(LinkBuffer& in);

 private:
  uint64_t& W(Word w) { return s_.words[w]; }
  // An empty list or set is done, if its element type is a type (0-13, as
  // the reader checks; elements are checked as they start).
  void EmptyList() {
    if (W(kType) > 13) {
      return Fail(StatusCode::kDataLoss,
                  "invalid compact element type " + std::to_string(W(kType)));
    }
    ValueDone();
  }
  void Fail(StatusCode code, std::string what) {
    W(kPhase) = kFailed;
    W(kError) = static_cast<uint64_t>(code);
    error_ = Status(code, "thrift_compact buffered framing: " + what);
  }
  // Feeds one varint byte; true when the varint is complete (in kAcc).
  bool VarintByte(uint8_t b) {
    const uint64_t shift = W(kShift);
    if (shift >= 10) {
      Fail(StatusCode::kDataLoss, "varint longer than 10 bytes");
      return false;
    }
    W(kAcc) |= static_cast<uint64_t>(b & 0x7f) << (7 * shift);
    W(kShift) = shift + 1;
    return b < 0x80;
  }
  void StartVarint(Phase p) {
    W(kAcc) = 0;
    W(kShift) = 0;
    W(kPhase) = p;
  }
  bool Size32(uint64_t v, size_t max, const char* what, uint64_t* n) {
    if (static_cast<int32_t>(v) < 0) {
      Fail(StatusCode::kDataLoss, std::string("negative ") + what + " size");
      return false;
    }
    *n = static_cast<uint32_t>(v);
    if (*n > max) {
      Fail(StatusCode::kResourceExhausted, std::string(what) + " of " + std::to_string(*n) +
                                               " is over the limit (" + std::to_string(max) + ")");
      return false;
    }
    return true;
  }
  bool Push(uint64_t entry) {
    if (s_.stack.size() + 1 > static_cast<size_t>(limits_.max_depth)) {
      Fail(StatusCode::kResourceExhausted, "nesting deeper than max_depth");
      return false;
    }
    s_.stack.push_back(entry);
    return true;
  }
  void Skip(uint64_t n) {
    if (n == 0) return ValueDone();
    W(kSkip) = n;
    W(kPhase) = kSkipping;
  }
  void StartValue(uint8_t ct, bool in_field);
  void ValueDone();
  void Byte(uint8_t b);

  FrameState& s_;
  const Limits& limits_;
  Status error_;
};

void Scanner::StartValue(uint8_t ct, bool in_field) {
  switch (ct) {
    case 1:
    case 2:  // bool: in the field header, or one byte in a container
      return in_field ? ValueDone() : Skip(1);
    case 3:
      return Skip(1);
    case 4:
    case 5:
    case 6:
      return StartVarint(kVarintValue);
    case 7:
      return Skip(8);
    case 8:
      return StartVarint(kStringLength);
    case 9:
    case 10:
      W(kPhase) = kListHeader;
      return;
    case 11:
      return StartVarint(kMapSize);
    case 12:
      if (Push(Entry(kStruct, 0, 0, 0))) W(kPhase) = kFieldHeader;
      return;
    case 13:
      return Skip(16);
    default:
      return Fail(StatusCode::kDataLoss, "invalid compact type " + std::to_string(ct));
  }
}

// A value ended: what comes next depends on what holds it.
void Scanner::ValueDone() {
  if (s_.stack.empty()) {
    W(kPhase) = kDone;
    return;
  }
  uint64_t& top = s_.stack.back();
  if (EntryKind(top) == kStruct) {
    W(kPhase) = kFieldHeader;
    return;
  }
  const uint64_t left = EntryLeft(top) - 1;
  if (left == 0) {
    s_.stack.pop_back();
    return ValueDone();
  }
  top = (top & 0xffff) | (left << 16);
  // Maps count keys and values: an even count left means a key is next.
  W(kType) = EntryKind(top) == kMap && left % 2 == 0 ? EntryKey(top) : EntryElem(top);
  W(kPhase) = kValue;
}

void Scanner::Byte(uint8_t b) {
  uint64_t n;
  switch (W(kPhase)) {
    case kProtocolId:
      if (b != 0x82) {
        return Fail(StatusCode::kDataLoss, "bad protocol id " + std::to_string(b) +
                                               " (expected 0x82: is the peer speaking Compact?)");
      }
      W(kPhase) = kVersion;
      return;
    case kVersion:
      if ((b & 0x1f) != 1) {
        return Fail(StatusCode::kDataLoss, "bad protocol version " + std::to_string(b & 0x1f));
      }
      if ((b >> 5) < 1 || (b >> 5) > 4) {
        return Fail(StatusCode::kDataLoss, "invalid message type " + std::to_string(b >> 5));
      }
      return StartVarint(kSeqid);
    case kSeqid:
      if (VarintByte(b)) StartVarint(kNameLength);
      return;
    case kNameLength:
      if (!VarintByte(b)) return;
      if (!Size32(W(kAcc), limits_.max_string, "message name", &n)) return;
      // The body struct follows the name: push it now, so that the end of
      // the skip starts it.
      if (!Push(Entry(kStruct, 0, 0, 0))) return;
      W(kSkip) = n;
      W(kPhase) = n == 0 ? kFieldHeader : kSkipping;
      return;
    case kFieldHeader:
      if ((b & 0x0f) == 0) {  // stop (the type nibble alone, as Apache reads it)
        s_.stack.pop_back();
        return ValueDone();
      }
      W(kType) = b & 0x0f;
      if ((b >> 4) == 0) return StartVarint(kFieldId);
      return StartValue(b & 0x0f, /*in_field=*/true);
    case kFieldId:
      if (VarintByte(b)) StartValue(static_cast<uint8_t>(W(kType)), /*in_field=*/true);
      return;
    case kVarintValue:
      if (VarintByte(b)) ValueDone();
      return;
    case kStringLength:
      if (!VarintByte(b)) return;
      if (Size32(W(kAcc), limits_.max_string, "string", &n)) Skip(n);
      return;
    case kListHeader:
      W(kType) = b & 0x0f;
      if ((b >> 4) == 15) return StartVarint(kListSize);
      n = b >> 4;
      if (n == 0) return EmptyList();
      if (Push(Entry(kList, b & 0x0f, 0, n))) {
        W(kPhase) = kValue;
      }
      return;
    case kListSize:
      if (!VarintByte(b)) return;
      if (!Size32(W(kAcc), limits_.max_container, "container", &n)) return;
      if (n == 0) return EmptyList();
      if (Push(Entry(kList, W(kType), 0, n))) W(kPhase) = kValue;
      return;
    case kMapSize:
      if (!VarintByte(b)) return;
      if (!Size32(W(kAcc), limits_.max_container, "map", &n)) return;
      if (n == 0) return ValueDone();
      W(kSkip) = n;  // kept until the types byte
      W(kPhase) = kMapTypes;
      return;
    case kMapTypes:
      if (!Push(Entry(kMap, b & 0x0f, b >> 4, 2 * W(kSkip)))) return;
      W(kSkip) = 0;
      W(kType) = b >> 4;
      W(kPhase) = kValue;
      return;
    case kValue:
      // The first byte of a container element: start it, then feed the
      // byte to whatever it started (unless it was a fixed-size skip).
      StartValue(static_cast<uint8_t>(W(kType)), /*in_field=*/false);
      if (W(kPhase) == kSkipping) {
        if (--W(kSkip) == 0) ValueDone();
        return;
      }
      if (W(kPhase) == kFailed || W(kPhase) == kDone) return;
      return Byte(b);
    default:
      return;
  }
}

FrameResult Scanner::Run(LinkBuffer& in) {
  if (W(kPhase) == kDone) return FrameResult::Frame(W(kPos));
  if (W(kPhase) == kFailed) {
    return FrameResult::Error(
        Status(static_cast<StatusCode>(W(kError)),
               "thrift_compact buffered framing: this connection's input was already rejected"));
  }
  const size_t len = in.Len();
  if (len < W(kPos)) {
    return FrameResult::Error(
        Internal("thrift_compact buffered framing: input consumed without FrameState::Reset()"));
  }
  if (len > W(kPos)) {
    // ReadableIovecs starts at the read position: blocks before the resume
    // point are walked (not read) again.
    iovec small[64];
    std::vector<iovec> big;
    iovec* iov = small;
    size_t cap = 64;
    size_t cnt = in.ReadableIovecs(iov, cap);
    while (cnt == cap) {
      size_t covered = 0;
      for (size_t i = 0; i < cnt; ++i) covered += iov[i].iov_len;
      if (covered >= len) break;
      cap *= 2;
      big.resize(cap);
      iov = big.data();
      cnt = in.ReadableIovecs(iov, cap);
    }
    uint64_t off = 0;
    for (size_t i = 0; i < cnt; ++i) {
      const auto* base = static_cast<const uint8_t*>(iov[i].iov_base);
      const uint64_t seg_end = off + iov[i].iov_len;
      for (uint64_t at = W(kPos); at < seg_end; at = W(kPos)) {
        if (W(kPhase) == kDone || W(kPhase) == kFailed) break;
        if (W(kPhase) == kSkipping) {
          const uint64_t n = std::min<uint64_t>(W(kSkip), seg_end - at);
          W(kSkip) -= n;
          W(kPos) += n;
          if (W(kSkip) == 0) ValueDone();
        } else {
          W(kPos) += 1;
          Byte(base[at - off]);
        }
        if (W(kPos) > limits_.max_frame && W(kPhase) != kFailed) {
          Fail(StatusCode::kResourceExhausted,
               "message longer than max_frame (" + std::to_string(limits_.max_frame) + ")");
        }
      }
      off = seg_end;
      if (W(kPhase) == kDone || W(kPhase) == kFailed) break;
    }
  }
  if (W(kPhase) == kDone) return FrameResult::Frame(W(kPos));
  if (W(kPhase) == kFailed) return FrameResult::Error(std::move(error_));
  const uint64_t more = W(kPhase) == kSkipping ? W(kSkip) : 1;
  return FrameResult::NeedMore(W(kPos) + more);
}

}  // namespace

FrameResult FrameBuffered(LinkBuffer& in, FrameState& state, const Limits& limits) {
  return Scanner(state, limits).Run(in);
}

}  // namespace tern::compact
