// A differential test of a decoder against a peer's (Apache Thrift's), on
// bytes that are almost right (tern/testing/mutate.h): valid bytes for a
// seed, mutated, read by both. They must agree:
//   - both refuse the bytes, or
//   - both accept them, consume the same number of bytes, and hold the same
//     value: ours, re-encoded, equals our reading of the peer's value
//     re-encoded (so a peer's own representation of a value, e.g. Apache's
//     null for an empty `&` struct, is judged by what it means to us);
// except where the test says the two differ on purpose (`tolerated`), and,
// for a type holding a union, where two members on the wire leave the peer
// with two set (Apache's C++ unions are structs) and us with the last.
// Both kinds of exception stay rare (max_tolerated), or the test fails.
//
// A codec author runs it against the peer of the protocol:
//
//   DifferentialCase c;
//   c.name = "Scalars";
//   c.good = [](uint64_t seed) { /* a seeded random value, encoded */ };
//   c.ours = [](const std::string& b) { /* read with my codec, re-encode */ };
//   c.theirs = [](const std::string& b) { /* read with Apache, re-encode */ };
//   RunDifferential(c, /*values=*/40, /*mutations=*/250);
#pragma once

#include <gtest/gtest.h>

#include <cstddef>
#include <cstdint>
#include <exception>
#include <functional>
#include <string>

#include "tern/buffer.h"
#include "tern/codec.h"
#include "tern/testing/mutate.h"

namespace tern::testing {

// One reader's verdict on one input: accepted (bytes consumed, its value
// re-encoded by that reader's side) or refused (why).
struct ReadOutcome {
  bool ok = false;
  size_t consumed = 0;
  std::string reencoded;
  std::string error;
};

struct DifferentialCase {
  std::string name;
  std::function<std::string(uint64_t seed)> good;
  std::function<ReadOutcome(const std::string& bytes)> ours;
  std::function<ReadOutcome(const std::string& bytes)> theirs;
  // Where a verdict may differ on purpose (null: nowhere).
  std::function<bool(const ReadOutcome& ours, const ReadOutcome& theirs, const std::string& bytes)>
      tolerated;
  // The share of inputs `tolerated` may excuse before the test fails. Raise
  // it only where a kept difference sits in most inputs' few bytes (e.g. a
  // message header's type byte), and say why.
  double max_tolerated = 0.1;
  // Called with each input and our outcome, for checks of our own (other
  // readers of ours that must agree exactly); may use gtest assertions.
  std::function<void(const std::string& bytes, const ReadOutcome& ours, const std::string& where)>
      also;
  bool has_union = false;
};

// The outcome of a peer's reader that throws on refusal (Apache's):
// read(&consumed) reads, sets the bytes consumed and returns the value
// re-encoded.
template <class Read>
ReadOutcome CatchOutcome(Read&& read) {
  ReadOutcome o;
  try {
    o.reencoded = read(&o.consumed);
    o.ok = true;
  } catch (const std::exception& e) {
    o.error = e.what();
  }
  return o;
}

inline std::string Verdict(const ReadOutcome& o) { return o.ok ? "accepted" : o.error; }

// A codec's framer on `bytes` (all of them buffered at once) as an outcome:
// accepted when it finds a frame (consumed: its size; re-encoded: its
// bytes), refused when it waits for more ("incomplete") or fails. For a
// differential test of a framer against the peer's reading of one message.
inline ReadOutcome FrameOutcome(const Codec& codec, const std::string& bytes,
                                const Limits& limits) {
  LinkBuffer in;
  in.Write(bytes.data(), bytes.size());
  in.Flush();
  FrameState state;
  const FrameResult r = codec.Frame(in, state, limits);
  ReadOutcome o;
  switch (r.what) {
    case FrameResult::kFrame:
      o.ok = true;
      o.consumed = r.size;
      o.reencoded = bytes.substr(0, r.size);
      break;
    case FrameResult::kNeedMore:
      o.error = "incomplete: needs more bytes";
      break;
    case FrameResult::kError:
      o.error = r.error.ToString();
      break;
  }
  return o;
}

// The unmutated inputs of the first `values` seeds: both readers accept
// every one, consume the same bytes and re-encode it the same way (so the
// mutated runs start from inputs both read alike).
inline void ExpectAgreeOnGood(const DifferentialCase& c, int values) {
  for (int seed = 1; seed <= values; ++seed) {
    const std::string bytes = c.good(static_cast<uint64_t>(seed));
    const ReadOutcome ours = c.ours(bytes);
    const ReadOutcome theirs = c.theirs(bytes);
    ASSERT_TRUE(ours.ok) << c.name << " seed " << seed << ": " << ours.error;
    ASSERT_TRUE(theirs.ok) << c.name << " seed " << seed << ": " << theirs.error;
    EXPECT_EQ(ours.consumed, theirs.consumed) << c.name << " seed " << seed;
    EXPECT_EQ(Hex(ours.reencoded), Hex(theirs.reencoded)) << c.name << " seed " << seed;
  }
}

inline void RunDifferential(const DifferentialCase& c, int values, int mutations) {
  int accepted = 0, tolerated = 0, union_differs = 0;
  for (int seed = 1; seed <= values; ++seed) {
    const std::string good = c.good(static_cast<uint64_t>(seed));
    Mutator mutator(static_cast<uint64_t>(seed) * 104729 + good.size());
    for (int m = 0; m < mutations; ++m) {
      const std::string bytes = mutator.Mutate(good);
      const std::string where = c.name + " seed " + std::to_string(seed) + " mutation " +
                                std::to_string(m) + "\nbytes: " + Hex(bytes);
      const ReadOutcome ours = c.ours(bytes);
      if (c.also) {
        c.also(bytes, ours, where);
        if (::testing::Test::HasFatalFailure()) return;
      }
      const ReadOutcome theirs = c.theirs(bytes);
      if (ours.ok != theirs.ok && c.tolerated && c.tolerated(ours, theirs, bytes)) {
        ++tolerated;
        continue;
      }
      ASSERT_EQ(ours.ok, theirs.ok)
          << where << "\npeer: " << Verdict(theirs) << "\nours: " << Verdict(ours);
      if (!ours.ok) continue;
      ++accepted;
      ASSERT_EQ(ours.consumed, theirs.consumed) << where;
      const ReadOutcome carried = c.ours(theirs.reencoded);
      ASSERT_TRUE(carried.ok) << where << "\npeer's value: " << Hex(theirs.reencoded)
                              << "\nours on it: " << carried.error;
      if (c.has_union && ours.reencoded != carried.reencoded) {
        ++union_differs;
        continue;
      }
      ASSERT_EQ(Hex(ours.reencoded), Hex(carried.reencoded))
          << where << "\npeer's value: " << Hex(theirs.reencoded);
    }
  }
  // Most edits break the bytes; some must not (a changed value, a cut after
  // the last field), or the comparison above proved little.
  EXPECT_GT(accepted, 0) << c.name << ": no mutation was accepted by both";
  EXPECT_LT(tolerated, c.max_tolerated * values * mutations) << c.name;
  EXPECT_LT(union_differs, accepted / 10 + 1) << c.name;
}

}  // namespace tern::testing
