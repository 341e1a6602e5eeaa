#!/usr/bin/env bash
# make bench-dispatch: the dispatch build (./w2v.so, kernel picked at load
# time) against a -march=native build (build/native/w2v.so, make NATIVE=1),
# training on one corpus in one run, the two builds alternating.
#   CORPUS=path (plain or .gz; default ../shared/data/bench.txt.gz)
#   MODES="sg-ns cbow-hs"  RUNS=3  EPOCHS=1  THREADS=2  KERNELS="" (extra
#   W2V_KERNEL values to time with the dispatch build, e.g. "avx2 avx512")
# Prints each run's w2v_train seconds (its JSON "seconds": reading the table,
# training, writing the model), the median per build and the ratio
# dispatch/native (1.00 = as fast; above 1 = slower).
set -uo pipefail
cd "$(dirname "$0")/.."
CORPUS=${CORPUS:-../shared/data/bench.txt.gz}
MODES=${MODES:-"sg-ns cbow-hs"}
RUNS=${RUNS:-3}
EPOCHS=${EPOCHS:-1}
THREADS=${THREADS:-2}
KERNELS=${KERNELS:-}
B=build/bench
mkdir -p "$B"
[ -f "$CORPUS" ] || { echo "bench-dispatch: no corpus at $CORPUS (set CORPUS=path)"; exit 1; }
[ -f w2v.so ] && [ -f build/native/w2v.so ] || { echo "bench-dispatch: run make w2v.so build/native/w2v.so first"; exit 1; }
DB="$B/dispatch.db"
rm -f "$DB"
case "$CORPUS" in *.gz) zcat "$CORPUS" > "$B/corpus.txt" ;; *) cp "$CORPUS" "$B/corpus.txt" ;; esac
sqlite3 "$DB" "CREATE TABLE docs(body TEXT)" ".mode ascii" ".separator \"\t\" \"\n\"" ".import $B/corpus.txt docs"
echo "corpus: $CORPUS, $(wc -w < "$B/corpus.txt") words; $EPOCHS epoch(s), $THREADS threads, $RUNS runs per build"
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
echo "dispatch build: $(sqlite3 :memory: '.load ./w2v' 'SELECT w2v_info()')"
# builds: label, library, W2V_KERNEL
builds=("dispatch ./w2v -" "native build/native/w2v -")
for k in $KERNELS; do builds+=("dispatch:$k ./w2v $k"); done
train(){ # lib kernel mode -> seconds
  local lib=$1 kern=$2 arch loss neg alpha
  case $3 in
    sg-ns)   arch=skipgram loss=ns neg=5 alpha=0.025 ;;
    sg-hs)   arch=skipgram loss=hs neg=0 alpha=0.025 ;;
    cbow-ns) arch=cbow loss=ns neg=5 alpha=0.05 ;;
    cbow-hs) arch=cbow loss=hs neg=0 alpha=0.05 ;;
    *) echo "bench-dispatch: unknown mode $3" >&2; return 1 ;;
  esac
  local env=()
  [ "$kern" != - ] && env=(W2V_KERNEL="$kern")
  env "${env[@]}" sqlite3 "$DB" ".load $lib" \
    "SELECT w2v_train('docs', 'body', 'model=m, arch=$arch, loss=$loss, dim=100, window=5, negative=$neg, alpha=$alpha, sample=1e-3, min_count=5, epochs=$EPOCHS, threads=$THREADS, replace=1')" \
    | sed -n 's/.*"seconds":\([0-9.]*\),"words_per_second".*/\1/p'
}
median(){ tr ' ' '\n' | grep . | sort -g | awk '{a[NR]=$1} END{ if(NR%2) print a[(NR+1)/2]; else printf "%.3f\n", (a[NR/2]+a[NR/2+1])/2 }'; }
status=0
for mode in $MODES; do
  declare -A times=()
  for run in $(seq "$RUNS"); do
    line="$mode run $run:"
    for b in "${builds[@]}"; do
      read -r label lib kern <<< "$b"
      s=$(train "$lib" "$kern" "$mode")
      [ -n "$s" ] || { echo "bench-dispatch: $label $mode failed"; status=1; continue; }
      times[$label]="${times[$label]:-} $s"
      line="$line  $label ${s}s"
    done
    echo "$line"
  done
  nat=$(echo "${times[native]:-}" | median)
  for b in "${builds[@]}"; do
    read -r label lib kern <<< "$b"
    med=$(echo "${times[$label]:-}" | median)
    [ -n "$med" ] && [ -n "$nat" ] && printf "%-8s %-16s median %7.3f s   vs native %.3f\n" "$mode" "$label" "$med" "$(echo "$med / $nat" | bc -l)"
  done
  unset times
done
exit $status
