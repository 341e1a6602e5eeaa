#!/usr/bin/env python3
"""Analogy accuracy (3CosAdd) of a word2vec text-format vector file, the method of
../shared/data/README.md: unit vectors, the 30,000 most frequent words, lower-cased, the
three question words excluded, counted over questions whose four words are all among
them.  Usage: analogy.py VECTORS.txt QUESTIONS.txt [RESTRICT [CORPUS]]

Which words are the 30,000 most frequent: without CORPUS, the file's first 30,000 (each
system's own order).  At bench.txt's cut 2,367 words share the count 8, and each system
breaks that tie its own way (w2v and word2vec.c by first occurrence, fastText and gensim
otherwise), so their lists differ by about 400 words and they answer different questions
(8,137, 8,004, 8,019).  With CORPUS the list is the corpus's: words (as written) by
count, ties by first occurrence (the data README's 8,137 questions), the same for every
system; a file's row counts when its word is on the list.  Either way a word is one row
(its first, lower-cased): later case variants are no candidates of their own."""
import sys
from collections import Counter
import numpy as np

def corpus_top(path, n):
    """the n most frequent words of a whitespace-split corpus, ties by first occurrence"""
    counts, first = Counter(), {}
    with open(path, encoding="utf-8", errors="replace") as f:
        for line in f:
            for w in line.split():
                counts[w] += 1
                if w not in first:
                    first[w] = len(first)
    ranked = sorted(counts, key=lambda w: (-counts[w], first[w]))
    return set(ranked[:n])

def load(path, restrict, allowed=None):
    words, rows, seen = [], [], set()
    with open(path, encoding="utf-8", errors="replace") as f:
        first = f.readline().split()
        dim = int(first[1]) if len(first) == 2 else len(first) - 1
        if len(first) != 2:
            f.seek(0)
        for line in f:
            parts = line.rstrip("\n").rstrip(" ").split(" ")
            if len(parts) != dim + 1:
                continue
            if allowed is not None and parts[0] not in allowed:
                continue
            w = parts[0].lower()
            if allowed is not None:
                seen.add(parts[0])
            words.append(w)
            rows.append(np.asarray(parts[1:], dtype=np.float32))
            if allowed is None and len(words) >= restrict:
                break
    if allowed is not None and len(seen) < len(allowed):
        print(f"analogy.py: {len(allowed) - len(seen)} of the corpus's {len(allowed)} words "
              f"are not in {path}", file=sys.stderr)
    # one row per lower-cased word (its first): a later case variant is no
    # candidate of its own, as w2v_eval_analogy counts it as the same word
    keep, index = [], {}
    for i, w in enumerate(words):
        if w not in index:
            index[w] = len(keep)
            keep.append(i)
    m = np.vstack([rows[i] for i in keep])
    m /= np.maximum(np.linalg.norm(m, axis=1, keepdims=True), 1e-12)
    return m, index

def main():
    vec, qpath = sys.argv[1], sys.argv[2]
    restrict = int(sys.argv[3]) if len(sys.argv) > 3 else 30000
    allowed = corpus_top(sys.argv[4], restrict) if len(sys.argv) > 4 else None
    m, index = load(vec, restrict, allowed)
    qs = []
    total = 0
    for line in open(qpath, encoding="utf-8"):
        if line.startswith(":"):
            continue
        total += 1
        ws = line.lower().split()
        if len(ws) == 4 and all(w in index for w in ws):
            qs.append([index[w] for w in ws])
    q = np.asarray(qs, dtype=np.int64)
    correct = 0
    for s in range(0, len(q), 512):
        b = q[s:s + 512]
        target = m[b[:, 1]] - m[b[:, 0]] + m[b[:, 2]]
        sims = target @ m.T
        rows = np.arange(len(b))
        for c in range(3):
            sims[rows, b[:, c]] = -np.inf
        correct += int((sims.argmax(axis=1) == b[:, 3]).sum())
    print(f"{100.0 * correct / max(len(q), 1):.1f} {correct} {len(q)} {total}")

main()
