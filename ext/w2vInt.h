/*
** The SQL layer's internal header.  Each file of ext/ includes <sqlite3ext.h>
** first.  Layers, bottom up (make check-layers enforces them):
**
**   core/        the numeric core (core.h): no SQLite
**   util.c       JSON, errors, float32 LE, folding, names (util.h)
**   options.c    the options parser, driven by descriptor tables
**   store.c      every statement on shadow tables
**   model.c      a loaded model, reference-counted, and the per-connection cache
**   support      ranked.c (what the ranked table-valued functions share),
**                corpus.c, train_options.c, update.c, clf_train.c (w2v_train's parts),
**                stream.c (w2v_import's bounded reader, plain or gzip),
**                rowset.c (the rows w2v_kmeans and w2v_project read)
**   one file per SQL surface: model_table.c, similar.c, predict_vtab.c,
**                scalars.c, eval.c, wordfile.c, train_sql.c, phrases_vtab.c,
**                docs.c, kmeans_vtab.c, project_vtab.c, classify.c
**   w2v.c        the entry point: one registration table
*/
#ifndef W2V_INT_H
#define W2V_INT_H
#include "core.h"
#include "util.h"

/* The newest format written: 2 adds storage=float16|int8 and output=0 (config
** keys 'storage' and 'output'), 3 a tokenizer (key 'tokenize'), 4 a
** classifier (arch 'supervised': keys 'label', 'labels', 'ngrams',
** 'word_ngrams', 'bucket'; tables <model>_labels and <model>_ngrams) or
** subwords (keys 'minn', 'maxn', 'bucket' and <model>_ngrams); a model
** without them is written as the oldest version that has what it uses. */
#define W2V_FORMAT_VERSION 4

/* ---- options.c: one descriptor per option drives parsing, defaults, the
** given bits, the rows kept in <model>_config and update=1's checks. ---- */
typedef enum { W2V_OPT_INT, W2V_OPT_REAL, W2V_OPT_NAME, W2V_OPT_TEXT } W2vOptType;
enum {
  W2V_OPT_STORED = 1,   /* written to <model>_config */
  W2V_OPT_KEPT   = 2,   /* update=1: must match the model when given */
  W2V_OPT_INT32  = 4    /* W2V_OPT_INT: the field is an int (else sqlite3_int64) */
};
typedef struct W2vOptName { const char *zName; int value; } W2vOptName;
typedef struct W2vOptDesc {
  const char *zKey;
  W2vOptType type;
  double lo, hi;              /* numbers: the inclusive range */
  double dflt;                /* numbers and names: the default (NAN: set by the caller) */
  size_t offset;              /* of the field: int, sqlite3_int64, double or char* */
  unsigned flags;             /* W2V_OPT_* */
  const W2vOptName *aName;    /* W2V_OPT_NAME: the names, then {0,0}; aliases after a {"",-1} */
  const char *zMust;          /* when set, a bad value says "KEY must be <zMust>" */
  double scale;               /* stored value = given value * scale (0: 1) */
} W2vOptDesc;
typedef struct W2vOptTable {
  const W2vOptDesc *a;
  int n;
  int listKeys;               /* an unknown key's error lists the known ones */
} W2vOptTable;

/* Sets every default, then parses "key=value, ..." (commas and/or white
** space; values may be quoted with ' or ").  Bit i of *pGiven is set when
** the user gave option i.  0, or an error code with *pzErr set. */
int w2v_options_parse(const char *zFunc, const char *z, const W2vOptTable*, void *pStruct,
                      uint64_t *pGiven, char **pzErr);
/* Frees the W2V_OPT_TEXT fields. */
void w2v_options_free(const W2vOptTable*, void *pStruct);
/* The index of a key in the table, or -1. */
int w2v_options_index(const W2vOptTable*, const char *zKey);
/* The value of option i as SQL would store it (type SQLITE_INTEGER/FLOAT/TEXT). */
typedef struct W2vConfigItem {
  const char *zKey;
  int type;
  sqlite3_int64 iValue;
  double rValue;
  const char *zValue;
} W2vConfigItem;
void w2v_options_item(const W2vOptTable*, const void *pStruct, int i, W2vConfigItem*);
/* 1 when option i has the same value in both structs. */
int w2v_options_equal(const W2vOptTable*, int i, const void *a, const void *b);
/* A whole decimal integer: 0 and *pv, or 1. */
int w2v_parse_int(const char *z, sqlite3_int64 *pv);

/* ---- text.c: how a model turns text into words --------------------------
** Tokens are runs between ASCII white space (tokenize=whitespace, the
** default, as word2vec.c reads its files) or what an FTS5 tokenizer makes of
** the text (tokenize="unicode61 remove_diacritics 2", porter, ascii,
** trigram, or one the application registered); then folded (lower=1).  A
** W2vText is made per use: tokenizer instances are never kept past the call
** that made them, so nothing outlives the connection's FTS5. */
enum { W2V_FOLD_NONE = 0, W2V_FOLD_ASCII = 1, W2V_FOLD_UNICODE = 2 };
typedef struct W2vText {
  void *pTok;                 /* Fts5Tokenizer*, NULL for white space */
  void *xMethods;             /* fts5_tokenizer* (copy, owned) */
  int fold;                   /* W2V_FOLD_*: ASCII only for models made before Unicode folding */
  char *zFold;                /* scratch for folded tokens */
  size_t nFold;
  char *zWord;                /* w2v_text_word's result */
  size_t nWord;
} W2vText;
/* Called for every token (folded) with its byte range in the text; a
** non-zero return stops the split and is its result. */
typedef int (*W2vTokenFn)(void *ctx, const char *z, int n, int iStart, int iEnd);
/* src[0..n) folded as W2V_FOLD_* says into dst (W2V_FOLD_MAX(n) bytes); its length. */
size_t w2v_text_fold(int fold, char *dst, const char *src, size_t n);
/* 1 when zSpec names the built-in white-space tokenizer (NULL or "whitespace"). */
int w2v_text_is_whitespace(const char *zSpec);
/* Opens the tokenizer zSpec (FTS5's tokenize= syntax; NULL or "whitespace":
** white space) on db.  *ppApi caches db's fts5_api between calls (it lives
** as long as db; NULL: no cache).  Errors name zFunc and the tokenizer. */
int w2v_text_open(sqlite3 *db, void **ppApi, const char *zFunc, const char *zSpec, int fold,
                  W2vText *t, char **pzErr);
