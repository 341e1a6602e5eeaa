/*
** Model storage: every statement on a model's shadow tables, and nothing
** else.  One list of suffixes serves create, write, drop, rename and
** xShadowName.
**
**   <model>_config  key/value: format version, options, sizes, generation
**   <model>_vocab   id (frequency rank, from 1), word, count
**   <model>_input   id, vector: the word vectors, dim little-endian float32
**   <model>_output  id, vector: output weights, one row per word (ns, softmax)
**                   or per inner node of the Huffman tree (hs); the tree
**                   itself is rebuilt from the counts, deterministically.
**   <model>_labels  a classifier's labels: id (rank), label, count
**   <model>_ngrams  a classifier's word n-gram rows: bucket, vector
**
** Every value read back is checked (ids, sizes, counts, finiteness): a model
** edited by hand is reported as damaged, never trusted.
*/
#include <float.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include "sqlite3ext.h"
SQLITE_EXTENSION_INIT3
#include "w2vInt.h"

const char *const w2v_shadow_suffix[W2V_N_SHADOW] = { "config", "vocab", "input", "output", "index",
                                                            "phrases", "ngrams", "docs", "labels" };

int w2v_store_is_shadow(const char *zSuffix){
  int i;
  for(i=0; i<W2V_N_SHADOW; i++) if( sqlite3_stricmp(zSuffix, w2v_shadow_suffix[i])==0 ) return 1;
  return 0;
}

/* Prepares a statement made from a printf format. */
static int vprepare(sqlite3 *db, sqlite3_stmt **pp, const char *zFmt, va_list ap){
  char *zSql = sqlite3_vmprintf(zFmt, ap);
  int rc;
  *pp = 0;
  if( zSql==0 ) return SQLITE_NOMEM;
  rc = sqlite3_prepare_v2(db, zSql, -1, pp, 0);
  sqlite3_free(zSql);
  return rc;
}

static int prepare_fmt(sqlite3 *db, sqlite3_stmt **pp, const char *zFmt, ...){
  va_list ap;
  int rc;
  va_start(ap, zFmt);
  rc = vprepare(db, pp, zFmt, ap);
  va_end(ap);
  return rc;
}

/* Runs one statement made from a printf format; on error *pzErr (if NULL so
** far) gets SQLite's message. */
static int exec_fmt(sqlite3 *db, char **pzErr, const char *zFmt, ...){
  sqlite3_stmt *p = 0;
  va_list ap;
  int rc;
  va_start(ap, zFmt);
  rc = vprepare(db, &p, zFmt, ap);
  va_end(ap);
  while( rc==SQLITE_OK && (rc = sqlite3_step(p))==SQLITE_ROW ){}
  if( rc==SQLITE_DONE ) rc = SQLITE_OK;
  sqlite3_finalize(p);
  if( rc!=SQLITE_OK && rc!=SQLITE_NOMEM && pzErr && *pzErr==0 ){
    *pzErr = sqlite3_mprintf("%s", sqlite3_errmsg(db));
  }
  return rc;
}

/* 1 when a CREATE statement from sqlite_schema makes a w2v model table:
** "CREATE VIRTUAL TABLE ... USING w2v" with or without arguments.  (Checked
** here rather than with LIKE, which SQLITE_LIMIT_LIKE_PATTERN_LENGTH may
** forbid.) */
static int is_w2v_sql(const char *zSql){
  const char *z;
  size_t n;
  if( zSql==0 || sqlite3_strnicmp(zSql, "CREATE VIRTUAL TABLE", 20)!=0 ) return 0;
  for(z=zSql+20; *z; z++){
    if( sqlite3_strnicmp(z, "USING", 5)==0 && (z[5]==' ' || z[5]=='\t' || z[5]=='\n') ){
      for(z+=5; *z==' ' || *z=='\t' || *z=='\n'; z++){}
      n = strlen(z);
      while( n>0 && (z[n-1]==' ' || z[n-1]=='\n' || z[n-1]==';') ) n--;
      return n>=3 && sqlite3_strnicmp(z, "w2v", 3)==0 && (n==3 || z[3]=='(' || z[3]==' ');
    }
  }
  return 0;
}

/* Looks a name up in zSchema's sqlite_schema (case-insensitively, as SQLite
** does): 1 found (*pzFound its spelling, *pIsModel), 0 not found, -1 error,
** -2 out of memory. */
static int schema_lookup(sqlite3 *db, const char *zSchema, const char *zName, char **pzFound, int *pIsModel){
  sqlite3_stmt *p = 0;
  int r = 0;
  if( pzFound ) *pzFound = 0;
  if( pIsModel ) *pIsModel = 0;
  int rc = prepare_fmt(db, &p, "SELECT name, sql FROM \"%w\".sqlite_schema WHERE name=?1 COLLATE NOCASE", zSchema);
  if( rc!=SQLITE_OK ){
    sqlite3_finalize(p);
    return rc==SQLITE_NOMEM ? -2 : -1;
  }
  sqlite3_bind_text(p, 1, zName, -1, SQLITE_STATIC);
  if( sqlite3_step(p)==SQLITE_ROW ){
    r = 1;
    if( pIsModel ) *pIsModel = is_w2v_sql((const char*)sqlite3_column_text(p, 1));
    if( pzFound && (*pzFound = sqlite3_mprintf("%s", sqlite3_column_text(p, 0)))==0 ) r = -1;
  }
  rc = sqlite3_finalize(p);
  if( rc!=SQLITE_OK || r<0 ){
    if( pzFound ){ sqlite3_free(*pzFound); *pzFound = 0; }
    return rc==SQLITE_NOMEM || r<0 ? -2 : -1;
  }
  return r;
}

W2vNameState w2v_store_state(sqlite3 *db, const char *zSchema, const char *zModel, char **pzTaken){
  int i, isModel, r;
  *pzTaken = 0;
  r = schema_lookup(db, zSchema, zModel, pzTaken, &isModel);
  if( r<0 ){ *pzTaken = r==-1 ? sqlite3_mprintf("%s", sqlite3_errmsg(db)) : 0; return W2V_NAME_ERROR; }
  if( r>0 ) return isModel ? W2V_NAME_MODEL : W2V_NAME_TAKEN;
  /* a free name needs free shadow names too, or the write would fail late */
  for(i=0; i<W2V_N_SHADOW; i++){
    char *zShadow = sqlite3_mprintf("%s_%s", zModel, w2v_shadow_suffix[i]);
    r = zShadow ? schema_lookup(db, zSchema, zShadow, pzTaken, 0) : -2;
    sqlite3_free(zShadow);
    if( r<0 ){ *pzTaken = r==-1 ? sqlite3_mprintf("%s", sqlite3_errmsg(db)) : 0; return W2V_NAME_ERROR; }
    if( r>0 ) return W2V_NAME_TAKEN;
  }
  return W2V_NAME_FREE;
}

/* Every query call asks for the generation: one statement when the model's
** tables are all there (-2 from this fast path: ask the slow one). */
static sqlite3_int64 generation_fast(sqlite3 *db, const char *zSchema, const char *zModel){
  sqlite3_stmt *p = 0;
  sqlite3_int64 g = -2;
  if( prepare_fmt(db, &p, "SELECT sql, (SELECT value FROM \"%w\".\"%w_config\" WHERE key='generation')"
                          " FROM \"%w\".sqlite_schema WHERE name=?1 COLLATE NOCASE", zSchema, zModel, zSchema)==SQLITE_OK ){
    sqlite3_bind_text(p, 1, zModel, -1, SQLITE_STATIC);
    if( sqlite3_step(p)==SQLITE_ROW && is_w2v_sql((const char*)sqlite3_column_text(p, 0))
     && sqlite3_column_type(p, 1)==SQLITE_INTEGER && sqlite3_column_int64(p, 1)>=0 ){
      g = sqlite3_column_int64(p, 1);
    }
  }
  if( sqlite3_finalize(p)!=SQLITE_OK ) g = -2;
  return g;
}

sqlite3_int64 w2v_store_generation(sqlite3 *db, const char *zSchema, const char *zModel){
  sqlite3_stmt *p = 0;
  sqlite3_int64 g = generation_fast(db, zSchema, zModel);
  char *zConfig;
  int isModel = 0, r;
  if( g>=0 ) return g;
  g = W2V_GEN_DAMAGED;
  r = schema_lookup(db, zSchema, zModel, 0, &isModel);
  if( r<0 ) return r==-2 ? W2V_GEN_NOMEM : W2V_GEN_ERROR;
  if( r==0 || !isModel ) return W2V_GEN_NONE;
  /* the model table is there: a missing config or generation is damage; a
  ** config that cannot be read (an authorizer, a limit) is an error */
  zConfig = sqlite3_mprintf("%s_config", zModel);
  r = zConfig ? schema_lookup(db, zSchema, zConfig, 0, 0) : -2;
  sqlite3_free(zConfig);
  if( r<=0 ) return r==-2 ? W2V_GEN_NOMEM : r<0 ? W2V_GEN_ERROR : W2V_GEN_DAMAGED;
  r = prepare_fmt(db, &p, "SELECT value FROM \"%w\".\"%w_config\" WHERE key='generation'", zSchema, zModel);
  if( r!=SQLITE_OK ){
    sqlite3_finalize(p);
    return r==SQLITE_NOMEM ? W2V_GEN_NOMEM : W2V_GEN_ERROR;
  }
  if( sqlite3_step(p)==SQLITE_ROW && sqlite3_column_type(p, 0)==SQLITE_INTEGER && sqlite3_column_int64(p, 0)>=0 ){
    g = sqlite3_column_int64(p, 0);
  }
  if( sqlite3_finalize(p)!=SQLITE_OK ) return W2V_GEN_ERROR;
  return g;
}

int w2v_store_drop(sqlite3 *db, const char *zSchema, const char *zModel){
  int i, rc = SQLITE_OK;
  for(i=0; i<W2V_N_SHADOW && rc==SQLITE_OK; i++){
    rc = exec_fmt(db, 0, "DROP TABLE IF EXISTS \"%w\".\"%w_%s\"", zSchema, zModel, w2v_shadow_suffix[i]);
  }
  return rc;
}

