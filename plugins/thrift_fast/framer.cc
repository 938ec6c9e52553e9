#include "plugins/thrift_fast/framer.h"

#include <sys/uio.h>

#include <algorithm>
#include <cstring>
#include <string>
#include <vector>

#include "plugins/thrift_fast/envelope.h"
#include "tern/thrift/wire.h"

namespace tern::thrift_fast {

// ---- framed -----------------------------------------------------------------

FrameResult FrameFramed(LinkBuffer& in, const Limits& limits) {
  const size_t len = in.Len();
  if (len < kFrameHeaderSize) return FrameResult::NeedMore(kFrameHeaderSize);
  // ReadableIovecs instead of Peek: Peek would allocate a scratch block when
  // the 4 bytes straddle blocks.
  iovec iov[kFrameHeaderSize];
  const size_t cnt = in.ReadableIovecs(iov, kFrameHeaderSize, kFrameHeaderSize);
  uint8_t header[kFrameHeaderSize];
  size_t got = 0;
  for (size_t i = 0; i < cnt && got < kFrameHeaderSize; ++i) {
    const size_t k = std::min(iov[i].iov_len, kFrameHeaderSize - got);
    std::memcpy(header + got, iov[i].iov_base, k);
    got += k;
  }
  if (TERN_UNLIKELY(got < kFrameHeaderSize)) {
    return FrameResult::Error(Internal("thrift_fast: LinkBuffer reported bytes it could not show"));
  }
  const int32_t n = wire::LoadI32(header);
  if (TERN_UNLIKELY(n <= 0)) {
    return FrameResult::Error(
        DataLoss("thrift_fast: frame length " + std::to_string(n) + " is not positive"));
  }
  if (TERN_UNLIKELY(static_cast<size_t>(n) > limits.max_frame)) {
    return FrameResult::Error(ResourceExhausted("thrift_fast: frame of " + std::to_string(n) +
                                                " bytes exceeds max_frame (" +
                                                std::to_string(limits.max_frame) + ")"));
  }
  const size_t total = kFrameHeaderSize + static_cast<size_t>(n);
  if (len < total) return FrameResult::NeedMore(total);
  return FrameResult::Frame(total);
}

// ---- buffered ---------------------------------------------------------------

namespace {

// FrameState::words layout (see framer.h).
enum Word : size_t {
  kPos = 0,
  kPacked = 1,  // phase | token bytes held << 8 | field type << 16 | strict << 24 | code << 32
  kSkip = 2,
  kTok = 3,
  kExamined = 4,
  kCalls = 5,
};

// What the scan expects next. kEnvWord is zero so that FrameState::Reset()
// starts a new message.
enum Phase : uint8_t {
  kEnvWord = 0,  // strict: version|type; non-strict: name length
  kEnvNameLen,   // strict only
  kEnvName,      // skipping the name (kSkip bytes)
  kEnvType,      // non-strict only: the message type byte
  kEnvSeqid,
  kFieldType,  // inside a struct: a field's type byte, or stop
  kFieldId,
  kStrLen,
  kListHeader,  // element type, count (also sets)
  kMapHeader,   // key type, value type, count
  kSkipValue,   // skipping a value's bytes (kSkip bytes)
  kDone,
  kFailed,
};

// Bytes of the token each phase reads; 0 for the skipping and final phases.
constexpr uint8_t kTokenSize[] = {4, 4, 0, 1, 4, 1, 2, 4, 5, 6, 0, 0, 0};
static_assert(sizeof(kTokenSize) == kFailed + 1);

// Parse stack entries: kind in bits 0-1, element (map: value) type in 8-15,
// map key type in 16-23, elements (map: keys + values) still to begin from
// bit 24 — up to 2 * 2^31, which fits the 40 bits left.
enum EntryKind : uint64_t { kEntryStruct = 0, kEntryList = 1, kEntryMap = 2 };
constexpr int kRemainingShift = 24;
constexpr uint64_t MakeEntry(EntryKind kind, uint8_t elem, uint8_t key, uint64_t remaining) {
  return static_cast<uint64_t>(kind) | (uint64_t{elem} << 8) | (uint64_t{key} << 16) |
         (remaining << kRemainingShift);
}

class Scanner {
 public:
  Scanner(FrameState& state, const Limits& limits) : state_(state), limits_(limits) {
    pos_ = state.words[kPos];
    const uint64_t packed = state.words[kPacked];
    phase_ = static_cast<Phase>(packed & 0xff);
    tok_have_ = static_cast<uint8_t>(packed >> 8);
    field_type_ = static_cast<uint8_t>(packed >> 16);
    strict_ = static_cast<uint8_t>(packed >> 24);
    failed_code_ = static_cast<uint8_t>(packed >> 32);
    skip_ = state.words[kSkip];
    std::memcpy(tok_, &state.words[kTok], sizeof(tok_));
    examined_ = state.words[kExamined];
    calls_ = state.words[kCalls];
  }