int w2v_text_split(W2vText *t, const char *z, int n, W2vTokenFn x, void *ctx);
/* One word as the model reads it: the token when the tokenizer makes
** exactly one of z[0..n); several tokens joined by zJoin when it is given
** (a model with phrases: "New York" and "New_York" are new_york), else z
** itself folded.  *pz points into t's buffer until the next call; returns
** SQLITE_OK, SQLITE_NOMEM or the tokenizer's error. */
int w2v_text_word(W2vText *t, const char *z, int n, const char *zJoin, const char **pz, int *pn);
void w2v_text_close(W2vText *t);

/* ---- store.c: the shadow tables ---------------------------------------- */
#define W2V_N_SHADOW 9
#define W2V_SHADOW_INDEX 4         /* w2v_shadow_suffix[4]: "index", new in format 2 */
#define W2V_SHADOW_PHRASES 5       /* "phrases", new in format 3 */
#define W2V_SHADOW_NGRAMS 6        /* "ngrams": subword and word n-gram rows (bucket, vector) */
#define W2V_SHADOW_DOCS 7          /* "docs": paragraph vectors (key, vector) */
#define W2V_SHADOW_LABELS 8        /* "labels": a classifier's labels (label, count) */
/* From W2V_SHADOW_PHRASES on, a table exists only when the model has what it
** holds (and from W2V_SHADOW_INDEX on, older models lack it). */
extern const char *const w2v_shadow_suffix[W2V_N_SHADOW];
int w2v_store_is_shadow(const char *zSuffix);

typedef enum { W2V_NAME_FREE, W2V_NAME_MODEL, W2V_NAME_TAKEN, W2V_NAME_ERROR } W2vNameState;
/* Whether zModel names a w2v model in zSchema, is free (its shadow names
** too), or is taken (*pzTaken: by what, sqlite3_malloc'd).  On
** W2V_NAME_ERROR *pzTaken is SQLite's message, NULL when out of memory. */
W2vNameState w2v_store_state(sqlite3*, const char *zSchema, const char *zModel, char **pzTaken);

/* The generation of a model (>= 0), changed by every write. */
enum { W2V_GEN_NONE = -1, W2V_GEN_DAMAGED = -2, W2V_GEN_ERROR = -3, W2V_GEN_NOMEM = -4 };
sqlite3_int64 w2v_store_generation(sqlite3*, const char *zSchema, const char *zModel);

/* A learnt phrase: pass (1..), its two parts (a part may itself be a phrase
** of an earlier pass) and what word2phrase scored it with. */
typedef struct W2vPhraseRow {
  int pass;
  const char *zLeft, *zRight;
  int nLeft, nRight;
  sqlite3_int64 count;
  double score;
} W2vPhraseRow;
#define W2V_MAX_PHRASE_PASSES 10

/* What a write stores. */
typedef struct W2vStoreModel {
  const char *zSchema, *zModel;
  int arch, loss, dim, lower;
  int fold;                        /* W2V_FOLD_*: how lower=1 folds (config 'case_fold') */
  const char *zTokenize;           /* FTS5 tokenizer spec, NULL: white space */
  int nPhrasePass;                 /* phrases=N: passes (0: none) */
  const char *zPhraseDelim;        /* joins a phrase's parts */
  const W2vPhraseRow *aPhrase;     /* every phrase a pass would join */
  sqlite3_int64 nPhrase;
  sqlite3_int64 nNgram;            /* rows of <model>_ngrams (0: no such table) */
  sqlite3_int64 nDoc;              /* rows of <model>_docs (0: no such table) */
  sqlite3_int64 nLabel;            /* rows of <model>_labels (0: no such table) */
  const W2vVocab *labels;          /* a classifier's labels (nLabel of them) and counts */
  /* <model>_ngrams: nNgram rows of ngram (nNgram x dim); the first
  ** nNgramOwn are the words' own rows (subwords: key -1 for word id 0, -2
  ** for id 1, ...: -rowid of the model table), then the rows of buckets
  ** ngramBucket[0..nNgram-nNgramOwn) (subwords' character n-grams, a
  ** classifier's word n-grams) */
  const float *ngram;
  const int64_t *ngramBucket;
  sqlite3_int64 nNgramOwn;
  int storage;                     /* W2V_STORE_*: how rows are stored */
  int output;                      /* 0: output=0, out is not stored */
  const W2vVocab *vocab;
  const float *in;                 /* vocab->n x dim */
  const float *out;                /* nOut x dim, or NULL */
  sqlite3_int64 nOut;
  const char *zStats;              /* JSON summary, kept as 'training' */
  const W2vConfigItem *aConfig;    /* further config rows (the options) */
  int nConfig;
  /* documents (nDoc > 0): <model>_docs rows id 1..nDoc, key i from docKeys
  ** (text, or 8 bytes of a native int64 when !docKeyText), vector float32 */
  const float *docv;               /* nDoc x dim */
  const W2vVocab *docKeys;
  int docKeyText;
  /* subwords (maxn 0: none; config keys minn, maxn, bucket) */
  int minn, maxn;
  sqlite3_int64 bucket;
  /* update=1 of a model with subwords: the rows of <model>_ngrams that are
  ** not written stay as they are (those written replace theirs) */
  int ngramKeep;
} W2vStoreModel;
/* Writes the model into zSchema in one savepoint: all of it or nothing.  The
** generation must still be expectGen (what the caller saw when it started;
** W2V_GEN_NONE: no model), else nothing is written and *pzErr says so. */
int w2v_store_save(sqlite3*, const char *zFunc, const W2vStoreModel*, sqlite3_int64 expectGen,
                   char **pzErr);
int w2v_store_drop(sqlite3*, const char *zSchema, const char *zModel);
int w2v_store_rename(sqlite3*, const char *zSchema, const char *zOld, const char *zNew);