int w2v_store_rename(sqlite3 *db, const char *zSchema, const char *zOld, const char *zNew){
  int i, rc = SQLITE_OK;
  for(i=0; i<W2V_N_SHADOW && rc==SQLITE_OK; i++){
    if( i>=W2V_SHADOW_INDEX ){
      /* models written before the index (phrases) were stored, and models
      ** without what an optional table holds, have no such table */
      char *zIndex = sqlite3_mprintf("%s_%s", zOld, w2v_shadow_suffix[i]);
      int r = zIndex ? schema_lookup(db, zSchema, zIndex, 0, 0) : -2;
      sqlite3_free(zIndex);
      if( r<0 ) return r==-2 ? SQLITE_NOMEM : SQLITE_ERROR;
      if( r==0 ) continue;
    }
    rc = exec_fmt(db, 0, "ALTER TABLE \"%w\".\"%w_%s\" RENAME TO \"%w_%s\"",
                  zSchema, zOld, w2v_shadow_suffix[i], zNew, w2v_shadow_suffix[i]);
  }
  return rc;
}

/* ---- writing ------------------------------------------------------------- */

/* One row of an INSERT whose values are bound: SQLITE_OK, ready for the next. */
static int insert_row(sqlite3_stmt *p){
  int rc = sqlite3_step(p);
  return rc==SQLITE_DONE ? sqlite3_reset(p) : rc;
}

/* How a writer ends: the connection's message for an error that has none
** yet (out of memory says itself), the statement finalized; returns rc. */
static int write_end(sqlite3 *db, sqlite3_stmt *p, int rc, char **pzErr){
  if( rc!=SQLITE_OK && rc!=SQLITE_NOMEM && *pzErr==0 ) *pzErr = sqlite3_mprintf("%s", sqlite3_errmsg(db));
  sqlite3_finalize(p);
  return rc;
}

/* 1 when v is longer than W2V_MAX_NORM (its length to *pLen): such a row
** would overflow the float32 similarity arithmetic, so no model holds one
** (refused when written, damage when read). */
static int row_too_long(const float *v, int dim, double *pLen){
  if( !w2v_norm_over(v, dim) ) return 0;
  *pLen = w2v_norm_exact(v, dim);
  return 1;
}

/* Column iCol of p, a stored vector of dim values in storage (n-grams and
** documents are float32), decoded into v: 0 when it is sound, else 1 with
** *pzWhy what is wrong ("holds ...", to follow the row's name; NULL out of
** memory): not a blob of the right size, a value that is not finite, or a
** length over W2V_MAX_NORM (it would overflow the float32 similarities). */
static int stored_vector(sqlite3_stmt *p, int iCol, int storage, int dim, float *v, char **pzWhy){
  sqlite3_value *pv = sqlite3_column_value(p, iCol);   /* see read_words */
  int nWant = (int)w2v_row_bytes(storage, dim), isBlob = sqlite3_value_type(pv)==SQLITE_BLOB;
  const void *b = isBlob ? sqlite3_value_blob(pv) : 0;
  int nb = sqlite3_value_bytes(pv);
  double len;
  if( !isBlob || b==0 || nb!=nWant ){
    *pzWhy = sqlite3_mprintf("holds %d bytes, expected %d", nb, nWant);
  }else if( w2v_row_decode(storage, b, dim, v) ){
    *pzWhy = sqlite3_mprintf("holds a non-finite value");
  }else if( row_too_long(v, dim, &len) ){
    *pzWhy = sqlite3_mprintf("holds a vector of length %g, over %g", len, W2V_MAX_NORM);
  }else{
    return 0;
  }
  return 1;
}

/* How a reader of every row of <model>_<zWhich> ended, after finalizing its
** statement: damage found (bad), the step's error, or nGot rows where the
** config says nWant.  SQLITE_OK when none of these. */
static int rows_read_end(sqlite3 *db, int bad, int rc, const char *zModel, const char *zWhich,
                         sqlite3_int64 nGot, sqlite3_int64 nWant, char **pzWhat){
  if( bad ) return SQLITE_CORRUPT;
  if( rc!=SQLITE_DONE ){
    if( rc!=SQLITE_NOMEM ) *pzWhat = sqlite3_mprintf("%s", sqlite3_errmsg(db));
    return rc;
  }
  if( nGot!=nWant ){
    *pzWhat = sqlite3_mprintf("%s_%s has %lld rows, expected %lld", zModel, zWhich, nGot, nWant);
    return SQLITE_CORRUPT;
  }
  return SQLITE_OK;
}

/* "<name> <why>" (either may be NULL out of memory: then NULL); frees zWhy. */
static char *damage(char *zName, char *zWhy){
  char *z = zName && zWhy ? sqlite3_mprintf("%s %s", zName, zWhy) : 0;
  sqlite3_free(zName);
  sqlite3_free(zWhy);
  return z;
}

static int write_vectors(sqlite3 *db, const W2vStoreModel *s, const char *zWhich,
                         const float *a, sqlite3_int64 nRow, int dim, char **pzErr){
  sqlite3_stmt *p = 0;
  size_t nb = w2v_row_bytes(s->storage, dim);
  unsigned char *buf = sqlite3_malloc64(nb);
  sqlite3_int64 i;
  int rc = SQLITE_NOMEM;
  if( buf ) rc = prepare_fmt(db, &p, "INSERT INTO \"%w\".\"%w_%s\"(id, vector) VALUES(?1, ?2)",
                              s->zSchema, s->zModel, zWhich);
  for(i=0; i<nRow && rc==SQLITE_OK; i++){
    double len;
    if( row_too_long(a + i*dim, dim, &len) ){
      *pzErr = strcmp(zWhich, "input")==0
        ? sqlite3_mprintf("the vector of word '%s' (row %lld) has length %g, over the limit of %g",
                          w2v_vocab_word(s->vocab, i), i+1, len, W2V_MAX_NORM)
        : sqlite3_mprintf("%s row %lld has a vector of length %g, over the limit of %g", zWhich, i+1, len, W2V_MAX_NORM);
      rc = SQLITE_ERROR;
      break;
    }
    if( w2v_row_encode(s->storage, a + i*dim, dim, buf) ){
      *pzErr = sqlite3_mprintf("storage=%s cannot hold a value of %s row %lld (not finite%s)",
                               w2v_storage_name(s->storage), zWhich, i+1,
                               s->storage==W2V_STORE_F16 ? ", or over 65504: use storage=float32" : "");
      rc = SQLITE_ERROR;
      break;
    }
    sqlite3_bind_int64(p, 1, i+1);
    sqlite3_bind_blob(p, 2, buf, (int)nb, SQLITE_STATIC);
    rc = insert_row(p);
  }
  rc = write_end(db, p, rc, pzErr);      /* (buf is bound until then) */
  sqlite3_free(buf);
  return rc;
}

/* One row of <model>_config that every model or some models have. */
typedef struct ConfigRow {
  const char *zKey;
  int bHas;                 /* this model has it */
  const char *zText;        /* its text, or NULL for ... */
  sqlite3_int64 iValue;     /* ... an integer */
} ConfigRow;

static int write_config(sqlite3 *db, const W2vStoreModel *s, sqlite3_int64 gen, char **pzErr){
  /* a model of the first format's shape says version 1, which older builds
  ** read; lower=1 folding Unicode is new in 3 too: an older build would fold
  ** queries A-Z only and miss words silently */
  int version = s->nLabel>0 || s->maxn>0 ? 4
              : s->zTokenize || s->nPhrasePass || (s->lower && s->fold==W2V_FOLD_UNICODE) ? 3
              : s->storage==W2V_STORE_F32 && (s->output || s->loss==W2V_LOSS_NONE) ? 1 : 2;
  /* the keys a load needs, then the caller's (options), then the summary */
  const ConfigRow aRow[] = {
    { "minn", s->maxn>0, 0, s->minn },
    { "maxn", s->maxn>0, 0, s->maxn },
    { "bucket", s->maxn>0, 0, s->bucket },
    { "labels", s->nLabel>0, 0, s->nLabel },
    { "ngrams", s->nLabel>0, 0, s->nNgram },
    { "phrases", s->nPhrasePass>0, 0, s->nPhrasePass },
    { "phrase_delimiter", s->nPhrasePass>0, s->zPhraseDelim, 0 },
    { "tokenize", s->zTokenize!=0, s->zTokenize, 0 },
    { "case_fold", s->lower, s->fold==W2V_FOLD_ASCII ? "ascii" : "unicode", 0 },
    { "index", 1, 0, s->storage!=W2V_STORE_I8 },
    { "storage", 1, w2v_storage_name(s->storage), 0 },
    { "output", 1, 0, s->output },
    { "format_version", 1, 0, version },
    { "arch", 1, w2v_arch_name(s->arch), 0 },
    { "loss", 1, w2v_loss_name(s->loss), 0 },
    { "dim", 1, 0, s->dim },
    { "lower", 1, 0, s->lower },
    { "vocab_size", 1, 0, s->vocab->n },
    { "generation", 1, 0, gen },
  };
  const int nRow = (int)(sizeof(aRow)/sizeof(aRow[0]));
  sqlite3_stmt *p = 0;
  int rc, i;
  rc = prepare_fmt(db, &p, "INSERT INTO \"%w\".\"%w_config\"(key, value) VALUES(?1, ?2)", s->zSchema, s->zModel);
  for(i=-nRow; i<=s->nConfig && rc==SQLITE_OK; i++){
    if( i<0 ){
      const ConfigRow *r = &aRow[nRow+i];
      if( !r->bHas ) continue;
      sqlite3_bind_text(p, 1, r->zKey, -1, SQLITE_STATIC);
      if( r->zText ) sqlite3_bind_text(p, 2, r->zText, -1, SQLITE_STATIC);
      else sqlite3_bind_int64(p, 2, r->iValue);
    }else if( i==s->nConfig ){
      /* the summary (NULL when there is none) */
      sqlite3_bind_text(p, 1, "training", -1, SQLITE_STATIC);
      sqlite3_bind_text(p, 2, s->zStats, -1, SQLITE_STATIC);
    }else{
      sqlite3_bind_text(p, 1, s->aConfig[i].zKey, -1, SQLITE_STATIC);
      switch( s->aConfig[i].type ){
        case SQLITE_INTEGER: sqlite3_bind_int64(p, 2, s->aConfig[i].iValue); break;
        case SQLITE_FLOAT: sqlite3_bind_double(p, 2, s->aConfig[i].rValue); break;
        default: sqlite3_bind_text(p, 2, s->aConfig[i].zValue, -1, SQLITE_STATIC); break;
      }
    }
    rc = insert_row(p);
  }
  return write_end(db, p, rc, pzErr);
}

