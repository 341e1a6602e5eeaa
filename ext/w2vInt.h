/*
** The SQL layer's internal header: the structs and functions that the files
** of ext/ share.  Each file includes <sqlite3ext.h> first.  The numeric core
** is in core/core.h; util.h is the bottom of this layer.
*/
#ifndef W2V_INT_H
#define W2V_INT_H
#include "core.h"
#include "util.h"

#define W2V_FORMAT_VERSION 1

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

#endif /* W2V_INT_H */
