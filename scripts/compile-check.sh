#!/usr/bin/env bash
# Compile check of gracepack against one Slurm release's public headers and libslurm.
#
#   scripts/compile-check.sh PREFIX        e.g. /opt/slurm/23.11: PREFIX/include/slurm/*.h and
#                                          PREFIX/lib/libslurm.so (as --fetch-build installs them)
#   scripts/compile-check.sh system        the Slurm that CMake finds by itself (Debian's
#                                          libslurm-dev: /usr/include/slurm, /usr/lib/<arch>)
#
# Configures and builds gracepack (BUILD_TESTING=OFF, no benchmark) in build-compile-<M.m>/
# (build-compile-system/ for "system") under the source tree, keeps going past the first failing
# file, and exits 1 on a compile or link error after printing the errors (the full log stays in
# <build dir>/compile-check.log; GP_VERBOSE=1 prints all of it). Two more checks, also exit 1:
#  - no object may have been compiled with another release's headers (e.g. /usr/include/slurm when
#    PREFIX is given), read from the compiler's dependency files;
#  - every slurm_* symbol the plugin leaves undefined (resolved at load time by the Slurm process)
#    must be exported by that release's libslurm.
# Exit 2: bad usage, a missing Slurm prefix, or CMake's configure step failed.
#
#   scripts/compile-check.sh --fetch-build VER SOURCE
#
# Builds and installs the headers and libslurm of Slurm release VER (e.g. 23.11, 25.11), which no
# Debian release ships, so that a PREFIX above exists: extracts SOURCE into
# ${GP_SLURM_SRC_ROOT:-/opt/slurm-src}/VER, runs Slurm's ./configure with
# --prefix=${GP_SLURM_PREFIX_ROOT:-/opt/slurm}/VER and every optional feature that needs another
# library turned off, builds only src/api's libslurm.la (and the generated slurm_version.h), and
# installs PREFIX/include/slurm/*.h and PREFIX/lib/libslurm.so*. Needs gcc, make and root (or
# write access to both roots); on 2 CPUs it took 20-35 s of configure and 45-100 s of make -j2.
# SOURCE is one of
#   - a Slurm source tree (a directory with ./configure), copied into the directory above;
#   - a release tarball (slurm-23.11.11.tar.bz2 from download.schedmd.com, .tar.gz, ...);
#   - GITDIR@TAG: a tag of a clone of https://github.com/SchedMD/slurm (git archive), e.g.
#     /work/.mirror/SchedMD+slurm/repo@slurm-23-11-11-1.
# The Slurm sources are not available in CI (no network there), so CI never calls --fetch-build:
# it runs the compile check against "system" only, or against prefixes already on the machine.
#
# Environment: GP_JOBS (make -j, default 2), GP_SOURCE_DIR (the gracepack tree to check, default
# this script's), GP_BUILD_DIR (the build directory, default as above), GP_VERBOSE=1.
set -uo pipefail

JOBS=${GP_JOBS:-2}
die() { echo "compile-check: $*" >&2; exit 2; }
fresh_dir() { rm -rf "$1"; mkdir -p "$1" || die "cannot create $1"; }
indent() { sed 's/^/  /'; }
usage() { sed -n '2,/^set -uo/p' "$0" | sed '$d; s/^# \{0,1\}//' >&2; exit 2; }

