#!/usr/bin/env python3
"""The OOV probe of make bench's subword modes: how often an unknown word's nearest
vocabulary word (cosine) is the word it was made from.

  oov_probe.py make DB MODEL OUT      writes the probe words (word TAB intended TAB kind)
  oov_probe.py w2v DB MODEL PROBES    w2v: w2v_similar(MODEL, word, 1) in SQL
  oov_probe.py vec VEC OOVVEC PROBES  a peer: its vocabulary vectors (word2vec text
                                      format) and the unknown words' vectors (one
                                      "word v1 v2 ..." line each, as fastText's
                                      print-word-vectors writes them)

The probes: the 3,000 words of frequency ranks 300..3299 with at least 6 letters a-z,
each changed once in a way chosen from a fixed seed: a typo (a letter deleted,
two neighbours swapped, a letter doubled, a vowel replaced by another) or an
inflection (+s, +ed, +ing, +ly, +er); only changes that give a word outside the
vocabulary are kept.  Prints "typos X% (n), inflections Y% (m)"."""
import random
import sqlite3
import sys

TYPO, INFL = "typo", "inflection"

def make(db, model, out):
    con = sqlite3.connect(db)
    vocab = set(r[0] for r in con.execute(f'SELECT word FROM "{model}_vocab"'))
    words = [r[0] for r in con.execute(f'SELECT word FROM "{model}_vocab" WHERE id BETWEEN 301 AND 3300 ORDER BY id')]
    rng = random.Random(7)
    rows = []
    for w in words:
        if len(w) < 6 or not w.isalpha() or not w.isascii():
            continue
        kind = TYPO if rng.random() < 0.7 else INFL
        for _ in range(10):
            if kind == TYPO:
                i = rng.randrange(1, len(w) - 1)
                op = rng.randrange(4)
                if op == 0:
                    v = w[:i] + w[i + 1:]
                elif op == 1:
                    v = w[:i] + w[i + 1] + w[i] + w[i + 2:]
                elif op == 2:
                    v = w[:i] + w[i] + w[i:]
                else:
                    vs = [j for j in range(1, len(w) - 1) if w[j] in "aeiou"]
                    if not vs:
                        continue
                    j = rng.choice(vs)
                    v = w[:j] + rng.choice([c for c in "aeiou" if c != w[j]]) + w[j + 1:]
            else:
                v = w + rng.choice(["s", "ed", "ing", "ly", "er"])
            if v != w and v not in vocab:
                rows.append((v, w, kind))
                break
    with open(out, "w") as f:
        for r in rows:
            f.write("\t".join(r) + "\n")

def load_probes(path):
    return [line.rstrip("\n").split("\t") for line in open(path)]

def report(hits):
    out = []
    for kind, name in ((TYPO, "typos"), (INFL, "inflections")):
        h = [x for k, x in hits if k == kind]
        out.append(f"{name} {100.0 * sum(h) / max(1, len(h)):.1f}% ({len(h)})")
    print(", ".join(out))

def probe_w2v(db, model, probes):
    con = sqlite3.connect(db)
    con.enable_load_extension(True)
    con.load_extension("./w2v")
    hits = []
    for v, w, kind in load_probes(probes):
        r = con.execute("SELECT word FROM w2v_similar(?, ?, 1)", (model, v)).fetchone()
        hits.append((kind, r is not None and r[0] == w))
    report(hits)

def probe_vec(vec, oovvec, probes):
    import numpy as np
    words, rows = [], []
    with open(vec, encoding="utf-8", errors="replace") as f:
        dim = int(f.readline().split()[1])
        for line in f:
            p = line.rstrip("\n").rstrip(" ").split(" ")
            if len(p) != dim + 1 or p[0] == "</s>":
                continue
            words.append(p[0])
            rows.append(np.asarray(p[1:], dtype=np.float32))
    m = np.vstack(rows)
    m /= np.maximum(np.linalg.norm(m, axis=1, keepdims=True), 1e-12)
    oov = {}
    with open(oovvec, encoding="utf-8", errors="replace") as f:
        for line in f:
            p = line.rstrip("\n").rstrip(" ").split(" ")
            if len(p) == dim + 1:
                oov[p[0]] = np.asarray(p[1:], dtype=np.float32)
    hits = []
    for v, w, kind in load_probes(probes):
        q = oov.get(v)
        if q is None or not np.any(q):
            hits.append((kind, False))
            continue
        hits.append((kind, words[int(np.argmax(m @ q))] == w))
    report(hits)

if __name__ == "__main__":
    cmd = sys.argv[1]
    if cmd == "make":
        make(*sys.argv[2:5])
    elif cmd == "w2v":
        probe_w2v(*sys.argv[2:5])
    else:
        probe_vec(*sys.argv[2:5])