/* <model>_ngrams (W2vStoreModel says what the rows are).  A classifier's rows
** are stored as its word vectors are (storage=); subword rows stay float32:
** a query composes an unknown word from many of them, and their rounding
** would add up. */
static int write_ngrams(sqlite3 *db, const W2vStoreModel *s, char **pzErr){
  int storage = s->nLabel>0 ? s->storage : W2V_STORE_F32;
  sqlite3_stmt *p = 0;
  size_t nb = w2v_row_bytes(storage, s->dim);
  unsigned char *buf = sqlite3_malloc64(nb);
  sqlite3_int64 i;
  int rc = SQLITE_NOMEM;
  if( buf ) rc = prepare_fmt(db, &p, "INSERT%s INTO \"%w\".\"%w_ngrams\"(bucket, vector) VALUES(?1, ?2)",
                             s->ngramKeep ? " OR REPLACE" : "", s->zSchema, s->zModel);
  for(i=0; i<s->nNgram && rc==SQLITE_OK; i++){
    sqlite3_int64 key = i<s->nNgramOwn ? -1-i : s->ngramBucket[i - s->nNgramOwn];
    double len;
    if( row_too_long(s->ngram + i*s->dim, s->dim, &len) ){
      *pzErr = sqlite3_mprintf("n-gram row %lld has a vector of length %g, over the limit of %g", key, len, W2V_MAX_NORM);
      rc = SQLITE_ERROR;
      break;
    }
    if( w2v_row_encode(storage, s->ngram + i*s->dim, s->dim, buf) ){
      *pzErr = sqlite3_mprintf("storage=%s cannot hold a value of n-gram row %lld (not finite%s)",
                               w2v_storage_name(storage), key,
                               storage==W2V_STORE_F16 ? ", or over 65504: use storage=float32" : "");
      rc = SQLITE_ERROR;
      break;
    }
    sqlite3_bind_int64(p, 1, key);
    sqlite3_bind_blob(p, 2, buf, (int)nb, SQLITE_STATIC);
    rc = insert_row(p);
  }
  rc = write_end(db, p, rc, pzErr);      /* (buf is bound until then) */
  sqlite3_free(buf);
  return rc;
}

static int write_phrases(sqlite3 *db, const W2vStoreModel *s, char **pzErr){
  sqlite3_stmt *p = 0;
  sqlite3_int64 i;
  int rc = prepare_fmt(db, &p, "INSERT INTO \"%w\".\"%w_phrases\"(id, pass, phrase, \"left\", \"right\", count, score)"
                               " VALUES(?1, ?2, ?3||?4||?5, ?3, ?5, ?6, ?7)", s->zSchema, s->zModel);
  for(i=0; i<s->nPhrase && rc==SQLITE_OK; i++){
    const W2vPhraseRow *r = &s->aPhrase[i];
    sqlite3_bind_int64(p, 1, i+1);
    sqlite3_bind_int(p, 2, r->pass);
    sqlite3_bind_text(p, 3, r->zLeft, r->nLeft, SQLITE_STATIC);
    sqlite3_bind_text(p, 4, s->zPhraseDelim, -1, SQLITE_STATIC);
    sqlite3_bind_text(p, 5, r->zRight, r->nRight, SQLITE_STATIC);
    sqlite3_bind_int64(p, 6, r->count);
    sqlite3_bind_double(p, 7, r->score);
    rc = insert_row(p);
  }
  return write_end(db, p, rc, pzErr);
}

/* The words (<model>_vocab) or a classifier's labels (<model>_labels). */
static int write_words(sqlite3 *db, const W2vStoreModel *s, const W2vVocab *v, int labels, char **pzErr){
  sqlite3_stmt *p = 0;
  sqlite3_int64 i;
  int rc = prepare_fmt(db, &p, labels ? "INSERT INTO \"%w\".\"%w_labels\"(id, label, count) VALUES(?1, ?2, ?3)"
                                      : "INSERT INTO \"%w\".\"%w_vocab\"(id, word, count) VALUES(?1, ?2, ?3)",
                       s->zSchema, s->zModel);
  for(i=0; i<v->n && rc==SQLITE_OK; i++){
    sqlite3_bind_int64(p, 1, i+1);
    sqlite3_bind_text(p, 2, w2v_vocab_word(v, i), (int)v->lens[i], SQLITE_STATIC);
    sqlite3_bind_int64(p, 3, v->counts[i]);
    rc = insert_row(p);
  }
  return write_end(db, p, rc, pzErr);
}

/* <model>_docs: id 1..nDoc, the key (integer or text), the vector (dim
** float32 LE, whatever storage= says: documents are few next to words). */
static int write_docs(sqlite3 *db, const W2vStoreModel *s, char **pzErr){
  sqlite3_stmt *p = 0;
  int nb = s->dim*(int)sizeof(float), rc = SQLITE_NOMEM;
  unsigned char *buf = sqlite3_malloc64(nb);
  sqlite3_int64 i;
  if( buf ) rc = prepare_fmt(db, &p, "INSERT INTO \"%w\".\"%w_docs\"(id, key, vector) VALUES(?1, ?2, ?3)",
                              s->zSchema, s->zModel);
  for(i=0; i<s->nDoc && rc==SQLITE_OK; i++){
    const char *zKey = w2v_vocab_word(s->docKeys, i);
    sqlite3_bind_int64(p, 1, i+1);
    if( s->docKeyText ){
      sqlite3_bind_text(p, 2, zKey, (int)s->docKeys->lens[i], SQLITE_STATIC);
    }else{
      sqlite3_int64 v;
      memcpy(&v, zKey, sizeof(v));
      sqlite3_bind_int64(p, 2, v);
    }
    double len;
    if( row_too_long(s->docv + i*s->dim, s->dim, &len) ){
      *pzErr = sqlite3_mprintf("document %lld has a vector of length %g, over the limit of %g", i+1, len, W2V_MAX_NORM);
      rc = SQLITE_ERROR;
      break;
    }
    w2v_floats_to_le(buf, s->docv + i*s->dim, s->dim);
    sqlite3_bind_blob(p, 3, buf, nb, SQLITE_STATIC);
    rc = insert_row(p);
  }
  rc = write_end(db, p, rc, pzErr);      /* (buf is bound until then) */
  sqlite3_free(buf);
  return rc;
}

/* ---- the search index ------------------------------------------------------
** What the KNN scan reads (w2v_knn_index_rows of the stored word vectors),
** kept so that a connection opening the model reads it in large pieces
** instead of quantizing every vector: <model>_index rows of at most
** W2V_INDEX_CHUNK bytes, id = part<<32 | chunk number, part 1 the int8 rows
** (stride bytes each), part 2 per row three float32 LE: 1/|v|, scale, error.
** Written for storage=float32 and float16; an int8 model's rows are as
** small as the index, which is made from them when loaded. */
#define W2V_INDEX_CHUNK (16<<20)
#define INDEX_ID(part, chunk) (((sqlite3_int64)(part)<<32) | (sqlite3_int64)(chunk))

typedef struct ChunkWriter {
  sqlite3_stmt *p;
  int part;
  sqlite3_int64 chunk;
  unsigned char *buf;
  size_t n;
} ChunkWriter;

static int chunk_flush(ChunkWriter *w){
  int rc;
  if( w->n==0 ) return SQLITE_OK;
  sqlite3_bind_int64(w->p, 1, INDEX_ID(w->part, w->chunk));
  sqlite3_bind_blob(w->p, 2, w->buf, (int)w->n, SQLITE_STATIC);
  rc = insert_row(w->p);
  w->chunk++;
  w->n = 0;
  return rc;
}

static int chunk_append(ChunkWriter *w, const void *a, size_t n){
  const unsigned char *z = a;
  while( n>0 ){
    size_t take = W2V_INDEX_CHUNK - w->n < n ? W2V_INDEX_CHUNK - w->n : n;
    int rc;
    memcpy(w->buf + w->n, z, take);
    w->n += take; z += take; n -= take;
    if( w->n==W2V_INDEX_CHUNK && (rc = chunk_flush(w))!=SQLITE_OK ) return rc;
  }
  return SQLITE_OK;
}

