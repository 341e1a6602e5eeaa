#!/usr/bin/env bash
# make test-sqlite-new: the test suite against a newer SQLite than the system's.
#
# The amalgamation comes from better-sqlite3's npm package (deps/sqlite3/, a
# current SQLite: 3.53 in better-sqlite3 12.x), or from SQLITE_SRC=dir holding
# sqlite3.c/sqlite3.h.  It is built as build/sqlite-new/libsqlite3.so.0 with
# Debian's compile options (those that add API: column metadata, unlock notify,
# preupdate hook, session, ...), and every host of the suite runs on it through
# LD_LIBRARY_PATH: Debian's Tcl package (libtclsqlite3.so), the sqlite3 shell
# and Python's _sqlite3 all link libsqlite3.so.0 dynamically, and the C test
# programs link -lsqlite3.  The script checks that each host reports the new
# version before running anything, and that the new library exports every
# sqlite3_* symbol those hosts import.  TESTS="test/x.test ..." runs some files.
# Without npm or a Debian source package it prints "SKIPPED: ..." and exits 0.
set -euo pipefail
cd "$(dirname "$0")/.."
NEW=build/sqlite-new
CC=${CC:-cc}
NPM=${NPM:-npm}
BETTER_SQLITE3=${BETTER_SQLITE3:-better-sqlite3@12}
mkdir -p "$NEW"

# ---- the amalgamation -------------------------------------------------------
if [ -n "${SQLITE_SRC:-}" ]; then
  src=$SQLITE_SRC
elif [ -f build/node-test/node_modules/better-sqlite3/deps/sqlite3/sqlite3.c ]; then
  src=build/node-test/node_modules/better-sqlite3/deps/sqlite3      # from make test-node
else
  src=$NEW/src
  if [ ! -f "$src/sqlite3.c" ]; then
    command -v "$NPM" >/dev/null || { echo "SKIPPED: test-sqlite-new: no npm to fetch $BETTER_SQLITE3's amalgamation (or set SQLITE_SRC)"; exit 0; }
    rm -rf "$NEW/pkg" && mkdir -p "$NEW/pkg" "$src"
    (cd "$NEW/pkg" && "$NPM" pack --silent "$BETTER_SQLITE3" >/dev/null && tar xzf better-sqlite3-*.tgz package/deps/sqlite3) \
      || { echo "SKIPPED: test-sqlite-new: npm pack $BETTER_SQLITE3 failed (or set SQLITE_SRC)"; rm -rf "$NEW/pkg"; exit 0; }
    cp "$NEW"/pkg/package/deps/sqlite3/sqlite3.[ch] "$NEW"/pkg/package/deps/sqlite3/sqlite3ext.h "$src/"
    rm -rf "$NEW/pkg"
  fi
fi
version=$(sed -n 's/^#define SQLITE_VERSION  *"\(.*\)"/\1/p' "$src/sqlite3.h")
echo "test-sqlite-new: SQLite $version from $src"

# ---- libsqlite3.so.0 --------------------------------------------------------
lib=$NEW/libsqlite3.so.0
FLAGS="-O2 -DSQLITE_THREADSAFE=1 -DSQLITE_ENABLE_COLUMN_METADATA -DSQLITE_ENABLE_UNLOCK_NOTIFY
  -DSQLITE_ENABLE_PREUPDATE_HOOK -DSQLITE_ENABLE_SESSION -DSQLITE_ENABLE_DBSTAT_VTAB
  -DSQLITE_ENABLE_FTS3 -DSQLITE_ENABLE_FTS3_PARENTHESIS -DSQLITE_ENABLE_FTS4 -DSQLITE_ENABLE_FTS5
  -DSQLITE_ENABLE_RTREE -DSQLITE_ENABLE_STMTVTAB -DSQLITE_ENABLE_MATH_FUNCTIONS -DSQLITE_SOUNDEX
  -DSQLITE_SECURE_DELETE -DSQLITE_MAX_VARIABLE_NUMBER=250000 -DSQLITE_USE_URI=1
  -DSQLITE_LIKE_DOESNT_MATCH_BLOBS -DSQLITE_ENABLE_LOAD_EXTENSION"
stamp="$version $(echo $FLAGS | tr -s ' \n' ' ')"
if [ ! -f "$lib" ] || [ "$(cat "$lib.stamp" 2>/dev/null)" != "$stamp" ]; then
  echo "test-sqlite-new: compiling $lib"
  $CC $FLAGS -fPIC -shared -Wl,-soname,libsqlite3.so.0 -o "$lib.tmp" "$src/sqlite3.c" -lpthread -lm -ldl
  mv "$lib.tmp" "$lib"; echo "$stamp" > "$lib.stamp"
fi