  FrameResult Run(LinkBuffer& in);

 private:
  void Save() {
    state_.words[kPos] = pos_;
    state_.words[kPacked] = uint64_t{phase_} | (uint64_t{tok_have_} << 8) |
                            (uint64_t{field_type_} << 16) | (uint64_t{strict_} << 24) |
                            (uint64_t{failed_code_} << 32);
    state_.words[kSkip] = skip_;
    std::memcpy(&state_.words[kTok], tok_, sizeof(tok_));
    state_.words[kExamined] = examined_;
    state_.words[kCalls] = calls_;
  }

  // Consumes [p, e) (or less, when the message ends or an error is found).
  void Consume(const uint8_t* p, const uint8_t* e);
  bool OnToken(const uint8_t* t);
  bool BeginValue(uint8_t type);
  bool SkipValue(uint64_t n);
  bool StartName(int32_t len);
  bool BeginList(uint8_t elem, int32_t n);
  bool BeginMap(uint8_t key, uint8_t value, int32_t n);
  bool Push(uint64_t entry);
  // The value just scanned is complete: go on with its parent.
  bool Next();
  bool Fail(StatusCode code, const std::string& what) {
    phase_ = kFailed;
    failed_code_ = static_cast<uint8_t>(code);
    error_ = Status(
        code, "thrift_fast buffered framing: " + what + " (at byte " + std::to_string(pos_) + ")");
    return false;
  }
  bool TooLarge(uint64_t more) {
    return Fail(StatusCode::kResourceExhausted,
                "message of at least " + std::to_string(pos_ + more) +
                    " bytes exceeds max_frame (" + std::to_string(limits_.max_frame) + ")");
  }
  // Bytes the rest of the message may still take.
  uint64_t Room() const { return pos_ >= limits_.max_frame ? 0 : limits_.max_frame - pos_; }

