#!/usr/bin/env bash
# The builds and runs beyond this machine's own CPU, called by make:
#   test/cross.sh baseline   make test-baseline: ./w2v.so under qemu-x86_64 -cpu qemu64
#                            (an x86-64 with SSE2 only) through /usr/bin/sqlite3
#   test/cross.sh arm64      make test-arm64: cross-built for arm64 (Debian's
#                            gcc-aarch64-linux-gnu, the arm64 libsqlite3 and zlib
#                            through multiarch), the kernel checks and the smoke
#                            test under qemu-aarch64
#   test/cross.sh dll        make dll: w2v.dll with Debian's mingw-w64 (built, not run)
# A missing tool is installed when running as root with apt-get; when it
# cannot be, the target prints "SKIPPED: <reason>" and succeeds.  A real
# failure (a build error, a failed check) exits non-zero.
set -uo pipefail
cd "$(dirname "$0")/.."
what=$1; shift
skip(){ echo "SKIPPED: make $what: $*"; exit 0; }
as_root(){ [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; }
apt_install(){
  echo "make $what: installing $*"
  export DEBIAN_FRONTEND=noninteractive
  apt-get -o DPkg::Lock::Timeout=600 install -y -qq "$@" >/dev/null 2>&1 \
    || { apt-get -o DPkg::Lock::Timeout=600 update -qq >/dev/null 2>&1 \
         && apt-get -o DPkg::Lock::Timeout=600 install -y -qq "$@" >/dev/null 2>&1; }
}
# need FILE-OR-COMMAND PACKAGE...
need(){
  local x=$1; shift
  have(){ case $x in /*) [ -e "$x" ] ;; *) command -v "$x" >/dev/null ;; esac; }
  have && return 0
  as_root && apt_install "$@"
  have || skip "no $x (Debian: apt-get install $*)"
}
# the Makefile's lists: loss.c and knn.c only through the kern_*.c files
CORE=$(ls ext/core/*.c | grep -v -e '^ext/core/loss\.c$' -e '^ext/core/knn\.c$' | paste -sd' ')
SRC="$(ls ext/*.c | paste -sd' ') $CORE"
FLAGS="-Iinclude -Iext -Iext/core -O3 -g -Wall -Wextra -Wno-missing-field-initializers"

case $what in
baseline)
  [ "$(uname -m)" = x86_64 ] || skip "needs an x86-64 host"
  need qemu-x86_64 qemu-user
  [ -x /usr/bin/sqlite3 ] || skip "no /usr/bin/sqlite3 (Debian: apt-get install sqlite3)"
  [ -f w2v.so ] || { echo "make $what: no ./w2v.so"; exit 1; }
  q=(qemu-x86_64 -cpu qemu64)
  # an AVX2 kernel forced on this CPU: refused when loading, with the reason
  msg=$(W2V_KERNEL=avx2 "${q[@]}" /usr/bin/sqlite3 :memory: ".load ./w2v" 2>&1)
  case $msg in *"W2V_KERNEL=avx2: this CPU cannot run it"*) ;;
    *) echo "$what: W2V_KERNEL=avx2 on qemu64: expected a refusal, got [$msg]"; exit 1 ;; esac
  bash test/smoke.sh baseline ./w2v sse2 "${q[@]}" /usr/bin/sqlite3
  ;;
arm64)
  need aarch64-linux-gnu-gcc gcc-aarch64-linux-gnu
  need qemu-aarch64 qemu-user
  if [ ! -e /usr/lib/aarch64-linux-gnu/libsqlite3.so ] || [ ! -e /usr/lib/aarch64-linux-gnu/libz.so ]; then
    as_root || skip "no arm64 libsqlite3/zlib (as root: dpkg --add-architecture arm64; apt-get update; apt-get install libsqlite3-dev:arm64 zlib1g-dev:arm64)"
    dpkg --print-foreign-architectures | grep -qx arm64 || dpkg --add-architecture arm64
    apt-get -o DPkg::Lock::Timeout=600 update -qq >/dev/null 2>&1
    apt_install libsqlite3-dev:arm64 zlib1g-dev:arm64
    [ -e /usr/lib/aarch64-linux-gnu/libsqlite3.so ] && [ -e /usr/lib/aarch64-linux-gnu/libz.so ] \
      || skip "could not install libsqlite3-dev:arm64 zlib1g-dev:arm64"
  fi
  B=build/arm64
  mkdir -p $B
  cc=aarch64-linux-gnu-gcc
  echo "make $what: building with $cc"
  $cc $FLAGS -fPIC -shared -o $B/w2v.so $SRC -lz -lpthread -lm || exit 1
  $cc $FLAGS -o $B/unit test/unit.c $CORE -lz -lpthread -lm || exit 1
  $cc -O2 -o $B/smoke_shell test/smoke_shell.c -lsqlite3 || exit 1
  q=qemu-aarch64
  kernels=$($q $B/unit kernels | paste -sd' ')
  [ "$kernels" = "scalar neon" ] || { echo "$what: kernels [$kernels], expected [scalar neon]"; exit 1; }
  out=$($q $B/unit kernel-check | tail -1)
  case $out in "kernels 2 checks "*" failures 0") echo "arm64: $out" ;; *) echo "$what: kernel-check: $out"; exit 1 ;; esac
  for k in scalar neon; do
    for rows in "" random; do
      out=$(W2V_KERNEL=$k $q $B/unit knn 2000 37 10 1 $rows)
      [ "$out" = "queries 400 mismatches 0" ] || { echo "$what: knn ($k${rows:+, $rows}): $out"; exit 1; }
    done
  done
  echo "arm64: knn checks passed (scalar, neon)"
  bash test/smoke.sh arm64 $B/w2v neon $q $B/smoke_shell
  ;;
dll)
  need x86_64-w64-mingw32-gcc gcc-mingw-w64-x86-64
  need /usr/x86_64-w64-mingw32/lib/libz.a libz-mingw-w64-dev
  # the amalgamation's two headers (Debian's libsqlite3-dev installs them),
  # alone in a directory: mingw must not see the rest of /usr/include
  [ -f /usr/include/sqlite3ext.h ] || skip "no sqlite3.h/sqlite3ext.h (Debian: apt-get install libsqlite3-dev)"
  B=build/dll
  mkdir -p $B/include
  cp /usr/include/sqlite3.h /usr/include/sqlite3ext.h $B/include/
  cc=x86_64-w64-mingw32-gcc
  # zlib and winpthreads linked in: the DLL needs only Windows' own DLLs.
  # -muse-unaligned-vector-move: Windows x64 does not keep the stack 32-byte
  # aligned for GCC's AVX spills, so aligned moves there could fault.
  $cc $FLAGS -I$B/include -Wa,-muse-unaligned-vector-move -shared -o w2v.dll $SRC \
    -static-libgcc -Wl,-Bstatic -lz -lpthread -Wl,-Bdynamic || exit 1
  dump=$(x86_64-w64-mingw32-objdump -p w2v.dll)
  deps=$(echo "$dump" | sed -n 's/.*DLL Name: //p' | sort | paste -sd' ')
  grep -q ' sqlite3_w2v_init$' <<< "$dump" || { echo "$what: w2v.dll does not export sqlite3_w2v_init"; exit 1; }
  echo "dll: built w2v.dll ($(stat -c %s w2v.dll) bytes; needs $deps; exports sqlite3_w2v_init; not run here)"
  ;;
*) echo "usage: test/cross.sh baseline|arm64|dll"; exit 2 ;;
esac
