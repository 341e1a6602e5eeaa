"""make bench-docs (sql/bench_docs.sh): paragraph vectors on Brown genres, w2v
against gensim's Doc2Vec in one run (issue #16).

Every ~100-word piece of the Brown corpus is a document (sql/brown_genres.sh:
file, genre, split); PV-DBOW is trained on all of them, train and test
split alike; each held-out document (files numbered a multiple of 5) gets the
genre most of its 5 nearest training documents have (ties: the genre of the
nearer one).  Same settings for both: dim 100, window 5, negative 5, sample
1e-3, min_count 5, 20 epochs, 2 threads.  Also: w2v_embed's mean and SIF of a
skip-gram word model trained on the same text, and w2v_infer's vectors for
the held-out documents (against the trained ones; gensim's infer_vector too).
  usage: python3 sql/bench_docs.py TSV DB LIB
"""
import sqlite3, sys, time
import numpy as np

tsv, dbpath, lib = sys.argv[1:4]
import os
EPOCHS, THREADS = int(os.environ.get("EPOCHS", 20)), 2
OPTS = f"dim=100, window=5, negative=5, sample=1e-3, min_count=5, epochs={EPOCHS}, threads={THREADS}"

rows = [line.rstrip("\n").split("\t") for line in open(tsv, encoding="utf-8")]
db = sqlite3.connect(dbpath)
db.enable_load_extension(True)
db.load_extension(lib)
db.executescript("DROP TABLE IF EXISTS docs; CREATE TABLE docs(id INTEGER PRIMARY KEY, file TEXT, genre TEXT, split TEXT, body TEXT)")
db.executemany("INSERT INTO docs(file, genre, split, body) VALUES(?,?,?,?)", rows)
db.commit()
ids = np.array([r[0] for r in db.execute("SELECT id FROM docs ORDER BY id")])
genre = dict(db.execute("SELECT id, genre FROM docs"))
test = [r[0] for r in db.execute("SELECT id FROM docs WHERE split='test' ORDER BY id")]
train = [r[0] for r in db.execute("SELECT id FROM docs WHERE split='train' ORDER BY id")]
nWords = sum(len(r[3].split()) for r in rows)
print(f"Brown genres: {len(rows)} documents of ~100 words ({nWords} words), {len(train)} train, "
      f"{len(test)} held out, 15 genres; {OPTS}")


def vote(neigh):
    """neigh: [(train id, similarity)] best first, 5 of them -> genre"""
    score = {}
    for rank, (k, s) in enumerate(neigh):
        g = genre[k]
        c, best = score.get(g, (0, -1e9))
        score[g] = (c + 1, max(best, s))
    return max(score.items(), key=lambda kv: kv[1])[0]


def knn_accuracy(vecs, queries=None):
    """vecs: id -> vector (train ids at least); queries: id -> vector of the
    held-out documents (default: vecs).  Exact cosine, 5 nearest train docs."""
    queries = queries or vecs
    T = np.array([vecs[i] for i in train], dtype=np.float64)
    T /= np.maximum(np.linalg.norm(T, axis=1, keepdims=True), 1e-30)
    ok = 0
    for q in test:
        v = np.asarray(queries[q], dtype=np.float64)
        v = v / max(np.linalg.norm(v), 1e-30)
        sims = T @ v
        top = np.argsort(-sims, kind="stable")[:5]
        ok += vote([(train[j], sims[j]) for j in top]) == genre[q]
    return ok / len(test)


def blobs(sql):
    return {i: np.frombuffer(b, dtype="<f4") for i, b in db.execute(sql) if b is not None}


# ---- w2v: PV-DBOW, neighbours by w2v_similar_docs ------------------------------
t0 = time.time()
j = db.execute(f"SELECT w2v_train('docs', 'body', 'model=pv, replace=1, docs=dbow, {OPTS}')").fetchone()[0]
w2vSec = time.time() - t0
db.commit()
# the 5 nearest training documents of each held-out one: w2v_similar_docs
# ranks all documents; the first 60 always hold 5 of the training split
db.executescript("""
DROP TABLE IF EXISTS nb;
CREATE TABLE nb AS
  SELECT t.id AS q, n.key AS k, n.rank AS r, n.similarity AS s
    FROM docs t, w2v_similar_docs('pv', t.id, 60) n JOIN docs d ON d.id = n.key
   WHERE t.split = 'test' AND d.split = 'train';
""")
def sql_accuracy(table):
    return db.execute(f"""
      WITH top AS (SELECT q, k, s, row_number() OVER (PARTITION BY q ORDER BY r) AS rn FROM {table}),
      v AS (SELECT q, d.genre AS g, count(*) AS c, max(s) AS best FROM top JOIN docs d ON d.id = k
             WHERE rn <= 5 GROUP BY q, g),
      pick AS (SELECT q, g, row_number() OVER (PARTITION BY q ORDER BY c DESC, best DESC) AS rn FROM v)
      SELECT avg(p.g = d.genre), count(*) FROM pick p JOIN docs d ON d.id = p.q WHERE p.rn = 1""").fetchone()
