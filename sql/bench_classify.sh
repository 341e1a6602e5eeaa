#!/usr/bin/env bash
# make bench-classify: w2v's classifier (w2v_train label=) against fastText's
# supervised mode (Debian's fasttext) on the Brown genres, in one run.
# Data: sql/brown_genres.sh pieces of WORDS words (default 25), labelled by
# genre (15), files numbered by multiples of 5 held out for testing.
# Same settings for both: dim 50, epoch 25, lr 0.5, wordNgrams 2, thread 2,
# bucket 2000000, minCount 1 (fastText's defaults otherwise); losses softmax,
# ova and hs (LOSSES="softmax ova hs").  Prints per loss: precision@1 on the
# held-out pieces (fastText test; w2v_eval_classifier), training wall time
# (fastText supervised; the sqlite3 process running w2v_train, table
# already loaded), and the ratio; then w2v_classify's time per call on a
# 10-word text (warm model, CALLS calls in one statement, minus the same
# statement without the call).
set -uo pipefail
cd "$(dirname "$0")/.."
WORDS=${WORDS:-25}
LOSSES=${LOSSES:-softmax ova hs}
CALLS=${CALLS:-20000}
B=build/bench-classify
mkdir -p "$B"
export LC_ALL=C
command -v fasttext >/dev/null || { echo "bench-classify: needs fasttext (apt-get install fasttext)"; exit 1; }
[ -x /usr/bin/time ] || { echo "bench-classify: needs GNU time (apt-get install time)"; exit 1; }
[ -f w2v.so ] || { echo "bench-classify: build w2v.so first (make)"; exit 1; }

bash sql/brown_genres.sh "$WORDS" > "$B/pieces.tsv" || exit 1
# fastText reads its file in order (the pieces come genre by genre): shuffled
# once, with a fixed seed (w2v shuffles its examples itself, every epoch)
awk -F'\t' '$3=="train" { print "__label__" $2 " " $4 }' "$B/pieces.tsv" | shuf --random-source=<(yes) > "$B/train.txt"
awk -F'\t' '$3=="test"  { print "__label__" $2 " " $4 }' "$B/pieces.tsv" > "$B/test.txt"
DB="$B/classify.db"
rm -f "$DB"
sqlite3 "$DB" "CREATE TABLE pieces(file TEXT, genre TEXT, split TEXT, body TEXT)" ".mode tabs" ".import $B/pieces.tsv pieces" \
  "CREATE VIEW train AS SELECT body, genre FROM pieces WHERE split='train'" \
  "CREATE VIEW test AS SELECT body, genre FROM pieces WHERE split='test'"
echo "data: Brown genres, pieces of $WORDS words: $(wc -l < "$B/train.txt") train, $(wc -l < "$B/test.txt") test (held-out files), 15 labels"
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(date -u +%Y-%m-%d)"
echo "settings: dim 50, epoch 25, lr 0.5, wordNgrams 2, bucket 2000000, thread 2; one run each"
printf '%-8s %10s %10s %10s %10s %8s\n' loss ft_P@1 w2v_P@1 ft_sec w2v_sec speedup
for loss in $LOSSES; do
  /usr/bin/time -f "%e" -o "$B/ft.time" fasttext supervised -input "$B/train.txt" -output "$B/ft_$loss" -dim 50 -epoch 25 \
    -lr 0.5 -wordNgrams 2 -bucket 2000000 -minCount 1 -loss "$loss" -thread 2 -verbose 0 > "$B/ft.log" 2>&1 \
    || { echo "bench-classify: fasttext failed:"; cat "$B/ft.log"; exit 1; }
  ftP=$(fasttext test "$B/ft_$loss.bin" "$B/test.txt" 1 | awk '$1=="P@1" { print $2 }')
  /usr/bin/time -f "%e" -o "$B/w2v.time" sqlite3 "$DB" ".load ./w2v" \
    "SELECT w2v_train('train', 'body', 'model=clf_$loss, label=genre, dim=50, epochs=25, alpha=0.5, word_ngrams=2, bucket=2000000, loss=$loss, threads=2, replace=1')" \
    > "$B/w2v_$loss.json" 2>&1 || { echo "bench-classify: w2v_train failed:"; cat "$B/w2v_$loss.json"; exit 1; }
  w2vP=$(sqlite3 "$DB" ".load ./w2v" "SELECT json_extract(w2v_eval_classifier('clf_$loss', 'test', 'body', 'genre'), '\$.precision')")
  ftT=$(cat "$B/ft.time"); w2vT=$(cat "$B/w2v.time")
  printf '%-8s %10.4f %10.4f %10.2f %10.2f %7.2fx\n' "$loss" "$ftP" "$w2vP" "$ftT" "$w2vT" "$(echo "$ftT / $w2vT" | bc -l)"
done
# w2v_classify latency: CALLS calls in one statement, minus the same loop without them
TEXT="the jury said the election was held in the city hall"
lat=$(sqlite3 "$DB" <<SQL | awk '/Run Time/ { t[++n] = $4 } END { printf "%.2f", (t[2] - t[1]) / '"$CALLS"' * 1e6 }'
.load ./w2v
SELECT count(*) FROM w2v_classify('clf_softmax', 'warm up');
.timer on
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM n WHERE i<$CALLS) SELECT count(*) FROM n;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM n WHERE i<$CALLS)
  SELECT count(x) FROM (SELECT (SELECT label FROM w2v_classify('clf_softmax', '$TEXT' || substr(i, 1, 0))) AS x FROM n);
SQL
)
echo "w2v_classify (softmax model, 10-word text, warm): $lat us per call ($CALLS calls in one statement)"
