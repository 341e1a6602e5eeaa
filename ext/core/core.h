/*
** The numeric core (ext/core/): vocabulary, Huffman tree, noise sampler,
** the losses, training threads, exact query math and nearest-neighbour
** search.  Plain C with libc, libm and pthreads: no SQLite, no globals that
** a caller can see.  The SQL layer (the files of ext/) calls in; the core never calls
** out.  Allocations use w2v_core_malloc and friends (alloc.c), so a test can
** make them fail.
*/
#ifndef W2V_CORE_H
#define W2V_CORE_H

#include <stdint.h>
#include <stddef.h>
#include <pthread.h>

/* The core's failures, where a function returns a count or id otherwise. */
enum { W2V_ERR_NOMEM = -1,      /* an allocation failed */
       W2V_ERR_FULL = -2,       /* w2v_vocab_add: 2^31-1 words already */
       W2V_ERR_INVALID = -2,    /* w2v_tree_build: counts no vocabulary has;
                                ** w2v_phrases_*: ids or sentence ends out of range */
       W2V_ERR_LIMIT = -3,      /* w2v_phrases_score: maxBytes reached */
       W2V_ERR_INTERRUPT = -4 };/* w2v_phrases_score: xInterrupt said stop */

/* Limits every layer checks against. */
#define W2V_MAX_DIM   10000          /* floats per vector */
#define W2V_MAX_WORDS 0x7fffffffLL   /* words in a vocabulary (ids are int32) */

/* The floats from one row of the trainers' weight arrays to the next, so
** that no row straddles more 64-byte lines than it must: above 16 floats dim
** rounded up to 16, else to a power of two.  A row that starts mid-line
** splits every vector load and store in two; at dim 100 the padding made
** CBOW with subwords 1.19x as fast. */
static inline int w2v_row_stride(int dim){
  int s = 1;
  if( dim>16 ) return (dim + 15) & ~15;
  while( s<dim ) s <<= 1;
  return s;
}

/* W2V_SUPERVISED: a classifier (supervised.c), trained from a label column */
enum { W2V_SKIPGRAM = 0, W2V_CBOW = 1, W2V_ARCH_NONE = 2, W2V_SUPERVISED = 3 };
/* LOSS_NONE: a model imported from a vector file, without output weights */
/* LOSS_OVA: one-vs-all, independent sigmoids per label (classifiers only) */
enum { W2V_LOSS_NS = 0, W2V_LOSS_HS = 1, W2V_LOSS_SOFTMAX = 2, W2V_LOSS_NONE = 3, W2V_LOSS_OVA = 4 };

/* ---- alloc.c: the core's allocator (malloc unless a test hooks it) ----- */
void *w2v_core_malloc(size_t n);
void *w2v_core_calloc(size_t n, size_t size);
void *w2v_core_realloc(void *p, size_t n);
void *w2v_core_aligned(size_t n);   /* 64-byte aligned */
void w2v_core_free(void *p);
/* Test hook: when set, every core allocation asks it first, with the size
** it wants; 0 means fail.  (make test-oom, and the unit test that checks
** w2v_train_bytes against what training allocates.) */
extern int (*w2v_core_alloc_hook)(size_t);

/* ---- task.c: one function run on a second thread while the caller does
** something else (loading a big model: the kernel's first touch of the
** index memory, and indexing the words, overlap the reading).  The function
** must not allocate through the core (test-oom counts allocations, and
** their order must not depend on threads).  When no thread can be started
** the function runs in w2v_task_start itself. */
typedef struct W2vTask { void (*fn)(void*); void *arg; int started; pthread_t tid; } W2vTask;
void w2v_task_start(W2vTask*, void (*fn)(void*), void *arg);
void w2v_task_join(W2vTask*);
/* Writes a zero into every page of p[0..n): the kernel's first-touch work,
** done ahead of the real writes (for w2v_task_start). */
void w2v_prefault(void *p, size_t n);

/* ---- dispatch.c: which compiled kernels (loss.c and knn.c, once per
** instruction set: kernel.h) the w2v_loss_* and w2v_knn_* functions run.
** Chosen once per process, on first use: the one W2V_KERNEL names (scalar,
** sse2, avx2, avx512; on arm64 scalar, neon), else the fastest the CPU has. */
/* The kernel in use (choosing it if not yet done). */
const char *w2v_kernel_name(void);
/* Why W2V_KERNEL could not be followed (a name not compiled in, or an
** instruction set this CPU lacks), or NULL.  The fastest kernel runs then. */
const char *w2v_kernel_error(void);
/* The kernels compiled in that this CPU runs, slowest first: up to nMax
** names into az; returns their number. */
int w2v_kernel_list(const char **az, int nMax);
/* Switches to the named kernel (tests: not while another thread is in a
** w2v_loss_* or w2v_knn_* call).  0, or -1 when it is not in the list. */
int w2v_kernel_use(const char *zName);