  FrameState& state_;
  const Limits& limits_;
  uint64_t pos_;
  uint64_t skip_;
  uint64_t examined_;
  uint64_t calls_;
  Phase phase_;
  uint8_t tok_have_;
  uint8_t field_type_;
  uint8_t strict_;
  uint8_t failed_code_;
  uint8_t tok_[8];
  Status error_;
};

FrameResult Scanner::Run(LinkBuffer& in) {
  ++calls_;
  if (phase_ == kDone) {
    Save();
    return FrameResult::Frame(pos_);
  }
  if (phase_ == kFailed) {
    Save();
    return FrameResult::Error(
        Status(static_cast<StatusCode>(failed_code_),
               "thrift_fast buffered framing: this connection's input was already rejected"));
  }
  const size_t len = in.Len();
  if (TERN_UNLIKELY(len < pos_)) {
    Save();
    return FrameResult::Error(
        Internal("thrift_fast buffered framing: input consumed without FrameState::Reset() (" +
                 std::to_string(len) + " bytes buffered, " + std::to_string(pos_) + " scanned)"));
  }
  if (len > pos_) {
    // ReadableIovecs starts at the read position, so the blocks before the
    // resume point are walked (not read) again; a long chain needs a larger
    // array than the common few blocks.
    iovec small[64];
    std::vector<iovec> big;
    iovec* iov = small;
    size_t cnt = in.ReadableIovecs(small, 64);
    size_t covered = 0;
    for (size_t i = 0; i < cnt; ++i) covered += small[i].iov_len;
    for (size_t cap = 256; covered < len && cnt == (big.empty() ? 64 : big.size()); cap *= 2) {
      big.resize(cap);
      cnt = in.ReadableIovecs(big.data(), cap);
      iov = big.data();
      covered = 0;
      for (size_t i = 0; i < cnt; ++i) covered += big[i].iov_len;
    }
    uint64_t off = 0;
    for (size_t i = 0; i < cnt && phase_ != kDone && phase_ != kFailed; ++i) {
      const uint64_t seg_end = off + iov[i].iov_len;
      if (seg_end > pos_) {
        const auto* base = static_cast<const uint8_t*>(iov[i].iov_base);
        Consume(base + (pos_ - off), base + iov[i].iov_len);
      }
      off = seg_end;
    }
  }
  Save();
  if (phase_ == kDone) return FrameResult::Frame(pos_);
  if (phase_ == kFailed) return FrameResult::Error(std::move(error_));
  const uint64_t more =
      (phase_ == kEnvName || phase_ == kSkipValue) ? skip_ : kTokenSize[phase_] - tok_have_;
  return FrameResult::NeedMore(pos_ + more);
}

void Scanner::Consume(const uint8_t* p, const uint8_t* e) {
  while (p < e) {
    if (phase_ == kEnvName || phase_ == kSkipValue) {
      const uint64_t k = std::min<uint64_t>(skip_, static_cast<uint64_t>(e - p));
      p += k;
      pos_ += k;
      examined_ += k;
      skip_ -= k;
      if (skip_ != 0) return;
      if (phase_ == kEnvName) {
        phase_ = strict_ ? kEnvSeqid : kEnvType;
      } else if (!Next()) {
        return;
      }
    } else {
      const uint8_t n = kTokenSize[phase_];
      const uint8_t* t;
      if (tok_have_ == 0 && static_cast<size_t>(e - p) >= n) {
        if (TERN_UNLIKELY(n > Room())) {
          TooLarge(n);
          return;
        }
        t = p;  // the common case: the token lies in this block
        p += n;
        pos_ += n;
        examined_ += n;
      } else {
        if (tok_have_ == 0 && TERN_UNLIKELY(n > Room())) {
          TooLarge(n);
          return;
        }
        const size_t k = std::min<size_t>(n - tok_have_, static_cast<size_t>(e - p));
        std::memcpy(tok_ + tok_have_, p, k);
        tok_have_ = static_cast<uint8_t>(tok_have_ + k);
        p += k;
        pos_ += k;
        examined_ += k;
        if (tok_have_ < n) return;
        tok_have_ = 0;
        t = tok_;
      }
      if (!OnToken(t)) return;
    }
    if (phase_ == kDone) return;
  }
}

bool Scanner::OnToken(const uint8_t* t) {
  switch (phase_) {
    case kEnvWord: {
      const int32_t v = wire::LoadI32(t);
      if (v < 0) {
        const auto u = static_cast<uint32_t>(v);
        if ((u & kVersionMask) != kVersion1) {
          return Fail(StatusCode::kDataLoss, "bad version bits in the message header");
        }
        if (!IsValidMessageType(static_cast<uint8_t>(u & 0xff))) {
          return Fail(StatusCode::kDataLoss, "unknown message type " + std::to_string(u & 0xff));
        }
        strict_ = 1;
        phase_ = kEnvNameLen;
        return true;
      }
      if (limits_.strict_read) {
        return Fail(StatusCode::kDataLoss, "non-strict message header while strict_read is set");
      }
      strict_ = 0;
      return StartName(v);
    }
    case kEnvNameLen:
      return StartName(wire::LoadI32(t));
    case kEnvType:
      if (!IsValidMessageType(t[0])) {
        return Fail(StatusCode::kDataLoss, "unknown message type " + std::to_string(t[0]));
      }
      phase_ = kEnvSeqid;
      return true;
    case kEnvSeqid:
      return Push(MakeEntry(kEntryStruct, 0, 0, 0)) && Next();
    case kFieldType:
      if (t[0] == static_cast<uint8_t>(TType::kStop)) {
        state_.stack.pop_back();
        return Next();
      }
      if (!IsValidTType(t[0])) {
        return Fail(StatusCode::kDataLoss, "invalid field type id " + std::to_string(t[0]));
      }
      field_type_ = t[0];
      phase_ = kFieldId;
      return true;
    case kFieldId:
      return BeginValue(field_type_);
    case kStrLen: {
      const int32_t n = wire::LoadI32(t);
      if (n < 0) return Fail(StatusCode::kDataLoss, "negative string length");
      if (static_cast<size_t>(n) > limits_.max_string) {
        return Fail(StatusCode::kResourceExhausted,
                    "string of " + std::to_string(n) + " bytes exceeds max_string");
      }
      return SkipValue(static_cast<uint64_t>(n));
    }
    case kListHeader:
      return BeginList(t[0], wire::LoadI32(t + 1));
    case kMapHeader:
      return BeginMap(t[0], t[1], wire::LoadI32(t + 2));
    default:
      return Fail(StatusCode::kInternal, "token in a phase that reads none");
  }
}

bool Scanner::StartName(int32_t len) {
  if (len < 0) return Fail(StatusCode::kDataLoss, "negative message name length");
  if (static_cast<size_t>(len) > limits_.max_string) {
    return Fail(StatusCode::kResourceExhausted,
                "message name of " + std::to_string(len) + " bytes exceeds max_string");
  }
  if (static_cast<uint64_t>(len) > Room()) return TooLarge(static_cast<uint64_t>(len));
  if (len == 0) {
    phase_ = strict_ ? kEnvSeqid : kEnvType;
    return true;
  }
  skip_ = static_cast<uint64_t>(len);
  phase_ = kEnvName;
  return true;
}

bool Scanner::SkipValue(uint64_t n) {
  if (n > Room()) return TooLarge(n);
  if (n == 0) return Next();
  skip_ = n;
  phase_ = kSkipValue;
  return true;
}

bool Scanner::BeginValue(uint8_t type) {
  const auto t = static_cast<TType>(type);
  if (const size_t fixed = FixedWireSize(t); fixed != 0) return SkipValue(fixed);
  switch (t) {
    case TType::kString:
      phase_ = kStrLen;
      return true;
    case TType::kStruct:
      return Push(MakeEntry(kEntryStruct, 0, 0, 0)) && Next();
    case TType::kList:
    case TType::kSet:
      phase_ = kListHeader;
      return true;
    case TType::kMap:
      phase_ = kMapHeader;
      return true;
    default:
      return Fail(StatusCode::kDataLoss, "invalid type id " + std::to_string(type));
  }
}

bool Scanner::BeginList(uint8_t elem, int32_t n) {
  if (n == 0 ? !IsEmptyElementTType(elem) : !IsValidTType(elem)) {
    return Fail(StatusCode::kDataLoss, "invalid element type id " + std::to_string(elem));
  }
  if (n < 0) return Fail(StatusCode::kDataLoss, "negative element count");
  if (static_cast<size_t>(n) > limits_.max_container) {
    return Fail(StatusCode::kResourceExhausted,
                "list/set of " + std::to_string(n) + " elements exceeds max_container");
  }
  const auto e = static_cast<TType>(elem);
  const uint64_t count = static_cast<uint64_t>(n);
  // A forged count is refused now, not after waiting for bytes that cannot fit.
  if (count * wire::MinWireSize(e) > Room()) return TooLarge(count * wire::MinWireSize(e));
  if (const size_t fixed = FixedWireSize(e); fixed != 0) return SkipValue(count * fixed);
  return Push(MakeEntry(kEntryList, elem, 0, count)) && Next();
}

bool Scanner::BeginMap(uint8_t key, uint8_t value, int32_t n) {
  if (n == 0 ? !IsEmptyElementTType(key) || !IsEmptyElementTType(value)
             : !IsValidTType(key) || !IsValidTType(value)) {
    return Fail(StatusCode::kDataLoss, "invalid map key/value type ids " + std::to_string(key) +
                                           "/" + std::to_string(value));
  }
  if (n < 0) return Fail(StatusCode::kDataLoss, "negative map size");
  if (static_cast<size_t>(n) > limits_.max_container) {
    return Fail(StatusCode::kResourceExhausted,
                "map of " + std::to_string(n) + " entries exceeds max_container");
  }
  const auto k = static_cast<TType>(key), v = static_cast<TType>(value);
  const uint64_t count = static_cast<uint64_t>(n);
  const uint64_t min_entry = wire::MinWireSize(k) + wire::MinWireSize(v);
  if (count * min_entry > Room()) return TooLarge(count * min_entry);
  const size_t fk = FixedWireSize(k), fv = FixedWireSize(v);
  if (fk != 0 && fv != 0) return SkipValue(count * (fk + fv));
  return Push(MakeEntry(kEntryMap, value, key, 2 * count)) && Next();
}

bool Scanner::Push(uint64_t entry) {
  if (limits_.max_depth <= 0 || state_.stack.size() >= static_cast<size_t>(limits_.max_depth)) {
    return Fail(StatusCode::kResourceExhausted,
                "nesting deeper than max_depth (" + std::to_string(limits_.max_depth) + ")");
  }
  state_.stack.push_back(entry);
  return true;
}

bool Scanner::Next() {
  std::vector<uint64_t>& stack = state_.stack;
  for (;;) {
    if (stack.empty()) {
      phase_ = kDone;
      return true;
    }
    uint64_t& top = stack.back();
    const auto kind = static_cast<EntryKind>(top & 3);
    if (kind == kEntryStruct) {
      phase_ = kFieldType;
      return true;
    }
    uint64_t remaining = top >> kRemainingShift;
    if (remaining == 0) {
      stack.pop_back();
      continue;
    }
    --remaining;
    top = (top & ((uint64_t{1} << kRemainingShift) - 1)) | (remaining << kRemainingShift);
    const auto elem = static_cast<uint8_t>(top >> 8);
    const auto key = static_cast<uint8_t>(top >> 16);
    // A map's 2n items alternate key, value: an odd count left means a key
    // was just begun.
    const uint8_t type = (kind == kEntryMap && (remaining & 1) != 0) ? key : elem;
    return BeginValue(type);
  }
}

}  // namespace

FrameResult FrameBuffered(LinkBuffer& in, FrameState& state, const Limits& limits) {
  Scanner scanner(state, limits);
  return scanner.Run(in);
}

BufferedScanStats GetBufferedScanStats(const FrameState& state) {
  return {state.words[kPos], state.words[kExamined], state.words[kCalls]};
}

}  // namespace tern::thrift_fast