/* Indexes the stored form of the word vectors a block of rows at a time
** (float16 rows as they will read back). */
static int write_index(sqlite3 *db, const W2vStoreModel *s, char **pzErr){
  enum { BLOCK = 1024 };
  int dim = s->dim, stride = (dim + 7) & ~7, rc;
  sqlite3_int64 n = s->vocab->n, i0, i;
  size_t nb = w2v_row_bytes(s->storage, dim);
  ChunkWriter w[2];
  sqlite3_stmt *pInsert = 0;
  float *dec = w2v_core_malloc(sizeof(float)*(size_t)BLOCK*dim);
  float *per = w2v_core_malloc(sizeof(float)*3*BLOCK), *inv = per, *sc = per + BLOCK, *er = per + 2*BLOCK;
  int8_t *q8 = w2v_core_malloc((size_t)BLOCK*stride);
  unsigned char *row = w2v_core_malloc(nb), *trip = w2v_core_malloc(12*(size_t)BLOCK);
  memset(w, 0, sizeof(w));
  w[0].part = 1; w[1].part = 2;
  w[0].buf = w2v_core_malloc(W2V_INDEX_CHUNK);
  w[1].buf = w2v_core_malloc(W2V_INDEX_CHUNK);
  rc = (dec && per && q8 && row && trip && w[0].buf && w[1].buf) ? SQLITE_OK : SQLITE_NOMEM;
  if( rc==SQLITE_OK ){
    rc = prepare_fmt(db, &pInsert, "INSERT INTO \"%w\".\"%w_index\"(id, data) VALUES(?1, ?2)", s->zSchema, s->zModel);
  }
  w[0].p = w[1].p = pInsert;     /* the two parts take turns with one statement */
  for(i0=0; i0<n && rc==SQLITE_OK; i0+=BLOCK){
    sqlite3_int64 nBlock = n-i0 < BLOCK ? n-i0 : BLOCK;
    const float *vec = s->in + i0*dim;
    if( s->storage!=W2V_STORE_F32 ){
      /* the values a load reads back (encoding succeeded in write_vectors) */
      for(i=0; i<nBlock; i++){
        w2v_row_encode(s->storage, s->in + (i0+i)*dim, dim, row);
        w2v_row_decode(s->storage, row, dim, dec + i*dim);
      }
      vec = dec;
    }
    w2v_knn_index_rows(vec, nBlock, dim, q8, sc, er, inv);
    for(i=0; i<nBlock; i++){
      float t[3];
      t[0] = inv[i]; t[1] = sc[i]; t[2] = er[i];
      w2v_floats_to_le(trip + 12*i, t, 3);
    }
    rc = chunk_append(&w[0], q8, (size_t)nBlock*stride);
    if( rc==SQLITE_OK ) rc = chunk_append(&w[1], trip, 12*(size_t)nBlock);
  }
  if( rc==SQLITE_OK ) rc = chunk_flush(&w[0]);
  if( rc==SQLITE_OK ) rc = chunk_flush(&w[1]);
  rc = write_end(db, pInsert, rc, pzErr);
  w2v_core_free(w[0].buf); w2v_core_free(w[1].buf);
  w2v_core_free(dec); w2v_core_free(per); w2v_core_free(q8);
  w2v_core_free(row); w2v_core_free(trip);
  return rc;
}

/* Reads n bytes of part `part` (chunks 0, 1, ... in order) into a. */
static int read_part(sqlite3 *db, const char *zSchema, const char *zTable, int part, void *a, size_t n,
                     char **pzWhat){
  sqlite3_blob *b = 0;
  unsigned char *z = a;
  sqlite3_int64 chunk = 0;
  int rc = SQLITE_OK;
  while( n>0 && rc==SQLITE_OK ){
    size_t want = n < W2V_INDEX_CHUNK ? n : W2V_INDEX_CHUNK;
    rc = b ? sqlite3_blob_reopen(b, INDEX_ID(part, chunk))
           : sqlite3_blob_open(db, zSchema, zTable, "data", INDEX_ID(part, chunk), 0, &b);
    if( rc==SQLITE_OK && (size_t)sqlite3_blob_bytes(b)!=want ){
      *pzWhat = sqlite3_mprintf("%s chunk %d.%lld holds %d bytes, expected %lld", zTable, part, chunk,
                                sqlite3_blob_bytes(b), (sqlite3_int64)want);
      rc = SQLITE_CORRUPT;
    }
    if( rc==SQLITE_OK ) rc = sqlite3_blob_read(b, z, (int)want, 0);
    if( rc!=SQLITE_OK && rc!=SQLITE_NOMEM && rc!=SQLITE_CORRUPT ){
      /* no such row or table, a view, an authorizer: the index is not there as written */
      *pzWhat = sqlite3_mprintf("%s chunk %d.%lld: %s", zTable, part, chunk, sqlite3_errmsg(db));
      rc = SQLITE_CORRUPT;
    }
    z += want; n -= want; chunk++;
  }
  sqlite3_blob_close(b);
  return rc;
}

int w2v_store_read_index(sqlite3 *db, const char *zSchema, const char *zModel, sqlite3_int64 n,
                         W2vKnn *x, char **pzWhat){
  char *zTable = sqlite3_mprintf("%s_index", zModel);
  unsigned char *trip = 0;
  sqlite3_int64 i;
  int rc = zTable ? SQLITE_OK : SQLITE_NOMEM;
  if( rc==SQLITE_OK ) rc = read_part(db, zSchema, zTable, 1, x->q8, (size_t)n*x->stride, pzWhat);
  if( rc==SQLITE_OK && (trip = w2v_core_malloc(12*(size_t)(n ? n : 1)))==0 ) rc = SQLITE_NOMEM;
  if( rc==SQLITE_OK ) rc = read_part(db, zSchema, zTable, 2, trip, 12*(size_t)n, pzWhat);
  for(i=0; i<n && rc==SQLITE_OK; i++){
    float t[3];
    w2v_floats_from_le(t, trip + 12*i, 3);
    /* a unit row's scale is at most 1/127 and its error at most 2 */
    if( !(t[0]>=0 && t[0]<=3.0e38f && t[1]>=0 && t[1]<=1.0f/127*1.0001f && t[2]>=0 && t[2]<=2) ){
      *pzWhat = sqlite3_mprintf("%s: bad norm, scale or error for row %lld", zTable, i+1);
      rc = SQLITE_CORRUPT;
    }
    x->invNorm[i] = t[0]; x->scale[i] = t[1]; x->err[i] = t[2];
  }
  w2v_core_free(trip);
  sqlite3_free(zTable);
  if( rc!=SQLITE_OK ) w2v_knn_free(x);
  return rc;
}

/* The columns of each shadow table, as CREATE TABLE "<model>_<suffix>"<cols>
** (the form sqlite_schema keeps). */
static const char *const azShadowCols[W2V_N_SHADOW] = {
  "(key TEXT PRIMARY KEY, value) WITHOUT ROWID",
  "(id INTEGER PRIMARY KEY, word TEXT NOT NULL UNIQUE, count INTEGER NOT NULL)",
  "(id INTEGER PRIMARY KEY, vector BLOB NOT NULL)",
  "(id INTEGER PRIMARY KEY, vector BLOB NOT NULL)",
  "(id INTEGER PRIMARY KEY, data BLOB NOT NULL)",
  "(id INTEGER PRIMARY KEY, pass INTEGER NOT NULL, phrase TEXT NOT NULL, \"left\" TEXT NOT NULL,"
  " \"right\" TEXT NOT NULL, count INTEGER NOT NULL, score REAL NOT NULL)",
  "(bucket INTEGER PRIMARY KEY, vector BLOB NOT NULL)",
  "(id INTEGER PRIMARY KEY, key NOT NULL UNIQUE, vector BLOB NOT NULL)",
  "(id INTEGER PRIMARY KEY, label TEXT NOT NULL UNIQUE, count INTEGER NOT NULL)",
};

/* Whether the model written needs optional shadow table i. */
static int shadow_wanted(const W2vStoreModel *s, int i){
  switch( i ){
    case W2V_SHADOW_PHRASES: return s->nPhrasePass>0;
    case W2V_SHADOW_NGRAMS:  return s->nNgram>0;
    case W2V_SHADOW_DOCS:    return s->nDoc>0;
    case W2V_SHADOW_LABELS:  return s->nLabel>0;
    default:                 return 1;
  }
}

/* The shape shadow table i of zSchema.zModel has: 0 missing, 1 as it
** should be, 2 another shape (damage). */
static int shadow_state(sqlite3 *db, const char *zSchema, const char *zModel, int i, int *pState){
  sqlite3_stmt *p = 0;
  char *zWant = sqlite3_mprintf("CREATE TABLE \"%w_%s\"%s", zModel, w2v_shadow_suffix[i], azShadowCols[i]);
  int rc = zWant ? prepare_fmt(db, &p, "SELECT sql FROM \"%w\".sqlite_schema WHERE name=?1||'_'||?2 COLLATE NOCASE", zSchema)
                 : SQLITE_NOMEM;
  *pState = 0;
  if( rc==SQLITE_OK ){
    sqlite3_bind_text(p, 1, zModel, -1, SQLITE_STATIC);
    sqlite3_bind_text(p, 2, w2v_shadow_suffix[i], -1, SQLITE_STATIC);
    if( sqlite3_step(p)==SQLITE_ROW ){
      const char *zHave = (const char*)sqlite3_column_text(p, 0);
      *pState = zHave && strcmp(zHave, zWant)==0 ? 1 : 2;
    }
    rc = sqlite3_finalize(p);
  }
  sqlite3_free(zWant);
  return rc;
}

/* The guard: a reading statement kept started while the write runs.  When
** SQLite runs out of memory inside a statement run from ours, it refuses
** every allocation of the connection until our caller's statement ends, and
** a failed schema change has expired the undo statements prepared before
** (running an expired statement prepares it again, which needs memory).
** Stepping the guard then fails with SQLITE_NOMEM, and SQLite rolls the
** transaction back, as it does whenever a reading statement runs out of
** memory.  (Three arms: the first row needs no table; the others read.) */
static int guard_start(sqlite3 *db, const char *zSchema, sqlite3_stmt **pGuard){
  int rc = prepare_fmt(db, pGuard, "SELECT 1 UNION ALL SELECT 1 FROM \"%w\".sqlite_schema UNION ALL SELECT 1", zSchema);
  if( rc==SQLITE_OK && sqlite3_step(*pGuard)!=SQLITE_ROW ) rc = sqlite3_reset(*pGuard);
  return rc==SQLITE_ROW ? SQLITE_OK : rc;
}