/* Reading: every value is checked; SQLITE_CORRUPT with *pzWhat on damage. */
typedef struct W2vStoredMeta {
  int arch, loss, dim, lower;
  int fold;                        /* W2V_FOLD_* (lower=1 without 'case_fold': ASCII) */
  char *zTokenize;                 /* sqlite3_malloc'd, the reader's; NULL: white space */
  int nPhrasePass;                 /* 'phrases': passes, 0 none */
  char *zPhraseDelim;              /* 'phrase_delimiter', sqlite3_malloc'd */
  int storage;                     /* W2V_STORE_* */
  int output;                      /* 0: saved with output=0 */
  int index;                       /* 1: <model>_index holds the search index */
  sqlite3_int64 nVocab;
  /* a classifier (arch W2V_SUPERVISED): */
  char *zLabel;                    /* 'label': the label column it was trained from (sqlite3_malloc'd) */
  sqlite3_int64 nLabel, nNgram;    /* 'labels', 'ngrams': rows of <model>_labels, <model>_ngrams */
  int wordNgrams;                  /* 'word_ngrams' */
  sqlite3_int64 bucket;            /* 'bucket' */
  int minn, maxn;                  /* subwords (maxn 0: none); their 'bucket' is the one above */
} W2vStoredMeta;
int w2v_store_read_config(sqlite3*, const char *zSchema, const char *zModel,
                          W2vStoredMeta*, char **pzWhat);
void w2v_store_meta_free(W2vStoredMeta*);
/* Every row of <model>_phrases, checked (pass 1..nPass, parts non-empty,
** phrase = left || delimiter || right), to x; SQLITE_CORRUPT with *pzWhat. */
int w2v_store_read_phrases(sqlite3*, const char *zSchema, const char *zModel, int nPass,
                           const char *zDelim, int (*x)(void*, const W2vPhraseRow*), void *ctx,
                           char **pzWhat);
/* The words, appended to an empty vocabulary without an index (the caller
** makes it: w2v_vocab_index_alloc/fill, and a repeated word is damage). */
int w2v_store_read_vocab(sqlite3*, const char *zSchema, const char *zModel,
                         sqlite3_int64 nVocab, W2vVocab*, char **pzWhat);
/* A classifier's labels (<model>_labels, the same checks as the vocabulary's). */
int w2v_store_read_labels(sqlite3*, const char *zSchema, const char *zModel,
                          sqlite3_int64 nLabel, W2vVocab*, char **pzWhat);
/* A classifier's n-gram rows, by bucket ascending: aBucket[i] in [0, bucket),
** increasing, and its row in vec + i*dim. */
int w2v_store_read_ngrams(sqlite3*, const char *zSchema, const char *zModel, int storage, int dim,
                          sqlite3_int64 nNgram, sqlite3_int64 bucket, int64_t *aBucket, float *vec,
                          char **pzWhat);
/* The search index (w2v_store_read_config said index=1) into x, made by
** w2v_knn_alloc for n rows, whose vec is NULL; SQLITE_CORRUPT with *pzWhat
** when it is not as written (x is freed on every error). */
int w2v_store_read_index(sqlite3*, const char *zSchema, const char *zModel, sqlite3_int64 n,
                         W2vKnn *x, char **pzWhat);
/* One word vector: a statement made by w2v_store_row_prepare, then each
** row read by id (0-based) into v, checked (SQLITE_CORRUPT, *pzWhat). */
int w2v_store_row_prepare(sqlite3*, const char *zSchema, const char *zModel, sqlite3_stmt **pp, char **pzWhat);
int w2v_store_row_read(sqlite3*, sqlite3_stmt*, const char *zModel, int storage, int dim, int64_t id,
                       float *v, char **pzWhat);
int w2v_store_read_vectors(sqlite3*, const char *zSchema, const char *zModel, const char *zWhich,
                           int storage, int dim, float *a, sqlite3_int64 nRow, char **pzWhat);
/* A model's documents, from <model>_config: docs (0 none; a model of
** another kind), doc_words, documents (nDoc), and what w2v_infer trains
** with: window, negative, ns_exponent, sample, alpha, min_alpha, epochs,
** seed.  SQLITE_CORRUPT with *pzWhat when a value is not as written. */
typedef struct W2vDocMeta {
  int docs, docWords;
  sqlite3_int64 nDoc;
  int window, negative, epochs;
  double nsExponent, sample, alpha, minAlpha;
  sqlite3_int64 seed;
} W2vDocMeta;
int w2v_store_read_doc_meta(sqlite3*, const char *zSchema, const char *zModel, W2vDocMeta*, char **pzWhat);
/* Every row of <model>_docs (ids 1..nDoc, keys all integers or all text,
** distinct, vectors of dim finite float32): the keys into keys (document i
** is key i: text, or 8 bytes of a native int64), *pKeyText, the vectors
** into *pDocv (nDoc x dim, w2v_core_malloc'd, grown as rows come so that a
** damaged nDoc allocates nothing).  SQLITE_CORRUPT with *pzWhat. */
int w2v_store_read_docs(sqlite3*, const char *zSchema, const char *zModel, sqlite3_int64 nDoc, int dim,
                        W2vVocab *keys, int *pKeyText, float **pDocv, char **pzWhat);
/* One row of <model>_ngrams (key: a bucket >= 0, or -1 - id for word id's
** own row): a statement made by w2v_store_ngram_prepare, then each read
** into v: SQLITE_ROW, SQLITE_DONE when there is no such row, or an error
** (SQLITE_CORRUPT with *pzWhat: not dim float32, not finite). */
int w2v_store_ngram_prepare(sqlite3*, const char *zSchema, const char *zModel, sqlite3_stmt **pp, char **pzWhat);
int w2v_store_ngram_read(sqlite3*, sqlite3_stmt*, const char *zModel, int dim, sqlite3_int64 key,
                         float *v, char **pzWhat);
/* Every n-gram row (bucket >= 0), in bucket order, to x (non-zero stops:
** that is the result); rows checked as w2v_store_ngram_read does. */
int w2v_store_ngrams_scan(sqlite3*, const char *zSchema, const char *zModel, int dim,
                          int (*x)(void*, sqlite3_int64 bucket, const float *v), void *ctx, char **pzWhat);

/* ---- model.c: loaded models and the per-connection cache ---------------- */

/* A model as queries see it.  Reference-counted: the cache holds one
** reference, and every cursor or running call that uses the model holds
** another until it ends, so retraining, replacing, renaming or dropping the
** model (even from inside that statement) never frees memory in use. */
/* What a classifier (trained with label=) has besides its word vectors:
** read whole when the model is loaded. */
typedef struct W2vClassifier {
  int loss;                  /* W2V_LOSS_SOFTMAX, NS, HS or OVA */
  int wordNgrams;            /* word_ngrams=N: n-grams of 2..N words */
  sqlite3_int64 bucket;      /* their hash buckets */
  char *zLabelColumn;        /* label=: the column it was trained from */
  W2vVocab labels;           /* id: frequency rank - 1; counts */
  float *out;                /* w2v_sup_out_rows(loss, labels.n) x dim */
  W2vTree tree;              /* hs: the Huffman tree over the label counts */
  int64_t nNgram;
  int64_t *aBucket;          /* the buckets training touched, ascending */
  float *ngram;              /* their rows, nNgram x dim */
  int minn, maxn;            /* subwords (maxn 0: none): each word's character
                             ** n-grams hashed into the same buckets (the
                             ** model's own minn/maxn stay 0: its word vectors
                             ** are the words' rows, not fastText's means) */
} W2vClassifier;

