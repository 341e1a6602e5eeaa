/*
** Internal header shared by the files of ext/: the structs and the functions that the
** files call in each other.
**
** Two layers.  The numeric core (vocab.c, huffman.c, sampler.c, loss.c,
** train.c) is plain C with libc and pthreads and knows nothing of SQL.  The
** SQL layer (w2v.c, options.c, corpus.c, store.c, vtab.c, query.c) includes
** <sqlite3ext.h> before this header and gets the declarations at the end.
*/
#ifndef W2V_INT_H
#define W2V_INT_H

#include <stdint.h>
#include <stddef.h>

#define W2V_FORMAT_VERSION 1

enum { W2V_SKIPGRAM = 0, W2V_CBOW = 1, W2V_ARCH_NONE = 2 };
/* LOSS_NONE: a model imported from a vector file, without output weights */
enum { W2V_LOSS_NS = 0, W2V_LOSS_HS = 1, W2V_LOSS_SOFTMAX = 2, W2V_LOSS_NONE = 3 };

const char *w2v_arch_name(int arch);
const char *w2v_loss_name(int loss);

/* ---- rng: a per-thread 64-bit generator (splitmix64 seeding, wyrand steps) */
static inline uint64_t w2v_rng_next(uint64_t *s){
  __uint128_t m;
  *s += 0xa0761d6478bd642fULL;
  m = (__uint128_t)*s * (*s ^ 0xe7037ed1a0b428dbULL);
  return (uint64_t)(m >> 64) ^ (uint64_t)m;
}
/* Uniform integer in [0, n) for n < 2^32. */
static inline uint32_t w2v_rng_below(uint64_t *s, uint32_t n){
  return (uint32_t)(((w2v_rng_next(s) >> 32) * (uint64_t)n) >> 32);
}

/* ---- vocab.c: words, counts and a hash index over them ---------------- */
typedef struct W2vVocab {
  int64_t n;            /* number of words */
  int64_t nAlloc;       /* allocated entries in counts/offs/lens */
  int64_t *counts;      /* occurrences of each word */
  uint64_t *offs;       /* byte offset of each word in pool */
  uint32_t *lens;       /* byte length of each word */
  char *pool;           /* all words, back to back, each followed by a 0 byte */
  size_t poolUsed, poolAlloc;
  int32_t *slots;       /* open-addressing hash table of ids, -1 = empty */
  uint64_t nSlot;       /* power of two */
} W2vVocab;

void w2v_vocab_init(W2vVocab*);
/* Bytes the vocabulary has allocated. */
int64_t w2v_vocab_bytes(const W2vVocab*);
void w2v_vocab_free(W2vVocab*);
/* Adds `count` to the word, inserting it if new; returns its id, -1 on OOM,
** -2 when the vocabulary is full (2^31-1 words). */
int64_t w2v_vocab_add(W2vVocab*, const char *z, uint32_t n, int64_t count);
int64_t w2v_vocab_find(const W2vVocab*, const char *z, uint32_t n);
static inline const char *w2v_vocab_word(const W2vVocab *v, int64_t id){
  return v->pool + v->offs[id];
}
/* Keeps the words with count >= minCount, at most maxVocab of them (0: no
** limit), sorted by count descending, ties by first occurrence.  remap[old id]
** receives the new id or -1.  Returns 0, or -1 on OOM. */
int w2v_vocab_prune(const W2vVocab *src, int64_t minCount, int64_t maxVocab,
                    W2vVocab *dst, int32_t *remap);

/* ---- huffman.c: the binary tree of hierarchical softmax --------------- */
typedef struct W2vTree {
  int64_t nWord;
  int64_t *start;      /* path of word w: entries start[w] .. start[w+1]-1 */
  uint8_t *code;       /* branch taken at each inner node: 0 or 1 */
  int32_t *point;      /* inner node index (0 .. nWord-2), root first */
  int32_t *child;      /* child[2j+b]: inner node j's child by branch b, an
                       ** inner node index or ~word for a leaf; root nWord-2 */
} W2vTree;