/* Writes the whole model into main, inside the caller's transaction.
** Shadow tables end up empty and of the right shape: a missing one is
** created, one of another shape dropped and created again (the repair), a
** sound one emptied (not dropped: DROP fails while any statement of the
** connection runs, as in a retrain from inside a query, and while the
** guard runs, so the repair's drops come first). */
static int store_write(sqlite3 *db, const W2vStoreModel *s, int isModel, sqlite3_stmt **pGuard, char **pzErr){
  const char *zM = s->zModel, *zS = s->zSchema;
  sqlite3_int64 gen;
  int rc = SQLITE_OK, i, aState[W2V_N_SHADOW];
  for(i=0; i<W2V_N_SHADOW && rc==SQLITE_OK; i++){
    rc = shadow_state(db, zS, zM, i, &aState[i]);
    if( rc==SQLITE_OK && aState[i]==2 ){
      rc = exec_fmt(db, pzErr, "DROP TABLE \"%w\".\"%w_%s\"", zS, zM, w2v_shadow_suffix[i]);
      aState[i] = 0;
    }
  }
  if( rc==SQLITE_OK ) rc = guard_start(db, zS, pGuard);
  for(i=0; i<W2V_N_SHADOW && rc==SQLITE_OK; i++){
    /* a model without phrases (n-grams, documents, labels) has no such
    ** table (one left by an earlier model of the name is emptied) */
    if( aState[i]==0 && !shadow_wanted(s, i) ) continue;
    /* update=1 with subwords: the n-gram rows it does not write are kept */
    if( aState[i]==1 && i==W2V_SHADOW_NGRAMS && s->ngramKeep ) continue;
    rc = aState[i]==1 ? exec_fmt(db, pzErr, "DELETE FROM \"%w\".\"%w_%s\"", zS, zM, w2v_shadow_suffix[i])
       : exec_fmt(db, pzErr, "CREATE TABLE \"%w\".\"%w_%s\"%s", zS, zM, w2v_shadow_suffix[i], azShadowCols[i]);
  }
  if( rc!=SQLITE_OK ){
    if( rc!=SQLITE_NOMEM && *pzErr==0 ) *pzErr = sqlite3_mprintf("%s", sqlite3_errmsg(db));
    return rc;
  }
  sqlite3_randomness(sizeof(gen), &gen);
  gen &= 0x7fffffffffffffffLL;
  rc = write_config(db, s, gen, pzErr);
  if( rc==SQLITE_OK && !isModel ){
    /* the module's xCreate checks that the config is there */
    rc = exec_fmt(db, pzErr, "CREATE VIRTUAL TABLE \"%w\".\"%w\" USING w2v", zS, zM);
  }
  if( rc==SQLITE_OK ) rc = write_words(db, s, s->vocab, 0, pzErr);
  if( rc==SQLITE_OK && s->nLabel ) rc = write_words(db, s, s->labels, 1, pzErr);
  if( rc==SQLITE_OK && s->nNgram ) rc = write_ngrams(db, s, pzErr);
  if( rc==SQLITE_OK ) rc = write_vectors(db, s, "input", s->in, s->vocab->n, s->dim, pzErr);
  if( rc==SQLITE_OK && s->out ) rc = write_vectors(db, s, "output", s->out, s->nOut, s->dim, pzErr);
  if( rc==SQLITE_OK && s->storage!=W2V_STORE_I8 ) rc = write_index(db, s, pzErr);
  if( rc==SQLITE_OK && s->nPhrase ) rc = write_phrases(db, s, pzErr);
  if( rc==SQLITE_OK && s->nDoc>0 ) rc = write_docs(db, s, pzErr);
  return rc;
}

/* 1 when a statement that writes is running on the connection (we are
** called from inside it, e.g. from a trigger). */
static int writer_running(sqlite3 *db){
  sqlite3_stmt *p;
  for(p=sqlite3_next_stmt(db, 0); p; p=sqlite3_next_stmt(db, p)){
    if( sqlite3_stmt_busy(p) && !sqlite3_stmt_readonly(p) ) return 1;
  }
  return 0;
}

/* The error of a write that lost a race. */
static char *raced(const char *zFunc, const char *zModel, const char *zHow){
  return sqlite3_mprintf("%s: model '%s' was %s by another connection while %s (or by SQL run inside "
                         "this statement); nothing was written, run it again", zFunc, zModel, zHow,
                         strcmp(zFunc, "w2v_train")==0 ? "training" : "importing");
}

int w2v_store_save(sqlite3 *db, const char *zFunc, const W2vStoreModel *s,
                   sqlite3_int64 expectGen, char **pzErr){
  char *zWErr = 0;
  sqlite3_int64 gen;
  /* Outside a transaction, take the write lock first (BEGIN IMMEDIATE, which
  ** waits in the busy handler): the generation read below then sees the
  ** newest commit, and the write cannot fail on a stale WAL snapshot.
  ** Inside the caller's transaction, or under a writing statement (a
  ** trigger), a savepoint. */
  int own = sqlite3_get_autocommit(db) && !writer_running(db);
  sqlite3_stmt *undo[2] = { 0, 0 };     /* ROLLBACK (TO), RELEASE */
  sqlite3_stmt *guard = 0;
  int rc;
  /* the statements that undo the write, prepared before it starts: when
  ** memory runs out half way, undoing must not need any more */
  rc = sqlite3_prepare_v2(db, own ? "ROLLBACK" : "ROLLBACK TO w2v_store", -1, &undo[0], 0);
  if( rc==SQLITE_OK && !own ) rc = sqlite3_prepare_v2(db, "RELEASE w2v_store", -1, &undo[1], 0);
  if( rc==SQLITE_OK ) rc = sqlite3_exec(db, own ? "BEGIN IMMEDIATE" : "SAVEPOINT w2v_store", 0, 0, 0);
  if( rc!=SQLITE_OK ){
    sqlite3_finalize(undo[0]);
    sqlite3_finalize(undo[1]);
    if( rc==SQLITE_NOMEM ) return rc;
    /* WAL: a statement of ours holds a snapshot older than another
    ** connection's commit, and such a snapshot can never write */
    *pzErr = sqlite3_extended_errcode(db)==SQLITE_BUSY_SNAPSHOT ? raced(zFunc, s->zModel, "changed")
           : sqlite3_mprintf("%s: %s", zFunc, sqlite3_errmsg(db));
    return rc;
  }
  /* what the caller saw when it started must still hold */
  gen = w2v_store_generation(db, s->zSchema, s->zModel);
  if( gen==W2V_GEN_NOMEM ){
    rc = SQLITE_NOMEM;
  }else if( gen==W2V_GEN_ERROR ){
    rc = SQLITE_ERROR;
    zWErr = sqlite3_mprintf("%s", sqlite3_errmsg(db));
  }else if( gen!=expectGen ){
    rc = SQLITE_BUSY;
    *pzErr = raced(zFunc, s->zModel, expectGen==W2V_GEN_NONE ? "created" : gen==W2V_GEN_NONE ? "dropped" : "changed");
  }else{
    rc = store_write(db, s, gen!=W2V_GEN_NONE, &guard, &zWErr);
    if( rc!=SQLITE_OK && sqlite3_extended_errcode(db)==SQLITE_BUSY_SNAPSHOT ){
      /* WAL: the statement that called us reads an old snapshot, so the
      ** generation check above saw the old model; another connection has
      ** committed since, and this snapshot can never become a writer */
      *pzErr = raced(zFunc, s->zModel, "changed");
    }
  }
  if( rc==SQLITE_OK ){
    rc = sqlite3_exec(db, own ? "COMMIT" : "RELEASE w2v_store", 0, 0, 0);
    if( rc!=SQLITE_OK ) zWErr = sqlite3_mprintf("%s", sqlite3_errmsg(db));
  }
  if( rc!=SQLITE_OK ){
    if( *pzErr==0 && rc!=SQLITE_NOMEM ){
      *pzErr = sqlite3_mprintf("%s: writing model '%s': %s", zFunc, s->zModel, zWErr ? zWErr : sqlite3_errstr(rc));
    }
    sqlite3_free(zWErr);
    if( sqlite3_step(undo[0])==SQLITE_DONE ){
      if( undo[1] ) sqlite3_step(undo[1]);
    }else if( guard ){
      sqlite3_step(guard);        /* SQLite's own rollback; see guard_start() */
    }
  }
  sqlite3_finalize(guard);
  sqlite3_finalize(undo[0]);
  sqlite3_finalize(undo[1]);
  return rc;
}

/* ---- reading -------------------------------------------------------------- */

/* A statement on shadow tables that would not prepare: a table or column
** that is not there is damage (SQLITE_CORRUPT); anything else (an
** authorizer, a limit, memory) stays what it is.  *pzWhat says which. */
static int prepare_error(sqlite3 *db, int rc, char **pzWhat){
  const char *zMsg = sqlite3_errmsg(db);
  if( rc==SQLITE_NOMEM ) return rc;
  *pzWhat = sqlite3_mprintf("%s", zMsg);
  if( rc==SQLITE_ERROR && (strncmp(zMsg, "no such table", 13)==0 || strncmp(zMsg, "no such column", 14)==0
                           || strstr(zMsg, "has no column named")) ){
    return SQLITE_CORRUPT;
  }
  return rc;
}

