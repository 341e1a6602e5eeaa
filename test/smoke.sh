#!/usr/bin/env bash
# A smoke test of one build of the extension, run through a sqlite3-like
# shell that may be an emulator's (make test-baseline, make test-arm64):
#   test/smoke.sh NAME EXT KERNEL SHELL...
# NAME labels the output; EXT is the extension's path (no suffix); KERNEL the
# kernel w2v_info() must report; SHELL... the command that runs a shell as
# "SHELL... DB ARG..." (sqlite3, or build/*/smoke_shell; e.g. under
# qemu-x86_64 -cpu qemu64).  A tiny planted corpus (made here, loaded by the
# host's sqlite3) trains all six arch x loss models; each must put the
# marker words of one group nearest each other and have sum w2v_prob = 1;
# then KNN through the model table, export and re-import.
# Prints "NAME: N passed, N failed"; exits 1 on a failure.
set -uo pipefail
name=$1 ext=$2 kernel=$3; shift 3
shell=("$@")
dir=build/smoke-$name
rm -rf "$dir" && mkdir -p "$dir"
db=$dir/smoke.db
pass=0 fail=0
check(){ # label expected actual
  if [ "$2" = "$3" ]; then pass=$((pass+1)); else fail=$((fail+1)); echo "$name: $1: expected [$2], got [$3]"; fi
}
run(){ "${shell[@]}" "$db" ".load $ext" "$@" 2>&1; }

# 3 groups of 4 marker words, each among 6 of its group's 12 context words
awk 'BEGIN{ srand(5); for(r=0; r<600; r++){ g=r%3; s="";
  m=int(rand()*7); for(j=0; j<6; j++){ if(j==m) s=s " g" g "m" int(rand()*4); s=s " g" g "c" int(rand()*12) }
  if(m==6) s=s " g" g "m" int(rand()*4); print substr(s,2) } }' > "$dir/corpus.txt"
sqlite3 "$db" "CREATE TABLE docs(body TEXT)" ".import $dir/corpus.txt docs" || { echo "$name: cannot make the corpus database"; exit 1; }

check kernel "$kernel" "$(run "SELECT json_extract(w2v_info(), '\$.kernel')")"
for arch in skipgram cbow; do
  for loss in ns hs softmax; do
    m=${arch}_$loss
    out=$(run "SELECT json_extract(w2v_train('docs', 'body', 'model=$m, arch=$arch, loss=$loss, dim=16, window=3, epochs=8, sample=0, min_count=1, threads=2'), '\$.vocab_size')")
    check "train $m" 48 "$out"
    check "similar $m" "g0|g0|g0" "$(run "SELECT substr(word, 1, 2) FROM w2v_similar('$m', 'g0m0', 3)" | paste -sd'|')"
    check "prob $m" 1.0 "$(run "SELECT round(sum(w2v_prob('$m', 'g1m1', word)), 3) FROM $m")"
  done
done
check knn "g2m1|g2" "$(run "SELECT word FROM skipgram_ns WHERE vector MATCH w2v_vector('skipgram_ns', 'g2m1') AND k = 3" | head -2 | sed '2s/^\(g2\).*/\1/' | paste -sd'|')"
check export 48 "$(run "SELECT w2v_export('cbow_hs', '$dir/cbow_hs.txt')")"
check import 48 "$(run "SELECT json_extract(w2v_import('$dir/cbow_hs.txt', 'model=imported'), '\$.vocab_size')")"
check "import same vectors" 0 "$(run "SELECT count(*) FROM imported i JOIN cbow_hs c USING(word) WHERE abs(w2v_similarity('imported', i.word, 'g0m0') - w2v_similarity('cbow_hs', c.word, 'g0m0')) > 1e-5")"
echo "$name: $pass passed, $fail failed"
[ $fail = 0 ]
