#!/usr/bin/env bash
# make bench-text: what tokenize=unicode61 costs over tokenize=whitespace
# (issue #13: <= 1.15x), in one run, alternating, RUNS times each.
#   CORPUS=path (default ../shared/data/bench.txt.gz)  RUNS=3  OPTS="..." (training options)
# Prints the median wall seconds of w2v_train per tokenizer, the ratio, and
# the seconds of reading + tokenizing alone (epochs=1, dim=1, threads=1 gives
# a lower bound of the training part).
set -euo pipefail
cd "$(dirname "$0")/.."
CORPUS=${CORPUS:-../shared/data/bench.txt.gz}
RUNS=${RUNS:-3}
OPTS=${OPTS:-"arch=skipgram, loss=ns, dim=100, epochs=5, threads=2"}
B=build/bench
mkdir -p "$B"
[ -f "$CORPUS" ] || { echo "bench-text: no corpus at $CORPUS"; exit 1; }
case "$CORPUS" in *.gz) zcat "$CORPUS" > "$B/text.txt" ;; *) cp "$CORPUS" "$B/text.txt" ;; esac
DB="$B/text.db"
rm -f "$DB"
sqlite3 "$DB" "CREATE TABLE docs(body TEXT)" ".mode ascii" ".separator \"\t\" \"\n\"" ".import $B/text.txt docs"
echo "corpus: $CORPUS, $(wc -w < "$B/text.txt") words, $(wc -l < "$B/text.txt") rows; options: $OPTS"
run(){  # tokenizer, options -> wall seconds of w2v_train
  local t0 t1
  t0=$(date +%s.%N)
  sqlite3 "$DB" ".load ./w2v" "SELECT w2v_train('docs', 'body', 'model=m, replace=1, tokenize=\"$1\", $2') IS NULL" >/dev/null
  t1=$(date +%s.%N)
  echo "$t1 - $t0" | bc
}
median(){ sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
for what in train read; do
  if [ $what = train ]; then o="$OPTS"; else o="dim=1, epochs=1, threads=1, negative=1, window=1"; fi
  ws=(); uc=()
  for i in $(seq "$RUNS"); do
    ws+=("$(run whitespace "$o")")
    uc+=("$(run unicode61 "$o")")
  done
  mw=$(printf '%s\n' "${ws[@]}" | median); mu=$(printf '%s\n' "${uc[@]}" | median)
  printf '%-6s whitespace %6.2f s   unicode61 %6.2f s   ratio %.3f   (runs: %s | %s)\n' "$what" "$mw" "$mu" \
    "$(echo "$mu / $mw" | bc -l)" "${ws[*]}" "${uc[*]}"
done