typedef struct W2vModel W2vModel;
struct W2vModel {
  int nRef;
  char *zSchema, *zName;
  W2vModel *pNext;           /* in the connection's cache */
  sqlite3_int64 generation;  /* of the stored model this was read from */
  int dim, arch, loss;
  int lower;                 /* trained with lower=1: queries fold text too */
  int fold;                  /* W2V_FOLD_*: how */
  char *zTokenize;           /* the FTS5 tokenizer it was trained with, NULL: white space */
  void *pFts5;               /* the connection's fts5_api, once looked up */
  int nPhrasePass;           /* learnt phrases=N: queries join them too */
  char *zPhraseDelim;
  W2vVocab phrasePairs;      /* key: pass byte, left, NUL, right (w2v_phrase_key) */
  int storage;               /* W2V_STORE_*: how the rows are stored (in and out hold them decoded) */
  int hasOutput;             /* 0: saved with output=0 */
  W2vVocab vocab;
  float *in;                 /* nWord x dim input (word) vectors */
  float *out;                /* output weights: NULL until w2v_model_output */
  W2vTree tree;
  W2vLoss lossFn;
  W2vKnn knn;                /* the search index over in, made on first use */
  int countsSorted;          /* vocab counts never increase (store.c checks
                             ** it; filters fall back to a scan if not) */
  char *zPartInput;          /* w2v_prob cache: the last input and its */
  double partLog;            /* log partition function */
  double countTotal;         /* the sum of the counts (w2v_embed 'sif'); 0: not yet */
  /* documents (docs=dbow|dm): the config is read with the model, the keys
  ** and vectors on first use (w2v_model_docs) */
  W2vDocMeta docMeta;        /* docMeta.docs 0: no documents */
  int docKeyText;            /* the keys are text (else integers) */
  W2vVocab docKeys;          /* key of document i (text, or 8 bytes of an int64) */
  float *docv;               /* nDoc x dim, NULL until w2v_model_docs */
  W2vKnn docKnn;             /* the search index over docv, made on first use */
  W2vClassifier *clf;        /* a classifier's labels and weights; NULL: a word model */
  int minn, maxn;            /* subwords (maxn 0: none): unknown words get */
  sqlite3_int64 bucket;      /* vectors from the rows of <model>_ngrams */
};

/* Per-connection state, shared by every registration (reference-counted). */
typedef struct W2vConn {
  sqlite3 *db;
  W2vModel *pModels;
  int nRef;
} W2vConn;

W2vConn *w2v_conn_new(sqlite3*);
W2vConn *w2v_conn_ref(W2vConn*);
void w2v_conn_release(void*);      /* a destructor for sqlite3_create_*_v2 */
/* The model zSchema.zModel (zSchema NULL: main), loaded or re-loaded when it
** changed, with a reference the caller releases.  On error (no such model,
** damaged storage, OOM) returns non-zero with *pzErr set (NULL: OOM). */
int w2v_model_acquire(W2vConn*, const char *zFunc, const char *zSchema, const char *zModel,
                      W2vModel **pp, char **pzErr);
/* The model named by a function's argument v (its connection state is the
** function's user data), acquired; NULL after reporting the error to ctx. */
W2vModel *w2v_model_arg(sqlite3_context *ctx, const char *zFunc, sqlite3_value *v);
void w2v_model_release(W2vModel*);
/* Before a write, drop or rename of that model: cached copies that running
** statements still use read all their word vectors, which the write is
** about to replace (they would otherwise read rows lazily). */
void w2v_conn_pin(W2vConn*, const char *zSchema, const char *zModel);
/* Drops the cache's reference to that model (after a write, drop, rename). */
void w2v_conn_forget(W2vConn*, const char *zSchema, const char *zModel);
/* Reads the output weights (m->out, m->lossFn) if not yet read; an error if
** the stored model has changed since m was read. */
int w2v_model_output(sqlite3*, W2vModel *m, const char *zFunc, char **pzErr);
/* Reads all the word vectors (m->in) if not yet read: a model with a
** stored search index reads them when something needs them all. */
int w2v_model_input(sqlite3*, W2vModel *m, const char *zFunc, char **pzErr);
/* Single word vectors for a statement: from m->in when read, else from the
** stored rows (checking that the model is still the one m was read from).
** Made right after w2v_model_acquire, which has just checked that: the
** check is made again only once this connection has changed something.
** w2v_rows_get returns the row (valid until the next call) or NULL on
** error, which w2v_rows_error hands over (a sqlite3_malloc'd message, NULL
** when out of memory, and the code).  w2v_rows_xrow is the same as a
** W2vKnnQuery.xRow callback. */
typedef struct W2vRows W2vRows;
struct W2vRows {
  sqlite3 *db;
  W2vModel *m;
  const char *zFunc;
  sqlite3_stmt *p;
  sqlite3_int64 nChanges;    /* sqlite3_total_changes64 when the model was last known current */
  float *buf;
  char *zErr;
  int rc;
  sqlite3_stmt *pNgram;      /* subwords: reads one row of <model>_ngrams */
  float *sub, *subRow;       /* an unknown word's vector, one n-gram row */
  int64_t *aBucket;          /* its n-grams' buckets */
  int64_t nBucketAlloc;
};
void w2v_rows_init(W2vRows*, sqlite3*, W2vModel*, const char *zFunc);
const float *w2v_rows_get(W2vRows*, int64_t id);
const float *w2v_rows_xrow(void *pRows, int64_t id);
/* The vector of one word as the model reads it (z[0..n): one token,
** folded; id: its vocabulary id, or -1): a known word's row; for an
** unknown word of a model with subwords, the mean of the stored rows of its
** n-grams (those of <model>_ngrams: a trained model keeps the buckets its
** vocabulary uses, an imported fastText model all of them).  NULL when it
** has none (r->rc stays 0) or on error (r->rc: w2v_rows_error).  Valid
** until the next call. */
const float *w2v_rows_word(W2vRows*, int64_t id, const char *z, int n);
/* The same for the one word that text z[0..n) stands for (w2v_model_word's
** rule: a text that makes several words, or none, has no vector); *pId
** gets its id (-1: unknown). */
const float *w2v_model_text_vector(W2vRows*, const char *z, int n, int64_t *pId);
int w2v_rows_error(W2vRows*, char **pzErr);
void w2v_rows_close(W2vRows*);
/* The search index of the model's word vectors; NULL on OOM. */
const W2vKnn *w2v_model_knn(W2vModel*);
/* Id of a vocabulary word as given (folded when the model was trained with
** lower=1; not tokenized: for word = ? and IN constraints), or -1 when
** unknown (or on OOM). */
int64_t w2v_model_find(const W2vModel*, const char *z, int n);
/* A text as the model reads it: its tokenizer, folding (and phrases), each
** token's id (-1: not in the vocabulary) and byte range in the text. */
typedef struct W2vWords {
  int64_t *aId;
  int *aStart, *aEnd;         /* byte range in the text */
  int *aOff, *aLen;           /* the token (folded) at zTok + aOff[i] */
  char *zTok;
  size_t nTok, nTokAlloc;
  int n, nAlloc;
} W2vWords;
int w2v_model_words(sqlite3 *db, W2vModel *m, const char *zFunc, const char *z, int n,
                    W2vWords *w, char **pzErr);
