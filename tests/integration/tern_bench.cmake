# `tern bench` against the demo's echo server, an absent server, and a
# server that answers every call with an exception.
tern_add_test(tern_bench_test MODULE tools LABEL integration
  SOURCES tern_bench_test.cc
  LIBS tern_core)
target_compile_definitions(tern_bench_test PRIVATE
  TERN_BIN="$<TARGET_FILE:tern>"
  TERN_ECHO_SERVER="$<TARGET_FILE:echo_server>")
add_dependencies(tern_bench_test tern echo_server)
