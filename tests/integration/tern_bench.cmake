# `tern bench` end to end: against the hand-written Thrift limit server (and
# its --corrupt mode), Tern's demo echo server, an absent server, and a
# server that answers every call with an exception.
#
# The limit server's source lives with the RPC benchmarks, which are built
# only with TERN_BUILD_BENCH (off in sanitizer builds); the test builds its
# own copy so it runs in every configuration.
tern_add_test(tern_bench_test MODULE tools LABEL integration
  SOURCES tern_bench_test.cc
  LIBS tern_core)
add_executable(tern_bench_test_limit_server
  ${PROJECT_SOURCE_DIR}/tests/bench/rpc_bench/thrift_limit_server.cc)
target_link_libraries(tern_bench_test_limit_server PRIVATE tern_core gflags tern_warnings)
target_compile_definitions(tern_bench_test PRIVATE
  TERN_BIN="$<TARGET_FILE:tern>"
  TERN_LIMIT_SERVER="$<TARGET_FILE:tern_bench_test_limit_server>"
  TERN_ECHO_SERVER="$<TARGET_FILE:echo_server>")
add_dependencies(tern_bench_test tern tern_bench_test_limit_server echo_server)