/* ---- tokenize.c: white-space tokens --------------------------------- */
/* Splits a string at ASCII white space (space, tab, LF, VT, FF, CR) and NUL
** bytes: returns the next token's length and start from *pi, or 0 when
** there is none. */
int w2v_next_token(const char *z, int n, int *pi, int *piStart);

/* fold.c: Unicode simple case folding (lower=1), as FTS5's unicode61 folds.
** Writes the folded form of src[0..n) to dst, which must hold
** W2V_FOLD_MAX(n) bytes (a 2-byte letter may fold to 3), and returns its
** length.  Invalid UTF-8 bytes are copied unchanged. */
#define W2V_FOLD_MAX(n) ((n) + (n)/2 + 1)
size_t w2v_fold_utf8(char *dst, const char *src, size_t n);
/* ---- parse.c: the small text formats -------------------------------- */
/* Splits a word expression "w1 + w2 - w3" (a leading sign allowed) into its
** words with their signs; a has room for n/2+1 terms. */
typedef struct W2vTerm { int start, len, sign, afterOp; } W2vTerm;  /* afterOp: an operator came before it */
typedef enum { W2V_TERMS_OK = 0, W2V_TERMS_TWO_OPERATORS = 1, W2V_TERMS_TRAILING_OPERATOR = 2 } W2vTermsResult;
int w2v_parse_terms(const char *z, int n, W2vTerm *a, int *pn);
/* The first line of a word2vec vector file, "WORDS DIM": two whole numbers
** (dim >= 1).  NONE: not a header (a GloVe file starts with a vector);
** BAD: two numbers that are not two counts ("+3 2", "3 2.0", "0x3 2",
** "99999999999999999999 2"). */
typedef enum { W2V_HEADER_OK, W2V_HEADER_NONE, W2V_HEADER_BAD } W2vHeaderResult;
W2vHeaderResult w2v_parse_vector_header(const char *z, size_t n, int64_t *pWords, int64_t *pDim);
/* The number at the start of z[0..n), a field that ends at the first space
** or tab (or at n): returns the field's length with *pv, or 0 when the field
** is not a finite float32 of magnitude at most 3.4e38.  *pv is exactly
** (float)strtod(field): plain decimals take a fast path that gives the same
** correctly rounded double (Clinger's), anything else (hex, many digits,
** far exponents) goes through strtod.  Against strtof it can differ by one
** ulp where rounding to double first lands on a float halfway point. */
size_t w2v_parse_float_field(const char *z, size_t n, float *pv);

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

/* a + b clamped to [INT64_MIN, INT64_MAX]: counts read from storage may be
** damaged, and a signed overflow is undefined behaviour. */
static inline int64_t w2v_sat_add(int64_t a, int64_t b){
  if( b>0 && a>INT64_MAX - b ) return INT64_MAX;
  if( b<0 && a<INT64_MIN - b ) return INT64_MIN;
  return a + b;
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
  uint64_t *slots;      /* open-addressing hash table: hash tag << 32 | id, all ones = empty */
  uint64_t nSlot;       /* power of two */
} W2vVocab;

void w2v_vocab_init(W2vVocab*);
/* Bytes the vocabulary has allocated. */
int64_t w2v_vocab_bytes(const W2vVocab*);
void w2v_vocab_free(W2vVocab*);
/* Adds `count` to the word (a saturating sum), inserting it if new; returns
** its id, W2V_ERR_NOMEM, or W2V_ERR_FULL when the vocabulary holds 2^31-1 words. */
/* Room for n words of nPool bytes in all (a size known beforehand: no
** growing and no re-hashing while adding them).  0, or -1 on OOM. */
int w2v_vocab_reserve(W2vVocab*, int64_t n, size_t nPool);
int64_t w2v_vocab_add(W2vVocab*, const char *z, uint32_t n, int64_t count);
int64_t w2v_vocab_find(const W2vVocab*, const char *z, uint32_t n);
/* Bulk loading (a stored vocabulary, words known to be distinct): appends
** the word as the next id without looking it up (the index is dropped);
** when all are in, w2v_vocab_index_alloc makes an empty index (0, or -1 on
** OOM) and w2v_vocab_index_fill fills it (no allocation: it may run as a
** W2vTask), with *pRepeat the first id whose word an earlier id has (-1:
** none).  Append returns the id, W2V_ERR_NOMEM or W2V_ERR_FULL. */
int64_t w2v_vocab_append(W2vVocab*, const char *z, uint32_t n, int64_t count);
/* w2v_vocab_reserve for appending: room for the words, no index. */
int w2v_vocab_reserve_append(W2vVocab*, int64_t n, size_t nPool);
int w2v_vocab_index_alloc(W2vVocab*);
void w2v_vocab_index_fill(W2vVocab*, int64_t *pRepeat);
static inline const char *w2v_vocab_word(const W2vVocab *v, int64_t id){
  return v->pool + v->offs[id];
}
/* Keeps the words with count >= minCount, at most maxVocab of them (0: no
** limit), sorted by count descending, ties by first occurrence.  remap[old id]
** receives the new id or -1.  Returns 0, or -1 on OOM. */
int w2v_vocab_prune(const W2vVocab *src, int64_t minCount, int64_t maxVocab,
                    W2vVocab *dst, int32_t *remap);
