#!/usr/bin/env bash
# make check-layers: every object may use symbols only from objects in the
# same or a lower layer, and the "uses" graph has no cycle.  Reads `nm` of
# each object: defined (T/D/B/R) and undefined (U) w2v_ / sqlite3_w2v symbols.
#   usage: test/check_layers.sh OBJDIR   (objects named like the sources)
set -euo pipefail
dir=${1:-build/layers}
# layer of a source file: higher numbers sit on top
layer() {
  case "$1" in
    core_*) echo 0 ;;
    util) echo 1 ;;
    options|store|text) echo 2 ;;
    model) echo 3 ;;
    ranked|corpus|train_options|update|stream|rowset|clf_train) echo 4 ;;   # support for the surfaces
    w2v) echo 6 ;;
    *) echo 5 ;;   # one file per SQL surface
  esac
}
defs=$(mktemp); edges=$(mktemp); trap 'rm -f "$defs" "$edges"' EXIT
for o in "$dir"/*.o; do
  f=$(basename "$o" .o)
  nm "$o" | awk -v f="$f" '$2 ~ /^[TDBR]$/ && $3 ~ /^(w2v_|sqlite3_w2v|sqlite3_wv)/ { print $3, f }'
done | sort > "$defs"
bad=0
for o in "$dir"/*.o; do
  f=$(basename "$o" .o)
  for s in $(nm "$o" | awk '$1=="U" && $2 ~ /^w2v_/ { print $2 }'); do
    d=$(awk -v s="$s" '$1==s { print $2 }' "$defs")
    [ -z "$d" ] && { echo "check-layers: $f uses $s, defined nowhere"; bad=1; continue; }
    [ "$d" = "$f" ] && continue
    echo "$f $d" >> "$edges"
    if [ "$(layer "$d")" -gt "$(layer "$f")" ]; then
      echo "check-layers: $f (layer $(layer "$f")) uses $s from $d (layer $(layer "$d")), a layer above"; bad=1
    fi
    if [ "$(layer "$f")" = 5 ] && [ "$(layer "$d")" = 5 ]; then
      echo "check-layers: SQL surfaces $f and $d call each other ($s): move it down"; bad=1
    fi
  done
done
# core files must not touch SQLite
for o in "$dir"/core_*.o; do
  if nm "$o" | awk '$1=="U"' | grep -q sqlite3; then echo "check-layers: $(basename "$o") uses SQLite"; bad=1; fi
done
sort -u "$edges" | tsort >/dev/null 2>"$edges.err" || { echo "check-layers: a circle:"; cat "$edges.err"; bad=1; }
rm -f "$edges.err"
[ $bad = 0 ] && echo "check-layers: $(ls "$dir"/*.o | wc -l) objects, $(sort -u "$edges" | wc -l) uses, no circle, every use goes down"
exit $bad