/* The same with a tokenizer and folding of one's own; v (may be NULL) gives the ids. */
int w2v_words_split(sqlite3 *db, void **ppApi, const char *zFunc, const char *zTokenize, int fold,
                    const W2vVocab *v, const char *z, int n, W2vWords *w, char **pzErr);
void w2v_words_free(W2vWords*);
/* The id of the one word that text z[0..n) stands for: -1 when the model
** makes no word, an unknown word or several words of it.  Errors (the
** tokenizer is missing on this connection, memory) return non-zero. */
int w2v_model_word(sqlite3 *db, W2vModel *m, const char *zFunc, const char *z, int n,
                   int64_t *pId, char **pzErr);
/* h = mean of the input vectors of the words of z[0..n) of r's model: 1 if
** every word is known (and there is at least one), 0 if not, -1 when a
** vector could not be read or the text not tokenized (w2v_rows_error says why). */
int w2v_model_hidden(W2vRows *r, const char *z, int n, float *h);
/* The documents of a docs model (keys, vectors), read on first use: an
** error when the model has none or the stored model has changed. */
int w2v_model_docs(sqlite3*, W2vModel *m, const char *zFunc, char **pzErr);
/* After w2v_model_docs: the search index over the document vectors (NULL on OOM). */
const W2vKnn *w2v_model_doc_knn(W2vModel*);
/* The document of key v (an integer for integer keys, text for text
** keys), or -1. */
int64_t w2v_model_doc_find(const W2vModel*, sqlite3_value *v);
/* Document id's key as a function result. */
void w2v_model_doc_key(const W2vModel*, int64_t id, sqlite3_context*);
/* "schema.name" when schema is a database of the connection: copies the
** schema to zSchema and returns the name after the dot; otherwise zSchema
** is "main" and zModel is returned whole. */
#define W2V_SCHEMA_NAME_MAX 128
const char *w2v_model_split(sqlite3*, const char *zModel, char *zSchema, int nSchema);
/* Where a write of model=zModel goes (w2v_train, w2v_import): the schema
** and name, whether a model is there, and its generation (W2V_GEN_NONE if
** not).  An error when the name is reserved or taken by something else, or
** when a model is there and !mayExist ("already exists <zHint>").  The
** error of a missing model is the caller's (update=1). */
typedef struct W2vTarget {
  char zSchema[W2V_SCHEMA_NAME_MAX];
  const char *zName;          /* points into the zModel given */
  W2vNameState state;
  sqlite3_int64 expectGen;
} W2vTarget;
int w2v_target_open(sqlite3*, const char *zFunc, const char *zModel, int mayExist, const char *zHint,
                    W2vTarget*, char **pzErr);
/* Model names that would shadow the extension's own names. */
int w2v_name_reserved(const char *zName);

/* ---- ranked.c: the ranked table-valued functions (w2v_similar,
** w2v_predict) share a cursor: a model, a list of (id, score), a position;
** and the model table and w2v_similar share the word constraint. ------- */
typedef struct W2vRankedCursor {
  sqlite3_vtab_cursor base;
  W2vModel *m;               /* held while the cursor is open */
  W2vPrediction *a;          /* word id and score, best first */
  int64_t n, i;
} W2vRankedCursor;
typedef struct W2vRankedVtab {
  sqlite3_vtab base;
  W2vConn *conn;
} W2vRankedVtab;
/* xConnect with the table's declaration (pAux: the connection's state). */
int w2v_ranked_connect(sqlite3*, void *pAux, const char *zSchema, sqlite3_vtab**);
int w2v_ranked_disconnect(sqlite3_vtab*);
int w2v_ranked_open(sqlite3_vtab*, sqlite3_vtab_cursor**);
int w2v_ranked_close(sqlite3_vtab_cursor*);
/* Drops the previous result (and model) before a new xFilter. */
void w2v_ranked_reset(W2vRankedCursor*);
int w2v_ranked_next(sqlite3_vtab_cursor*);
int w2v_ranked_eof(sqlite3_vtab_cursor*);
int w2v_ranked_rowid(sqlite3_vtab_cursor*, sqlite3_int64*);
/* The current row's word as the result. */
void w2v_ranked_word(W2vRankedCursor*, sqlite3_context*);