/* 1 when counts[0..n) never increase from one id to the next (what pruning,
** import and every stored model give), else 0. */
int w2v_counts_sorted(const int64_t *counts, int64_t n);
/* For counts that never increase: the ids whose count lies in [lo, hi] are
** exactly [*pFirst, *pEnd) (an empty range when none is), by binary search. */
void w2v_counts_span(const int64_t *counts, int64_t n, int64_t lo, int64_t hi,
                     int64_t *pFirst, int64_t *pEnd);

/* ---- huffman.c: the binary tree of hierarchical softmax --------------- */
typedef struct W2vTree {
  int64_t nWord;
  int64_t *start;      /* path of word w: entries start[w] .. start[w+1]-1 */
  uint8_t *code;       /* branch taken at each inner node: 0 or 1 */
  int32_t *point;      /* inner node index (0 .. nWord-2), root first */
  int32_t *child;      /* child[2j+b]: inner node j's child by branch b, an
                       ** inner node index or ~word for a leaf; root nWord-2 */
} W2vTree;

/* counts must be sorted descending (as vocab ids are).  Returns 0, -1 on
** OOM (W2V_ERR_NOMEM), or W2V_ERR_INVALID when the counts cannot be a vocabulary's: n < 0, a count < 0,
** counts not in descending order, or their sum over INT64_MAX (damaged
** storage).  Counts of 0 are taken as 1 (so that no path is longer than
** about 92 nodes).  A tree of 0 or 1 word has no inner node and empty paths. */
int w2v_tree_build(const int64_t *counts, int64_t n, W2vTree*);
void w2v_tree_free(W2vTree*);
/* Bytes w2v_tree_build allocates for n words whose paths add up to totalPath. */
int64_t w2v_tree_bytes(int64_t n, int64_t totalPath);

/* ---- sampler.c: noise words with P(w) ~ count(w)^power (alias method) - */
typedef struct W2vSampler {
  int64_t n;
  uint32_t *threshold; /* keep index i when the low 32 random bits are below */
  int32_t *alias;      /* otherwise take alias[i] */
} W2vSampler;

/* 0, or -1 on OOM.  Words with a count <= 0 are never drawn; when no word
** has a usable weight (all counts <= 0, or a NaN power) every word is
** equally likely.  n < 1: an empty sampler that must not be drawn from. */
int w2v_sampler_build(const int64_t *counts, int64_t n, double power, W2vSampler*);
void w2v_sampler_free(W2vSampler*);
/* Bytes w2v_sampler_build allocates for n words. */
int64_t w2v_sampler_bytes(int64_t n);
static inline int32_t w2v_sampler_draw(const W2vSampler *s, uint64_t r){
  uint32_t i = (uint32_t)(((r >> 32) * (uint64_t)s->n) >> 32);
  return ((uint32_t)r < s->threshold[i]) ? (int32_t)i : s->alias[i];
}

