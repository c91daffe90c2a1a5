# Fails the build when the core includes what it must not: Slurm's headers (they are in the
# system include path, so the layered include roots cannot stop them), libcap, or an os/slurm
# header of ours. Run before every build of gracepack_core.
file(GLOB_RECURSE files ${SOURCE_DIR}/src/core/*.cpp ${SOURCE_DIR}/include/gracepack/core/*.hpp)
set(bad "")
foreach(f ${files})
  file(STRINGS ${f} lines REGEX "^[ \t]*#[ \t]*include")
  foreach(l ${lines})
    if(l MATCHES "<slurm/|<sys/capability\\.h>|gracepack/(os|slurm)/|spank\\.h")
      list(APPEND bad "${f}: ${l}")
    endif()
  endforeach()
endforeach()
if(bad)
  string(REPLACE ";" "\n  " bad "${bad}")
  message(FATAL_ERROR "src/core must stay pure C++ (no Slurm, libcap or os header):\n  ${bad}")
endif()