int w2v_store_read_config(sqlite3 *db, const char *zSchema, const char *zModel,
                          W2vStoredMeta *m, char **pzWhat){
  sqlite3_stmt *p = 0;
  sqlite3_int64 version = -1;
  int rc, nomem = 0, badTokenize = 0;
  memset(m, 0, sizeof(*m));
  m->arch = m->loss = -1;
  m->storage = W2V_STORE_F32;    /* version 1 has neither key */
  m->output = 1;
  m->nVocab = -1;
  rc = prepare_fmt(db, &p, "SELECT key, value FROM \"%w\".\"%w_config\"", zSchema, zModel);
  if( rc!=SQLITE_OK ){ sqlite3_finalize(p); return prepare_error(db, rc, pzWhat); }
  while( sqlite3_step(p)==SQLITE_ROW ){
    int isInt = sqlite3_column_type(p, 1)==SQLITE_INTEGER;   /* types before text: text converts */
    int isText = sqlite3_column_type(p, 1)==SQLITE_TEXT;
    const char *k = (const char*)sqlite3_column_text(p, 0);
    const char *v = (const char*)sqlite3_column_text(p, 1);
    sqlite3_int64 iv = sqlite3_column_int64(p, 1);
    if( k==0 || v==0 ) continue;
    if( !strcmp(k, "format_version") ) version = isInt ? iv : -1;
    else if( !strcmp(k, "lower") ) m->lower = isInt && (iv==0 || iv==1) ? (int)iv : -1;
    else if( !strcmp(k, "dim") ) m->dim = isInt && iv>=1 && iv<=W2V_MAX_DIM ? (int)iv : -1;
    else if( !strcmp(k, "vocab_size") ) m->nVocab = isInt && iv>=0 && iv<=W2V_MAX_WORDS ? iv : -2;
    else if( !strcmp(k, "arch") ) m->arch = w2v_arch_from_name(v);
    else if( !strcmp(k, "loss") ) m->loss = w2v_loss_from_name(v);
    else if( !strcmp(k, "storage") ) m->storage = w2v_storage_from_name(v);
    else if( !strcmp(k, "output") ) m->output = isInt && (iv==0 || iv==1) ? (int)iv : -1;
    else if( !strcmp(k, "index") ) m->index = isInt && (iv==0 || iv==1) ? (int)iv : -1;
    else if( !strcmp(k, "phrases") ) m->nPhrasePass = isInt && iv>=1 && iv<=W2V_MAX_PHRASE_PASSES ? (int)iv : -1;
    else if( !strcmp(k, "phrase_delimiter") ){
      if( !isText || m->zPhraseDelim || !*v ) m->nPhrasePass = -1;
      else if( (m->zPhraseDelim = sqlite3_mprintf("%s", v))==0 ) nomem = 1;
    }
    else if( !strcmp(k, "label") ){
      if( !isText || m->zLabel || !*v ) m->nLabel = -1;
      else if( (m->zLabel = sqlite3_mprintf("%s", v))==0 ) nomem = 1;
    }
    else if( !strcmp(k, "labels") ) m->nLabel = isInt && iv>=1 && iv<=W2V_MAX_WORDS && m->nLabel>=0 ? iv : -1;
    else if( !strcmp(k, "ngrams") ) m->nNgram = isInt && iv>=0 ? iv : -1;
    else if( !strcmp(k, "word_ngrams") ) m->wordNgrams = isInt && iv>=1 && iv<=100 ? (int)iv : -1;
    else if( !strcmp(k, "bucket") ) m->bucket = isInt && iv>=0 && iv<=W2V_MAX_BUCKET ? iv : -1;
    else if( !strcmp(k, "minn") ) m->minn = isInt && iv>=1 && iv<=W2V_MAX_NGRAM ? (int)iv : -1;
    else if( !strcmp(k, "maxn") ) m->maxn = isInt && iv>=1 && iv<=W2V_MAX_NGRAM ? (int)iv : -1;
    else if( !strcmp(k, "case_fold") ) m->fold = !strcmp(v, "unicode") ? W2V_FOLD_UNICODE : !strcmp(v, "ascii") ? W2V_FOLD_ASCII : -1;
    else if( !strcmp(k, "tokenize") ){
      if( !isText || m->zTokenize || !*v ) badTokenize = 1;
      else if( (m->zTokenize = sqlite3_mprintf("%s", v))==0 ) nomem = 1;
    }
  }
  rc = sqlite3_finalize(p);
  if( rc==SQLITE_OK && nomem ) rc = SQLITE_NOMEM;
  if( rc!=SQLITE_OK ){
    if( rc!=SQLITE_NOMEM ) *pzWhat = sqlite3_mprintf("%s", sqlite3_errmsg(db));
    w2v_store_meta_free(m);
    return rc;
  }
  /* lower=1 before 'case_fold' existed folded A-Z only */
  if( m->fold==0 && m->lower==1 ) m->fold = W2V_FOLD_ASCII;
  if( version<1 || version>W2V_FORMAT_VERSION ){
    *pzWhat = sqlite3_mprintf("format version %lld, this build reads 1 to %d", version, W2V_FORMAT_VERSION);
  }else if( m->dim<1 || m->nVocab<0 || m->arch<0 || m->loss<0
   || (m->arch==W2V_ARCH_NONE)!=(m->loss==W2V_LOSS_NONE) ){
    *pzWhat = sqlite3_mprintf("bad dim, vocab_size, arch or loss in %s_config", zModel);
  }else if( m->lower<0 || m->storage<0 || m->output<0 || m->index<0 ){
    *pzWhat = sqlite3_mprintf("bad lower, storage, output or index in %s_config", zModel);
  }else if( m->fold<0 || badTokenize || (m->fold!=W2V_FOLD_NONE)!=(m->lower==1) ){
    *pzWhat = sqlite3_mprintf("bad tokenize or case_fold in %s_config", zModel);
  }else if( m->nPhrasePass<0 || (m->nPhrasePass>0)!=(m->zPhraseDelim!=0) ){
    *pzWhat = sqlite3_mprintf("bad phrases or phrase_delimiter in %s_config", zModel);
  }else if( (m->arch==W2V_SUPERVISED)!=(m->zLabel!=0) || (m->loss==W2V_LOSS_OVA && m->arch!=W2V_SUPERVISED)
         || (m->arch==W2V_SUPERVISED && (m->loss==W2V_LOSS_NONE || m->nLabel<1 || m->nNgram<0
             || m->wordNgrams<1 || m->bucket<0 || m->nNgram>m->bucket || m->nPhrasePass || !m->output)) ){
    *pzWhat = sqlite3_mprintf("bad label, labels, ngrams, word_ngrams or bucket in %s_config", zModel);
  }else if( m->minn<0 || m->maxn<0 || m->bucket<0 || m->minn>m->maxn || (m->maxn>0)!=(m->minn>0)
         || (m->arch==W2V_SUPERVISED ? m->maxn>0 && m->bucket<1 : (m->maxn>0)!=(m->bucket>0)) ){
    *pzWhat = sqlite3_mprintf("bad minn, maxn or bucket in %s_config", zModel);
  }else{
    return SQLITE_OK;
  }
  w2v_store_meta_free(m);
  return SQLITE_CORRUPT;
}

void w2v_store_meta_free(W2vStoredMeta *m){
  sqlite3_free(m->zTokenize);
  sqlite3_free(m->zPhraseDelim);
  sqlite3_free(m->zLabel);
  m->zTokenize = m->zPhraseDelim = m->zLabel = 0;
}

int w2v_store_read_phrases(sqlite3 *db, const char *zSchema, const char *zModel, int nPass,
                           const char *zDelim, int (*x)(void*, const W2vPhraseRow*), void *ctx,
                           char **pzWhat){
  sqlite3_stmt *p = 0;
  sqlite3_int64 nRow = 0;
  size_t nDelim = strlen(zDelim);
  int rc = prepare_fmt(db, &p, "SELECT pass, phrase, \"left\", \"right\", count, score FROM \"%w\".\"%w_phrases\""
                               " ORDER BY id", zSchema, zModel);
  if( rc!=SQLITE_OK ){ sqlite3_finalize(p); return prepare_error(db, rc, pzWhat); }
  while( (rc = sqlite3_step(p))==SQLITE_ROW ){
    W2vPhraseRow r;
    /* the types first: reading a value as text converts it */
    int allText = sqlite3_column_type(p, 1)==SQLITE_TEXT && sqlite3_column_type(p, 2)==SQLITE_TEXT
               && sqlite3_column_type(p, 3)==SQLITE_TEXT;
    int passIsInt = sqlite3_column_type(p, 0)==SQLITE_INTEGER;
    const char *zPhrase = (const char*)sqlite3_column_text(p, 1);
    int nPhrase = sqlite3_column_bytes(p, 1);
    nRow++;
    r.pass = sqlite3_column_int(p, 0);
    r.zLeft = (const char*)sqlite3_column_text(p, 2);
    r.nLeft = sqlite3_column_bytes(p, 2);
    r.zRight = (const char*)sqlite3_column_text(p, 3);
    r.nRight = sqlite3_column_bytes(p, 3);
    r.count = sqlite3_column_int64(p, 4);
    r.score = sqlite3_column_double(p, 5);
    if( (zPhrase==0 || r.zLeft==0 || r.zRight==0) && sqlite3_errcode(db)==SQLITE_NOMEM ){ rc = SQLITE_NOMEM; break; }
    if( !passIsInt || r.pass<1 || r.pass>nPass || !allText || r.nLeft==0 || r.nRight==0
     || (size_t)nPhrase!=r.nLeft+nDelim+r.nRight || memcmp(zPhrase, r.zLeft, r.nLeft)
     || memcmp(zPhrase+r.nLeft, zDelim, nDelim) || memcmp(zPhrase+r.nLeft+nDelim, r.zRight, r.nRight) ){
      *pzWhat = sqlite3_mprintf("%s_phrases row %lld is not a phrase of passes 1..%d joined by '%s'",
                                zModel, nRow, nPass, zDelim);
      rc = SQLITE_CORRUPT;
      break;
    }
    if( (rc = x(ctx, &r))!=SQLITE_OK ) break;
  }
  if( rc==SQLITE_DONE ) rc = SQLITE_OK;
  if( rc==SQLITE_ROW ) rc = SQLITE_OK;
  if( rc!=SQLITE_OK && rc!=SQLITE_CORRUPT && rc!=SQLITE_NOMEM && *pzWhat==0 ){
    *pzWhat = sqlite3_mprintf("%s", sqlite3_errmsg(db));
  }
  sqlite3_finalize(p);
  return rc;
}