/* Query plans: the xBestIndex of every w2v virtual table writes idxStr as one
** letter per xFilter argument, in argv order (W2V_ARG_*). */
#define W2V_ARG_MODEL  'm'
#define W2V_ARG_QUERY  'q'   /* w2v_similar's query, w2v_predict's input, MATCH's vector */
#define W2V_ARG_K      'k'
#define W2V_ARG_METHOD 't'
#define W2V_ARG_LIMIT  'l'
#define W2V_ARG_OFFSET 'o'   /* OFFSET next to LIMIT as a KNN's bound: LIMIT + OFFSET nearest */
#define W2V_ARG_WORDS  'w'   /* word IN (...) */
#define W2V_ARG_WORD   'W'   /* word = value */
#define W2V_ARG_ROWID  'r'   /* rowid = value */
#define W2V_ARG_MINSIM 's'   /* similarity >= / > value */
#define W2V_ARG_LOWER  'o'   /* w2v_tokens' lower ("fold") */
/* Bounds on count and rowid (the frequency rank): the search takes them
** (w2v_filter_*).  Upper case: inclusive bound, or an IN list all at once. */
#define W2V_ARG_COUNT    'c'   /* count = value */
#define W2V_ARG_COUNTS   'C'   /* count IN (...) */
#define W2V_ARG_COUNT_GT 'a'   /* count > value ("above") */
#define W2V_ARG_COUNT_GE 'A'   /* count >= value */
#define W2V_ARG_COUNT_LT 'b'   /* count < value ("below") */
#define W2V_ARG_COUNT_LE 'B'   /* count <= value */
#define W2V_ARG_ROWIDS   'R'   /* rowid IN (...) */
#define W2V_ARG_ROWID_GT 'h'   /* rowid > value ("higher") */
#define W2V_ARG_ROWID_GE 'H'   /* rowid >= value */
#define W2V_ARG_ROWID_LT 'f'   /* rowid < value ("first N") */
#define W2V_ARG_ROWID_LE 'F'   /* rowid <= value */
/* Sets pInfo->idxStr from zPlan (sqlite3_malloc'd copy). */
int w2v_plan_set(sqlite3_index_info*, const char *zPlan);
/* The plan of a table-valued function whose arguments are the hidden
** columns iFirst.. (zLetters: their W2V_ARG_* letters, at most 15): each
** equality on one is an argument, in column order; bit i of *pGiven says
** argument i was given.  SQLITE_CONSTRAINT when one is not usable. */
int w2v_args_plan(sqlite3_index_info*, int iFirst, const char *zLetters, unsigned *pGiven);
/* A usable "word = ?" constraint: W2V_ARG_WORDS when SQLite gives the IN
** list all at once (3.38+), W2V_ARG_WORD for one value, 0 when unusable. */
char w2v_word_constraint(sqlite3_index_info*, int iConstraint);
/* The ids of the known words of a W2V_ARG_WORDS / W2V_ARG_WORD argument,
** sorted, without repeats (sqlite3_malloc'd). */
int w2v_word_candidates(const W2vModel*, char kind, sqlite3_value*, int32_t **paId, int64_t *pnId);

/* Filters pushed into a search or a scan: word, count and rowid
** constraints, as SQLite would evaluate them (numeric affinity for count
** and rowid: a NULL bound matches nothing, text that is not a number sorts
** above every number), narrowed to an id range and, when an IN list asks
** for it, a candidate list. */
typedef struct W2vFilter {
  int64_t cLo, cHi;          /* count in [cLo, cHi] */
  int64_t rLo, rHi;          /* rowid (id + 1) in [rLo, rHi] */
  int32_t *aCand;            /* hasCand: only these ids, sorted, distinct */
  int64_t nCand;
  int hasCand;
  int none;                  /* no word qualifies */
  int64_t lo, hi;            /* after w2v_filter_args: the ids [lo, hi) */
} W2vFilter;
/* xBestIndex: the letter of constraint i when it is a usable count (column
** iCountCol) or rowid bound, else 0.  *pOmit: whether SQLite may leave the
** test to the filter (exact).  An equality that SQLite might hand over one
** IN value per xFilter call is taken only all at once (SQLite 3.38+). */
char w2v_filter_constraint(sqlite3_index_info*, int i, int iCountCol, int *pOmit);
/* xFilter: reads the arguments of zPlan whose letters are filters (words,
** counts, rowids) and narrows them to f->lo, f->hi, f->aCand or f->none.
** SQLITE_OK or an error code; w2v_filter_free afterwards in any case. */
int w2v_filter_args(W2vFilter*, const W2vModel*, const char *zPlan, int argc, sqlite3_value **argv);
void w2v_filter_free(W2vFilter*);
/* The ids (sorted) of the words whose count is one of aVal[0..nVal) (sorted
** descending, distinct), into *paId (sqlite3_malloc'd).  SQLITE_OK or
** SQLITE_NOMEM. */
int w2v_filter_count_ids(const W2vModel*, const int64_t *aVal, int64_t nVal,
                         int32_t **paId, int64_t *pnId);
/* The search's part of the filter: id range and candidates. */
void w2v_filter_query(const W2vFilter*, W2vKnnQuery*);

/* ---- the SQL surfaces: each registers itself from w2v.c's table --------- */
typedef struct W2vFunc {
  const char *zName;
  int nArg;
  int flags;                 /* SQLITE_DIRECTONLY, SQLITE_INNOCUOUS, ... */
  void (*xFunc)(sqlite3_context*, int, sqlite3_value**);
} W2vFunc;
extern const sqlite3_module w2v_model_module;     /* model_table.c: "w2v" */
extern const sqlite3_module w2v_similar_module;   /* similar.c */
extern const sqlite3_module w2v_predict_module;   /* predict_vtab.c */
extern const sqlite3_module w2v_tokens_module;    /* tokens_vtab.c */
extern const sqlite3_module w2v_phrases_module;   /* phrases_vtab.c */
extern const sqlite3_module w2v_similar_docs_module;  /* docs.c */
void w2v_fn_doc_vector(sqlite3_context*, int, sqlite3_value**);     /* docs.c */
void w2v_fn_infer(sqlite3_context*, int, sqlite3_value**);
extern const sqlite3_module w2v_kmeans_module;    /* kmeans_vtab.c */
extern const sqlite3_module w2v_project_module;   /* project_vtab.c */
void w2v_fn_train(sqlite3_context*, int, sqlite3_value**);          /* train_sql.c */
void w2v_fn_prob(sqlite3_context*, int, sqlite3_value**);           /* scalars.c */
void w2v_fn_score(sqlite3_context*, int, sqlite3_value**);
void w2v_fn_vector(sqlite3_context*, int, sqlite3_value**);
void w2v_fn_similarity(sqlite3_context*, int, sqlite3_value**);
void w2v_fn_embed(sqlite3_context*, int, sqlite3_value**);
void w2v_fn_version(sqlite3_context*, int, sqlite3_value**);
void w2v_fn_info(sqlite3_context*, int, sqlite3_value**);
void w2v_fn_eval_analogy(sqlite3_context*, int, sqlite3_value**);   /* eval.c */
void w2v_fn_eval_similarity(sqlite3_context*, int, sqlite3_value**);
void w2v_fn_export(sqlite3_context*, int, sqlite3_value**);         /* wordfile.c */
extern const sqlite3_module w2v_classify_module;  /* classify.c */
void w2v_fn_eval_classifier(sqlite3_context*, int, sqlite3_value**);
void w2v_fn_import(sqlite3_context*, int, sqlite3_value**);