/* ---- loss.c: ns, hs and softmax, for training and for exact queries --- */
typedef struct W2vLoss {
  int kind;                  /* W2V_LOSS_* */
  int dim;
  int ld;                    /* floats from one row of out to the next (>= dim) */
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
/* CBOW: predicts target from h, the mean of the context rows in[0..nIn)
** (nIn >= 1), and adds the gradient wrt h to each of them.  h and gh are
** dim floats of the caller's; scratch as for w2v_loss_step. */
float w2v_loss_cbow_step(const W2vLoss*, float *const *in, int nIn, int32_t target,
                         float alpha, uint64_t *rng, float *h, float *gh, float *scratch);
/* Each training thread calls these around its work, with its scratch (ns
** and hs): hs keeps a per-thread copy of the rows nearest the tree's root and
** writes it back now and then, and at the end. */
void w2v_loss_thread_begin(const W2vLoss*, float *scratch);
/* Skip-gram with subwords (fastText's order): the input h, the mean of the
** rows in[0..nIn), predicts each of target[0..nTarget) in turn; each step's
** gradient is added to h at once (what adding it to every row does to their
** mean), and at the end their sum to every row.  work holds 3*L->ld floats,
** 64-byte aligned. */
float w2v_loss_sub_step(const W2vLoss*, float *const *in, int nIn, const int32_t *target, int nTarget,
                        float alpha, uint64_t *rng, float *work, float *scratch);
void w2v_loss_thread_end(const W2vLoss*, float *scratch);
/* CBOW with subwords (train.c keeps, per word of the window, the sum of its
** rows and the gradient not yet added to them).  w2v_rows_sum: sum = the sum
** of the n rows base + idx[r]*ld.  w2v_rows_add: each of them += g.
** w2v_loss_slots_step: h, the sum of sum[0..nUse) over the cnt[0..nUse)
** rows they hold in all, predicts target; then each sum[u] += cnt[u]*gh
** and pend[u] += gh (gh, dim floats: the gradient wrt h, scaled by alpha);
** h and scratch as for w2v_loss_cbow_step. */
void w2v_rows_sum(float *sum, const float *base, const int32_t *idx, int n, int ld, int dim);
void w2v_rows_add(float *base, const int32_t *idx, int n, int ld, int dim, const float *g);
float w2v_loss_slots_step(const W2vLoss*, float *const *sum, float *const *pend, const int32_t *cnt,
                          int nUse, int32_t target, float alpha, uint64_t *rng, float *h, float *gh,
                          float *scratch);

/* ---- exact.c: exact double-precision query math, no lookup tables ----- */
double w2v_dot_exact(const float *a, const float *b, int n);
/* The longest vector (Euclidean length) a model may hold as a word, n-gram or
** document row: the float32 similarity of two such rows stays far inside
** float32's range (|a.b| <= 1e38).  Longer rows are refused where they come
** in (import, training's end, loading a stored model). */
#define W2V_MAX_NORM 1e19
/* |v| computed in double (no overflow, no underflow for float32 input). */
double w2v_norm_exact(const float *v, int n);
/* 1 when |v| > W2V_MAX_NORM (fast for the rows well inside it). */
int w2v_norm_over(const float *v, int n);
double w2v_log_sigmoid(double x);    /* log sigma(x), no overflow */
double w2v_hs_prob(const W2vLoss*, const float *h, int32_t target);
/* score[w] = u_w . h for every word (ns and softmax models). */
void w2v_output_scores(const W2vLoss*, const float *h, double *score);
/* log sum_i exp(x_i), without overflow. */
double w2v_log_sum_exp(const double *x, int64_t n);
/* log sum_w exp(u_w . h) over the vocabulary; NAN when out of memory. */
double w2v_log_partition(const W2vLoss*, const float *h);
/* The k most probable outputs for hidden vector h, best first (ties: lower
** id), with their probabilities; exact, as w2v_hs_prob / the softmax over
** output vectors give them.  Returns the count, or -1 on OOM. */
typedef struct W2vPrediction { int32_t id; double prob; } W2vPrediction;
int64_t w2v_predict_top(const W2vLoss*, const float *h, int64_t k, W2vPrediction *out);

/* ---- codec.c: the stored forms of a vector row ------------------------- */
typedef enum { W2V_STORE_F32 = 0, W2V_STORE_F16 = 1, W2V_STORE_I8 = 2 } W2vStorage;
/* Bytes of one stored row of dim values. */
size_t w2v_row_bytes(int storage, int dim);
/* v -> out (w2v_row_bytes bytes): 0, or -1 when a value is not finite or
** (float16) over 65504 in magnitude. */
int w2v_row_encode(int storage, const float *v, int dim, unsigned char *out);
/* in -> v: 0, or -1 when a value (or int8's scale) is not finite. */
int w2v_row_decode(int storage, const unsigned char *in, int dim, float *v);

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
  int64_t idLo, idHi;       /* only ids in [idLo, idHi); idHi <= 0: no upper
                            ** limit (so zero-filled means every id) */
  /* when the index has no vectors in memory (vec NULL): row id's float32
  ** vector, or NULL when it cannot be read (the search then returns -2) */
  const float *(*xRow)(void *pRowCtx, int64_t id);
  void *pRowCtx;
} W2vKnnQuery;
/* 0, or -1 on OOM. */
int w2v_knn_build(W2vKnn*, const float *vec, int64_t n, int dim);
/* The arrays of an index of n rows, uninitialised, vec NULL (an index read
** from storage): 0, or -1 on OOM. */
int w2v_knn_alloc(W2vKnn*, int64_t n, int dim);
/* Fills the index arrays of rows 0..n-1 of vec (q8 has stride bytes a row,
** stride = dim rounded up to 8): what w2v_knn_build stores, a block at a time. */
void w2v_knn_index_rows(const float *vec, int64_t n, int dim, int8_t *q8, float *scale, float *err,
                        float *invNorm);
/* Cosine of row id with a unit query qu; cosine of two rows. */
float w2v_knn_sim(const W2vKnn*, const float *qu, int64_t id);
float w2v_knn_pair(const W2vKnn*, int64_t a, int64_t b);
void w2v_knn_free(W2vKnn*);
/* Writes the best hits to aHit (room for k), best first, ties by lower id:
** among the ids of [idLo, idHi) (and of cand, when given) that are not
** excluded and reach minSim.  Returns their count, -1 on OOM, -2 when
** q->xRow failed. */
int64_t w2v_knn_search(const W2vKnn*, const W2vKnnQuery*, W2vHit *aHit);
/* The same with 3CosMul analogy scores of words aPos minus words aNeg. */
int64_t w2v_knn_cosmul(const W2vKnn*, const W2vKnnQuery*, const int32_t *aPos,
                       int nPos, const int32_t *aNeg, int nNeg, W2vHit *aHit);