/* counts must be sorted descending (as vocab ids are). 0 or -1 on OOM. */
int w2v_tree_build(const int64_t *counts, int64_t n, W2vTree*);
void w2v_tree_free(W2vTree*);

/* ---- sampler.c: noise words with P(w) ~ count(w)^power (alias method) - */
typedef struct W2vSampler {
  int64_t n;
  uint32_t *threshold; /* keep index i when the low 32 random bits are below */
  int32_t *alias;      /* otherwise take alias[i] */
} W2vSampler;

int w2v_sampler_build(const int64_t *counts, int64_t n, double power, W2vSampler*);
void w2v_sampler_free(W2vSampler*);
static inline int32_t w2v_sampler_draw(const W2vSampler *s, uint64_t r){
  uint32_t i = (uint32_t)(((r >> 32) * (uint64_t)s->n) >> 32);
  return ((uint32_t)r < s->threshold[i]) ? (int32_t)i : s->alias[i];
}

/* ---- loss.c: ns, hs and softmax, for training and for exact queries --- */
typedef struct W2vLoss {
  int kind;                  /* W2V_LOSS_* */
  int dim;
  int negative;              /* ns only */
  int64_t nWord;
  float *out;                /* output vectors: nWord rows, or nWord-1 for hs */
  const W2vTree *tree;       /* hs only */
  const W2vSampler *sampler; /* ns only */
  int maxPath;               /* hs only: the longest path in the tree */
} W2vLoss;

/* Rows of `out` that a loss needs for a vocabulary of nWord words. */
int64_t w2v_loss_out_rows(int kind, int64_t nWord);
/* One training step: predicts `target` from the hidden vector h, updates the
** output vectors in place with learning rate alpha, adds the gradient with
** respect to h (already scaled by alpha) into gh and returns the step's loss
** (-log of the modelled probability).  scratch holds nWord floats (softmax),
** or w2v_loss_window_scratch(L) bytes set up by w2v_loss_thread_begin. */
float w2v_loss_step(const W2vLoss*, const float *h, float *gh, int32_t target,
                    float alpha, uint64_t *rng, float *scratch);
/* Skip-gram, ns and hs: every context input in[0..nIn) predicts target,
** with the input vectors updated in place.  scratch holds
** w2v_loss_window_scratch(L) bytes, 64-byte aligned. */
float w2v_loss_window_step(const W2vLoss*, float *const *in, int nIn, int32_t target,
                           float alpha, uint64_t *rng, float *scratch);
size_t w2v_loss_window_scratch(const W2vLoss*);
/* Each training thread calls these around its work, with its scratch (ns
** and hs): hs keeps a per-thread copy of the rows nearest the tree's root and
** writes it back now and then, and at the end. */
void w2v_loss_thread_begin(const W2vLoss*, float *scratch);
void w2v_loss_thread_end(const W2vLoss*, float *scratch);
/* Exact double-precision queries, no lookup tables. */
double w2v_hs_prob(const W2vLoss*, const float *h, int32_t target);
/* log sum_w exp(u_w . h) over the vocabulary (ns and softmax models). */
double w2v_log_partition(const W2vLoss*, const float *h);
double w2v_dot_exact(const float *a, const float *b, int n);
/* The k most probable outputs for hidden vector h, best first (ties: lower
** id), with their probabilities; exact, as w2v_hs_prob / the softmax over
** output vectors give them.  Returns the count, or -1 on OOM. */
typedef struct W2vPrediction { int32_t id; double prob; } W2vPrediction;
int64_t w2v_predict_top(const W2vLoss*, const float *h, int64_t k, W2vPrediction *out);

