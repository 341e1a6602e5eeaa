#!/usr/bin/env python3
"""Writes a w2v model's word vectors as word2vec text (rank order), for the
benchmark's analogy check.  Usage: export_vectors.py DB MODEL OUT.txt"""
import sqlite3, struct, sys
db, model, out = sys.argv[1:4]
con = sqlite3.connect(db)
rows = con.execute(f'SELECT v.word, i.vector FROM "{model}_vocab" v JOIN "{model}_input" i USING(id) ORDER BY v.id').fetchall()
dim = len(rows[0][1]) // 4
with open(out, "w", encoding="utf-8") as f:
    f.write(f"{len(rows)} {dim}\n")
    for w, b in rows:
        f.write(w + " " + " ".join(f"{x:.6f}" for x in struct.unpack(f"<{dim}f", b)) + "\n")