# --- --fetch-build: Slurm's headers and libslurm into /opt/slurm/VER --------------------------
fetch_build() {
  local ver=$1 source=$2
  [[ $ver =~ ^[0-9]+\.[0-9]+$ ]] || die "--fetch-build: VER is major.minor, e.g. 23.11 (got '$ver')"
  local src=${GP_SLURM_SRC_ROOT:-/opt/slurm-src}/$ver prefix=${GP_SLURM_PREFIX_ROOT:-/opt/slurm}/$ver
  local t0 t1 t2 t3
  for tool in gcc make tar; do
    command -v $tool >/dev/null || die "--fetch-build needs $tool (apt-get install gcc make tar)"
  done
  t0=$(date +%s)
  if [[ $source == *@* && -d ${source%@*} ]]; then
    local gitdir=${source%@*} tag=${source##*@}
    git --git-dir="$gitdir" rev-parse -q --verify "refs/tags/$tag" >/dev/null ||
      die "--fetch-build: no tag $tag in $gitdir"
    fresh_dir "$src"
    git --git-dir="$gitdir" archive "$tag" | tar -x -C "$src" || die "git archive $tag failed"
  elif [[ -f $source ]]; then
    fresh_dir "$src"
    tar -xf "$source" -C "$src" --strip-components=1 || die "cannot extract $source"
  elif [[ -x $source/configure ]]; then
    if [[ $(realpath "$source") != $(realpath -m "$src") ]]; then
      fresh_dir "$src"
      cp -a "$source"/. "$src"/ || die "cannot copy $source"
    fi
  else
    die "--fetch-build: SOURCE '$source' is neither a Slurm tree, a tarball nor GITDIR@TAG"
  fi
  [[ -x $src/configure && -f $src/slurm/slurm_version.h.in ]] || die "$src is not a Slurm source tree"
  local got
  got=$(sed -n 's/^[[:space:]]*Version:[[:space:]]*\([0-9]*\.[0-9]*\).*/\1/p' "$src/META")
  [[ $got == "$ver" ]] || die "$src is Slurm $got, not $ver"

  # Every optional feature that needs a library this build does not need. configure warns about
  # options another release does not know: pass only those it lists. No --without-lz4: 26.05's
  # configure then fails ("conditional BUILD_LZ4 was never defined"); lz4 is found only where
  # liblz4-dev is installed, and is harmless then.
  local wanted=(--disable-static --disable-dependency-tracking --disable-x11 --disable-sview
    --disable-slurmrestd --disable-pam --disable-cgroupv2 --without-munge --without-readline
    --without-hwloc --without-json --without-jwt --without-yaml --without-http-parser
    --without-pmix --without-ucx --without-rdkafka --without-s2n --without-bpf --without-lua
    --without-hdf5 --without-nvml --without-rsmi --without-oneapi --without-freeipmi
    --without-ofed --without-libcurl --without-rrdtool --without-datawarp)
  local known opts=() o
  known=$(cd "$src" && ./configure --help)
  for o in "${wanted[@]}"; do
    local base=${o#--}; base=${base#disable-}; base=${base#enable-}; base=${base#without-}; base=${base#with-}
    grep -qE -- "--(enable|disable|with|without)-$base(=|\\[| |$)" <<<"$known" && opts+=("$o")
  done
  local log=$src/gracepack-fetch-build.log
  echo "compile-check: configuring Slurm $ver in $src (log: $log)"
  (cd "$src" && ./configure --prefix="$prefix" "${opts[@]}") >"$log" 2>&1 ||
    { tail -30 "$log" >&2; die "Slurm's configure failed"; }
  t1=$(date +%s)
  echo "compile-check: building libslurm (make -j$JOBS -C src/api)"
  # version.map is a BUILT_SOURCE of src/api that libslurm.la's link needs; the convenience
  # libraries (src/common, src/interfaces, src/conmgr) are built through src/api's force rules.
  make -C "$src/src/api" -j"$JOBS" version.map libslurm.la >>"$log" 2>&1 ||
    { grep -E 'error|Error' "$log" | tail -30 >&2; die "building libslurm failed (see $log)"; }
  t2=$(date +%s)
  rm -rf "$prefix"
  { make -C "$src/src/api" install-libLTLIBRARIES && make -C "$src" install-pkgincludeHEADERS; } \
    >>"$log" 2>&1 || { tail -20 "$log" >&2; die "installing into $prefix failed"; }
  rm -f "$prefix"/lib/libslurm.la
  t3=$(date +%s)
  local f
  for f in slurm.h spank.h slurm_errno.h slurm_version.h; do
    [[ -f $prefix/include/slurm/$f ]] || die "$prefix/include/slurm/$f missing after install"
  done
  [[ -e $prefix/lib/libslurm.so ]] || die "$prefix/lib/libslurm.so missing after install"
  local num
  num=$(sed -n 's/^#define SLURM_VERSION_NUMBER 0x\([0-9a-fA-F]*\).*/\1/p' \
    "$prefix/include/slurm/slurm_version.h")
  echo "compile-check: Slurm $(printf '%d.%02d.%d' $((0x$num >> 16 & 255)) $((0x$num >> 8 & 255)) \
    $((0x$num & 255))) installed in $prefix (extract and configure $((t1 - t0)) s," \
    "make $((t2 - t1)) s, install $((t3 - t2)) s)"
}

# --- the compile check -----------------------------------------------------------------------
compile_check() {
  local target=$1
  local srcdir=${GP_SOURCE_DIR:-$(cd "$(dirname "$0")/.." && pwd)}
  [[ -f $srcdir/CMakeLists.txt ]] || die "no CMakeLists.txt in $srcdir"
  local cmake_args=(-DCMAKE_BUILD_TYPE=RelWithDebInfo -DBUILD_TESTING=OFF
    -DCMAKE_DISABLE_FIND_PACKAGE_benchmark=ON) label prefix="" incdir lib
  if [[ $target == system ]]; then
    label=system
  else
    prefix=$(realpath -e "$target" 2>/dev/null) || die "no such Slurm prefix: $target"
    incdir=$prefix/include
    lib=$prefix/lib/libslurm.so
    [[ -f $incdir/slurm/spank.h && -f $incdir/slurm/slurm_version.h ]] ||
      die "$incdir/slurm/{spank.h,slurm_version.h} missing (build it: $0 --fetch-build VER SOURCE)"
    [[ -e $lib ]] || die "$lib missing"
    local num
    num=$(sed -n 's/^#define SLURM_VERSION_NUMBER 0x\([0-9a-fA-F]*\).*/\1/p' "$incdir/slurm/slurm_version.h")
    [[ -n $num ]] || die "no SLURM_VERSION_NUMBER in $incdir/slurm/slurm_version.h"
    label=$(printf '%d.%02d' $((0x$num >> 16 & 255)) $((0x$num >> 8 & 255)))
    # The plugin directory only sets where "install" would put the plugin and what the drop-in
    # names; point it into the prefix so that Debian's own Slurm is not consulted.
    cmake_args+=(-DSLURM_INCLUDE_DIR="$incdir" -DSLURM_LIBRARY="$lib"
      -DGRACEPACK_SLURM_PLUGIN_DIR="$prefix/lib/slurm")
  fi
  local build=${GP_BUILD_DIR:-$srcdir/build-compile-$label}
  local log=$build/compile-check.log
  mkdir -p "$build" || die "cannot create $build"
  echo "compile-check: gracepack ($srcdir) against Slurm ${prefix:-system}, in $build"
  if ! cmake -S "$srcdir" -B "$build" "${cmake_args[@]}" >"$log" 2>&1; then
    cat "$log" >&2
    die "CMake's configure step failed"
  fi
  grep -m1 'Building against Slurm' "$log" | sed 's/^-- /compile-check: /'
  # Keep going past the first failing file so that every error shows up.
  local keep=(-k)
  [[ -f $build/build.ninja ]] && keep=(-k 0)
  local rc=0 t0=$SECONDS
  cmake --build "$build" -j"$JOBS" -- "${keep[@]}" >>"$log" 2>&1 || rc=1
  if [[ ${GP_VERBOSE:-0} == 1 ]]; then cat "$log"; fi
  if [[ $rc != 0 ]]; then
    echo "compile-check: FAILED against Slurm $label ($((SECONDS - t0)) s); the errors:" >&2
    local errors
    errors=$(grep -E 'error:|undefined reference|ld returned' "$log")
    [[ -n $errors ]] || errors=$(tail -30 "$log")
    indent <<<"$errors" >&2
    echo "compile-check: full log: $log" >&2
  fi

  # Headers of another release in a dependency file: two Slurm include directories mixed.
  if [[ -n $prefix ]]; then
    local mixed
    mixed=$(find "$build" -name '*.d' -path '*CMakeFiles*' -print0 2>/dev/null |
      xargs -0r grep -lE '(^|[[:space:]])/usr(/local)?/include/slurm/' 2>/dev/null)
    if [[ -n $mixed ]]; then
      echo "compile-check: these objects were compiled with /usr/include/slurm, not $incdir:" >&2
      indent <<<"$mixed" >&2
      rc=1
    fi
  fi

  # The plugin is a MODULE: the linker does not check its undefined symbols. Check the slurm_*
  # ones against the libslurm of that release.
  local so=$build/gracepack.so
  if [[ -f $so ]]; then
    [[ -n $prefix ]] || lib=$(sed -n 's/^SLURM_LIBRARY:FILEPATH=//p' "$build/CMakeCache.txt")
    local missing
    missing=$(comm -23 \
      <(nm -D --undefined-only "$so" | awk '{print $2}' | sed 's/@.*//' | grep '^slurm_' | sort -u) \
      <(nm -D --defined-only "$lib" | awk '{print $3}' | sed 's/@.*//' | sort -u))
    if [[ -n $missing ]]; then
      echo "compile-check: gracepack.so needs slurm_* symbols that $lib does not export:" >&2
      indent <<<"$missing" >&2
      rc=1
    fi
  fi
  if [[ $rc == 0 ]]; then
    echo "compile-check: OK against Slurm $label ($((SECONDS - t0)) s)"
  fi
  return $rc
}

case ${1:-} in
  --fetch-build) [[ $# == 3 ]] || usage; fetch_build "$2" "$3" ;;
  -h | --help | "") usage ;;
  -*) usage ;;
  *) [[ $# == 1 ]] || usage; compile_check "$1" ;;
esac