/* ---- knn.c: exact top-k by cosine similarity --------------------------- */
typedef struct W2vHit { int32_t id; float sim; } W2vHit;
typedef struct W2vKnn {
  int64_t n;
  int dim, stride;          /* stride: dim rounded up to a multiple of 8 */
  const float *vec;         /* n x dim vectors (not owned) */
  float *invNorm;           /* per row: 1/|v| (0 for a zero vector) */
  int8_t *q8;               /* n x stride int8 copy of the unit rows */
  float *scale;             /* per row: v/|v| ~= scale * q8 */
  float *err;               /* per row: norm of v/|v| - scale * q8 */
} W2vKnn;
typedef struct W2vKnnQuery {
  const float *q;           /* the query vector, any length */
  int64_t k;                /* at most k hits */
  double minSim;            /* only hits with similarity >= minSim */
  const int32_t *exclude;   /* ids never returned */
  int nExclude;
  const int32_t *cand;      /* when not NULL: only these (distinct) ids */
  int64_t nCand;
} W2vKnnQuery;
/* 0, or -1 on OOM. */
int w2v_knn_build(W2vKnn*, const float *vec, int64_t n, int dim);
/* Cosine of row id with a unit query qu; cosine of two rows. */
float w2v_knn_sim(const W2vKnn*, const float *qu, int64_t id);
float w2v_knn_pair(const W2vKnn*, int64_t a, int64_t b);
void w2v_knn_free(W2vKnn*);
/* Writes the best hits to aHit (room for k), best first, ties by lower id;
** returns their count or -1 on OOM. */
int64_t w2v_knn_search(const W2vKnn*, const W2vKnnQuery*, W2vHit *aHit);
/* The same with 3CosMul analogy scores of words aPos minus words aNeg. */
int64_t w2v_knn_cosmul(const W2vKnn*, const W2vKnnQuery*, const int32_t *aPos,
                       int nPos, const int32_t *aNeg, int nNeg, W2vHit *aHit);

/* ---- train.c: skip-gram and CBOW over an encoded corpus --------------- */
typedef struct W2vTrainParams {
  int arch, loss, dim, window, negative, epochs, threads;
  double nsExponent, sample, alpha, minAlpha;
  uint64_t seed;
  /* continuing a model: row w of the new weights starts as row initFrom[w]
  ** of initIn / initOut (-1: fresh); initOut NULL: outputs start at zero */
  const float *initIn, *initOut;
  const int32_t *initFrom;
} W2vTrainParams;

typedef struct W2vEpochStats {
  int64_t words;        /* corpus words read in the epoch (before sub-sampling) */
  int64_t effective;    /* words kept after sub-sampling */
  int64_t predictions;  /* training steps (one target word predicted each) */
  double loss;          /* sum of step losses */
  double seconds;       /* wall clock at the end of the epoch, from the start */
  double alpha;         /* learning rate at the end of the epoch */
} W2vEpochStats;

typedef struct W2vTrainer W2vTrainer;

/* Everything training reads: ids are vocab ids (sorted by count), sentences
** end at ends[0..nSent-1] (exclusive offsets into ids). */
typedef struct W2vCorpusView {
  const int32_t *ids;
  int64_t nIds;
  const int64_t *ends;
  int64_t nSent;
} W2vCorpusView;

/* Allocates and initialises the weights (in: nWord x dim, out: zero) and
** starts the worker threads.  Returns NULL on OOM or if threads cannot start;
** *pzErr (malloc'd) then says why. */
W2vTrainer *w2v_train_start(const W2vTrainParams*, const W2vCorpusView*,
                            const int64_t *counts, int64_t nWord, char **pzErr);
