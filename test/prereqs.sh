#!/usr/bin/env bash
# Prerequisites of a make target, checked before it builds anything:
#
#   bash test/prereqs.sh test      make test: cc, make, sqlite3ext.h, zlib.h, tclsh,
#                                  Tcl's sqlite3 package, the sqlite3 shell
#                                  (+ gensim and fasttext for the peer checks: optional)
#   bash test/prereqs.sh demo      make demo: cc, make, sqlite3ext.h, zlib.h, the sqlite3 shell
#   bash test/prereqs.sh ci        .ci/run: test's, plus the optional ones of the package
#                                  checks (python3-gensim, python3-pip/-setuptools/-wheel/-venv)
#
# What is missing is installed when running as root on a machine with apt-get
# (Debian package names); otherwise the script stops with one line naming the
# packages and the command that installs them.  Optional packages are
# installed the same way, or named in a note and left out (their tests say
# SKIPPED).  W2V_NO_INSTALL=1 never installs; W2V_PRETEND_MISSING="pkg ..."
# treats those Debian packages as missing (to test this script).
set -uo pipefail
what=${1:-test}
CC=${CC:-cc}
TCLSH=${TCLSH:-tclsh}
PY=/usr/bin/python3

# have PKG: true when the Debian package PKG's part is present (not pretended away)
have() {
  case " ${W2V_PRETEND_MISSING:-} " in *" $1 "*) [ -z "${W2V_IGNORE_PRETEND:-}" ] && return 1;; esac
  case $1 in
    gcc)              command -v "$CC" >/dev/null 2>&1 ;;
    make)             command -v make >/dev/null 2>&1 ;;
    tcl)              command -v "$TCLSH" >/dev/null 2>&1 ;;
    libsqlite3-tcl)   echo 'exit [catch {package require sqlite3}]' | "$TCLSH" >/dev/null 2>&1 ;;
    sqlite3)          command -v sqlite3 >/dev/null 2>&1 ;;
    libsqlite3-dev)   header sqlite3ext.h /usr/include/sqlite3ext.h ;;
    zlib1g-dev)       header zlib.h /usr/include/zlib.h ;;
    python3-gensim)   "$PY" -c 'import gensim' >/dev/null 2>&1 ;;
    fasttext)         command -v fasttext >/dev/null 2>&1 ;;
    python3-pip)      "$PY" -m pip --version >/dev/null 2>&1 ;;
    python3-setuptools) "$PY" -c 'import setuptools' >/dev/null 2>&1 ;;
    python3-wheel)    "$PY" -c 'import wheel' >/dev/null 2>&1 ;;
    python3-venv)     "$PY" -c 'import ensurepip, venv' >/dev/null 2>&1 ;;
    *)                return 1 ;;
  esac
}
# a header the compiler finds (or, without a compiler, the Debian path)
header() {
  if command -v "$CC" >/dev/null 2>&1; then
    echo "#include <$1>" | "$CC" -E -x c - >/dev/null 2>&1
  else
    [ -f "$2" ]
  fi
}

case $what in
  test) required="gcc make libsqlite3-dev zlib1g-dev tcl libsqlite3-tcl sqlite3"; optional="python3-gensim fasttext" ;;
  demo) required="gcc make libsqlite3-dev zlib1g-dev sqlite3"; optional="" ;;
  ci)   required="gcc make libsqlite3-dev zlib1g-dev tcl libsqlite3-tcl sqlite3"
        optional="python3-gensim fasttext python3-pip python3-setuptools python3-wheel python3-venv" ;;
  *)    echo "usage: $0 test|demo|ci"; exit 2 ;;
esac

missing() { local p; for p in "$@"; do have "$p" || printf '%s ' "$p"; done; }
need=$(missing $required)
want=$(missing $optional)

can_install=0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1 && [ -z "${W2V_NO_INSTALL:-}" ]; then can_install=1; fi

if [ -n "$need$want" ] && [ $can_install = 1 ]; then
  echo "make $what: installing ${need}${want}"
  export DEBIAN_FRONTEND=noninteractive
  if apt-get update -qq && apt-get install -y -qq $need $want >/dev/null; then
    :
  elif [ -n "$need" ]; then
    # the optional ones may be what failed: the required ones alone
    apt-get install -y -qq $need >/dev/null || true
  fi
  W2V_IGNORE_PRETEND=1
  need=$(missing $required)
  want=$(missing $optional)
fi

if [ -n "$need" ]; then
  if command -v apt-get >/dev/null 2>&1; then
    echo "make $what: missing ${need% }; install with: sudo apt-get install -y ${need% }"
  else
    echo "make $what: missing ${need% } (Debian package names; install your system's equivalents)"
  fi
  exit 1
fi
if [ -n "$want" ]; then
  echo "make $what: note: optional ${want% } missing: the checks that need it are SKIPPED (sudo apt-get install -y ${want% })"
fi
exit 0