/* ---- subword.c: fastText's character n-grams --------------------------- */
#define W2V_MAX_NGRAM 32               /* maxn's limit */
#define W2V_MAX_BUCKET 0x7fffffffLL    /* bucket's limit (fastText's is an int32) */
/* The buckets of the n-grams of "<" z[0..n) ">" of minn..maxn characters,
** in fastText's order (Dictionary::computeSubwords), hash % bucket: the
** first nMax go to out; returns how many there are (0 when maxn < 1). */
int64_t w2v_subword_buckets(const char *z, size_t n, int minn, int maxn, uint32_t bucket,
                            int64_t *out, int64_t nMax);
/* The rows of every vocabulary word, computed once (CSR): word w's input
** vector is the mean of rows[start[w] .. start[w+1]), whose first is w
** itself (its own row) and the others nWord + j for n-gram row j, which
** holds bucket[j] (the buckets some word uses, each once, numbered in the
** order the words, most frequent first, first use them). */
typedef struct W2vSubwords {
  int64_t nWord;
  int64_t *start;
  int32_t *rows;
  int64_t nBucket;
  int64_t *bucket;
  int maxRows;          /* the most rows one word has */
} W2vSubwords;
/* 0, W2V_ERR_NOMEM, or W2V_ERR_INVALID (bucket out of range, or more than
** 2^31-1 rows in all). */
int w2v_subwords_build(const W2vVocab*, int minn, int maxn, int64_t bucket, W2vSubwords*);
void w2v_subwords_free(W2vSubwords*);
/* Bytes w2v_subwords_build allocates at most (its peak) for nWord words with
** nEntry rows in all. */
int64_t w2v_subwords_bytes(int64_t nWord, int64_t nEntry);
/* out = word w's vector: the mean of its rows of in (nWord + nBucket rows). */
void w2v_subwords_compose(const W2vSubwords*, const float *in, int dim, int64_t w, float *out);

/* ---- train.c: skip-gram and CBOW over an encoded corpus --------------- */
typedef struct W2vTrainParams {
  int arch, loss, dim, window, negative, epochs, threads;
  double nsExponent, sample, alpha, minAlpha;
  uint64_t seed;
  /* continuing a model: row w of the new weights starts as row initFrom[w]
  ** of initIn / initOut (-1: fresh); initOut NULL: outputs start at zero.
  ** initOut is ignored for hs (its rows are tree nodes, not words). */
  const float *initIn, *initOut;
  const int32_t *initFrom;
  /* the words sub-sampling scales its threshold by (word2vec.c's
  ** train_words, the sum of the counts); 0: the corpus's tokens, which is
  ** that sum unless the counts came from elsewhere (vocab= with counts) */
  double sampleTotal;
  /* paragraph vectors (train_docs.c): docs W2V_DOCS_DBOW or W2V_DOCS_DM
  ** trains one vector per document (nDoc of them; the corpus view's doc
  ** says which document each sentence is); docWords: dbow also trains the
  ** word vectors by skip-gram, interleaved (gensim's dbow_words=1) */
  int docs, docWords;
  int64_t nDoc;
  /* subwords (fastText): NULL, or every word's rows; the input weights then
  ** have nWord + sub->nBucket rows (the words', then the n-grams') */
  const W2vSubwords *sub;
  /* continuing a model with subwords: after the fresh initialisation (and
  ** initFrom's, whose initIn may then be NULL), xInitRow(pInitCtx, r, v) is
  ** called for every input row r (a word's own row when r < nWord, else
  ** n-gram row r - nWord) and may overwrite v (dim floats) with the row to
  ** start from.  Non-zero stops w2v_train_start, which returns NULL with
  ** *pzErr "stopped" (the caller keeps its own reason). */
  int (*xInitRow)(void *pInitCtx, int64_t row, float *v);
  void *pInitCtx;
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
  const int64_t *doc;   /* docs: the document (0..nDoc-1) of each sentence */
} W2vCorpusView;

/* Allocates and initialises the weights (in: nWord x dim, out: zero) and
** starts the worker threads.  Returns NULL on OOM, on parameters out of
** range, counts that hs cannot use (see w2v_tree_build) or if threads cannot
** start; *pzErr (from w2v_core_malloc, NULL if even that failed) then says why. */
W2vTrainer *w2v_train_start(const W2vTrainParams*, const W2vCorpusView*,
                            const int64_t *counts, int64_t nWord, char **pzErr);
/* The bytes w2v_train_start will allocate, for a corpus of nIds tokens whose
** longest sentence has maxSentence (the hs tree's paths estimated). */
int64_t w2v_train_bytes(const W2vTrainParams*, int64_t nWord, int64_t nIds, int64_t maxSentence);
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
/* Waits for the workers and says how training ended. */
typedef enum { W2V_TRAIN_FINISHED = 0, W2V_TRAIN_CANCELLED = 1, W2V_TRAIN_DIVERGED = 2 } W2vTrainEnd;
W2vTrainEnd w2v_train_join(W2vTrainer*);
/* After w2v_train_join: the weights, rows dim floats apart (training keeps
** them w2v_row_stride(dim) apart and packs them at the join). */
const float *w2v_train_input(W2vTrainer*);
const float *w2v_train_output(W2vTrainer*);
/* docs: the nDoc x dim document vectors (NULL without docs) */
const float *w2v_train_docs(W2vTrainer*);
const W2vEpochStats *w2v_train_stats(W2vTrainer*, int *pnEpoch);
void w2v_train_free(W2vTrainer*);