/* An upper estimate of the bytes w2v_train_start will allocate, for a
** corpus whose longest sentence has maxSentence tokens. */
int64_t w2v_train_bytes(const W2vTrainParams*, int64_t nWord, int64_t maxSentence);
/* Non-blocking: 1 when every worker has finished. */
int w2v_train_done(W2vTrainer*);
/* Fraction of the work done, 0..1. */
double w2v_train_progress(W2vTrainer*);
/* A consistent-enough view of a running training, for progress reports. */
typedef struct W2vProgress {
  double fraction;        /* 0..1 */
  int epoch;              /* 1-based, the newest any thread is in */
  double wordsPerSecond;  /* corpus words per wall-clock second so far */
  double loss;            /* mean step loss so far in that epoch (NAN: none yet) */
  double seconds;
} W2vProgress;
void w2v_train_snapshot(W2vTrainer*, W2vProgress*);
/* Asks the workers to stop at the next check (within milliseconds). */
void w2v_train_cancel(W2vTrainer*);
/* Waits for the workers.  Returns 0 when training ran to the end, 1 when it
** was cancelled, 2 when the weights became non-finite (diverged). */
int w2v_train_join(W2vTrainer*);
const float *w2v_train_input(W2vTrainer*);
const float *w2v_train_output(W2vTrainer*);
const W2vEpochStats *w2v_train_stats(W2vTrainer*, int *pnEpoch);
void w2v_train_free(W2vTrainer*);

/* ---- the SQL layer ----------------------------------------------------- */
#ifdef SQLITE3EXT_H

typedef struct W2vOptions {
  char *zModel;
  int arch, loss, dim, window, negative, epochs, threads;
  double nsExponent, sample, alpha, minAlpha;
  sqlite3_int64 minCount, maxVocab;
  sqlite3_uint64 seed;
  int lower, replace, progress, update;
  sqlite3_int64 maxMemory;   /* bytes training may allocate */
  unsigned given;            /* W2V_GIVEN_* bits: options the user wrote */
} W2vOptions;
enum { W2V_GIVEN_ARCH = 1, W2V_GIVEN_LOSS = 2, W2V_GIVEN_DIM = 4, W2V_GIVEN_ALPHA = 8,
       W2V_GIVEN_MIN_ALPHA = 16, W2V_GIVEN_LOWER = 32, W2V_GIVEN_MAX_VOCAB = 64 };
/* The learning-rate defaults, which depend on arch (options.c). */
void w2v_options_default_alpha(W2vOptions*);

/* options.c */
int w2v_options_parse(const char *zFunc, const char *z, W2vOptions*, char **pzErr);
void w2v_options_free(W2vOptions*);
/* The next key=value pair of an options string from z[*pi]: 1 with both
** sqlite3_malloc'd, 0 at the end, -1 with *pzErr set. */
int w2v_options_next(const char *zFunc, const char *z, int *pi, char **pzKey,
                     char **pzVal, char **pzErr);
/* A whole decimal integer: 0 and *pv, or 1. */
int w2v_parse_int(const char *z, sqlite3_int64 *pv);

/* corpus.c: reads table.column, tokenises and encodes every row. */
typedef struct W2vCorpus {
  int32_t *ids;
  int64_t nIds, nAlloc;
  int64_t *ends;
  int64_t nSent, nSentAlloc;
} W2vCorpus;
int w2v_corpus_read(sqlite3 *db, const char *zTable, const char *zColumn,
                    int lower, sqlite3_int64 maxBytes, W2vVocab *vocab, W2vCorpus *c,
                    char **pzErr);
/* Bytes the corpus arrays have allocated. */
sqlite3_int64 w2v_corpus_bytes(const W2vCorpus*);
/* Replaces each id by remap[id], dropping -1 and sentences left empty. */
void w2v_corpus_remap(W2vCorpus*, const int32_t *remap);
void w2v_corpus_free(W2vCorpus*);
/* Splits a string into whitespace-separated tokens: returns the next token's
** start and length from *pi, or 0 when there is none. */
int w2v_next_token(const char *z, int n, int *pi, int *piStart);

/* A model as queries see it: vocabulary, vectors, the loss's weights. */
typedef struct W2vModel W2vModel;
struct W2vModel {
  char *zName;
  W2vModel *pNext;
  sqlite3_int64 generation;  /* changes with every (re)training */
  int dim, arch, loss;
  W2vVocab vocab;
  float *in;                 /* nWord x dim input (word) vectors */
  float *out;                /* output weights: NULL until w2v_model_output */
  W2vKnn knn;                /* the search index over in, made on first use */
  int lower;                 /* trained with lower=1: queries fold text too */
  W2vTree tree;
  W2vLoss lossFn;
  char *zPartInput;          /* w2v_prob cache: the last input and its */
  double partLog;            /* log partition function */
};

