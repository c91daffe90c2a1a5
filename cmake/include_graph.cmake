cmake_minimum_required(VERSION 3.20)
# Prints the include graph between gracepack's layers and the core's concerns, as the compiler
# resolves it (-MM over every source file of compile_commands.json), and fails on an arrow that
# the design does not draw. Run as
#   cmake -DBUILD_DIR=build -DSOURCE_DIR=. -P cmake/include_graph.cmake
# The layers, lowest first: core < os < slurm < features < spank; watcher and tools are programs
# on top of core/os/slurm. The core is four concerns: base <- preempt, base <- pack, and
# base + preempt <- report, which gracepack-report alone includes (with the report's tests and
# fuzz targets). The unit tests of a layer or concern count as that layer or concern; each fuzz
# target and tool is its own node. The allowed arrows (each node may also include itself):
set(core "core/base;core/preempt;core/pack")  # what the layers see of the core: no report
set(allowed_core/base "")
set(allowed_core/preempt "core/base")
set(allowed_core/pack "core/base")
set(allowed_core/report "core/base;core/preempt")
set(allowed_os "${core}")
set(allowed_slurm "${core};os")  # gracepack-ctl is run through os::process
set(allowed_features "${core};os;slurm")
set(allowed_spank "features;${core};os;slurm")
set(allowed_watcher "${core};os;slurm")
set(allowed_tools "${core};os;slurm")  # every tool, unless named below
set(allowed_tools/gracepack-report "${core};core/report;os;slurm")
set(allowed_fuzz "${core}")
set(allowed_fuzz/report "${core};core/report")
set(allowed_fuzz/json "${core};core/report")
set(allowed_bench "${core}")

file(READ ${BUILD_DIR}/compile_commands.json db)
string(JSON n LENGTH "${db}")
math(EXPR last "${n} - 1")
set(edges "")
foreach(i RANGE ${last})
  string(JSON src GET "${db}" ${i} file)
  string(JSON cmd GET "${db}" ${i} command)
  string(REPLACE "${SOURCE_DIR}/" "" rel "${src}")
  if(rel MATCHES "^(src|tests/unit)/(core/[a-z]+)/")
    set(from ${CMAKE_MATCH_2})
  elseif(rel MATCHES "^src/tools/([a-z-]+)\\.cpp$")
    set(from tools/${CMAKE_MATCH_1})
  elseif(rel MATCHES "^(src|tests/unit)/([a-z]+)/")
    set(from ${CMAKE_MATCH_2})
  elseif(rel MATCHES "^tests/fuzz/fuzz_([a-z_]+)\\.cpp$")
    set(from fuzz/${CMAKE_MATCH_1})
  elseif(rel MATCHES "^bench/")
    set(from bench)
  else()
    continue()
  endif()
  separate_arguments(args UNIX_COMMAND "${cmd}")
  # Drop -o FILE and -c: keep the flags that decide where an include resolves.
  list(FIND args "-o" o)
  list(REMOVE_AT args ${o})
  list(REMOVE_AT args ${o})
  list(REMOVE_ITEM args "-c")
  execute_process(COMMAND ${args} -MM -MG WORKING_DIRECTORY ${BUILD_DIR} OUTPUT_VARIABLE deps
                  RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "${src}: the compiler could not list its includes")
  endif()
  # A core header outside the concern folders counts as "core", which nothing may include.
  string(REGEX MATCHALL "(gracepack|src)/(core/[a-z]+/|(core|os|slurm|features|spank|watcher|tools)/)"
         hits "${deps}")
  foreach(h ${hits})
    string(REGEX REPLACE "^[a-z]+/(.*)/$" "\\1" to "${h}")
    set(self ${from})
    if(from MATCHES "^tools/")
      set(self tools)  # a tool's own file
    endif()
    if(NOT to STREQUAL self)
      list(APPEND edges "${from} -> ${to}")
    endif()
  endforeach()
endforeach()
list(REMOVE_DUPLICATES edges)
list(SORT edges)
set(bad "")
foreach(e ${edges})
  message("${e}")
  string(REGEX REPLACE " -> .*" "" from "${e}")
  string(REGEX REPLACE ".* -> " "" to "${e}")
  set(allowed allowed_${from})
  if(NOT DEFINED ${allowed})
    string(REGEX REPLACE "/.*" "" group "${from}")  # tools/gracepack-plan: allowed_tools
    set(allowed allowed_${group})
  endif()
  if(NOT to IN_LIST ${allowed})
    list(APPEND bad "${e}")
  endif()
endforeach()
if(bad)
  string(REPLACE ";" "\n  " bad "${bad}")
  message(FATAL_ERROR "arrows that point back up or sideways, or into the report:\n  ${bad}")
endif()