/* ---- rowset.c: the rows w2v_kmeans and w2v_project work on: a model's
** words (all, the max_words most frequent, or those the word column of a
** table lists, each read as w2v_vector reads a word; unknown ones skipped,
** repeats once, in the table's order) or its documents (docs=1), each as
** its unit vector (a zero vector stays zero). ------------------------- */
typedef struct W2vGroupOptions {
  sqlite3_int64 seed;
  int iterations, threads, docs;
  char *zWords;
  sqlite3_int64 maxWords;
  uint64_t given;
} W2vGroupOptions;
typedef struct W2vRowSet {
  int64_t n;
  int dim;
  float *unit;               /* n x dim (core allocation) */
  int32_t *aWord;            /* words: each row's word id; NULL for documents */
  int docs;                  /* 1: row i is document i of the model (w2v_model_docs) */
} W2vRowSet;
int w2v_rowset_read(sqlite3 *db, W2vModel *m, const char *zFunc, const W2vGroupOptions *o,
                    W2vRowSet *r, char **pzErr);
/* Row i's word (words) or key (documents) as a result; its rowid (the
** word's frequency rank, or the document's id). */
void w2v_rowset_result_key(const W2vRowSet*, const W2vModel*, int64_t i, sqlite3_context*);
sqlite3_int64 w2v_rowset_rowid(const W2vRowSet*, int64_t i);
void w2v_rowset_free(W2vRowSet*);
/* The thread count default: the machine's cores (at most 64). */
int w2v_rowset_default_threads(void);

/* ---- train_sql.c's helpers: the options of w2v_train -------------------- */
typedef struct W2vOptions {
  char *zModel;
  int arch, loss, dim, window, negative, epochs, threads;
  double nsExponent, sample, alpha, minAlpha;
  sqlite3_int64 minCount, maxVocab;
  sqlite3_int64 seed;
  int lower, replace, progress, update;
  int fold;                  /* W2V_FOLD_*: lower=1 folds Unicode (an old model continued: ASCII) */
  char *zTokenize;           /* tokenize=, NULL: white space */
  char *zVocab, *zExclude;   /* vocab=, exclude=: tables of words */
  int phrases;               /* phrases=N: passes of word2phrase */
  double phraseThreshold;
  sqlite3_int64 phraseMinCount;
  char *zPhraseDelim;
  sqlite3_int64 maxMemory;   /* bytes training may allocate */
  int storage;               /* W2V_STORE_*: how the vectors are stored */
  int output;                /* 0: the output weights are not stored */
  uint64_t given;            /* bit i: option i of w2v_train_options given */
  int docs;                  /* W2V_DOCS_*: paragraph vectors */
  int docWords;              /* docs=dbow: train the word vectors too */
  char *zDocKey;             /* doc_key=: the key column, NULL: the rowid */
  char *zLabel;              /* label=: train a classifier from this column */
  int wordNgrams;            /* word_ngrams=: word n-grams of up to N words (classifiers) */
  int minn, maxn;            /* subwords: character n-grams of minn..maxn (maxn 0: none) */
  sqlite3_int64 bucket;      /* bucket=: rows subwords and word n-grams are hashed into */
} W2vOptions;
extern const W2vOptTable w2v_train_options;
extern const W2vOptName w2v_storage_names[];   /* storage=: also w2v_import's */
/* 1 when the option of that key was given. */
int w2v_train_given(const W2vOptions*, const char *zKey);
/* The learning-rate defaults, which depend on arch. */
void w2v_options_default_alpha(W2vOptions*);
/* How a training run (word model or classifier) ended, as w2v_train's
** result code and message: SQLITE_OK, SQLITE_INTERRUPT or SQLITE_ERROR. */
int w2v_train_end_error(W2vTrainEnd r, char **pzErr);
int w2v_train_options_parse(const char *zFunc, const char *z, W2vOptions*, char **pzErr);

/* corpus.c: SELECT table.column[, table.column2] FROM table (table may be
** "schema.table"; identifiers quoted); errors name zFunc and the column. */
int w2v_source_prepare(sqlite3 *db, const char *zFunc, const char *zTable, const char *zColumn,
                       const char *zColumn2, sqlite3_stmt **ppStmt, char **pzErr);

/* corpus.c: reads table.column, tokenises and encodes every row. */
typedef struct W2vCorpus {
  int32_t *ids;
  int64_t nIds, nAlloc;
  int64_t *ends;
  int64_t nSent, nSentAlloc;
  /* w2v_corpus_read_docs: the document of each sentence (room for
  ** nSentAlloc), and the key of each document (every row whose text is not
  ** NULL, in order: text, or 8 bytes of an int64) */
  int64_t *doc;
  W2vVocab keys;
  int keyText;
} W2vCorpus;
/* pPhrases: a model whose phrases are joined in every row (update=1), or NULL. */
int w2v_corpus_read(sqlite3 *db, const char *zFunc, const char *zTable, const char *zColumn,
                    W2vText *text, W2vModel *pPhrases, sqlite3_int64 maxBytes, W2vVocab *vocab, W2vCorpus *c,
                    char **pzErr);
/* The same for docs=: every row whose text is not NULL is a document, keyed
** by column zKey (NULL: the rowid), whose values must be integers or text,
** all of one type, distinct, never NULL (errors name the key). */
int w2v_corpus_read_docs(sqlite3 *db, const char *zFunc, const char *zTable, const char *zColumn,
                         const char *zKey, W2vText *text, W2vModel *pPhrases, sqlite3_int64 maxBytes,
                         W2vVocab *vocab, W2vCorpus *c, char **pzErr);