/* Per-connection state: the models loaded so far. */
typedef struct W2vConn {
  sqlite3 *db;
  W2vModel *pModels;
  int nRef;
} W2vConn;

void w2v_conn_release(void*);   /* w2v.c: drops one reference */
/* w2v.c: appends z to s as a JSON string literal, quoted and escaped. */
void w2v_json_string(sqlite3_str *s, const char *z);

/* store.c */
int w2v_model_exists(sqlite3 *db, const char *zModel);
int w2v_store_write(sqlite3 *db, const W2vOptions *o, const W2vVocab *v,
                    const float *in, const float *out, sqlite3_int64 nOut,
                    const char *zStats, char **pzErr);
/* w2v_store_write inside a savepoint: all of it, or nothing (*pzErr then
** says why, prefixed with zFunc). */
int w2v_store_save(sqlite3 *db, const char *zFunc, const W2vOptions *o, const W2vVocab *v,
                   const float *in, const float *out, sqlite3_int64 nOut,
                   const char *zStats, char **pzErr);
int w2v_store_drop(sqlite3 *db, const char *zSchema, const char *zModel);
/* The model named zModel, loaded or re-loaded when it changed.  On error
** (no such model, damaged storage) returns non-zero with *pzErr set. */
int w2v_conn_model(W2vConn*, const char *zFunc, const char *zModel,
                   W2vModel **pp, char **pzErr);
void w2v_conn_forget(W2vConn*, const char *zModel);
/* Reads the output weights (m->out, m->lossFn) if not yet read. */
int w2v_model_output(sqlite3 *db, W2vModel *m, const char *zFunc, char **pzErr);
void w2v_model_free(W2vModel*);

/* query.c, shared with the model table (vtab.c): a "word = ?" / "word IN
** (...)" constraint as a candidate set. */
char w2v_word_constraint(sqlite3_index_info*, int iConstraint);
int w2v_word_candidates(W2vModel*, char kind, sqlite3_value*, int32_t **paId, int64_t *pnId);

/* The hidden vector of an input (query.c): h = mean of the input vectors of
** the space-separated words in v.  1 if every word is known (and there is
** at least one), else 0. */
int w2v_model_hidden(W2vModel*, sqlite3_value *v, float *h);

/* update.c: update=1.  w2v_update_begin loads the model named by o and
** adopts its arch, loss, dim and lower (before the rows are read).
** w2v_update_merge merges the new rows' vocabulary (raw) into the model's:
** vocab gets the sorted result, remap[raw id] the new id or -1, and u the
** rows the trainer starts from (u->initFrom is malloc'd; the weights stay
** owned by the connection's model cache). */
typedef struct W2vUpdate {
  W2vModel *m;
  int32_t *initFrom;
  const float *initIn, *initOut;
  int64_t nOld, nNew;
} W2vUpdate;
int w2v_update_begin(W2vConn*, W2vOptions *o, W2vUpdate *u, char **pzErr);
int w2v_update_merge(W2vUpdate *u, const W2vOptions *o, const W2vVocab *raw,
                     W2vVocab *vocab, int32_t *remap, char **pzErr);

/* vtab.c, query.c, predict_vtab.c */
int w2v_register_model_module(sqlite3*, W2vConn*);
int w2v_register_queries(sqlite3*, W2vConn*);
int w2v_register_predict(sqlite3*, W2vConn*);
int w2v_register_eval(sqlite3*, W2vConn*);
int w2v_register_wordfile(sqlite3*, W2vConn*);

/* The search index of the model's word vectors; NULL on OOM. */
const W2vKnn *w2v_model_knn(W2vModel*);
/* Id of a word (ASCII-folded when the model was trained with lower=1), or -1
** when unknown (or on OOM, for words over 256 bytes). */
int64_t w2v_model_find(const W2vModel*, const char *z, int n);

#endif /* SQLITE3EXT_H */
#endif /* W2V_INT_H */