/* <model>_vocab, or a classifier's <model>_labels (zTab). */
static int read_words(sqlite3 *db, const char *zSchema, const char *zModel, const char *zTab,
                      sqlite3_int64 nVocab, W2vVocab *v, char **pzWhat){
  sqlite3_stmt *p = 0;
  sqlite3_int64 prev = INT64_MAX, total = 0;
  int isLabel = strcmp(zTab, "labels")==0;
  int rc = prepare_fmt(db, &p, "SELECT id, %s, count FROM \"%w\".\"%w_%s\" ORDER BY id",
                       isLabel ? "label" : "word", zSchema, zModel, zTab);
  if( rc!=SQLITE_OK ){ sqlite3_finalize(p); return prepare_error(db, rc, pzWhat); }
  /* room for vocab_size words at once (a hint: the rows are checked against
  ** it below, and when the room cannot be had the words grow it as usual) */
  w2v_vocab_reserve_append(v, nVocab, (size_t)nVocab*12 + 16384);
  while( (rc = sqlite3_step(p))==SQLITE_ROW ){
    /* the row's values once, then the value_ calls: a third faster than
    ** the column_ calls over millions of words (each of those enters the
    ** connection's mutex, which the caller's statement holds already) */
    sqlite3_value *pId = sqlite3_column_value(p, 0), *pWord = sqlite3_column_value(p, 1);
    sqlite3_value *pCount = sqlite3_column_value(p, 2);
    int isText = sqlite3_value_type(pWord)==SQLITE_TEXT;
    const char *w = isText ? (const char*)sqlite3_value_text(pWord) : 0;
    int n = isText ? sqlite3_value_bytes(pWord) : 0;
    sqlite3_int64 count = sqlite3_value_int64(pCount);
    int64_t id;
    rc = SQLITE_CORRUPT;
    if( sqlite3_value_type(pId)!=SQLITE_INTEGER || sqlite3_value_int64(pId)!=v->n+1 || v->n>=nVocab ){
      *pzWhat = sqlite3_mprintf("%s_%s ids are not 1..%s", zModel, zTab, isLabel ? "labels" : "vocab_size");
    }else if( w==0 || n==0 ){
      if( isText && w==0 ) rc = SQLITE_NOMEM;
      else *pzWhat = sqlite3_mprintf("%s_%s row %lld has no %s", zModel, zTab, (sqlite3_int64)v->n+1, isLabel ? "label" : "word");
    }else if( sqlite3_value_type(pCount)!=SQLITE_INTEGER || count<1 || count>prev ){
      *pzWhat = sqlite3_mprintf("%s_%s row %lld: count must be a positive integer, "
                                "not above the count of the row before", zModel, zTab, (sqlite3_int64)v->n+1);
    }else if( count > INT64_MAX/4 - total ){
      *pzWhat = sqlite3_mprintf("%s_%s counts add up to more than 2^61", zModel, zTab);
    }else{
      rc = SQLITE_ROW;
    }
    if( rc!=SQLITE_ROW ) break;
    prev = count;
    total += count;
    /* the caller indexes them once all are in (much faster for millions) */
    id = w2v_vocab_append(v, w, (uint32_t)n, count);
    if( id<0 ){ rc = SQLITE_NOMEM; break; }
    rc = SQLITE_OK;
  }
  if( rc==SQLITE_DONE || rc==SQLITE_ROW ) rc = SQLITE_OK;
  if( rc!=SQLITE_OK && rc!=SQLITE_CORRUPT && rc!=SQLITE_NOMEM && *pzWhat==0 ){
    *pzWhat = sqlite3_mprintf("%s", sqlite3_errmsg(db));
  }
  sqlite3_finalize(p);
  if( rc==SQLITE_OK && v->n!=nVocab ){
    *pzWhat = sqlite3_mprintf("%s_%s has %lld %s, expected %lld", zModel, zTab, (sqlite3_int64)v->n, isLabel ? "labels" : "words", nVocab);
    rc = SQLITE_CORRUPT;
  }
  return rc;
}

int w2v_store_read_vocab(sqlite3 *db, const char *zSchema, const char *zModel,
                         sqlite3_int64 nVocab, W2vVocab *v, char **pzWhat){
  return read_words(db, zSchema, zModel, "vocab", nVocab, v, pzWhat);
}

int w2v_store_read_labels(sqlite3 *db, const char *zSchema, const char *zModel,
                          sqlite3_int64 nLabel, W2vVocab *v, char **pzWhat){
  int64_t repeat = -1;
  int rc = read_words(db, zSchema, zModel, "labels", nLabel, v, pzWhat);
  if( rc==SQLITE_OK && w2v_vocab_index_alloc(v) ) rc = SQLITE_NOMEM;
  if( rc==SQLITE_OK ) w2v_vocab_index_fill(v, &repeat);
  if( rc==SQLITE_OK && repeat>=0 ){
    *pzWhat = sqlite3_mprintf("%s_labels repeats the label '%s'", zModel, w2v_vocab_word(v, repeat));
    rc = SQLITE_CORRUPT;
  }
  return rc;
}

int w2v_store_read_ngrams(sqlite3 *db, const char *zSchema, const char *zModel, int storage, int dim,
                          sqlite3_int64 nNgram, sqlite3_int64 bucket, int64_t *aBucket, float *vec,
                          char **pzWhat){
  sqlite3_stmt *p = 0;
  sqlite3_int64 i = 0, prev = -1;
  int bad = 0;
  int rc;
  if( nNgram==0 ){
    /* no rows: the table is made only for rows, but one left there (config
    ** damaged) must not be ignored */
    char *zTab = sqlite3_mprintf("%s_ngrams", zModel);
    if( zTab==0 ) return SQLITE_NOMEM;
    rc = prepare_fmt(db, &p, "SELECT 1 FROM \"%w\".sqlite_master WHERE type='table' AND name=?1", zSchema);
    if( rc==SQLITE_OK ) sqlite3_bind_text(p, 1, zTab, -1, SQLITE_STATIC);
    rc = rc==SQLITE_OK ? sqlite3_step(p) : rc;
    sqlite3_finalize(p);
    p = 0;
    sqlite3_free(zTab);
    if( rc==SQLITE_DONE ) return SQLITE_OK;
    if( rc!=SQLITE_ROW ) return prepare_error(db, rc, pzWhat);
  }
  rc = prepare_fmt(db, &p, "SELECT bucket, vector FROM \"%w\".\"%w_ngrams\" ORDER BY bucket", zSchema, zModel);
  if( rc!=SQLITE_OK ){ sqlite3_finalize(p); return prepare_error(db, rc, pzWhat); }
  while( (rc = sqlite3_step(p))==SQLITE_ROW ){
    sqlite3_int64 k = sqlite3_column_int64(p, 0);
    char *zWhy;
    if( i>=nNgram || sqlite3_column_type(p, 0)!=SQLITE_INTEGER || k<=prev || k>=bucket ){
      *pzWhat = sqlite3_mprintf("%s_ngrams has an unexpected bucket %lld (bucket=%lld, %lld rows)", zModel, k, bucket, nNgram);
      bad = 1;
      break;
    }
    if( stored_vector(p, 1, storage, dim, vec + i*dim, &zWhy) ){
      *pzWhat = damage(sqlite3_mprintf("%s_ngrams bucket %lld", zModel, k), zWhy);
      bad = 1;
      break;
    }
    aBucket[i++] = k;
    prev = k;
  }
  sqlite3_finalize(p);
  return rows_read_end(db, bad, rc, zModel, "ngrams", i, nNgram, pzWhat);
}

int w2v_store_row_prepare(sqlite3 *db, const char *zSchema, const char *zModel, sqlite3_stmt **pp, char **pzWhat){
  int rc = prepare_fmt(db, pp, "SELECT vector FROM \"%w\".\"%w_input\" WHERE id=?1", zSchema, zModel);
  if( rc!=SQLITE_OK ){
    sqlite3_finalize(*pp);
    *pp = 0;
    return prepare_error(db, rc, pzWhat);
  }
  return SQLITE_OK;
}

int w2v_store_row_read(sqlite3 *db, sqlite3_stmt *p, const char *zModel, int storage, int dim, int64_t id,
                       float *v, char **pzWhat){
  int rc;
  char *zWhy;
  sqlite3_bind_int64(p, 1, id+1);
  rc = sqlite3_step(p);
  if( rc==SQLITE_ROW ){
    rc = SQLITE_OK;
    if( stored_vector(p, 0, storage, dim, v, &zWhy) ){
      *pzWhat = damage(sqlite3_mprintf("%s_input row %lld", zModel, (sqlite3_int64)id+1), zWhy);
      rc = SQLITE_CORRUPT;
    }
  }else if( rc==SQLITE_DONE ){
    *pzWhat = sqlite3_mprintf("%s_input has no row %lld", zModel, (sqlite3_int64)id+1);
    rc = SQLITE_CORRUPT;
  }else if( rc!=SQLITE_NOMEM ){
    *pzWhat = sqlite3_mprintf("%s", sqlite3_errmsg(db));
  }
  sqlite3_reset(p);
  return rc;
}

int w2v_store_read_vectors(sqlite3 *db, const char *zSchema, const char *zModel, const char *zWhich,
                           int storage, int dim, float *a, sqlite3_int64 nRow, char **pzWhat){
  sqlite3_stmt *p = 0;
  sqlite3_int64 i = 0;
  int bad = 0;
  int rc = prepare_fmt(db, &p, "SELECT id, vector FROM \"%w\".\"%w_%s\" ORDER BY id", zSchema, zModel, zWhich);
  if( rc!=SQLITE_OK ){ sqlite3_finalize(p); return prepare_error(db, rc, pzWhat); }
  while( (rc = sqlite3_step(p))==SQLITE_ROW ){
    char *zWhy;
    /* damage is decided by bad, not by *pzWhat, which is NULL when the
    ** message cannot be made (out of memory) */
    if( i>=nRow || sqlite3_column_type(p, 0)!=SQLITE_INTEGER || sqlite3_column_int64(p, 0)!=i+1 ){
      *pzWhat = sqlite3_mprintf("%s_%s has unexpected row id %lld", zModel, zWhich, sqlite3_column_int64(p, 0));
      bad = 1;
      break;
    }
    if( stored_vector(p, 1, storage, dim, a + i*dim, &zWhy) ){
      *pzWhat = damage(sqlite3_mprintf("%s_%s row %lld", zModel, zWhich, i+1), zWhy);
      bad = 1;
      break;
    }
    i++;
  }
  sqlite3_finalize(p);
  return rows_read_end(db, bad, rc, zModel, zWhich, i, nRow, pzWhat);
}

