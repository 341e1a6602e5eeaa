#!/usr/bin/env bash
# make bench-storage: what storage=float32|float16|int8 and output=0 cost and save.
#   CORPUS=path (default ../shared/data/bench.txt.gz)  QUESTIONS=path  THREADS=2
# Trains the standard skip-gram + ns model once per storage mode, each into a
# database of its own (model=o.emb through ATTACH), and prints its size and
# analogy accuracy.  Training with 2 threads is not bit-reproducible, so the
# same float32 vectors are also exported and re-imported in each storage mode:
# the accuracy of those isolates what the storage itself changes.
set -uo pipefail
cd "$(dirname "$0")/.."
CORPUS=${CORPUS:-../shared/data/bench.txt.gz}
QUESTIONS=${QUESTIONS:-../shared/data/questions-words.txt}
THREADS=${THREADS:-2}
B=build/storage
mkdir -p "$B"
rm -f "$B"/*.db "$B"/*.bin
[ -f "$CORPUS" ] || { echo "bench-storage: no corpus at $CORPUS (set CORPUS=path)"; exit 1; }
[ -f "$QUESTIONS" ] || { echo "bench-storage: no questions at $QUESTIONS"; exit 1; }

case "$CORPUS" in *.gz) zcat "$CORPUS" > "$B/corpus.txt" ;; *) cp "$CORPUS" "$B/corpus.txt" ;; esac
sqlite3 "$B/corpus.db" "CREATE TABLE docs(body TEXT)" ".mode ascii" ".separator \"\t\" \"\n\"" ".import $B/corpus.txt docs"
OPTS="dim=100, window=5, negative=5, sample=1e-3, min_count=5, epochs=5, threads=$THREADS"

accuracy(){   # DB MODEL -> analogy accuracy in %
  sql/questions.sh "$1" "$2" "$QUESTIONS" | sed 's/^{"accuracy":\([0-9.]*\).*/\1/' | awk '{printf "%.2f", 100*$1}'
}
size_mb(){ stat -c %s "$1" | awk '{printf "%.1f", $1/1048576}'; }

echo "corpus: $CORPUS; skip-gram + ns, $OPTS"
printf '%-22s %10s %10s %10s\n' "trained with" "db MB" "of f32" "analogy"
base=""
for mode in "storage=float32" "storage=float16" "storage=int8" "storage=float32, output=0" "storage=int8, output=0"; do
  tag=$(echo "$mode" | tr -d ' ,=' )
  db="$B/$tag.db"
  sqlite3 "$B/corpus.db" ".load ./w2v" "ATTACH '$db' AS o" \
    "SELECT length(w2v_train('docs', 'body', 'model=o.emb, $mode, $OPTS'))" > /dev/null || { echo "$mode: training failed"; continue; }
  sz=$(size_mb "$db")
  [ -z "$base" ] && base=$sz
  printf '%-22s %10s %9.1f%% %9s%%\n' "$mode" "$sz" "$(echo "100*$sz/$base" | bc -l)" "$(accuracy "$db" emb)"
done

echo
echo "the float32 model's vectors, exported and imported again in each storage mode:"
printf '%-22s %10s %10s\n' "imported as" "analogy" "change"
sqlite3 "$B/storagefloat32.db" ".load ./w2v" "SELECT w2v_export('emb', '$B/f32.bin', 'binary')" > /dev/null
ref=""
for s in float32 float16 int8; do
  db="$B/import-$s.db"
  sqlite3 "$db" ".load ./w2v" "SELECT length(w2v_import('$B/f32.bin', 'model=emb, storage=$s'))" > /dev/null
  acc=$(accuracy "$db" emb)
  [ -z "$ref" ] && ref=$acc
  printf '%-22s %9s%% %+9.2f\n' "$s" "$acc" "$(echo "$acc - $ref" | bc -l)"
done