/* ---- phrases.c: word2phrase.c's phrases over a corpus of ids ---------- */
/* A candidate pair: word a followed by word b inside a sentence. */
typedef struct W2vPhrase {
  int32_t a, b;         /* the left and right word ids */
  int32_t id;           /* w2v_phrases_join: the id of the word "a<delim>b"
                        ** when the pass joined the pair at least once, else -1 */
  float score;          /* word2phrase's score (float, as it computes it) */
  int64_t count;        /* times b follows a inside a sentence */
  int64_t joins;        /* w2v_phrases_plan/join: times the greedy pass joins them */
} W2vPhrase;
/* The pairs one pass may join: a list (best score first; ties by count
** descending, then a, then b) and a hash from (a, b) to the list index. */
typedef struct W2vPhraseSet {
  W2vPhrase *a;
  int64_t n;
  int64_t totalWords;   /* the corpus's words (train_words) the scores used */
  struct { uint64_t key; int64_t idx; } *slots;
  uint64_t nSlot;
} W2vPhraseSet;
typedef struct W2vPhraseParams {
  int64_t minCount;     /* count(a), count(b), count(ab) >= minCount */
  double threshold;     /* kept when score > (float)threshold, as word2phrase */
  int64_t maxBytes;     /* 0: no limit; else the pair counts stay below it */
  int crossSentences;   /* 1: also count (last word of a sentence, first word
                        ** of the next) as word2phrase.c does across lines
                        ** (never joined; for comparisons with it) */
  int (*xInterrupt)(void*);   /* optional: non-zero stops (W2V_ERR_INTERRUPT), */
  void *pInterruptArg;        /* asked every million tokens or so */
} W2vPhraseParams;
/* word2phrase.c's score, in float, operation by operation:
** (count(ab) - minCount) / count(a) / count(b) * totalWords. */
float w2v_phrase_score(int64_t pab, int64_t pa, int64_t pb, int64_t minCount, int64_t totalWords);
/* Counts every pair of adjacent ids inside each sentence of c whose two words
** have counts[w] >= minCount (counts[w] must be the occurrences of w in c: a
** vocabulary's counts as the corpus reader made them, or as
** w2v_phrases_join left them), and keeps those scoring above the threshold
** with count(ab) >= minCount, into *out (totalWords = c->nIds: every token
** of c counts, rare ones too, as train_words does).  0, or W2V_ERR_NOMEM,
** W2V_ERR_LIMIT, W2V_ERR_INTERRUPT, W2V_ERR_INVALID (an id outside
** [0, nWord), ends out of order): *out is then empty. */
int w2v_phrases_score(const W2vCorpusView *c, const int64_t *counts, int64_t nWord,
                      const W2vPhraseParams *p, W2vPhraseSet *out);
/* The list index of pair (a, b), or -1. */
int64_t w2v_phrases_find(const W2vPhraseSet*, int32_t a, int32_t b);
/* One greedy pass as word2phrase writes its output, without changing c:
** sets each candidate's joins (left to right in each sentence, a pair of
** the set is joined unless its left word was just joined to the word before
** it).  Returns the number of joins.  No allocation. */
int64_t w2v_phrases_plan(const W2vCorpusView *c, W2vPhraseSet *s);
/* The same pass, applied: each joined pair becomes one id, the word
** "a<delim>b" added to v (its count: the joins, plus what a word of that
** spelling had), count(a) and count(b) drop by the joins, sentences shrink
** (ends and *pnIds updated; no sentence becomes empty): v's counts and the
** ids are then what reading the pass's output text would give, so that
** scoring again and joining again builds three-word phrases.  Returns the
** number of joins, or W2V_ERR_NOMEM / W2V_ERR_FULL (the ids untouched; v
** may hold some of the new words with count 0) / W2V_ERR_INVALID (ends or
** pair ids out of range; W2V_ERR_FULL has the same value). */
int64_t w2v_phrases_join(int32_t *ids, int64_t *pnIds, int64_t *ends, int64_t nSent,
                         W2vVocab *v, W2vPhraseSet *s, const char *zDelim, uint32_t nDelim);
/* A set of the phrases in a[0..n) (copied; the hash built): for phrases
** read back from storage.  0, W2V_ERR_NOMEM, or W2V_ERR_INVALID when a pair
** is there twice or has a negative word id. */
int w2v_phrases_set_build(const W2vPhrase *a, int64_t n, W2vPhraseSet *out);
/* One greedy pass over one sentence in[0..n) with the phrases of s whose id
** is >= 0 (what w2v_phrases_join assigned, or what storage kept): writes the
** result to out (which may be in: it is written behind the reading point)
** and returns its length.  Applying each pass's set in order to a text's
** tokens is what training did to the corpus. */
int64_t w2v_phrases_apply(const W2vPhraseSet *s, const int32_t *in, int64_t n, int32_t *out);
/* Bytes a set holds. */
int64_t w2v_phrases_bytes(const W2vPhraseSet*);
void w2v_phrases_free(W2vPhraseSet*);

