cmake_minimum_required(VERSION 3.20)
# Fails the build when the core includes what it must not: Slurm's headers (they are in the
# system include path, so the layered include roots cannot stop them), libcap, or an os/slurm
# header of ours; when a concern of the core includes one it does not build on; or when anything
# but gracepack-report and the report's own tests and fuzz targets includes the report. Run before
# every build of the core's libraries, as
#   cmake -DSOURCE_DIR=. -P cmake/check_layers.cmake
# The concerns of the core and what each may include besides itself (the edges of CMakeLists.txt):
set(concern_base "")
set(concern_preempt "base")
set(concern_pack "base")
set(concern_report "base;preempt")
# Who may include the report, beside src/core/report, include/gracepack/core/report and
# tests/unit/core/report:
set(report_users src/tools/gracepack-report.cpp tests/fuzz/fuzz_report.cpp tests/fuzz/fuzz_json.cpp)

set(bad "")
file(GLOB_RECURSE files ${SOURCE_DIR}/src/core/*.cpp ${SOURCE_DIR}/include/gracepack/core/*.hpp)
foreach(f ${files})
  file(STRINGS ${f} lines REGEX "^[ \t]*#[ \t]*include")
  foreach(l ${lines})
    if(l MATCHES "<slurm/|<sys/capability\\.h>|gracepack/(os|slurm)/|spank\\.h")
      list(APPEND bad "${f}: ${l}")
    endif()
  endforeach()
endforeach()
set(message "")
if(bad)
  string(REPLACE ";" "\n  " bad "${bad}")
  string(APPEND message "src/core must stay pure C++ (no Slurm, libcap or os header):\n  ${bad}\n")
endif()

set(across "")
set(report "")
file(GLOB_RECURSE files RELATIVE ${SOURCE_DIR} ${SOURCE_DIR}/src/*.cpp ${SOURCE_DIR}/src/*.hpp
     ${SOURCE_DIR}/include/*.hpp ${SOURCE_DIR}/tests/unit/*.cpp ${SOURCE_DIR}/tests/unit/*.hpp
     ${SOURCE_DIR}/tests/fuzz/*.cpp ${SOURCE_DIR}/bench/*.cpp)
list(SORT files)
foreach(f ${files})
  set(concern "")
  if(f MATCHES "^(src|include/gracepack|tests/unit)/core/([a-z]+)/")
    set(concern ${CMAKE_MATCH_2})
  endif()
  file(STRINGS ${SOURCE_DIR}/${f} lines REGEX "^[ \t]*#[ \t]*include.*gracepack/core/")
  foreach(l ${lines})
    if(NOT l MATCHES "gracepack/core/([a-z]+)/")
      continue()
    endif()
    set(to ${CMAKE_MATCH_1})
    if(concern AND NOT to STREQUAL concern AND NOT to IN_LIST concern_${concern})
      list(APPEND across "${f}: ${l}")
    endif()
    if(to STREQUAL "report" AND NOT concern STREQUAL "report" AND NOT f IN_LIST report_users)
      list(APPEND report "${f}: ${l}")
    endif()
  endforeach()
endforeach()
if(across)
  string(REPLACE ";" "\n  " across "${across}")
  string(APPEND message "a concern of the core includes one it does not build on (base: none; "
         "preempt, pack: base; report: base, preempt):\n  ${across}\n")
endif()
if(report)
  string(REPLACE ";" "\n  " report "${report}")
  string(APPEND message "only gracepack-report and the report's tests include the report:\n  "
         "${report}\n")
endif()
if(message)
  message(FATAL_ERROR "${message}")
endif()
