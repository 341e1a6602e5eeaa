#!/bin/sh
# Loads word2vec's questions-words.txt into a table and evaluates a model:
#   sql/questions.sh DB MODEL [QUESTIONS [TABLE]]
# The table gets columns section, a, b, c, d (one row per question; the
# ": section" lines name the section of the rows below them).  Prints the
# JSON of w2v_eval_analogy (3CosAdd, 30000 most frequent words, lower-cased).
set -eu
DB=$1
MODEL=$2
QUESTIONS=${3:-../shared/data/questions-words.txt}
TABLE=${4:-questions}
W2V=${W2V:-./w2v}
TMP=$(mktemp)
trap 'rm -f "$TMP"' EXIT
awk '/^:/ { s = $2; next } NF == 4 { print s "," $1 "," $2 "," $3 "," $4 }' "$QUESTIONS" > "$TMP"
sqlite3 "$DB" <<SQL
.bail on
DROP TABLE IF EXISTS "$TABLE";
CREATE TABLE "$TABLE"(section TEXT, a TEXT, b TEXT, c TEXT, d TEXT);
.mode csv
.import "$TMP" "$TABLE"
.mode list
.load $W2V
SELECT w2v_eval_analogy('$MODEL', '$TABLE');
SQL
