# tern_add_plugin(<name> SOURCES <files...> [LIBS <libs...>]
#                 [OUTPUT_DIRECTORY <dir>] [NO_INSTALL])
#
# Builds a Tern plugin the way the ABI rules (sdk/include/tern/plugin.h)
# require: a MODULE library libtern_<name>.so (target tern_plugin_<name>),
# hidden visibility so only TERN_PLUGIN's alias is exported, linked to
# Tern::core shared, and -Wl,--no-undefined so a missing symbol fails the link
# rather than the first request. ISA flags belong on kernel files only: give
# them per source file (set_source_files_properties(... COMPILE_OPTIONS -mavx2)
# in the directory of the target) or build kernels as an OBJECT library.
#
# In Tern's own tree, plugins land in <build>/lib/tern/plugins, next to
# <build>/lib/libtern_core.so, mirroring the install layout
# (<prefix>/lib/tern/plugins), so the host finds them without settings.
include_guard(GLOBAL)
include(GNUInstallDirs)

function(tern_add_plugin name)
  cmake_parse_arguments(P "NO_INSTALL" "OUTPUT_DIRECTORY" "SOURCES;LIBS" ${ARGN})
  set(target tern_plugin_${name})
  add_library(${target} MODULE ${P_SOURCES})
  if(NOT P_OUTPUT_DIRECTORY)
    if(DEFINED TERN_PLUGIN_OUTPUT_DIRECTORY)
      set(P_OUTPUT_DIRECTORY ${TERN_PLUGIN_OUTPUT_DIRECTORY})
    else()
      set(P_OUTPUT_DIRECTORY ${CMAKE_CURRENT_BINARY_DIR})
    endif()
  endif()
  set_target_properties(${target} PROPERTIES
    PREFIX "lib"
    OUTPUT_NAME tern_${name}
    CXX_VISIBILITY_PRESET hidden
    C_VISIBILITY_PRESET hidden
    VISIBILITY_INLINES_HIDDEN ON
    POSITION_INDEPENDENT_CODE ON
    LIBRARY_OUTPUT_DIRECTORY ${P_OUTPUT_DIRECTORY}
    INSTALL_RPATH "$ORIGIN/../..")
  target_compile_features(${target} PRIVATE cxx_std_20)
  target_link_libraries(${target} PRIVATE Tern::core Boost::headers ${P_LIBS})
  # Sanitizer runtimes are not linked into shared objects, so --no-undefined
  # would reject every sanitized plugin.
  if(NOT TERN_SANITIZE AND NOT CMAKE_CXX_FLAGS MATCHES "-fsanitize")
    target_link_options(${target} PRIVATE -Wl,--no-undefined)
  endif()
  # Only the entry alias is exported. Hidden visibility does not cover the
  # weak instantiations of standard-library templates (std::map internals,
  # ...), which default to visible; a version script does.
  set(map ${CMAKE_BINARY_DIR}/tern_plugin_exports.map)
  if(NOT EXISTS ${map})
    file(WRITE ${map} "{\n  global: tern_plugin_info;\n  local: *;\n};\n")
  endif()
  target_link_options(${target} PRIVATE -Wl,--version-script=${map})
  set_property(TARGET ${target} APPEND PROPERTY LINK_DEPENDS ${map})
  if(NOT P_NO_INSTALL)
    install(TARGETS ${target} LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}/tern/plugins)
  endif()
endfunction()
