# `tern new` end to end on the installed SDK (tern_new_test.sh): scaffold a
# project from tern_new/shop.thrift, build it with find_package(Tern), serve
# it on loopback, call every method, stop it with SIGTERM; and the refusals
# (several services, an existing project, a method added to the IDL, --force).
# Needs the `tern.install` fixture (tests/sdk), which sanitizer builds skip.
if(NOT TERN_SANITIZE)
  add_test(NAME sdk.tern_new
    COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/tern_new_test.sh
            ${TERN_TEST_INSTALL_PREFIX}
            ${CMAKE_CURRENT_SOURCE_DIR}/tern_new
            ${CMAKE_CURRENT_BINARY_DIR}/tern_new_work)
  set_tests_properties(sdk.tern_new PROPERTIES
    FIXTURES_REQUIRED tern.install LABELS sdk TIMEOUT 300)
endif()
