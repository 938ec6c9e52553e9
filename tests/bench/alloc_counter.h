// Counts heap allocations made through operator new (and the BlockPool's
// system allocations) so benchmarks can report allocations per operation.
// Link alloc_counter.cc into the benchmark binary to activate it.
#pragma once

#include <atomic>
#include <cstdint>

namespace tern::bench {

// Allocations through any form of operator new since the process started.
uint64_t NewCount();

}  // namespace tern::bench