# ---- a sqlite3 shell for it -------------------------------------------------
# Debian's /usr/bin/sqlite3 refuses a library other than the one it was built
# with ("SQLite header and source version mismatch"), and better-sqlite3 ships
# no shell.c: build the shell from Debian's sqlite3 source package (its
# src/shell.c.in, generated into shell.c by tool/mkshellc.tcl, 3.40's shell
# code) against the new sqlite3.h and library.  apt-get source needs a deb-src
# entry: added to Debian's sources when running as root without one.
shell=$NEW/bin/sqlite3
if [ ! -x "$shell" ] || [ "$(cat "$shell.stamp" 2>/dev/null)" != "$version" ]; then
  deb=$NEW/deb
  orig=$(ls "$deb"/sqlite3_*.orig.tar.xz 2>/dev/null | head -1 || true)
  if [ -z "$orig" ]; then
    if [ -z "$(apt-cache showsrc sqlite3 2>/dev/null | head -1)" ] && [ "$(id -u)" = 0 ] \
       && [ -f /etc/apt/sources.list.d/debian.sources ] && ! grep -q 'deb-src' /etc/apt/sources.list.d/debian.sources; then
      echo "test-sqlite-new: adding deb-src to /etc/apt/sources.list.d/debian.sources (for apt-get source sqlite3)"
      sed -i 's/^Types: deb$/Types: deb deb-src/' /etc/apt/sources.list.d/debian.sources
      apt-get update -qq
    fi
    rm -rf "$deb" && mkdir -p "$deb"
    (cd "$deb" && apt-get source --download-only sqlite3 >/dev/null 2>&1) || true
    orig=$(ls "$deb"/sqlite3_*.orig.tar.xz 2>/dev/null | grep -v www | head -1 || true)
    [ -n "$orig" ] || { echo "SKIPPED: test-sqlite-new: no sqlite3 shell source (apt-get source sqlite3 failed: needs a deb-src entry)"; exit 0; }
  fi
  rm -rf "$NEW/shell-src" && mkdir -p "$NEW/shell-src" "$NEW/bin"
  tar xJf "$orig" -C "$NEW/shell-src" --strip-components=1 --wildcards '*/src/shell.c.in' '*/src/test_windirent.*' \
      '*/tool/mkshellc.tcl' '*/ext/misc/*' '*/ext/expert/*' '*/ext/recover/*'
  tclsh "$NEW/shell-src/tool/mkshellc.tcl" > "$NEW/shell.c"
  $CC -O1 -I"$src" -DSQLITE_ENABLE_DBPAGE_VTAB -o "$shell" "$NEW/shell.c" -L"$NEW" -l:libsqlite3.so.0 -lz -lm
  echo "$version" > "$shell.stamp"
  rm -rf "$NEW/shell-src"
fi

# every sqlite3_* symbol the hosts import is in the new library
tclso=$(echo 'puts [lindex [package ifneeded sqlite3 [package require sqlite3]] 1]' | tclsh 2>/dev/null || true)
hosts="$shell $tclso"
py=/usr/bin/python3
[ -x $py ] && hosts="$hosts $($py -c 'import _sqlite3; print(_sqlite3.__file__)' 2>/dev/null || true)"
missing=$(for h in $hosts; do [ -f "$h" ] && nm -D --undefined-only "$h" | grep -o ' sqlite3_[a-z0-9_]*' ; done | sort -u \
          | comm -23 - <(nm -D --defined-only "$lib" | grep -o ' sqlite3_[a-z0-9_]*' | sort -u) | tr -d ' ' | tr '\n' ' ')
if [ -n "$missing" ]; then echo "test-sqlite-new: $lib lacks symbols the hosts need: $missing"; exit 1; fi

export LD_LIBRARY_PATH="$PWD/$NEW${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
export PATH="$PWD/$NEW/bin:$PATH"
# each host reports the new version, or nothing runs
got_tcl=$(echo 'package require sqlite3; sqlite3 db :memory:; puts [db one {SELECT sqlite_version()}]' | tclsh)
got_shell=$(sqlite3 :memory: 'SELECT sqlite_version()')
[ "$(command -v sqlite3)" = "$PWD/$shell" ] || { echo "test-sqlite-new: sqlite3 on PATH is not $shell"; exit 1; }
got_c=$(printf '#include <sqlite3.h>\n#include <stdio.h>\nint main(void){puts(sqlite3_libversion());return 0;}\n' \
        | $CC -x c -o "$NEW/version" - -lsqlite3 && "$NEW/version")
if [ -x $py ]; then got_py=$($py -c "import sqlite3; print(sqlite3.sqlite_version)"); else got_py=$version; fi
echo "test-sqlite-new: hosts run SQLite: tcl $got_tcl, shell $got_shell, C $got_c, python $got_py"
for g in "$got_tcl" "$got_shell" "$got_c" "$got_py"; do
  [ "$g" = "$version" ] || { echo "test-sqlite-new: a host does not run SQLite $version"; exit 1; }
done

# the extension also compiles against the new headers (no warnings)
$CC -I"$src" -Iinclude -Iext -Iext/core -Wall -Wextra -Wno-missing-field-initializers -Werror \
    -fsyntax-only ext/*.c

# Known differences on the new SQLite, each explained in the README ("Newer
# SQLite"); any other failure fails the target.
#   settings.test defensive-2.shadow-writes-refused: SQLite marks a table as a
#   shadow table (read-only in defensive mode) when it reads the schema and the
#   module is already registered.  On 3.53 the SQL function load_extension(),
#   the only way Tcl loads, runs after the connection has read the schema of an
#   existing file, so the shadow tables of models already in that file are not
#   protected in that connection (3.40 reads the schema later; on both, loading
#   with the C API before the first statement protects them).
KNOWN="defensive-2.shadow-writes-refused"
log=$NEW/suite.log
set +e
${TCLSH:-tclsh} test/all.tcl ${TESTS:-} 2>&1 | tee "$log"
rc=${PIPESTATUS[0]}
set -e
[ "$rc" = 0 ] && exit 0
nfail=$(sed -n 's/^[0-9]* passed, \([0-9]*\) failed$/\1/p' "$log" | tail -1)
known=0; other=""
for name in $(sed -n 's/^\([^ ]*\) FAILED.*/\1/p' "$log"); do
  case " $KNOWN " in *" $name "*) known=$((known+1));; *) other="$other $name";; esac
done
if [ -z "$other" ] && [ -n "$nfail" ] && [ "$known" = "$nfail" ] && ! grep -q 'no summary line' "$log"; then
  echo "test-sqlite-new: the $known failure(s) above are known differences of SQLite $version (see the README, \"Newer SQLite\")"
  exit 0
fi
echo "test-sqlite-new: failures beyond the known differences:${other:- (a file without a summary)}"
exit 1