w2vAcc, nq = sql_accuracy("nb")
assert nq == len(test), (nq, len(test))
# the same by numpy over the stored vectors (an exactness check of the search)
w2vDocs = blobs("SELECT key, vector FROM pv_docs")
w2vAccNp = knn_accuracy(w2vDocs)

# w2v_infer for the held-out documents: searched among the trained ones
t0 = time.time()
db.executescript("""
DROP TABLE IF EXISTS inf;
CREATE TABLE inf AS SELECT id, w2v_infer('pv', body) AS v FROM docs WHERE split = 'test';
""")
inferSec = time.time() - t0
db.executescript("""
DROP TABLE IF EXISTS nbi;
CREATE TABLE nbi AS
  SELECT i.id AS q, n.key AS k, n.rank AS r, n.similarity AS s
    FROM inf i, w2v_similar_docs('pv', i.v, 60) n JOIN docs d ON d.id = n.key
   WHERE d.split = 'train';
""")
inferAcc, _ = sql_accuracy("nbi")
inferCos = db.execute("SELECT avg(w2v_similarity('pv', v, w2v_doc_vector('pv', id))) FROM inf").fetchone()[0]

# PV-DM for comparison (w2v only)
t0 = time.time()
db.execute(f"SELECT w2v_train('docs', 'body', 'model=pvdm, replace=1, docs=dm, {OPTS}')")
dmSec = time.time() - t0
dmAcc = knn_accuracy(blobs("SELECT key, vector FROM pvdm_docs"))

# w2v_embed baselines: a skip-gram word model of the same text
t0 = time.time()
db.execute(f"SELECT w2v_train('docs', 'body', 'model=wv, replace=1, {OPTS}')")
wvSec = time.time() - t0
meanAcc = knn_accuracy(blobs("SELECT id, w2v_embed('wv', body) FROM docs"))
sifAcc = knn_accuracy(blobs("SELECT id, w2v_embed('wv', body, 'sif') FROM docs"))
db.commit()

# ---- gensim Doc2Vec(dm=0, dbow_words=1) ------------------------------------------
from gensim.models.doc2vec import Doc2Vec, TaggedDocument
corpus = [TaggedDocument(r[3].split(), [i]) for i, r in zip(ids, rows)]
t0 = time.time()
g = Doc2Vec(corpus, dm=0, dbow_words=1, vector_size=100, window=5, negative=5, hs=0, sample=1e-3,
            min_count=5, epochs=EPOCHS, workers=THREADS, seed=1)
gSec = time.time() - t0
gDocs = {int(i): g.dv[int(i)] for i in ids}
gAcc = knn_accuracy(gDocs)
t0 = time.time()
gInf = {q: g.infer_vector(corpus[list(ids).index(q)].words) for q in test}
gInferSec = time.time() - t0
gInferAcc = knn_accuracy(gDocs, gInf)
gInferCos = float(np.mean([np.dot(gInf[q], gDocs[q]) / (np.linalg.norm(gInf[q]) * np.linalg.norm(gDocs[q]))
                           for q in test]))

print()
print(f"{'':34s} {'w2v':>8s} {'gensim':>8s}   ratio")
print(f"{'PV-DBOW 5-NN genre accuracy':34s} {w2vAcc:8.3f} {gAcc:8.3f}   {100*(w2vAcc-gAcc):+.1f} points "
      f"(w2v by numpy over pv_docs: {w2vAccNp:.3f})")
print(f"{'PV-DBOW training seconds':34s} {w2vSec:8.2f} {gSec:8.2f}   {gSec/w2vSec:.2f}x faster")
print(f"{'held out inferred: accuracy':34s} {inferAcc:8.3f} {gInferAcc:8.3f}   {100*(inferAcc-gInferAcc):+.1f} points")
print(f"{'held out: cos(inferred, trained)':34s} {inferCos:8.3f} {gInferCos:8.3f}")
print(f"{'inference seconds ({} documents)'.format(len(test)):34s} {inferSec:8.2f} {gInferSec:8.2f}   {gInferSec/inferSec:.2f}x faster")
print(f"{'PV-DM (docs=dm) accuracy':34s} {dmAcc:8.3f}   (training {dmSec:.2f} s)")
print(f"{'w2v_embed mean: accuracy':34s} {meanAcc:8.3f}")
print(f"{'w2v_embed sif: accuracy':34s} {sifAcc:8.3f}   (word model: {wvSec:.2f} s)")
