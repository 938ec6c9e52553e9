# Internal build helpers: warnings, sanitizers, tests, benchmarks.
# (tern_add_plugin lives in sdk/cmake so third-party plugins get the same flags.)
include_guard(GLOBAL)

# Flags for Tern's own targets (not for third-party code such as Apache's
# generated sources).
add_library(tern_warnings INTERFACE)
target_compile_options(tern_warnings INTERFACE -Wall -Wextra -Wno-unused-parameter
                       $<$<BOOL:${TERN_WERROR}>:-Werror>)
# GCC 12 reports false -Wrestrict errors inside std::string concatenation at
# -O2/-O3 (GCC bug 105329).
if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
  target_compile_options(tern_warnings INTERFACE -Wno-restrict)
endif()

if(TERN_SANITIZE)
  add_compile_options(-fsanitize=${TERN_SANITIZE} -fno-omit-frame-pointer -fno-sanitize-recover=all)
  add_link_options(-fsanitize=${TERN_SANITIZE})
endif()

# tern_add_test(<target> MODULE <module> [LABEL <label>] SOURCES ... [LIBS ...])
# One gtest binary per module; tests are discovered as "<module>.<Suite>.<Name>"
# so `ctest -R <module>` selects a module. Discovery runs at test time, so a
# slow sanitized binary never times out at build time.
function(tern_add_test target)
  cmake_parse_arguments(T "" "MODULE;LABEL;TIMEOUT" "SOURCES;LIBS" ${ARGN})
  if(NOT T_MODULE)
    message(FATAL_ERROR "tern_add_test(${target}): MODULE is required")
  endif()
  if(NOT T_LABEL)
    set(T_LABEL unit)
  endif()
  if(NOT T_TIMEOUT)
    set(T_TIMEOUT 300)
  endif()
  add_executable(${target} ${T_SOURCES})
  target_link_libraries(${target} PRIVATE ${T_LIBS} tern_test_main tern_warnings)
  gtest_discover_tests(${target}
    TEST_PREFIX "${T_MODULE}."
    DISCOVERY_MODE PRE_TEST
    PROPERTIES LABELS "${T_LABEL}" TIMEOUT ${T_TIMEOUT}
               ENVIRONMENT "GLOG_logtostderr=1")
endfunction()

# tern_add_bench(<target> SOURCES ... [LIBS ...]): Google Benchmark binary,
# compiled whenever TERN_BUILD_BENCH is on, never registered with CTest.
function(tern_add_bench target)
  if(NOT TERN_BUILD_BENCH)
    return()
  endif()
  cmake_parse_arguments(B "" "" "SOURCES;LIBS" ${ARGN})
  add_executable(${target} ${B_SOURCES})
  target_link_libraries(${target} PRIVATE ${B_LIBS} benchmark::benchmark tern_warnings)
endfunction()

# tern_add_fuzz(<target> MODULE <module> SOURCES ... [LIBS ...] CORPUS <dir>)
# With clang and TERN_FUZZ=ON: a libFuzzer binary <target> (run by
# tools/sanitize.sh for a bounded time). Always: <target>_replay, a gtest that
# feeds every corpus file to the target once (label "fuzz").
option(TERN_FUZZ "Build libFuzzer binaries (needs clang)" OFF)
function(tern_add_fuzz target)
  cmake_parse_arguments(F "" "MODULE;CORPUS" "SOURCES;LIBS" ${ARGN})
  if(TERN_FUZZ AND CMAKE_CXX_COMPILER_ID MATCHES "Clang")
    add_executable(${target} ${F_SOURCES})
    target_compile_options(${target} PRIVATE -fsanitize=fuzzer)
    target_link_options(${target} PRIVATE -fsanitize=fuzzer)
    target_link_libraries(${target} PRIVATE ${F_LIBS} tern_warnings)
  endif()
  add_executable(${target}_replay ${F_SOURCES} ${PROJECT_SOURCE_DIR}/tests/testing/fuzz_replay_main.cc)
  target_compile_definitions(${target}_replay PRIVATE TERN_FUZZ_CORPUS="${F_CORPUS}")
  target_link_libraries(${target}_replay PRIVATE ${F_LIBS} tern_core GTest::gtest tern_warnings)
  gtest_discover_tests(${target}_replay
    TEST_PREFIX "${F_MODULE}.fuzz."
    DISCOVERY_MODE PRE_TEST
    PROPERTIES LABELS "fuzz" TIMEOUT 300 ENVIRONMENT "GLOG_logtostderr=1")
endfunction()

# tern_check_headers: compiles every public header on its own with
# -Wall -Wextra -Werror, so each one includes what it uses. (testing/ headers
# need gtest and generated code; they are compiled by the tests that use them
# and, installed, by the ctest sdk.consumer.headers.) CONFIGURE_DEPENDS: a
# header added later is checked without re-running CMake by hand.
function(tern_add_header_check)
  file(GLOB_RECURSE headers CONFIGURE_DEPENDS RELATIVE ${PROJECT_SOURCE_DIR}/sdk/include
       ${PROJECT_SOURCE_DIR}/sdk/include/tern/*.h)
  list(FILTER headers EXCLUDE REGEX "^tern/testing/")
  set(srcs)
  foreach(h ${headers})
    string(MAKE_C_IDENTIFIER ${h} id)
    set(src ${PROJECT_BINARY_DIR}/header_check/${id}.cc)
    file(GENERATE OUTPUT ${src} CONTENT "#include \"${h}\"\n#include \"${h}\"  // twice: include guards\n")
    list(APPEND srcs ${src})
  endforeach()
  add_library(tern_check_headers OBJECT ${srcs})
  target_link_libraries(tern_check_headers PRIVATE tern_core Boost::headers)
  target_compile_options(tern_check_headers PRIVATE -Wall -Wextra -Werror)
endfunction()

# tern_apache_generate(<out_var> IDL <idl> NAMESPACE <ns> NAME <copy> [GEN <gen>])
# Apache Thrift's C++ code (`thrift --gen <gen>`, default `cpp`) for a copy
# of <idl> named <copy>.thrift whose `namespace cpp` becomes <ns>, so Apache's
# and Tern's types never clash in one binary. Apache is a test and benchmark
# peer only. Appends the .cpp files to <out_var>; <out_var>_DIR is the
# include directory.
function(tern_apache_generate out_var)
  cmake_parse_arguments(A "" "IDL;NAMESPACE;NAME;GEN" "" ${ARGN})
  if(NOT A_GEN)
    set(A_GEN cpp)
  endif()
  find_program(THRIFT_COMPILER thrift REQUIRED)
  set(dir ${CMAKE_CURRENT_BINARY_DIR}/apache_${A_NAME})
  set(copy ${dir}/${A_NAME}.thrift)
  add_custom_command(
    OUTPUT ${dir}/${A_NAME}_types.h ${dir}/${A_NAME}_types.cpp
    COMMAND ${CMAKE_COMMAND} -E make_directory ${dir}
    COMMAND sed -e "s/^namespace cpp .*/namespace cpp ${A_NAMESPACE}/" ${A_IDL} > ${copy}
    COMMAND ${THRIFT_COMPILER} --gen ${A_GEN} -out ${dir} ${copy}
    DEPENDS ${A_IDL}
    COMMENT "thrift --gen ${A_GEN} ${A_NAME}.thrift (Apache peer)"
    VERBATIM)
  set(${out_var} ${${out_var}} ${dir}/${A_NAME}_types.cpp PARENT_SCOPE)
  set(${out_var}_DIR ${dir} PARENT_SCOPE)
endfunction()