int w2v_store_read_doc_meta(sqlite3 *db, const char *zSchema, const char *zModel, W2vDocMeta *d, char **pzWhat){
  sqlite3_stmt *p = 0;
  int rc, bad = 0;
  memset(d, 0, sizeof(*d));
  d->docWords = 1;
  rc = prepare_fmt(db, &p, "SELECT key, value FROM \"%w\".\"%w_config\" WHERE key IN ('docs', 'doc_words',"
                           " 'documents', 'window', 'negative', 'ns_exponent', 'sample', 'alpha', 'min_alpha',"
                           " 'epochs', 'seed')", zSchema, zModel);
  if( rc!=SQLITE_OK ){ sqlite3_finalize(p); return prepare_error(db, rc, pzWhat); }
  /* models made before documents (or imported) lack the training keys */
  d->window = 5; d->negative = 5; d->epochs = 5; d->nsExponent = 0.75; d->sample = 1e-3;
  d->alpha = 0.025; d->minAlpha = 0.0000025; d->seed = 1;
  while( sqlite3_step(p)==SQLITE_ROW ){
    int t = sqlite3_column_type(p, 1);
    const char *k = (const char*)sqlite3_column_text(p, 0);
    sqlite3_int64 iv = sqlite3_column_int64(p, 1);
    double rv = sqlite3_column_double(p, 1);
    int isInt = t==SQLITE_INTEGER, isNum = t==SQLITE_INTEGER || t==SQLITE_FLOAT;
    const char *v;
    if( k==0 ) continue;
    if( !strcmp(k, "docs") ){
      v = (const char*)sqlite3_column_text(p, 1);
      d->docs = v && t==SQLITE_TEXT && !strcmp(v, "dbow") ? W2V_DOCS_DBOW
              : v && t==SQLITE_TEXT && !strcmp(v, "dm") ? W2V_DOCS_DM : -1;
    }
    else if( !strcmp(k, "doc_words") ){ if( isInt && (iv==0 || iv==1) ) d->docWords = (int)iv; else bad = 1; }
    else if( !strcmp(k, "documents") ){ if( isInt && iv>=1 && iv<=W2V_MAX_WORDS ) d->nDoc = iv; else bad = 1; }
    else if( !strcmp(k, "window") ){ if( isInt && iv>=1 && iv<=1000 ) d->window = (int)iv; else bad = 1; }
    else if( !strcmp(k, "negative") ){ if( isInt && iv>=0 && iv<=1000 ) d->negative = (int)iv; else bad = 1; }
    else if( !strcmp(k, "epochs") ){ if( isInt && iv>=1 && iv<=100000 ) d->epochs = (int)iv; else bad = 1; }
    else if( !strcmp(k, "seed") ){ if( isInt && iv>=0 ) d->seed = iv; else bad = 1; }
    else if( !isNum || !isfinite(rv) || rv<-10 || rv>10 ){ bad = 1; }
    else if( !strcmp(k, "ns_exponent") ) d->nsExponent = rv;
    else if( !strcmp(k, "sample") ) d->sample = rv;
    else if( !strcmp(k, "alpha") ) d->alpha = rv;
    else if( !strcmp(k, "min_alpha") ) d->minAlpha = rv;
  }
  rc = sqlite3_finalize(p);
  if( rc!=SQLITE_OK ){
    if( rc!=SQLITE_NOMEM ) *pzWhat = sqlite3_mprintf("%s", sqlite3_errmsg(db));
    return rc;
  }
  if( bad || d->docs<0 || (d->docs>0)!=(d->nDoc>0) || d->sample<0 || d->alpha<=0 || d->minAlpha<0 ){
    *pzWhat = sqlite3_mprintf("bad docs, doc_words, documents or training options in %s_config", zModel);
    return SQLITE_CORRUPT;
  }
  return SQLITE_OK;
}

int w2v_store_read_docs(sqlite3 *db, const char *zSchema, const char *zModel, sqlite3_int64 nDoc, int dim,
                        W2vVocab *keys, int *pKeyText, float **pDocv, char **pzWhat){
  sqlite3_stmt *p = 0;
  sqlite3_int64 i = 0, nAlloc = 0;
  float *docv = 0;
  int bad = 0;
  int rc = prepare_fmt(db, &p, "SELECT id, key, vector FROM \"%w\".\"%w_docs\" ORDER BY id", zSchema, zModel);
  *pDocv = 0;
  if( rc!=SQLITE_OK ){ sqlite3_finalize(p); return prepare_error(db, rc, pzWhat); }
  *pKeyText = 0;
  while( (rc = sqlite3_step(p))==SQLITE_ROW ){
    int t = sqlite3_column_type(p, 1);
    const char *z;
    char *zWhy;
    int n;
    int64_t id;
    sqlite3_int64 iv;
    if( i>=nDoc || sqlite3_column_type(p, 0)!=SQLITE_INTEGER || sqlite3_column_int64(p, 0)!=i+1 ){
      *pzWhat = sqlite3_mprintf("%s_docs ids are not 1..documents", zModel);
      bad = 1; break;
    }
    if( (t!=SQLITE_INTEGER && t!=SQLITE_TEXT) || (i>0 && (t==SQLITE_TEXT)!=*pKeyText) ){
      *pzWhat = sqlite3_mprintf("%s_docs keys are not all integers or all text (row %lld)", zModel, i+1);
      bad = 1; break;
    }
    *pKeyText = t==SQLITE_TEXT;
    if( t==SQLITE_TEXT ){
      z = (const char*)sqlite3_column_text(p, 1);
      n = sqlite3_column_bytes(p, 1);
      if( z==0 ){ rc = SQLITE_NOMEM; break; }
    }else{
      iv = sqlite3_column_int64(p, 1);
      z = (const char*)&iv;
      n = (int)sizeof(iv);
    }
    id = w2v_vocab_add(keys, z, (uint32_t)n, 1);
    if( id<0 ){ rc = SQLITE_NOMEM; break; }
    if( id!=i ){
      *pzWhat = sqlite3_mprintf("%s_docs repeats a key (row %lld)", zModel, i+1);
      bad = 1; break;
    }
    if( i>=nAlloc ){
      /* grown as rows come: a damaged count in the config allocates nothing */
      sqlite3_int64 nNew = nAlloc ? nAlloc*2 : 1024;
      float *a;
      if( nNew>nDoc ) nNew = nDoc;
      a = w2v_core_realloc(docv, (size_t)nNew*(size_t)dim*sizeof(float));
      if( a==0 ){ rc = SQLITE_NOMEM; break; }
      docv = a;
      nAlloc = nNew;
    }
    if( stored_vector(p, 2, W2V_STORE_F32, dim, docv + i*dim, &zWhy) ){
      *pzWhat = damage(sqlite3_mprintf("%s_docs row %lld", zModel, i+1), zWhy);
      bad = 1; break;
    }
    i++;
  }
  sqlite3_finalize(p);
  rc = rows_read_end(db, bad, rc, zModel, "docs", i, nDoc, pzWhat);
  if( rc==SQLITE_OK ){
    *pDocv = docv;
    return SQLITE_OK;
  }
  w2v_core_free(docv);
  return rc;
}

int w2v_store_ngram_prepare(sqlite3 *db, const char *zSchema, const char *zModel, sqlite3_stmt **pp, char **pzWhat){
  int rc = prepare_fmt(db, pp, "SELECT vector FROM \"%w\".\"%w_ngrams\" WHERE bucket=?1", zSchema, zModel);
  if( rc!=SQLITE_OK ){
    sqlite3_finalize(*pp);
    *pp = 0;
    return prepare_error(db, rc, pzWhat);
  }
  return SQLITE_OK;
}

int w2v_store_ngram_read(sqlite3 *db, sqlite3_stmt *p, const char *zModel, int dim, sqlite3_int64 key,
                         float *v, char **pzWhat){
  int rc;
  char *zWhy;
  sqlite3_bind_int64(p, 1, key);
  rc = sqlite3_step(p);
  if( rc==SQLITE_ROW ){
    if( stored_vector(p, 0, W2V_STORE_F32, dim, v, &zWhy) ){
      *pzWhat = damage(sqlite3_mprintf("%s_ngrams row %lld", zModel, key), zWhy);
      rc = SQLITE_CORRUPT;
    }
  }else if( rc!=SQLITE_DONE && rc!=SQLITE_NOMEM ){
    *pzWhat = sqlite3_mprintf("%s", sqlite3_errmsg(db));
  }
  sqlite3_reset(p);
  return rc;
}

int w2v_store_ngrams_scan(sqlite3 *db, const char *zSchema, const char *zModel, int dim,
                          int (*x)(void*, sqlite3_int64 bucket, const float *v), void *ctx, char **pzWhat){
  sqlite3_stmt *p = 0;
  float *v = sqlite3_malloc64(sizeof(float)*(size_t)dim);
  int rc = v ? prepare_fmt(db, &p, "SELECT bucket, vector FROM \"%w\".\"%w_ngrams\" WHERE bucket>=0 ORDER BY bucket",
                           zSchema, zModel) : SQLITE_NOMEM;
  if( rc!=SQLITE_OK ){
    sqlite3_finalize(p);
    sqlite3_free(v);
    return rc==SQLITE_NOMEM ? rc : prepare_error(db, rc, pzWhat);
  }
  while( (rc = sqlite3_step(p))==SQLITE_ROW ){
    char *zWhy;
    if( stored_vector(p, 1, W2V_STORE_F32, dim, v, &zWhy) ){
      *pzWhat = damage(sqlite3_mprintf("%s_ngrams bucket %lld", zModel, sqlite3_column_int64(p, 0)), zWhy);
      rc = SQLITE_CORRUPT;
      break;
    }
    rc = x(ctx, sqlite3_column_int64(p, 0), v);
    if( rc ) break;
  }
  if( rc==SQLITE_DONE ) rc = SQLITE_OK;
  else if( rc!=SQLITE_OK && rc!=SQLITE_CORRUPT && rc!=SQLITE_NOMEM && *pzWhat==0 && sqlite3_errcode(db)==rc ){
    *pzWhat = sqlite3_mprintf("%s", sqlite3_errmsg(db));
  }
  sqlite3_finalize(p);
  sqlite3_free(v);
  return rc;
}
