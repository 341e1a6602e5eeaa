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
**                corpus.c, train_options.c, update.c (w2v_train's parts),
**                stream.c (w2v_import's bounded reader, plain or gzip)
**   one file per SQL surface: model_table.c, similar.c, predict_vtab.c,
**                scalars.c, eval.c, wordfile.c, train_sql.c
**   w2v.c        the entry point: one registration table
*/
#ifndef W2V_INT_H
#define W2V_INT_H
#include "core.h"
#include "util.h"

#define W2V_FORMAT_VERSION 1

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
                      unsigned *pGiven, char **pzErr);
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

/* ---- store.c: the shadow tables ---------------------------------------- */
#define W2V_N_SHADOW 4
extern const char *const w2v_shadow_suffix[W2V_N_SHADOW];
int w2v_store_is_shadow(const char *zSuffix);

typedef enum { W2V_NAME_FREE, W2V_NAME_MODEL, W2V_NAME_TAKEN, W2V_NAME_ERROR } W2vNameState;
/* Whether zModel names a w2v model in zSchema, is free (its shadow names
** too), or is taken (*pzTaken: by what, sqlite3_malloc'd).  On
** W2V_NAME_ERROR *pzTaken is SQLite's message, NULL when out of memory. */
W2vNameState w2v_store_state(sqlite3*, const char *zSchema, const char *zModel, char **pzTaken);

/* The generation of a model (>= 0), changed by every write. */
enum { W2V_GEN_NONE = -1, W2V_GEN_DAMAGED = -2, W2V_GEN_ERROR = -3 };
sqlite3_int64 w2v_store_generation(sqlite3*, const char *zSchema, const char *zModel);

/* What a write stores. */
typedef struct W2vStoreModel {
  const char *zModel;
  int arch, loss, dim, lower;
  const W2vVocab *vocab;
  const float *in;                 /* vocab->n x dim */
  const float *out;                /* nOut x dim, or NULL */
  sqlite3_int64 nOut;
  const char *zStats;              /* JSON summary, kept as 'training' */
  const W2vConfigItem *aConfig;    /* further config rows (the options) */
  int nConfig;
} W2vStoreModel;
/* Writes the model into main in one savepoint: all of it or nothing.  The
** generation must still be expectGen (what the caller saw when it started;
** W2V_GEN_NONE: no model), else nothing is written and *pzErr says so. */
int w2v_store_save(sqlite3*, const char *zFunc, const W2vStoreModel*, sqlite3_int64 expectGen,
                   char **pzErr);
int w2v_store_drop(sqlite3*, const char *zSchema, const char *zModel);
int w2v_store_rename(sqlite3*, const char *zSchema, const char *zOld, const char *zNew);

/* Reading: every value is checked; SQLITE_CORRUPT with *pzWhat on damage. */
typedef struct W2vStoredMeta {
  int arch, loss, dim, lower;
  sqlite3_int64 nVocab;
} W2vStoredMeta;
int w2v_store_read_config(sqlite3*, const char *zSchema, const char *zModel,
                          W2vStoredMeta*, char **pzWhat);
int w2v_store_read_vocab(sqlite3*, const char *zSchema, const char *zModel,
                         sqlite3_int64 nVocab, W2vVocab*, char **pzWhat);
int w2v_store_read_vectors(sqlite3*, const char *zSchema, const char *zModel, const char *zWhich,
                           int dim, float *a, sqlite3_int64 nRow, char **pzWhat);

/* ---- model.c: loaded models and the per-connection cache ---------------- */

/* A model as queries see it.  Reference-counted: the cache holds one
** reference, and every cursor or running call that uses the model holds
** another until it ends, so retraining, replacing, renaming or dropping the
** model (even from inside that statement) never frees memory in use. */
typedef struct W2vModel W2vModel;
struct W2vModel {
  int nRef;
  char *zSchema, *zName;
  W2vModel *pNext;           /* in the connection's cache */
  sqlite3_int64 generation;  /* of the stored model this was read from */
  int dim, arch, loss;
  int lower;                 /* trained with lower=1: queries fold text too */
  W2vVocab vocab;
  float *in;                 /* nWord x dim input (word) vectors */
  float *out;                /* output weights: NULL until w2v_model_output */
  W2vTree tree;
  W2vLoss lossFn;
  W2vKnn knn;                /* the search index over in, made on first use */
  char *zPartInput;          /* w2v_prob cache: the last input and its */
  double partLog;            /* log partition function */
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
void w2v_model_release(W2vModel*);
/* Drops the cache's reference to that model (after a write, drop, rename). */
void w2v_conn_forget(W2vConn*, const char *zSchema, const char *zModel);
/* Reads the output weights (m->out, m->lossFn) if not yet read; an error if
** the stored model has changed since m was read. */
int w2v_model_output(sqlite3*, W2vModel *m, const char *zFunc, char **pzErr);
/* The search index of the model's word vectors; NULL on OOM. */
const W2vKnn *w2v_model_knn(W2vModel*);
/* Id of a word (ASCII-folded when the model was trained with lower=1), or -1
** when unknown (or on OOM). */
int64_t w2v_model_find(const W2vModel*, const char *z, int n);
/* h = mean of the input vectors of the space-separated words of z[0..n):
** 1 if every word is known (and there is at least one), else 0. */
int w2v_model_hidden(const W2vModel*, const char *z, int n, float *h);
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
#define W2V_ARG_WORDS  'w'   /* word IN (...) */
#define W2V_ARG_WORD   'W'   /* word = value */
#define W2V_ARG_ROWID  'r'
#define W2V_ARG_MINSIM 's'   /* similarity >= / > value */
/* Sets pInfo->idxStr from zPlan (sqlite3_malloc'd copy). */
int w2v_plan_set(sqlite3_index_info*, const char *zPlan);
/* A usable "word = ?" constraint: W2V_ARG_WORDS when SQLite gives the IN
** list all at once (3.38+), W2V_ARG_WORD for one value, 0 when unusable. */
char w2v_word_constraint(sqlite3_index_info*, int iConstraint);
/* The ids of the known words of a W2V_ARG_WORDS / W2V_ARG_WORD argument,
** sorted, without repeats (sqlite3_malloc'd). */
int w2v_word_candidates(const W2vModel*, char kind, sqlite3_value*, int32_t **paId, int64_t *pnId);

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
void w2v_fn_train(sqlite3_context*, int, sqlite3_value**);          /* train_sql.c */
void w2v_fn_prob(sqlite3_context*, int, sqlite3_value**);           /* scalars.c */
void w2v_fn_score(sqlite3_context*, int, sqlite3_value**);
void w2v_fn_vector(sqlite3_context*, int, sqlite3_value**);
void w2v_fn_similarity(sqlite3_context*, int, sqlite3_value**);
void w2v_fn_embed(sqlite3_context*, int, sqlite3_value**);
void w2v_fn_version(sqlite3_context*, int, sqlite3_value**);
void w2v_fn_eval_analogy(sqlite3_context*, int, sqlite3_value**);   /* eval.c */
void w2v_fn_eval_similarity(sqlite3_context*, int, sqlite3_value**);
void w2v_fn_export(sqlite3_context*, int, sqlite3_value**);         /* wordfile.c */
void w2v_fn_import(sqlite3_context*, int, sqlite3_value**);

/* ---- train_sql.c's helpers: the options of w2v_train -------------------- */
typedef struct W2vOptions {
  char *zModel;
  int arch, loss, dim, window, negative, epochs, threads;
  double nsExponent, sample, alpha, minAlpha;
  sqlite3_int64 minCount, maxVocab;
  sqlite3_int64 seed;
  int lower, replace, progress, update;
  sqlite3_int64 maxMemory;   /* bytes training may allocate */
  unsigned given;            /* bit i: option i of w2v_train_options given */
} W2vOptions;
extern const W2vOptTable w2v_train_options;
/* 1 when the option of that key was given. */
int w2v_train_given(const W2vOptions*, const char *zKey);
/* The learning-rate defaults, which depend on arch. */
void w2v_options_default_alpha(W2vOptions*);
int w2v_train_options_parse(const char *zFunc, const char *z, W2vOptions*, char **pzErr);

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
} W2vUpdate;
int w2v_update_begin(W2vConn*, W2vOptions *o, W2vUpdate *u, char **pzErr);
int w2v_update_merge(W2vUpdate *u, const W2vOptions *o, const W2vVocab *raw,
                     W2vVocab *vocab, int32_t *remap, char **pzErr);
void w2v_update_stored_counts(const W2vUpdate *u, W2vVocab *vocab);
void w2v_update_end(W2vUpdate *u);

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
