"""make test-python: run inside a fresh venv where only the wheel is installed.

Uses the installed package (not the repository's w2v.so) from the stdlib
sqlite3 module: load, train on a planted corpus, query.  Prints one line per
check and exits non-zero on a failure.
"""
import json
import os
import random
import sqlite3
import sys

import sqlite_w2v

failed = 0


def check(name, ok, detail=""):
    global failed
    print("%s %s%s" % (name, "ok" if ok else "FAILED", "" if ok else ": " + detail))
    if not ok:
        failed += 1


path = sqlite_w2v.loadable_path()
check("path-in-venv", path.startswith(sys.prefix) and os.path.isfile(path), path)

con = sqlite3.connect(":memory:")
con.enable_load_extension(True)
sqlite_w2v.load(con)
con.enable_load_extension(False)
version = con.execute("SELECT w2v_version()").fetchone()[0]
check("version", version == sqlite_w2v.__version__, "%r vs %r" % (version, sqlite_w2v.__version__))

# planted corpus: 3 groups; group g's members g<g>m<i> share contexts g<g>c<j>
# with each other and never with another group
rnd = random.Random(7)
rows = []
for r in range(3000):
    g = r % 3
    words = ["g%dc%d" % (g, rnd.randrange(8)) for _ in range(5)]
    words.insert(rnd.randrange(6), "g%dm%d" % (g, rnd.randrange(4)))
    rows.append((" ".join(words),))
con.execute("CREATE TABLE docs(body TEXT)")
con.executemany("INSERT INTO docs VALUES (?)", rows)
summary = json.loads(con.execute(
    "SELECT w2v_train('docs', 'body', 'model=emb, arch=skipgram, loss=ns, dim=16, window=3,"
    " epochs=5, sample=0, threads=1, min_count=1')").fetchone()[0])
check("train", summary["vocab_size"] == 36, json.dumps(summary))

for w in ("g0m0", "g1m2", "g2m3"):
    top = [x for (x,) in con.execute("SELECT word FROM w2v_similar('emb', ?, 5)", (w,))]
    same = sum(1 for x in top if x[:2] == w[:2])
    check("similar-" + w, same >= 4, "%s -> %s" % (w, top))

p = con.execute("SELECT w2v_prob('emb', 'g0m0', 'g0c1')").fetchone()[0]
check("prob-range", p is not None and 0.0 < p < 1.0, repr(p))
total = con.execute("SELECT sum(w2v_prob('emb', 'g1m1', word)) FROM emb").fetchone()[0]
check("prob-sum", abs(total - 1.0) < 1e-3, repr(total))
check("prob-unknown", con.execute("SELECT w2v_prob('emb', 'nosuchword', 'g0c1')").fetchone()[0] is None)

knn = [x for (x,) in con.execute(
    "SELECT word FROM emb WHERE vector MATCH w2v_vector('emb', 'g2m0') AND k = 5")]
check("knn", len(knn) == 5 and knn[0] == "g2m0", repr(knn))

print("%d failed" % failed)
sys.exit(1 if failed else 0)