/* ---- train_docs.c: paragraph vectors (Le & Mikolov 2014) ------------- */
enum { W2V_DOCS_NONE = 0, W2V_DOCS_DBOW = 1, W2V_DOCS_DM = 2 };
/* One document's sub-sampled words buf[0..n) for a training thread (the
** loss's scratch set up by w2v_loss_thread_begin; softmax: nWord floats):
**   dbow: the document vector (and, with words, each word of the shrunk
**         window: skip-gram) predicts each word, one window step;
**   dm:   the mean of the document vector and the window's word vectors
**         predicts the center word; every one of them gets the gradient.
** ctx has room for 2*window+1 rows.  Returns the summed loss; adds the
** predictions made to *pPred. */
typedef struct W2vDocStep {
  const W2vLoss *L;
  int mode, words, window;
  float *in;            /* word input vectors, nWord rows ld floats apart */
  int ld;
  float *doc;           /* this document's vector */
  float **ctx;
  float *h, *gh, *scratch;
  /* every 4096 words of a long document, when set: refreshes *pAlpha (i:
  ** the words done of this one); non-zero stops (a cancel) */
  int (*xTick)(void *pCtx, int64_t i, float *pAlpha);
  void *pTickCtx;
} W2vDocStep;
float w2v_docs_segment(const W2vDocStep*, const int32_t *buf, int64_t n, float alpha,
                       uint64_t *rng, int64_t *pPred);
/* Inference (gensim's infer_vector): a new document vector trained for
** epochs passes over ids[0..n) against frozen weights (in, the output rows
** of L, its tree or sampler), which are only read: many threads may infer
** at once from one model.  Sub-sampling as training did it (sample against
** sampleTotal, the sum of the counts), the learning rate decaying linearly
** from alpha to minAlpha; the vector starts uniform in +-0.5/dim from seed.
** Deterministic for the same arguments.  0, W2V_ERR_NOMEM, or
** W2V_ERR_INTERRUPT when xInterrupt (asked every 16384 words) said stop. */
typedef struct W2vDocInfer {
  int mode, window, epochs;
  double alpha, minAlpha, sample, sampleTotal;
  const int64_t *counts;      /* nWord = L->nWord counts (sub-sampling) */
  const float *in;            /* word vectors (dm) */
  const W2vLoss *L;           /* kind, dim, negative, nWord, out, tree, sampler */
  uint64_t seed;
  int (*xInterrupt)(void*);   /* optional: non-zero stops */
  void *pInterruptArg;
} W2vDocInfer;
int w2v_docs_infer(const W2vDocInfer*, const int32_t *ids, int64_t n, float *doc);
/* ---- parallel.c: a loop over [0, n) in chunks of `chunk`, on up to
** `threads` threads (the caller's one of them; a thread that cannot start
** leaves its share to the others).  x(ctx, lo, hi) must compute the same
** for an index whatever thread runs it.  xInterrupt (may be NULL) is asked
** by the calling thread only, after each of its chunks: non-zero stops the
** loop (W2V_ERR_INTERRUPT).  Returns 0 or W2V_ERR_INTERRUPT. */
#define W2V_MAX_PAR_THREADS 64
int w2v_parallel_for(int64_t n, int64_t chunk, int threads, void (*x)(void*, int64_t, int64_t), void *ctx,
                     int (*xInterrupt)(void*), void *pInterruptArg);

/* ---- kmeans.c: spherical k-means of unit rows -------------------------- */
/* The rows x[0..n) (dim floats each) should be of unit length (or zero).
** Cosine is the similarity: each centroid is the normalised mean of its
** rows (zero when they cancel out).  Seeding is greedy k-means++: for each
** centre 2 + ln k candidates drawn (with seed) with weights 1 - cos to the
** nearest centre chosen so far, the one leaving the least total kept; then at
** most `iterations` rounds of assignment (the most similar centroid, ties
** to the lower index) and update, stopping early when no row moves.  A
** cluster left empty takes the row farthest from its centroid among
** clusters of two rows or more, so every cluster has a row.  Clusters are
** numbered by their first row: row 0 is in cluster 0, the first row not in
** cluster 0 in cluster 1, and so on.  The result depends on the seed only,
** never on the number of threads. */
typedef struct W2vKmeansParams {
  int64_t k;
  int iterations;              /* >= 1 */
  int threads;                 /* >= 1 */
  uint64_t seed;
  int (*xInterrupt)(void*);    /* optional: asked now and then, non-zero stops */
  void *pInterruptArg;
} W2vKmeansParams;
/* assign[i]: the cluster of row i; dist[i]: 1 - cos(row i, its centroid);
** centroids (k x dim, may be NULL): the unit centroids.  Returns the
** rounds run (>= 1), or W2V_ERR_NOMEM, W2V_ERR_INTERRUPT, W2V_ERR_INVALID
** (k < 1, k > n, dim < 1). */
int w2v_kmeans(const float *x, int64_t n, int dim, const W2vKmeansParams*, int32_t *assign, float *dist,
               float *centroids);

