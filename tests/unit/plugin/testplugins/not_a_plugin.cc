// An ordinary shared object with no Tern entry point. Its static initialiser
// would abort the process if the host ever loaded it: the host must refuse it
// from the symbol table alone.
#include <cstdlib>

namespace {
struct Bomb {
  Bomb() { std::abort(); }
};
Bomb bomb;
}  // namespace

extern "C" __attribute__((visibility("default"))) int not_a_plugin_function() { return 42; }
