# tern_generate(<out_var> <file.thrift>... [OUTPUT_DIR <dir>] [INCLUDE_DIRS <dir>...]
#               [ALLOC std|pmr])
#
# Runs `tern gen` at build time on each IDL file and appends the generated
# sources to <out_var> (and the output directory to <out_var>_INCLUDE_DIR).
# Generated code is never committed: it is rebuilt when the IDL or the
# generator changes. A file with `service` definitions also yields
# <name>_services.h/.cc (detected when CMake configures; re-run CMake after
# adding the first service to an IDL). ALLOC pmr generates std::pmr strings
# and containers and allocator-aware structs, to decode into an arena
# (`tern gen --alloc=pmr`); every file of a program must use the same ALLOC.
#
# The generator is the `tern` target of the build (Tern's own tree) or the
# installed Tern::tern. Set TERN_GEN_EXECUTABLE to a `tern` built elsewhere to
# use that one instead, as a cross or sanitizer build uses a host tool: the
# generated code does not depend on how the generator was compiled.
include_guard(GLOBAL)

function(tern_generate out_var)
  cmake_parse_arguments(G "" "OUTPUT_DIR;ALLOC" "INCLUDE_DIRS" ${ARGN})
  set(idls ${G_UNPARSED_ARGUMENTS})
  if(NOT G_OUTPUT_DIR)
    set(G_OUTPUT_DIR ${CMAKE_CURRENT_BINARY_DIR}/tern_gen)
  endif()
  if(TERN_GEN_EXECUTABLE)
    set(tern_exe ${TERN_GEN_EXECUTABLE})
    set(tern_dep ${TERN_GEN_EXECUTABLE})
  elseif(TARGET tern)
    set(tern_exe $<TARGET_FILE:tern>)
    set(tern_dep tern)
  elseif(TARGET Tern::tern)
    set(tern_exe $<TARGET_FILE:Tern::tern>)
    set(tern_dep Tern::tern)
  else()
    message(FATAL_ERROR "tern_generate: no `tern` executable target (in tree: tools/tern; installed: Tern::tern)")
  endif()
  set(alloc_args)
  if(G_ALLOC)
    if(NOT G_ALLOC MATCHES "^(std|pmr)$")
      message(FATAL_ERROR "tern_generate: ALLOC must be std or pmr, not '${G_ALLOC}'")
    endif()
    set(alloc_args --alloc=${G_ALLOC})
  endif()
  set(include_args)
  foreach(dir ${G_INCLUDE_DIRS})
    list(APPEND include_args -I ${dir})
  endforeach()
  file(MAKE_DIRECTORY ${G_OUTPUT_DIR})
  set(srcs)
  foreach(idl ${idls})
    get_filename_component(idl_abs ${idl} ABSOLUTE)
    get_filename_component(base ${idl} NAME_WE)
    set(outputs ${G_OUTPUT_DIR}/${base}_types.h ${G_OUTPUT_DIR}/${base}_types.cc)
    file(READ ${idl_abs} idl_text)
    if(idl_text MATCHES "(^|\n)[ \t]*service[ \t\n]")
      list(APPEND outputs ${G_OUTPUT_DIR}/${base}_services.h ${G_OUTPUT_DIR}/${base}_services.cc)
    endif()
    add_custom_command(
      OUTPUT ${outputs}
      COMMAND ${tern_exe} gen -o ${G_OUTPUT_DIR} ${alloc_args} ${include_args} ${idl_abs}
      DEPENDS ${idl_abs} ${tern_dep}
      COMMENT "tern gen ${base}.thrift"
      VERBATIM)
    list(APPEND srcs ${outputs})
  endforeach()
  set(${out_var} ${${out_var}} ${srcs} PARENT_SCOPE)
  set(${out_var}_INCLUDE_DIR ${G_OUTPUT_DIR} PARENT_SCOPE)
endfunction()