/* ---- pca.c: the top `dims` (1..16) principal axes of rows x[0..n): orthogonal iteration with
** Rayleigh-Ritz steps from a fixed start on the centred rows (the
** covariance is never formed), in double.  Each axis points so that its
** largest coordinate in absolute value (the first such) is positive.
** mean (dim doubles): the mean row; axes (dims x dim doubles): unit axes,
** best first (zero rows when dims > dim); coords (n x dims doubles): each
** row's (x_i - mean) . axis.  Returns 0, W2V_ERR_NOMEM, W2V_ERR_INTERRUPT
** or W2V_ERR_INVALID (n < 1, dims < 1, dim < 1).  Threads change nothing
** in the result. */
typedef struct W2vPcaParams {
  int dims;
  int threads;
  int (*xInterrupt)(void*);
  void *pInterruptArg;
} W2vPcaParams;
int w2v_pca(const float *x, int64_t n, int dim, const W2vPcaParams*, double *mean, double *axes, double *coords);
/* ---- hash.c: fastText's FNV-1a string hash (bytes as int8) ------------ */
uint32_t w2v_fasttext_hash(const char *z, size_t n);

/* ---- supervised.c: fastText's supervised mode (text classification) ---
** An example is a list of input rows (its known words' ids, then its word
** n-grams' rows) and one or more labels.  The hidden vector is the mean of
** the input rows; the loss is over labels: softmax, ns (noise labels drawn
** ~ count^nsExponent), hs (a Huffman tree over label counts) or ova
** (one-vs-all: an independent sigmoid per label, every label of the example
** a positive).  With several labels, softmax, ns and hs take one of them at
** random per step, as fastText does.  The gradient, divided by the number
** of input rows, goes back to every input row; the learning rate decays
** linearly from alpha to minAlpha over all epochs.  Labels are ids
** 0..nLabel-1 sorted by count descending (hs needs that). */
typedef struct W2vSupParams {
  int loss;                  /* W2V_LOSS_SOFTMAX, NS, HS or OVA */
  int dim, epochs, threads, negative;
  double alpha, minAlpha, nsExponent;
  uint64_t seed;
} W2vSupParams;
typedef struct W2vSupData {
  const int32_t *rows;       /* every example's input rows, back to back */
  const int64_t *rowEnds;    /* example i: rows[rowEnds[i-1] .. rowEnds[i]) (nonempty) */
  const int32_t *labels;     /* label ids, back to back */
  const int64_t *labelEnds;  /* example i: labels[labelEnds[i-1] .. labelEnds[i]) (nonempty) */
  int64_t nEx;
} W2vSupData;
typedef struct W2vSupTrainer W2vSupTrainer;
/* Rows of the output matrix: nLabel-1 for hs, else nLabel. */
int64_t w2v_sup_out_rows(int loss, int64_t nLabel);
/* Bytes w2v_sup_start allocates. */
int64_t w2v_sup_bytes(const W2vSupParams*, int64_t nInput, int64_t nLabel, int64_t nEx);
/* Allocates the weights (input: nInput x dim uniform in +-1/dim, as
** fastText; output zero) and starts the threads.  NULL with *pzErr
** (w2v_core_malloc'd, NULL if even that failed) on failure. */
W2vSupTrainer *w2v_sup_start(const W2vSupParams*, const W2vSupData*, int64_t nInput,
                             const int64_t *labelCounts, int64_t nLabel, char **pzErr);
int w2v_sup_done(W2vSupTrainer*);
double w2v_sup_progress(W2vSupTrainer*);
void w2v_sup_cancel(W2vSupTrainer*);
W2vTrainEnd w2v_sup_join(W2vSupTrainer*);
const float *w2v_sup_input(W2vSupTrainer*);
const float *w2v_sup_output(W2vSupTrainer*);
/* Mean loss per example of the last epoch, and examples seen in all. */
double w2v_sup_final_loss(W2vSupTrainer*);
int64_t w2v_sup_examples(W2vSupTrainer*);
void w2v_sup_free(W2vSupTrainer*);
/* fastText's Dictionary::addWordNgrams: the buckets of the word n-grams
** (2..n words) of a text whose words hash to aHash[0..nWord) (every word,
** known or not), in fastText's order, into aOut (room for nWord*(n-1)).
** Returns their number. */
int64_t w2v_sup_ngrams(const uint32_t *aHash, int64_t nWord, int n, int64_t bucket, int64_t *aOut);
/* P(label | h) for every label into prob[0..nLabel): softmax; independent
** sigmoids (ova and ns, as fastText predicts for both); the tree's path
** products (hs, tree built from the label counts).  scratch: nLabel doubles. */
void w2v_sup_probs(int loss, const float *out, const W2vTree *tree, int64_t nLabel, int dim,
                   const float *h, double *prob, double *scratch);

#endif /* W2V_CORE_H */
