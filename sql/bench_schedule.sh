#!/usr/bin/env bash
# make bench-schedule: does the learning rate's end (min_alpha) matter?  Trains
# every mode of make bench (and the two subword modes) with the default end,
# alpha*1e-4, and with alpha/10 (the end gensim's corpus_file mode reaches with
# 2 workers), once per seed, and scores each model on two halves of the analogy
# questions (alternate questions of each section), so that a choice made on one
# half can be checked on the other; the subword models also get the OOV probe.
#   CORPUS=path (default ../shared/data/bench.txt.gz)  SEEDS="1 2 3"
#   MODES="sg-ns sg-hs cbow-ns cbow-hs sg-ns-sub cbow-ns-sub"  EPOCHS=5  THREADS=2
# Prints one line per model, then per mode the means over seeds.
set -uo pipefail
cd "$(dirname "$0")/.."
CORPUS=${CORPUS:-../shared/data/bench.txt.gz}
QUESTIONS=${QUESTIONS:-../shared/data/questions-words.txt}
MODES=${MODES:-"sg-ns sg-hs cbow-ns cbow-hs sg-ns-sub cbow-ns-sub"}
SEEDS=${SEEDS:-"1 2 3"}
EPOCHS=${EPOCHS:-5}
THREADS=${THREADS:-2}
PY=${PY:-/usr/bin/python3}
B=build/schedule
mkdir -p "$B"
[ -f "$CORPUS" ] || { echo "bench-schedule: no corpus at $CORPUS (set CORPUS=path)"; exit 1; }
[ -f "$QUESTIONS" ] || { echo "bench-schedule: no questions at $QUESTIONS"; exit 1; }
DB="$B/schedule.db"
rm -f "$DB"
case "$CORPUS" in *.gz) zcat "$CORPUS" > "$B/corpus.txt" ;; *) cp "$CORPUS" "$B/corpus.txt" ;; esac
sqlite3 "$DB" "CREATE TABLE docs(body TEXT)" ".mode ascii" ".separator \"\t\" \"\n\"" ".import $B/corpus.txt docs"
awk -v a="$B/half-a.txt" -v b="$B/half-b.txt" '/^:/ { print > a; print > b; n = 0; next }
  { if (n++ % 2 == 0) print > a; else print > b }' "$QUESTIONS"
echo "corpus: $CORPUS; $(date -u +%Y-%m-%d), $(nproc) cores; seeds $SEEDS, $EPOCHS epochs, $THREADS threads"

accuracy(){ sql/questions.sh "$DB" "$1" "$2" | sed 's/^{"accuracy":\([0-9.]*\).*/\1/' | awk '{printf "%.2f", 100*$1}'; }
: > "$B/results"
for mode in $MODES; do
  neg=5
  case $mode in
    sg-ns)       o="arch=skipgram, loss=ns" a=0.025 ;;
    sg-hs)       o="arch=skipgram, loss=hs" a=0.025 neg=0 ;;
    cbow-ns)     o="arch=cbow, loss=ns" a=0.05 ;;
    cbow-hs)     o="arch=cbow, loss=hs" a=0.05 neg=0 ;;
    sg-ns-sub)   o="arch=skipgram, loss=ns, minn=3, maxn=6, bucket=2000000" a=0.025 ;;
    cbow-ns-sub) o="arch=cbow, loss=ns, minn=3, maxn=6, bucket=2000000" a=0.05 ;;
    *) echo "bench-schedule: unknown mode $mode"; continue ;;
  esac
  for seed in $SEEDS; do
    for end in default a10; do
      extra=""; [ $end = a10 ] && extra=", min_alpha=$(echo "$a/10" | bc -l)"
      m="s_${mode//-/_}"
      sqlite3 "$DB" ".load ./w2v" "SELECT w2v_train('docs', 'body', 'model=$m, $o, dim=100, window=5, negative=$neg, sample=1e-3, min_count=5, epochs=$EPOCHS, threads=$THREADS, seed=$seed$extra, replace=1')" > /dev/null \
        || { echo "bench-schedule: $mode seed $seed $end failed"; continue; }
      oov="-"
      case $mode in *-sub)
        [ -f "$B/probes.txt" ] || $PY sql/oov_probe.py make "$DB" "$m" "$B/probes.txt"
        oov=$($PY sql/oov_probe.py w2v "$DB" "$m" "$B/probes.txt" | sed 's/typos \([0-9.]*\)%.*inflections \([0-9.]*\)%.*/\1 \2/') ;;
      esac
      line="$mode $end $seed $(accuracy "$m" "$B/half-a.txt") $(accuracy "$m" "$B/half-b.txt") $oov"
      echo "$line" | tee -a "$B/results"
    done
  done
done

echo
echo "means over seeds, min_alpha alpha*1e-4 -> alpha/10 (analogy % on each half; OOV typos / inflections %):"
awk '{ k = $1 " " $2; n[k]++; A[k] += $4; B[k] += $5; if (NF >= 7) { T[k] += $6; I[k] += $7 }; if (!($1 in seen)) { seen[$1] = 1; order[++m] = $1 } }
  END { for (j = 1; j <= m; j++) { d = order[j] " default"; x = order[j] " a10"; if (!n[d] || !n[x]) continue
          printf "  %-12s %d seeds  half A %.2f -> %.2f (%+.2f)  half B %.2f -> %.2f (%+.2f)", order[j], n[d],
            A[d]/n[d], A[x]/n[x], A[x]/n[x] - A[d]/n[d], B[d]/n[d], B[x]/n[x], B[x]/n[x] - B[d]/n[d]
          if (order[j] ~ /-sub$/) printf "  typos %.1f -> %.1f  inflections %.1f -> %.1f", T[d]/n[d], T[x]/n[x], I[d]/n[d], I[x]/n[x]
          printf "\n" } }' "$B/results"