/* phrases=N: N passes of word2phrase over the corpus read (core phrases.c):
** each pass scores the pairs of adjacent words and joins those above the
** threshold (the corpus's ids and raw's words and counts change as the
** pass's output text would read).  Every pair a pass may join is kept in
** out, for the model (<model>_phrases), with its pass, count and score. */
typedef struct W2vLearntPhrases {
  W2vVocab parts;                  /* the spellings of the pairs' words */
  W2vPhraseRow *a;                 /* zLeft/zRight NULL until w2v_learnt_rows */
  int32_t *aLeft, *aRight;         /* ids in parts */
  sqlite3_int64 n, nAlloc;
} W2vLearntPhrases;
int w2v_corpus_phrases(sqlite3 *db, W2vCorpus *c, W2vVocab *raw, int nPass, sqlite3_int64 minCount,
                       double threshold, const char *zDelim, sqlite3_int64 maxBytes,
                       W2vLearntPhrases *out, char **pzErr);
/* Adds a row (its strings copied): a w2v_store_read_phrases callback. */
int w2v_learnt_add(void *pLearnt, const W2vPhraseRow*);
/* Points every row's zLeft/zRight at its spelling (after the last add). */
void w2v_learnt_rows(W2vLearntPhrases*);
void w2v_learnt_free(W2vLearntPhrases*);
/* vocab= and exclude=: the words of zTable's column word, each read as the
** model reads one word (w2v_text_word), into list; with wantCount, the
** column count too when the table has one (*pHasCount), whose values must
** be integers >= 0 (a word listed twice adds up).  Errors name the option. */
int w2v_word_list_read(sqlite3 *db, const char *zOption, const char *zTable, W2vText *text,
                       const char *zJoin, int wantCount, W2vVocab *list, int *pHasCount, char **pzErr);
/* Bytes the corpus arrays have allocated. */
sqlite3_int64 w2v_corpus_bytes(const W2vCorpus*);
/* Replaces each id by remap[id], dropping -1 and sentences left empty. */
void w2v_corpus_remap(W2vCorpus*, const int32_t *remap);
void w2v_corpus_free(W2vCorpus*);

/* update.c: update=1.  w2v_update_begin takes the model named by o (a
** reference, released by w2v_update_end) and adopts its arch, loss, dim and
** lower (before the rows are read); an imported model only its dim and
** lower (arch and loss come from o).  w2v_update_merge merges the new rows'
** vocabulary (raw) into the model's: vocab gets the sorted result, remap[raw
** id] the new id or -1, and u the rows the trainer starts from.  After
** training, w2v_update_stored_counts makes the counts storable (an imported
** model's words that the rows do not use: 0 to 1). */
typedef struct W2vUpdate {
  W2vModel *m;
  int imported;              /* m came from w2v_import: no output weights */
  int32_t *initFrom;
  const float *initIn, *initOut;
  int64_t nOld, nNew;
  W2vLearntPhrases phrases;  /* the model's, kept (and applied to the rows) */
  /* subwords: the rows training starts from are read from <model>_ngrams
  ** by w2v_update_init_row (a W2vTrainParams.xInitRow), once
  ** w2v_update_subwords has said which */
  sqlite3 *db;
  const W2vSubwords *sub;
  sqlite3_stmt *pNgram;      /* reads one row of <model>_ngrams */
  int rc;                    /* xInitRow's error (then zErr, NULL: OOM) */
  char *zErr;
} W2vUpdate;
int w2v_update_begin(W2vConn*, W2vOptions *o, W2vUpdate *u, char **pzErr);
int w2v_update_merge(W2vUpdate *u, const W2vOptions *o, const W2vVocab *raw,
                     W2vVocab *vocab, int32_t *remap, char **pzErr);
/* A model with subwords: sub (every word's rows, kept by the caller until
** training has started) is what training will use; prepares the reads. */
int w2v_update_subwords(W2vUpdate *u, const W2vSubwords *sub, char **pzErr);
/* W2vTrainParams.xInitRow (pInitCtx: the W2vUpdate): a model word's own
** row (key -1 - its old id) and the n-gram rows whose bucket is stored;
** other rows stay fresh.  Non-zero on error (u->rc, u->zErr). */
int w2v_update_init_row(void *pUpdate, int64_t row, float *v);
void w2v_update_stored_counts(const W2vUpdate *u, W2vVocab *vocab);
void w2v_update_end(W2vUpdate *u);

/* clf_train.c: w2v_train with label= (a classifier, fastText's supervised
** mode; core supervised.c).  Sets the result or error of ctx. */
void w2v_clf_train(sqlite3_context *ctx, const char *zTable, const char *zColumn, W2vOptions *o);

/* stream.c: a file read through a bounded buffer, plain or gzip (told by
** its magic bytes), from a regular file, a device or a FIFO, without ever
** blocking for long and interruptible (see the file's comment).  Results:
** SQLITE_ROW (bytes found), SQLITE_DONE (the end), SQLITE_TOOBIG (more
** than the limit without the delimiter), or an error with *pzErr (NULL: out
** of memory). */
typedef struct W2vStream W2vStream;
/* Opens zPath; the buffer holds bufSize bytes and grows up to maxBuf for a
** record that needs it.  On error *pp may be set: w2v_stream_close it. */
int w2v_stream_open(const char *zFunc, const char *zPath, size_t bufSize, size_t maxBuf,
                    sqlite3_stmt *pProbe, W2vStream **pp, char **pzErr);
/* The bytes up to the next delim (consumed with it: SQLITE_ROW), or up to
** the end (SQLITE_DONE, *pn may be 0), or the first limit bytes when no
** delim is among them (SQLITE_TOOBIG, nothing consumed).  *pz stays valid
** until the next call. */
int w2v_stream_until(W2vStream*, int delim, size_t limit, const char **pz, size_t *pn, char **pzErr);
/* Puts back what the last w2v_stream_until returned, from z on. */
void w2v_stream_unread(W2vStream*, const char *z);
/* Skips ASCII white space: SQLITE_ROW before a byte that is none, SQLITE_DONE at the end. */
int w2v_stream_skip_space(W2vStream*, char **pzErr);
/* The next n bytes (SQLITE_ROW), or SQLITE_DONE when fewer are left. */
int w2v_stream_take(W2vStream*, size_t n, const char **pz, char **pzErr);
/* For a read stopped before the end: an error if the file changed size. */
int w2v_stream_unchanged(W2vStream*, char **pzErr);
int w2v_stream_is_gzip(const W2vStream*);
/* A FIFO from which not one byte was read (no process was writing). */
int w2v_stream_empty_fifo(const W2vStream*);
void w2v_stream_close(W2vStream*);
/* "a directory", "a block device", ... for messages about a file of mode m. */
const char *w2v_file_kind_name(unsigned m);

#endif /* W2V_INT_H */
